/**
 * Postgres values, as the server sends them in text form, turned into plain JS values (the rows
 * of `query`) or into an Arrow table (`queryArrow`), close to what the DuckDB destination
 * returns. The rule for numbers is DuckDB's: a value a JS number holds exactly is a number; any
 * other stays exact, as a `bigint` (integers) or as the server's text (numerics).
 *
 * | Postgres type                      | `query` value                            | Arrow type                  |
 * | ---------------------------------- | ---------------------------------------- | --------------------------- |
 * | `smallint`, `integer`              | number                                   | Int16, Int32                |
 * | `bigint`                           | number when safe, else `bigint`          | Int64                       |
 * | `real`, `double precision`         | number (`NaN`, `±Infinity` too)          | Float32, Float64            |
 * | `numeric`                          | number when exact, else the server's text | Decimal(p,s) up to 38 digits, else Utf8 |
 * | `boolean`                          | boolean                                  | Bool                        |
 * | `timestamp with(out) time zone`    | `Date` (milliseconds; `timestamp` as UTC) | Timestamp(µs, "UTC" or none) |
 * | `date`                             | `Date` at UTC midnight                   | Date(day)                   |
 * | `bytea`                            | `Uint8Array`                             | Binary                      |
 * | `json`, `jsonb`                    | the JSON text (as DuckDB returns json)   | Utf8                        |
 * | anything else (text, uuid, time, arrays, …) | the server's text               | Utf8                        |
 *
 * Dates and timestamps a `Date` cannot hold (`infinity`) come back as the server's text; their
 * Arrow column is then Utf8.
 *
 * @module
 */
import {
  Binary,
  Bool,
  type Data,
  type DataType,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
} from "../../lib/deps/apache_arrow.ts";
import { decimalValue } from "../../lib/decimal_text.ts";

/** A column of a result, as pg describes it. */
export interface ResultField {
  /** Column name. */
  name: string;
  /** The type's OID. */
  dataTypeID: number;
  /** The type modifier (`numeric(p,s)`: `(p << 16 | s) + 4`), -1 when none. */
  dataTypeModifier: number;
}

/** OIDs of the built-in types converted here (`pg_type`); the sql_database source reads them too. */
export const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  jsonb: 3802,
} as const;

/** Microseconds per millisecond and per day. */
const MICROS_PER_MS = 1000n;
const MS_PER_DAY = 86_400_000;

const TIMESTAMP_TEXT =
  /^(\d{4,})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?)?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/;

/**
 * Microseconds since the epoch of a Postgres `date`, `timestamp` (read as UTC) or `timestamptz`
 * text; `undefined` for one that is not a point in time (`infinity`).
 */
export function epochMicros(text: string): bigint | undefined {
  const m = TIMESTAMP_TEXT.exec(text);
  if (m === null) return undefined;
  const [, year, month, day, hour = "0", minute = "0", second = "0", fraction = "", sign] = m;
  const offset = (Number(m[9] ?? 0) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) *
    (sign === "-" ? -1 : 1);
  const date = new Date(0);
  // setUTCFullYear takes years below 100 as they are; year 1 BC is year 0
  date.setUTCFullYear(m[12] ? 1 - Number(year) : Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second) - offset);
  if (Number.isNaN(date.getTime())) return undefined;
  return BigInt(date.getTime()) * MICROS_PER_MS + BigInt(fraction.padEnd(6, "0"));
}

/** `micros` since the epoch as a `Date` (whole milliseconds, rounded down). */
function dateOfMicros(micros: bigint): Date {
  const remainder = ((micros % MICROS_PER_MS) + MICROS_PER_MS) % MICROS_PER_MS;
  return new Date(Number((micros - remainder) / MICROS_PER_MS));
}

/** An integer as a number when `Number.isSafeInteger`, else as a `bigint`. */
function integer(text: string): number | bigint {
  const number = Number(text);
  return Number.isSafeInteger(number) ? number : BigInt(text);
}

