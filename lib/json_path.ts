/**
 * Paths into JSON documents, in the dotted JSONPath subset dlt accepts for cursors, data
 * selectors and paginator fields: `a.b`, `$.a.b[0].c`, `$` (the document itself).
 *
 * @module
 */

/** A parsed path: object keys and list indexes. */
export type JsonPath = readonly (string | number)[];

/**
 * Parses `path`; throws a `RangeError` for a malformed one.
 *
 * @example
 * ```ts
 * import { parseJsonPath } from "./json_path.ts";
 * const path = parseJsonPath("$.response_metadata.next_cursor");
 * if (path.join("/") !== "response_metadata/next_cursor") throw new Error("unexpected");
 * ```
 */
export function parseJsonPath(path: string): JsonPath {
  if (path === "$" || path === "") return [];
  const body = path.startsWith("$.") ? path.slice(2) : path;
  const parts: (string | number)[] = [];
  for (const segment of body.split(".")) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(segment);
    if (match === null || (match[1] === "" && match[2] === "")) {
      throw new RangeError(`Invalid JSON path "${path}"`);
    }
    if (match[1] !== "") parts.push(match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) parts.push(Number(index[1]));
  }
  return parts;
}

/** The value at `path` in `document`, or `undefined` where the path leads nowhere. */
export function valueAtPath(document: unknown, path: JsonPath): unknown {
  let value = document;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}
