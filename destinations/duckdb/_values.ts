/**
 * DuckDB values, as DuckDB-WASM returns them in Arrow tables, turned into plain JS values: the
 * rows of `query`. The rule for numbers: a value a JS number holds exactly is a number; any other
 * stays exact, as a `bigint` (integers) or as DuckDB's text of it (decimals of a scale above 0,
 * which JS has no type for; dlt returns a `Decimal`).
 *
 * @module
 */
import type { DataType, Decimal, Field, Table, Type } from "../../lib/deps/apache_arrow.ts";
import { decimalValue } from "../../lib/decimal_text.ts";

type Converter = (value: unknown) => unknown;

/**
 * The ids of the Arrow types converted here, as apache-arrow's `Type` numbers them (the Arrow
 * format's own numbering): a DuckDB-WASM run converts its tables (from DuckDB-WASM's CommonJS
 * copy of apache-arrow) without loading apache-arrow's ES modules as well.
 */
export const ARROW_TYPE_IDS = {
  Int: 2,
  Decimal: 7,
  Date: 8,
  Time: 9,
  Timestamp: 10,
  List: 12,
  Struct: 13,
  FixedSizeList: 16,
  Map: 17,
} as const satisfies Partial<Record<keyof typeof Type, number>>;

/** An integer as a number when `Number.isSafeInteger`, else as itself. */
function integer(value: bigint): number | bigint {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value;
}

/**
 * The decimal `unscaled / 10^scale` as DuckDB prints it (`-0.500000000` for DECIMAL(38,9)):
 * every digit of the scale is kept.
 */
function decimalText(unscaled: bigint, scale: number): string {
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, "0");
  const sign = unscaled < 0n ? "-" : "";
  return `${sign}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
}

/** Unscaled values below this have at most 15 digits: their decimals are all numbers. */
const FIFTEEN_DIGITS = 10n ** 15n;

/**
 * A DECIMAL value of scale > 0: a number when the number's shortest text is the same decimal
 * (`12.34`, `0.1`: at most 15 significant digits always are, 16 or 17 may be), else the exact
 * text with the column's scale.
 */
function decimal(unscaled: bigint, scale: number): number | string {
  // an exact integer divided by an exact power of ten (up to 10^22) is rounded once, as
  // Number(text) rounds; a decimal of at most 15 digits is the shortest text of that number
  if (-FIFTEEN_DIGITS < unscaled && unscaled < FIFTEEN_DIGITS && scale <= 22) {
    return Number(unscaled) / 10 ** scale;
  }
  return decimalValue(decimalText(unscaled, scale));
}

/**
 * The unscaled integer of an Arrow decimal value: 32-bit words, least significant first, two's
 * complement (DuckDB's decimals are 128-bit).
 */
function unscaledDecimal(words: Uint32Array): bigint {
  let value = 0n;
  for (let i = words.length - 1; i >= 0; i--) value = (value << 32n) | BigInt(words[i]);
  return BigInt.asIntN(words.length * 32, value);
}

const identity: Converter = (value) => value;

/** How to turn Arrow values of `type` into plain JS values. */
function converterFor(type: DataType): Converter {
  switch (type.typeId) {
    case ARROW_TYPE_IDS.Int:
    case ARROW_TYPE_IDS.Time:
      return (value) => typeof value === "bigint" ? integer(value) : value;
    case ARROW_TYPE_IDS.Decimal: {
      const scale = (type as Decimal).scale;
      const unscaled = (value: unknown) => unscaledDecimal(value as Uint32Array);
      if (scale === 0) return (value) => integer(unscaled(value));
      return (value) => decimal(unscaled(value), scale);
    }
    case ARROW_TYPE_IDS.Timestamp:
    case ARROW_TYPE_IDS.Date:
      return (value) => new Date(value as number);
    case ARROW_TYPE_IDS.List:
    case ARROW_TYPE_IDS.FixedSizeList: {
      const child = converterFor((type as DataType<Type.List>).children[0].type);
      return (value) => Array.from(value as Iterable<unknown>, (item) => convert(child, item));
    }
    case ARROW_TYPE_IDS.Struct: {
      const fields = (type as DataType<Type.Struct>).children.map(
        (field: Field) => [field.name, converterFor(field.type)] as const,
      );
      return (value) => {
        const source = value as Record<string, unknown>;
        return Object.fromEntries(fields.map(([name, to]) => [name, convert(to, source[name])]));
      };
    }
    case ARROW_TYPE_IDS.Map: {
      const entry = (type as DataType<Type.Map>).children[0].type as DataType<Type.Struct>;
      const [key, item] = entry.children.map((field: Field) => converterFor(field.type));
      return (value) =>
        Object.fromEntries(
          Array.from(
            value as Iterable<[unknown, unknown]>,
            ([k, v]) => [String(convert(key, k)), convert(item, v)],
          ),
        );
    }
    default:
      return identity;
  }
}

function convert(converter: Converter, value: unknown): unknown {
  return value === null || value === undefined ? null : converter(value);
}

/**
 * The rows of `table` as plain objects: integers (BIGINT, HUGEINT, UBIGINT, …) as numbers when
 * `Number.isSafeInteger`, else `bigint`; DECIMAL of scale 0 the same; DECIMAL of scale > 0 as a
 * number when the number's shortest text is the same decimal (`12.34`), else as the exact text
 * DuckDB prints (`"12345678901234567890123.000000000"`); TIMESTAMP, TIMESTAMPTZ and DATE as
 * `Date`; BLOB as `Uint8Array`; LIST as array; STRUCT and MAP as objects; everything else as
 * Arrow returns it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tableFromArrays } from "../../lib/deps/apache_arrow.ts";
 * import { arrowRows } from "./_values.ts";
 * const table = tableFromArrays({ id: BigInt64Array.from([1n, 2n ** 60n]) });
 * assert.deepEqual(arrowRows(table), [{ id: 1 }, { id: 2n ** 60n }]);
 * ```
 */
export function arrowRows<T>(table: Table): T[] {
  const columns = table.schema.fields.map((field, i) => ({
    name: field.name,
    vector: table.getChildAt(i)!,
    converter: converterFor(field.type),
  }));
  const rows: T[] = new Array(table.numRows);
  for (let row = 0; row < table.numRows; row++) {
    const object: Record<string, unknown> = {};
    for (const { name, vector, converter } of columns) {
      object[name] = convert(converter, vector.get(row));
    }
    rows[row] = object as T;
  }
  return rows;
}
