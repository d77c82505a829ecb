/**
 * Apache Arrow tables and record batches as resource items, as dlt loads them: one row per
 * Arrow row, with column hints taken from the Arrow schema (`arrowColumnHints`) and values
 * converted row by row (`arrowRows`), one record batch at a time, so a large table is never
 * turned into objects all at once.
 *
 * Arrow is recognised by its shape, not by `instanceof`: a user's own `apache-arrow` works as
 * well as ours (tested with versions 17 and 21; the type ids below are the Arrow format's).
 *
 * Types, as dlt maps them: integers → `bigint` (8/16/32-bit ones with that precision; unsigned
 * ones one size up, where dlt's mapping would overflow the signed column, and unsigned 64-bit
 * ones `decimal(20, 0)`), floats → `double`,
 * strings → `text`, booleans → `bool`, timestamps → `timestamp` (precision from the unit, time
 * zone kept or absent), dates → `date`, decimals → `decimal(precision, scale)`, binary →
 * `binary`, lists, structs, maps and unions → `json` (not unpacked into child tables),
 * dictionaries → their value type, the null type → a column of no type. Times of day have no
 * type here: they load as `text` (`HH:MM:SS.ffffff`). Durations and intervals are refused, as
 * in dlt.
 *
 * @module
 */
import { decimalText } from "../decimal_text.ts";
import type { ColumnHint } from "../schema/schema.ts";

/** The slice of an Arrow data type read here. */
interface ArrowType {
  typeId: number;
  bitWidth?: number;
  isSigned?: boolean;
  unit?: number;
  timezone?: string | null;
  precision?: number;
  scale?: number;
  byteWidth?: number;
  /** The value type of a dictionary. */
  dictionary?: ArrowType;
  /** Fields of nested types. */
  children?: readonly ArrowField[];
  toString(): string;
}

/** The slice of an Arrow field read here. */
interface ArrowField {
  name: string;
  type: ArrowType;
  nullable: boolean;
}

/** The slice of an Arrow vector read here. */
interface ArrowVector {
  length: number;
  get(index: number): unknown;
  data: readonly ArrowChunk[];
}

/**
 * The slice of an Arrow `Data` (one chunk of a vector) read here. A slice of it keeps `values`
 * (but for booleans) and `valueOffsets` starting at its first row; `offset` applies to the
 * validity bits.
 */
interface ArrowChunk {
  values?: unknown;
  valueOffsets?: unknown;
  nullBitmap?: Uint8Array;
  nullCount?: number;
  offset?: number;
  length?: number;
}

/** The slice of an Arrow `RecordBatch` (and `Table`) read here. */
interface ArrowBatch {
  schema: { fields: readonly ArrowField[] };
  numRows: number;
  getChildAt(index: number): ArrowVector | null;
}

/** An Arrow `Table` or `RecordBatch`, recognised by {@linkcode isArrowData}. */
export type ArrowData = ArrowBatch & { batches?: ArrowBatch[] };

/** Arrow's type ids (the format's `Type` enum; `apache-arrow` exports it as `Type`). */
const TYPE = {
  null: 1,
  int: 2,
  float: 3,
  binary: 4,
  utf8: 5,
  bool: 6,
  decimal: 7,
  date: 8,
  time: 9,
  timestamp: 10,
  interval: 11,
  list: 12,
  struct: 13,
  union: 14,
  fixedSizeBinary: 15,
  fixedSizeList: 16,
  map: 17,
  duration: 18,
  largeBinary: 19,
  largeUtf8: 20,
  largeList: 21,
  binaryView: 23,
  utf8View: 24,
  dictionary: -1,
} as const;

/** Fraction digits of Arrow's time units (`TimeUnit`: second, milli, micro, nano). */
const UNIT_DIGITS = [0, 3, 6, 9];

/** Whether `value` is an Arrow `Table` or `RecordBatch` (of any `apache-arrow` version). */
export function isArrowData(value: unknown): value is ArrowData {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<ArrowBatch>;
  return typeof candidate.numRows === "number" && typeof candidate.getChildAt === "function" &&
    Array.isArray(candidate.schema?.fields);
}

/** Where rows made from Arrow data keep that data, for its schema's column hints. */
const ARROW_ORIGIN = Symbol("arrow origin");