/** The bytes of a `bytea` in Postgres' hex output (`\x0aff`). */
function bytes(text: string): Uint8Array {
  const hex = text.startsWith("\\x") ? text.slice(2) : text;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * How the text of a column of type `oid` becomes a JS value, as {@linkcode pgRows} converts it
 * unless told otherwise.
 */
export function pgValueConverter(oid: number): (text: string) => unknown {
  switch (oid) {
    case OID.bool:
      return (text) => text === "t";
    case OID.int2:
    case OID.int4:
    case OID.oid:
    case OID.float4:
    case OID.float8:
      return Number;
    case OID.int8:
      return integer;
    case OID.numeric:
      return (text) => /^-?(NaN|Infinity)$/.test(text) ? Number(text) : decimalValue(text);
    case OID.date:
    case OID.timestamp:
    case OID.timestamptz:
      return (text) => {
        const micros = epochMicros(text);
        return micros === undefined ? text : dateOfMicros(micros);
      };
    case OID.bytea:
      return bytes;
    default:
      return (text) => text;
  }
}

/**
 * The `rows` of a result (each a list of the server's texts, `null` for NULL) as plain objects
 * keyed by the `fields`' names, converted as the module doc says (or by `converterFor`, the
 * converter of a type's OID).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pgRows } from "./_values.ts";
 * const fields = [
 *   { name: "id", dataTypeID: 20, dataTypeModifier: -1 },
 *   { name: "at", dataTypeID: 1184, dataTypeModifier: -1 },
 * ];
 * assert.deepEqual(pgRows(fields, [["9007199254740993", "2024-05-01 12:00:00.25+00"]]), [
 *   { id: 9007199254740993n, at: new Date("2024-05-01T12:00:00.250Z") },
 * ]);
 * ```
 */
export function pgRows<T = Record<string, unknown>>(
  fields: readonly ResultField[],
  rows: readonly (readonly (string | null)[])[],
  converterFor: (oid: number) => (text: string) => unknown = pgValueConverter,
): T[] {
  const converters = fields.map((field) => converterFor(field.dataTypeID));
  return rows.map((row) => {
    const object: Record<string, unknown> = {};
    fields.forEach((field, i) => {
      const text = row[i];
      object[field.name] = text === null ? null : converters[i](text);
    });
    return object as T;
  });
}

/** Precision and scale of a `numeric` type modifier; `undefined` for an unconstrained one. */
function numericTypmod(modifier: number): { precision: number; scale: number } | undefined {
  if (modifier < 4) return undefined;
  const value = modifier - 4;
  return { precision: (value >> 16) & 0xffff, scale: value & 0xffff };
}

/** The most digits an Arrow Decimal128 holds. */
const MAX_DECIMAL128_DIGITS = 38;

/** A validity bitmap of `values` (bit set: not null) and the count of nulls. */
function validity(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((value, i) => {
    if (value === null) nullCount++;
    else nullBitmap[i >> 3] |= 1 << (i & 7);
  });
  return { nullBitmap, nullCount };
}

/**
 * A fixed-width Arrow column of `type` from `texts`, each read by `read` into `data[i]`, or
 * `undefined` when some text has no value of that type.
 */
function fixedColumn<T extends DataType>(
  type: T,
  texts: readonly (string | null)[],
  data: BigInt64Array | Int32Array | Uint32Array,
  read: (text: string, i: number) => boolean,
): Data<T> | undefined {
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i];
    if (text !== null && !read(text, i)) return undefined;
  }
  return makeData({ type, length: texts.length, ...validity(texts), data } as never) as Data<T>;
}

