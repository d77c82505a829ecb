/**
 * The arguments of the SQL methods (`dataset().query`, and `query`, `queryArrow`, `execute` of
 * a destination client): the SQL text and, optionally, a list of parameters. Calls written
 * another way (dlt's `execute_sql(sql, *args)` ported as `execute(sql, 1, 2)`) are refused, never
 * half read.
 *
 * @module
 */
import { describeValue } from "./options.ts";

/**
 * Checks the arguments `args` of `method` (`"query()"`): a string of SQL, then nothing or an
 * array of parameters. Returns the parameters (`undefined` when none were given); anything else
 * is a `TypeError` that shows the call to write.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readQueryArguments } from "./query_arguments.ts";
 * assert.deepEqual(readQueryArguments("query()", ["SELECT ?", [1]]), [1]);
 * assert.equal(readQueryArguments("query()", ["SELECT 1"]), undefined);
 * assert.throws(() => readQueryArguments("execute()", ["SELECT ?, ?", 1, 2]), {
 *   name: "TypeError",
 *   message: /Parameters of execute\(\) must be one array, as in execute\(sql, \[1, 2\]\)/,
 * });
 * ```
 */
export function readQueryArguments(
  method: string,
  args: ArrayLike<unknown>,
): readonly unknown[] | undefined {
  const [sql, params, ...rest] = Array.from(args);
  if (typeof sql !== "string") {
    throw new TypeError(`The SQL of ${method} must be a string; got ${describeValue(sql)}`);
  }
  if (Array.isArray(params) && rest.length === 0) return params;
  if (params === undefined && rest.length === 0) return undefined;
  const given = [params, ...rest];
  const described = given.map(describeValue);
  const example = given.every((value) => value === null || typeof value !== "object")
    ? described.join(", ")
    : given.map((_, i) => `value${i + 1}`).join(", ");
  throw new TypeError(
    `Parameters of ${method} must be one array, as in ${
      method.replace(/\(\)$/, "")
    }(sql, [${example}]); got ${described.join(", ")}`,
  );
}
