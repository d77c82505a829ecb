/**
 * Rows typed by their columns as an Arrow table, with the Arrow types DuckDB's export gives the
 * DuckDB destination's column types: `relation.arrow()` of a destination read without SQL.
 *
 * @module
 */
import {
  Binary,
  Bool,
  type DataType,
  DateDay,
  Decimal,
  Float64,
  Int64,
  Table,
  TimestampMicrosecond,
  Utf8,
  type Vector,
  vectorFromArray,
} from "./deps/apache_arrow.ts";
import { unscaledDecimal } from "./decimal_text.ts";
import type { ColumnSchema } from "./schema/schema.ts";

/** The Arrow type of `column` and how a non-null value becomes what its builder takes. */
function arrowTypeOf(column: ColumnSchema): { type: DataType; value: (v: unknown) => unknown } {
  switch (column.dataType) {
    case "bigint":
      return { type: new Int64(), value: (v) => BigInt(v as number | bigint) };
    case "double":
      return { type: new Float64(), value: (v) => v };
    case "bool":
      return { type: new Bool(), value: (v) => v };
    case "timestamp":
      // DuckDB's TIMESTAMP WITH TIME ZONE (the default) in UTC, a naive one without a zone
      return {
        type: new TimestampMicrosecond(column.timezone === false ? null : "UTC"),
        value: (v) => v,
      };
    case "date":
      return { type: new DateDay(), value: (v) => v };
    case "decimal": {
      const precision = column.precision ?? 38;
      const scale = column.scale ?? (column.precision === undefined ? 9 : 0);
      return {
        type: new Decimal(scale, precision, 128),
        value: (v) => decimalWords(unscaledDecimal(String(v), scale)),
      };
    }
    case "binary":
      return { type: new Binary(), value: (v) => v };
    default:
      return { type: new Utf8(), value: (v) => v };
  }
}

/** A 128-bit two's complement integer as four 32-bit words, least significant first. */
function decimalWords(unscaled: bigint): Uint32Array {
  const words = new Uint32Array(4);
  let rest = BigInt.asUintN(128, unscaled);
  for (let i = 0; i < 4; i++) {
    words[i] = Number(rest & 0xffffffffn);
    rest >>= 32n;
  }
  return words;
}

/**
 * `rows` (values as `TableReader` gives them: numbers or `bigint`s, decimals as numbers or
 * text, `Date`s, `Uint8Array`s, `null`) as an Arrow table of `columns`, in that order: bigint as
 * Int64, double as Float64, bool as Bool, text and json as Utf8, timestamp as microseconds (in
 * UTC unless the column has no time zone), date as days, decimal as a 128-bit Decimal of the
 * column's precision and scale (DECIMAL(38,9) by default) whose values are unscaled integers,
 * binary as Binary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rowsToArrow } from "./rows_arrow.ts";
 * const table = rowsToArrow(
 *   [{ name: "id", dataType: "bigint" }, { name: "at", dataType: "timestamp" }],
 *   [{ id: 1, at: new Date(0) }, { id: 2n ** 60n, at: null }],
 * );
 * assert.equal(table.numRows, 2);
 * assert.equal(table.getChild("id")!.get(1), 2n ** 60n);
 * assert.equal(String(table.schema.fields[1].type), "Timestamp<MICROSECOND, UTC>");
 * ```
 */
export function rowsToArrow(
  columns: readonly ColumnSchema[],
  rows: readonly Record<string, unknown>[],
): Table {
  const vectors: Record<string, Vector> = {};
  for (const column of columns) {
    const { type, value } = arrowTypeOf(column);
    const values = rows.map((row) => {
      const v = row[column.name];
      return v === null || v === undefined ? null : value(v);
    });
    vectors[column.name] = vectorFromArray(values, type);
  }
  return new Table(vectors);
}