/** The Arrow column of `texts` of a result column `field`, typed as the module doc says. */
function arrowColumn(field: ResultField, texts: readonly (string | null)[]): Data {
  const length = texts.length;
  const convert = pgValueConverter(field.dataTypeID);
  const values = () => texts.map((text) => text === null ? null : convert(text));
  const utf8 = () => vectorFromArray(texts, new Utf8()).data[0];
  switch (field.dataTypeID) {
    case OID.bool:
      return vectorFromArray(values() as (boolean | null)[], new Bool()).data[0];
    case OID.int2:
      return vectorFromArray(values() as (number | null)[], new Int16()).data[0];
    case OID.int4:
      return vectorFromArray(values() as (number | null)[], new Int32()).data[0];
    case OID.float4:
      return vectorFromArray(values() as (number | null)[], new Float32()).data[0];
    case OID.float8:
      return vectorFromArray(values() as (number | null)[], new Float64()).data[0];
    case OID.int8: {
      const data = new BigInt64Array(length);
      return fixedColumn(new Int64(), texts, data, (text, i) => {
        data[i] = BigInt(text);
        return true;
      })!;
    }
    case OID.bytea:
      return vectorFromArray(values() as (Uint8Array | null)[], new Binary()).data[0];
    case OID.numeric: {
      const typmod = numericTypmod(field.dataTypeModifier);
      if (typmod === undefined || typmod.precision > MAX_DECIMAL128_DIGITS) return utf8();
      const words = new Uint32Array(length * 4);
      const type = new Decimal(typmod.scale, typmod.precision, 128);
      return fixedColumn(type, texts, words, (text, i) => {
        const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
        if (match === null) return false;
        const unscaled = BigInt(
          `${match[1]}${match[2]}${(match[3] ?? "").padEnd(typmod.scale, "0")}`,
        );
        const bits = BigInt.asUintN(128, unscaled);
        for (let w = 0; w < 4; w++) {
          words[i * 4 + w] = Number((bits >> BigInt(32 * w)) & 0xffffffffn);
        }
        return true;
      }) ?? utf8();
    }
    case OID.date: {
      const days = new Int32Array(length);
      return fixedColumn(new DateDay(), texts, days, (text, i) => {
        const micros = epochMicros(text);
        days[i] = Math.floor(Number(micros ?? 0n) / 1000 / MS_PER_DAY);
        return micros !== undefined;
      }) ?? utf8();
    }
    case OID.timestamp:
    case OID.timestamptz: {
      const micros = new BigInt64Array(length);
      const zone = field.dataTypeID === OID.timestamptz ? "UTC" : null;
      return fixedColumn(new TimestampMicrosecond(zone), texts, micros, (text, i) => {
        const value = epochMicros(text);
        micros[i] = value ?? 0n;
        return value !== undefined;
      }) ?? utf8();
    }
    default:
      return utf8();
  }
}

/**
 * The `rows` of a result as an Arrow table with a column per field, typed as the module doc
 * says. A name that repeats an earlier one gets a suffix (`id`, `id_1`): Arrow tables need
 * distinct names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pgArrowTable } from "./_values.ts";
 * const table = pgArrowTable(
 *   [
 *     { name: "price", dataTypeID: 1700, dataTypeModifier: (10 << 16 | 2) + 4 },
 *     { name: "price", dataTypeID: 25, dataTypeModifier: -1 },
 *   ],
 *   [["12.50", "twelve"], [null, null]],
 * );
 * assert.deepEqual(table.schema.fields.map((f) => `${f.name}: ${f.type}`), [
 *   "price: Decimal[10e+2]",
 *   "price_1: Utf8",
 * ]);
 * assert.equal(table.numRows, 2);
 * ```
 */
export function pgArrowTable(
  fields: readonly ResultField[],
  rows: readonly (readonly (string | null)[])[],
): Table {
  const columns = fields.map((field, i) => arrowColumn(field, rows.map((row) => row[i])));
  const seen = new Set<string>();
  const arrowFields = fields.map((field, i) => {
    let name = field.name;
    for (let n = 1; seen.has(name); n++) name = `${field.name}_${n}`;
    seen.add(name);
    return new Field(name, columns[i].type, true);
  });
  const schema = new Schema(arrowFields);
  const struct = makeData({
    type: new Struct(arrowFields),
    length: rows.length,
    nullCount: 0,
    children: columns,
  });
  return new Table(schema, [new RecordBatch(schema, struct)]);
}