/**
 * Marks `rows`, made from Arrow `data` (the rows an incremental cursor kept, say), as Arrow rows:
 * extract then types their columns by `data`'s schema, as it types the rows of `data` itself.
 */
export function withArrowOrigin<T extends unknown[]>(rows: T, data: ArrowData): T {
  Object.defineProperty(rows, ARROW_ORIGIN, { value: data });
  return rows;
}

/** The Arrow data `value` (a list of rows) was made from, if {@linkcode withArrowOrigin} says. */
export function arrowOriginOf(value: unknown): ArrowData | undefined {
  return Array.isArray(value) ? (value as { [ARROW_ORIGIN]?: ArrowData })[ARROW_ORIGIN] : undefined;
}

/** Arrow data of a type this module cannot load; names the field. */
export class UnsupportedArrowTypeError extends TypeError {
  /** The field (column) of that type. */
  readonly field: string;

  /** Creates the error for `field` of type `type`. */
  constructor(field: string, type: string) {
    super(`Arrow column "${field}" has type "${type}", which cannot be loaded`);
    this.name = "UnsupportedArrowTypeError";
    this.field = field;
  }
}

/** Column hints of the fields of `data`'s schema, by field name (dlt's mapping, see above). */
export function arrowColumnHints(data: ArrowData): Record<string, ColumnHint> {
  const hints: Record<string, ColumnHint> = {};
  for (const field of data.schema.fields) {
    hints[field.name] = { ...typeHint(field, field.type), nullable: field.nullable };
  }
  return hints;
}

function typeHint(field: ArrowField, type: ArrowType): ColumnHint {
  switch (type.typeId) {
    case TYPE.int: {
      const bits = (type.bitWidth ?? 64) * (type.isSigned === false ? 2 : 1);
      // an unsigned 64-bit integer does not fit a signed one: all its 20 digits fit a decimal
      if (bits > 64) return { dataType: "decimal", precision: 20, scale: 0 };
      return bits === 64 ? { dataType: "bigint" } : { dataType: "bigint", precision: bits };
    }
    case TYPE.float:
      return { dataType: "double" };
    case TYPE.utf8:
    case TYPE.largeUtf8:
    case TYPE.utf8View:
    case TYPE.time:
      return { dataType: "text" };
    case TYPE.bool:
      return { dataType: "bool" };
    case TYPE.timestamp:
      return {
        dataType: "timestamp",
        precision: UNIT_DIGITS[type.unit ?? 3] ?? 9,
        timezone: Boolean(type.timezone),
      };
    case TYPE.date:
      return { dataType: "date" };
    case TYPE.decimal:
      return { dataType: "decimal", precision: type.precision, scale: type.scale };
    case TYPE.fixedSizeBinary:
      return { dataType: "binary", precision: type.byteWidth };
    case TYPE.binary:
    case TYPE.largeBinary:
    case TYPE.binaryView:
      return { dataType: "binary" };
    case TYPE.list:
    case TYPE.largeList:
    case TYPE.fixedSizeList:
    case TYPE.struct:
    case TYPE.map:
    case TYPE.union:
      return { dataType: "json" };
    case TYPE.dictionary:
      if (type.dictionary !== undefined) return typeHint(field, type.dictionary);
      break;
    case TYPE.null:
      return {};
  }
  throw new UnsupportedArrowTypeError(field.name, String(type));
}

/** Converts the value at a row of one column; `undefined` leaves the field out (NULL). */
type CellReader = (vector: ArrowVector, row: number) => unknown;

/**
 * The rows of `data` as plain objects (field name → value), one record batch at a time. Values
 * are what {@linkcode arrowColumnHints} types expect: safe integers as numbers, larger ones as
 * `bigint`, timestamps and dates as ISO strings with the unit's digits, decimals as decimal
 * strings, binary as `Uint8Array`, nested values as plain lists and objects; NULLs are left out.
 */
export function* arrowRows(data: ArrowData): Generator<Record<string, unknown>> {
  const fields = data.schema.fields;
  const readers = fields.map((field) => cellReader(field, field.type));
  for (const batch of data.batches ?? [data]) {
    // per column: a reader of the raw buffers where the type has one, else `get`
    const columns = fields.map((field, i) => {
      const vector = batch.getChildAt(i);
      if (vector === null) return undefined;
      const read = readers[i];
      return bufferReader(field.type, vector) ?? ((row: number) => read(vector, row));
    });
    const names = fields.map((field) => field.name);
    for (let row = 0; row < batch.numRows; row++) {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) {
        const value = columns[i]?.(row);
        if (value !== undefined) out[names[i]] = value;
      }
      yield out;
    }
  }
}

