/**
 * Values of the job files in a bucket read back typed by their columns: the inverse of the
 * encodings of `lib/normalize/jsonl.ts` and `lib/normalize/csv.ts`, giving the values the DuckDB
 * destination's `query` gives (see `TableReader` in `lib/destination.ts`): integers as numbers where
 * `Number.isSafeInteger`, else `bigint`; decimals of a scale above 0 as numbers where the number
 * is the same decimal, else their exact text with the column's scale; timestamps and dates as
 * `Date`; binary as `Uint8Array`; json as its JSON text.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { decimalText, decimalValue, unscaledDecimal } from "../../lib/decimal_text.ts";
import type { ColumnSchema } from "../../lib/schema/schema.ts";

/** Turns one non-null value of a column, as a job file holds it, into its JS value. */
export type ValueDecoder = (value: unknown) => unknown;

/** `JSON.rawJSON` (ES2025, not in TypeScript's lib yet): a value `JSON.stringify` writes as `text`. */
const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** A JSON value as compact JSON text, `bigint`s as number literals with every digit. */
function jsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v) => typeof v === "bigint" ? rawJson(String(v)) : v);
}

/** An integer as a number when `Number.isSafeInteger`, else as a `bigint`. */
function integer(value: bigint): number | bigint {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value;
}

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * An ISO 8601 date or timestamp as a `Date`: one without an offset is UTC, as job files mean
 * it; digits beyond milliseconds are dropped. Text of another form is read by `Date`.
 */
export function parseTimestamp(text: string): Date {
  const match = ISO_TIMESTAMP.exec(text);
  if (match === null) return new Date(text);
  const [, year, month, day, hours = "0", minutes = "0", seconds = "0", fraction = "", zone] =
    match;
  const time = new Date(0);
  time.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  time.setUTCHours(
    Number(hours),
    Number(minutes),
    Number(seconds),
    Number(fraction.padEnd(3, "0").slice(0, 3)),
  );
  if (zone === undefined || zone === "Z" || zone === "z") return time;
  const digits = zone.slice(1).replace(":", "");
  const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0");
  return new Date(time.getTime() - (zone[0] === "-" ? -offset : offset) * 60_000);
}

/**
 * The decimal `text` (digits, a point, an exponent) in a column of `scale`, as DuckDB casts it
 * (rounded half away from zero to the scale) and returns it: an integer for scale 0, else a
 * number where the number is the same decimal, else the exact text with `scale` digits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decimalOf } from "./_job_values.ts";
 * assert.equal(decimalOf("12.50", 9), 12.5);
 * assert.equal(decimalOf("1.5e3", 2), 1500);
 * assert.equal(decimalOf("12345678901234567890123.5", 9), "12345678901234567890123.500000000");
 * assert.equal(decimalOf("-2.5", 0), -3);
 * ```
 */
export function decimalOf(text: string, scale: number): number | bigint | string {
  const unscaled = unscaledDecimal(text, scale);
  return scale === 0 ? integer(unscaled) : decimalValue(decimalText(unscaled, scale));
}

/** The scale of a decimal column, as the DuckDB destination gives it (DECIMAL(38,9) by default). */
function decimalScale(column: ColumnSchema): number {
  return column.scale ?? (column.precision === undefined ? 9 : 0);
}

/** Bytes of base64 `text`. */
function base64Bytes(text: string): Uint8Array {
  const bytes = Buffer.from(text, "base64");
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * How a non-null value of `column` in a JSONL job file (parsed by `parseJson` of `lib/json.ts`,
 * which keeps integers beyond 2^53 as `bigint`s) becomes its JS value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonlDecoder } from "./_job_values.ts";
 * assert.deepEqual(
 *   jsonlDecoder({ name: "at", dataType: "timestamp" })("2024-01-01T02:00:00+02:00"),
 *   new Date("2024-01-01T00:00:00Z"),
 * );
 * assert.equal(jsonlDecoder({ name: "doc", dataType: "json" })({ a: [1, 2n ** 64n] }), '{"a":[1,18446744073709551616]}');
 * assert.ok(Number.isNaN(jsonlDecoder({ name: "x", dataType: "double" })("NaN")));
 * ```
 */
export function jsonlDecoder(column: ColumnSchema): ValueDecoder {
  switch (column.dataType) {
    case "bigint":
      return (value) =>
        typeof value === "bigint"
          ? integer(value)
          : typeof value === "string"
          ? integer(BigInt(value))
          : value;
    case "double":
      return (value) => typeof value === "string" ? Number(value) : value;
    case "timestamp":
    case "date":
      return (value) => parseTimestamp(String(value));
    case "decimal": {
      const scale = decimalScale(column);
      return (value) => decimalOf(String(value), scale);
    }
    case "binary":
      return (value) => base64Bytes(String(value));
    case "json":
      return jsonText;
    case "text":
      return (value) => typeof value === "string" ? value : jsonText(value);
    default:
      return (value) => value;
  }
}

/**
 * How a non-null field of `column` in a CSV job file (its text, unquoted) becomes its JS value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { csvDecoder } from "./_job_values.ts";
 * assert.equal(csvDecoder({ name: "id", dataType: "bigint" })("9007199254740993"), 9007199254740993n);
 * assert.equal(csvDecoder({ name: "ok", dataType: "bool" })("true"), true);
 * assert.equal(csvDecoder({ name: "doc", dataType: "json" })('{"a":1}'), '{"a":1}');
 * ```
 */
export function csvDecoder(column: ColumnSchema): ValueDecoder {
  switch (column.dataType) {
    case "bigint":
      return (value) => integer(BigInt(value as string));
    case "double":
      return (value) => Number(value);
    case "bool":
      return (value) => value === "true";
    case "text":
    case "json":
      return (value) => value;
    default:
      return jsonlDecoder(column);
  }
}
