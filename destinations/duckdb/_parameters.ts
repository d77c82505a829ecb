/**
 * Query parameters for DuckDB-WASM. Its prepared statements take their values as JSON
 * (`JSON.stringify` of the list): a string binds as VARCHAR, a boolean as BOOLEAN, `null` as NULL
 * and a number as DOUBLE (an integral one too); nothing else has a type of its own. Values JSON
 * would change (a `bigint` throws, `NaN` becomes `null`, a list fails in DuckDB) are converted
 * here or refused with a `TypeError` naming the parameter.
 *
 * @module
 */
import { describeValue } from "../../lib/options.ts";

/** A parameter as DuckDB-WASM's JSON binding takes it (a JSON text made by `JSON.rawJSON`). */
export type BoundParameter = string | number | boolean | null | { readonly rawJSON: string };

/** `JSON.rawJSON` (ES2025; Deno and Node ≥ 21 have it, TypeScript's libraries not yet). */
const rawJson = (JSON as unknown as { rawJSON(text: string): { readonly rawJSON: string } })
  .rawJSON;

/**
 * `params` in the form DuckDB-WASM binds: strings, booleans, `null` and finite numbers as they
 * are (a number binds as DOUBLE; an integer beyond 2^53 is passed in exponent form, which DuckDB
 * reads as the same DOUBLE); a `bigint` as its decimal text, a `Date` as its ISO text and a
 * `Uint8Array` as DuckDB's blob text (`\xAA…`), which DuckDB casts where the statement compares
 * them with a column or stores them in one (elsewhere cast the placeholder: `?::HUGEINT`).
 * `undefined`, `NaN`, `±Infinity`, an invalid `Date`, lists and objects are a `TypeError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bindParameters } from "./_parameters.ts";
 * assert.deepEqual(
 *   bindParameters([1, "a", true, null, 2n ** 64n, new Date(0), new Uint8Array([1, 255])]),
 *   [1, "a", true, null, "18446744073709551616", "1970-01-01T00:00:00.000Z", "\\x01\\xFF"],
 * );
 * assert.throws(() => bindParameters([1, NaN]), {
 *   name: "TypeError",
 *   message: /Query parameter 2 cannot be bound: NaN/,
 * });
 * ```
 */
export function bindParameters(params: readonly unknown[]): BoundParameter[] {
  return params.map((value, i) => bindParameter(value, i + 1));
}

function bindParameter(value: unknown, position: number): BoundParameter {
  const refuse = (why: string): never => {
    throw new TypeError(`Query parameter ${position} cannot be bound: ${why}`);
  };
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) {
        return refuse(
          `${value} has no JSON form, which DuckDB-WASM binds parameters in; write it in the SQL (${
            Number.isNaN(value) ? "'NaN'" : value > 0 ? "'Infinity'" : "'-Infinity'"
          }::DOUBLE)`,
        );
      }
      // JSON's digits of an integer beyond 2^53 are not those of the double DuckDB parses
      return Number.isInteger(value) && !Number.isSafeInteger(value)
        ? rawJson(value.toExponential())
        : value;
    case "bigint":
      return value.toString();
    case "object":
      if (value === null) return null;
      if (value instanceof Date) {
        return Number.isNaN(value.getTime()) ? refuse("an invalid Date") : value.toISOString();
      }
      if (value instanceof Uint8Array) {
        return Array.from(value, (byte) => `\\x${byte.toString(16).toUpperCase().padStart(2, "0")}`)
          .join("");
      }
  }
  if (value === undefined) return refuse("it is undefined (pass null for SQL NULL)");
  return refuse(
    `${describeValue(value)} is not a string, number, bigint, boolean, null, Date or Uint8Array`,
  );
}