/**
 * A reader of one column's values straight from its buffers, for the flat types where that
 * is much faster than `vector.get` (integers, floats, UTF-8 text, timestamps), giving what
 * the `get`-based readers give; `undefined` for other types and vectors of several chunks.
 */
function bufferReader(
  type: ArrowType,
  vector: ArrowVector,
): ((row: number) => unknown) | undefined {
  if (vector.data.length !== 1) return undefined;
  const chunk = vector.data[0];
  const values = chunk.values;
  const read = valuesReader(type, chunk, values);
  if (read === undefined) return undefined;
  const bitmap = chunk.nullBitmap;
  if (!chunk.nullCount || bitmap === undefined || bitmap.length === 0) return read;
  const offset = chunk.offset ?? 0;
  return (row) => {
    const bit = offset + row;
    return (bitmap[bit >> 3] >> (bit & 7)) & 1 ? read(row) : undefined;
  };
}

function valuesReader(
  type: ArrowType,
  chunk: ArrowChunk,
  values: unknown,
): ((row: number) => unknown) | undefined {
  switch (type.typeId) {
    case TYPE.int:
      if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
        return (row) => safeInteger(values[row]);
      }
      return values instanceof Int32Array || values instanceof Int16Array ||
          values instanceof Int8Array || values instanceof Uint32Array ||
          values instanceof Uint16Array || values instanceof Uint8Array
        ? (row) => values[row]
        : undefined;
    case TYPE.float:
      return values instanceof Float64Array || values instanceof Float32Array
        ? (row) => values[row]
        : undefined;
    case TYPE.utf8:
      return values instanceof Uint8Array && chunk.valueOffsets instanceof Int32Array
        ? utf8Reader(values, chunk.valueOffsets, chunk.length ?? 0)
        : undefined;
    case TYPE.timestamp:
      return values instanceof BigInt64Array
        ? timestampReader(values, UNIT_DIGITS[type.unit ?? 3] ?? 9, type.timezone ? "Z" : "")
        : undefined;
    default:
      return undefined;
  }
}

const UTF8 = new TextDecoder();

/**
 * Strings of a UTF-8 column: all of them decoded at once, then cut at the offsets when every
 * character is one byte (ASCII), else decoded one by one.
 */
function utf8Reader(
  bytes: Uint8Array,
  offsets: Int32Array,
  length: number,
): (row: number) => string {
  const base = offsets[0];
  const end = offsets[length];
  const text = UTF8.decode(bytes.subarray(base, end));
  if (text.length === end - base) {
    return (row) => text.slice(offsets[row] - base, offsets[row + 1] - base);
  }
  return (row) => UTF8.decode(bytes.subarray(offsets[row], offsets[row + 1]));
}

/**
 * ISO texts of a 64-bit timestamp column, as {@linkcode isoTimestamp} makes them, in number
 * arithmetic where the values allow, the date and time of the last second seen kept.
 */
function timestampReader(
  values: BigInt64Array,
  digits: number,
  zone: string,
): (row: number) => string {
  const perSecond = 10 ** digits;
  let lastSecond = NaN;
  let lastText = "";
  return (row) => {
    const raw = values[row];
    const value = Number(raw);
    if (!Number.isSafeInteger(value)) return isoTimestamp(raw, digits, zone);
    const second = Math.floor(value / perSecond);
    if (second !== lastSecond) {
      lastSecond = second;
      lastText = new Date(second * 1000).toISOString().slice(0, 19);
    }
    if (digits === 0) return lastText + zone;
    const fraction = String(value - second * perSecond).padStart(digits, "0");
    return `${lastText}.${fraction}${zone}`;
  };
}

