/**
 * Finding the items in a response body: at a given path (`dataSelector`), or by looking for the
 * list of records as dlt does when no path is given.
 *
 * @module
 */
import { parseJsonPath, valueAtPath } from "../json_path.ts";

/** Keys that usually hold the records of a response, preferred over other lists. */
const RECORD_KEYS = new Set([
  "data",
  "items",
  "results",
  "entries",
  "records",
  "rows",
  "entities",
  "payload",
  "content",
  "objects",
]);

/** How deep below the top level records are looked for. */
const MAX_RECORD_DEPTH = 2;

/**
 * The path of the records in `body`: `[]` for a list (or anything that is not an object),
 * otherwise the path of the least nested list, preferring lists under record-like keys (`data`,
 * `items`, `results`, …), at most two levels down. `undefined` when the object holds no list.
 *
 * @example
 * ```ts
 * import { findRecordsPath } from "./data_selector.ts";
 * const path = findRecordsPath({ meta: { total: 2 }, results: [{ id: 1 }, { id: 2 }] });
 * if (path?.join(".") !== "results") throw new Error();
 * ```
 */
export function findRecordsPath(body: unknown): string[] | undefined {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return [];
  const lists: { path: string[]; depth: number }[] = [];
  const walk = (node: Record<string, unknown>, path: string[]) => {
    for (const [key, value] of Object.entries(node)) {
      if (Array.isArray(value)) lists.push({ path: [...path, key], depth: path.length });
      else if (value !== null && typeof value === "object" && path.length < MAX_RECORD_DEPTH) {
        walk(value as Record<string, unknown>, [...path, key]);
      }
    }
  };
  walk(body as Record<string, unknown>, []);
  if (lists.length === 0) return undefined;
  lists.sort((a, b) => a.depth - b.depth);
  return (lists.find((l) => RECORD_KEYS.has(l.path.at(-1)!)) ?? lists[0]).path;
}

/** What {@linkcode selectItems} found. */
export type Selection =
  | { kind: "list"; items: unknown[]; path: string }
  | { kind: "object"; item: unknown; path: string }
  | { kind: "missing"; path: string };

/**
 * The items of `body` at `dataSelector` (a JSON path; `$` is the body itself), or where
 * {@linkcode findRecordsPath} finds them when no selector is given.
 */
export function selectItems(body: unknown, dataSelector: string | undefined): Selection {
  const path = dataSelector === undefined ? findRecordsPath(body) : parseJsonPath(dataSelector);
  if (path === undefined) return { kind: "object", item: body, path: "$" };
  const shown = path.length === 0 ? "$" : path.join(".");
  const value = valueAtPath(body, path);
  if (value === undefined) return { kind: "missing", path: shown };
  if (Array.isArray(value)) return { kind: "list", items: value, path: shown };
  return { kind: "object", item: value, path: shown };
}
