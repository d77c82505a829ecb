/**
 * Values of loaded rows as the pipeline page shows them: text, or `null` for SQL's NULL, so the
 * page can put them into the DOM as text whatever their type.
 *
 * @module
 */

/** Bytes shown of a binary value; longer values end in `…`. */
const MAX_BINARY_BYTES = 64;

/** Characters shown of one value; longer text ends in `…`. */
const MAX_TEXT = 2000;

/** `text` cut to {@linkcode MAX_TEXT} characters. */
function cut(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

/** `JSON.stringify` that writes a `bigint` as its digits and bytes as hex. */
function jsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (typeof v === "bigint") return v.toString();
    if (v instanceof Uint8Array) return hex(v);
    return v;
  }) ?? String(value);
}

/** `bytes` as `\x` and hex digits, as DuckDB and Postgres print a BLOB / bytea. */
function hex(bytes: Uint8Array): string {
  const shown = bytes.subarray(0, MAX_BINARY_BYTES);
  const digits = Array.from(shown, (b) => b.toString(16).padStart(2, "0")).join("");
  return `\\x${digits}${bytes.length > shown.length ? "…" : ""}`;
}

/**
 * `value` (as a destination's `query` returns it) as text: `null` for NULL, numbers and
 * `bigint`s as digits, a `Date` as ISO 8601 (UTC), bytes as `\x` hex, objects and arrays (JSON
 * columns) as JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { displayValue } from "./_values.ts";
 * assert.equal(displayValue(2n ** 64n), "18446744073709551616");
 * assert.equal(displayValue(new Uint8Array([0, 255])), "\\x00ff");
 * assert.equal(displayValue({ a: [1n] }), '{"a":["1"]}');
 * ```
 */
export function displayValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return cut(value);
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    return String(value);
  }
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  }
  if (value instanceof Uint8Array) return hex(value);
  if (value instanceof ArrayBuffer) return hex(new Uint8Array(value));
  return cut(jsonText(value));
}

/** Makes `value` fit for `JSON.stringify`: `bigint`s as digits, `Date`s as ISO, bytes as hex. */
export function jsonSafe(value: unknown): unknown {
  return JSON.parse(jsonText(value === undefined ? null : value));
}