function cellReader(field: ArrowField, type: ArrowType): CellReader {
  if (type.typeId === TYPE.timestamp) {
    // read the raw 64-bit value: `get` gives milliseconds as a double, losing digits; Arrow JS
    // keeps `values` starting at the data's first row (`offset` applies to the validity bits)
    const digits = UNIT_DIGITS[type.unit ?? 3] ?? 9;
    const zone = type.timezone ? "Z" : "";
    return (vector, row) => {
      const chunk = vector.data.length === 1 ? vector.data[0] : undefined;
      if (chunk?.values instanceof BigInt64Array) {
        if (vector.get(row) === null) return undefined;
        return isoTimestamp(chunk.values[row], digits, zone);
      }
      const ms = vector.get(row);
      return ms === null ? undefined : isoTimestamp(BigInt(Math.round(Number(ms))), 3, zone);
    };
  }
  const convert = valueConverter(field, type);
  return (vector, row) => {
    const value = vector.get(row);
    return value === null || value === undefined ? undefined : convert(value);
  };
}

/** Converts a non-null value as `vector.get` returns it for `type`. */
function valueConverter(field: ArrowField, type: ArrowType): (value: unknown) => unknown {
  switch (type.typeId) {
    case TYPE.int:
      return safeInteger;
    case TYPE.decimal:
      return (value) => decimalText(unscaled(value), type.scale ?? 0);
    case TYPE.date:
      return (value) => isoTimestamp(BigInt(Number(value)), 3, "").slice(0, 10);
    case TYPE.timestamp:
      return (value) => isoTimestamp(BigInt(Math.round(Number(value))), 3, "Z");
    case TYPE.time: {
      const digits = UNIT_DIGITS[type.unit ?? 0] ?? 9;
      return (value) => isoTimestamp(BigInt(value as number | bigint), digits, "").slice(11);
    }
    case TYPE.dictionary:
      return type.dictionary === undefined
        ? (value) => value
        : valueConverter(field, type.dictionary);
    case TYPE.list:
    case TYPE.largeList:
    case TYPE.fixedSizeList: {
      const element = type.children?.[0];
      const convert = element === undefined ? plain : valueConverter(element, element.type);
      return (value) => {
        const list = value as ArrowVector;
        const out: unknown[] = [];
        for (let i = 0; i < list.length; i++) {
          const item = list.get(i);
          out.push(item === null || item === undefined ? null : convert(item));
        }
        return out;
      };
    }
    case TYPE.struct: {
      const children = (type.children ?? []).map((f) =>
        [f.name, valueConverter(f, f.type)] as const
      );
      return (value) => {
        const row = value as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const [name, convert] of children) {
          const inner = row[name];
          if (inner !== null && inner !== undefined) out[name] = convert(inner);
        }
        return out;
      };
    }
    case TYPE.map:
    case TYPE.union:
      return plain;
    default:
      return (value) => value;
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A 64-bit integer as a number when that loses nothing (the fast path of extract). */
function safeInteger(value: unknown): unknown {
  if (typeof value !== "bigint") return value;
  return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

/** A nested value of a type not converted field by field, as plain lists and objects. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") return safeInteger(value);
  if (typeof value !== "object" || value === null || value instanceof Uint8Array) return value;
  const vector = value as Partial<ArrowVector> & { toJSON?: () => unknown };
  if (typeof vector.get === "function" && typeof vector.length === "number") {
    return Array.from({ length: vector.length }, (_, i) => plain(vector.get!(i)));
  }
  const object = typeof vector.toJSON === "function" ? vector.toJSON() : value;
  if (typeof object !== "object" || object === null) return object;
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, plain(v)]));
}

/** The unscaled integer of a decimal: a number, a bigint, or 32-bit words (little-endian). */
function unscaled(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") return BigInt(value);
  const words = value as ArrayLike<number>;
  let n = 0n;
  for (let i = words.length - 1; i >= 0; i--) n = (n << 32n) | BigInt(words[i] >>> 0);
  const bits = BigInt(words.length * 32);
  // two's complement
  return n >= 1n << (bits - 1n) ? n - (1n << bits) : n;
}

/**
 * ISO 8601 text of `value` units since the epoch, where a unit is 10^-`digits` seconds, with
 * `digits` fraction digits and `zone` appended.
 */
function isoTimestamp(value: bigint, digits: number, zone: string): string {
  const perSecond = 10n ** BigInt(digits);
  let seconds = value / perSecond;
  let fraction = value % perSecond;
  if (fraction < 0n) {
    fraction += perSecond;
    seconds -= 1n;
  }
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return digits === 0 ? base + zone : `${base}.${fraction.toString().padStart(digits, "0")}${zone}`;
}
