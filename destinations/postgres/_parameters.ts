/**
 * Query parameters for Postgres: `pg` sends each one as text the server reads as the type the
 * statement gives the placeholder (`$1`), and bytes as binary.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { describeValue } from "../../lib/options.ts";

/**
 * `params` as `pg` binds them: strings, numbers (`NaN` and `±Infinity` too, which Postgres'
 * floats and numerics read), booleans and `null` as they are; a `bigint` as its digits; a `Date`
 * as its ISO text (a point in time, read by `timestamptz`); a `Uint8Array` as binary (`bytea`);
 * a list of these (nested lists too) as a Postgres array (`WHERE id = ANY($1)`). `undefined`, an
 * invalid `Date`, objects and other values are a `TypeError` naming the parameter: pg would send
 * `undefined` as NULL and an object as JSON without being asked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bindParameters } from "./_parameters.ts";
 * assert.deepEqual(bindParameters([1, "a", 2n ** 64n, new Date(0), [1, 2]]), [
 *   1,
 *   "a",
 *   "18446744073709551616",
 *   "1970-01-01T00:00:00.000Z",
 *   [1, 2],
 * ]);
 * assert.throws(() => bindParameters([undefined]), {
 *   name: "TypeError",
 *   message: "Query parameter 1 cannot be bound: it is undefined (pass null for SQL NULL)",
 * });
 * ```
 */
export function bindParameters(params: readonly unknown[]): unknown[] {
  return params.map((value, i) => bindParameter(value, i + 1));
}

function bindParameter(value: unknown, position: number): unknown {
  const refuse = (why: string): never => {
    throw new TypeError(`Query parameter ${position} cannot be bound: ${why}`);
  };
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return value;
    case "bigint":
      return value.toString();
    case "undefined":
      return refuse("it is undefined (pass null for SQL NULL)");
    case "object":
      if (value === null) return null;
      if (value instanceof Date) {
        return Number.isNaN(value.getTime()) ? refuse("an invalid Date") : value.toISOString();
      }
      if (value instanceof Uint8Array) {
        return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      }
      if (Array.isArray(value)) return value.map((item) => bindParameter(item, position));
  }
  return refuse(
    `${
      describeValue(value)
    } is not a string, number, bigint, boolean, null, Date, Uint8Array or a list of them (pass JSON as JSON.stringify(value))`,
  );
}
