/**
 * A relation of `pipeline.dataset()` read through a {@linkcode TableReader} (a destination
 * without SQL): what `SELECT <columns> FROM <table> ORDER BY … LIMIT n` gives on an SQL
 * destination, computed here, with SQL's ordering (ascending, NULLs last, stable).
 *
 * @module
 */
import type { TableReader } from "./destination.ts";
import { DestinationError } from "./errors.ts";
import type { ColumnSchema } from "./schema/schema.ts";

/** What a relation selects from its table. */
export interface RelationQuery {
  /** The table. */
  table: string;
  /** Only these columns, in this order. @default {every column} */
  columns?: readonly string[];
  /** Rows ordered by these columns (ascending, NULLs last). */
  orderBy?: readonly string[];
  /** At most this many rows (a fraction is cut, a negative number is 0). */
  limit?: number;
}

/** `limit` as SQL's `LIMIT` takes it here: a whole number ≥ 0. */
function rowLimit(limit: number | undefined): number {
  return limit === undefined ? Infinity : Math.max(0, Math.floor(limit));
}

/**
 * Orders two values as SQL's `ORDER BY … ASC NULLS LAST` does: `null` after everything; numbers
 * and `bigint`s by value; `Date`s by time; text by code unit; `false` before `true`; bytes
 * lexicographically.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareValues } from "./table_rows.ts";
 * assert.deepEqual([3, null, 2n ** 60n, 1].sort(compareValues), [1, 3, 2n ** 60n, null]);
 * ```
 */
export function compareValues(a: unknown, b: unknown): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1;
  if (b === null || b === undefined) return -1;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i] !== b[i]) return a[i] - b[i];
    }
    return a.length - b.length;
  }
  if (typeof a === "number" && Number.isNaN(a)) {
    return typeof b === "number" && Number.isNaN(b) ? 0 : 1;
  }
  if (typeof b === "number" && Number.isNaN(b)) return -1;
  const x = a as string | number | bigint | boolean;
  const y = b as string | number | bigint | boolean;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The rows of `query` read through `reader`. Without `orderBy`, reading stops once `limit` rows
 * are in; with it, the whole table is read and sorted first.
 */
export async function relationRows(
  reader: TableReader,
  query: RelationQuery,
): Promise<Record<string, unknown>[]> {
  const limit = rowLimit(query.limit);
  const orderBy = query.orderBy ?? [];
  const selected = query.columns ?? (await reader.columns(query.table)).map((c) => c.name);
  // checked before anything is read, as SQL checks them
  await columnsOf(reader, query.table, [...selected, ...orderBy]);
  if (limit === 0) return [];
  const read = [...new Set([...selected, ...orderBy])];
  const rows: Record<string, unknown>[] = [];
  for await (const row of reader.rows(query.table, read)) {
    rows.push(row);
    if (orderBy.length === 0 && rows.length >= limit) break;
  }
  if (orderBy.length > 0) {
    rows.sort((a, b) => {
      for (const column of orderBy) {
        const order = compareValues(a[column], b[column]);
        if (order !== 0) return order;
      }
      return 0;
    });
  }
  const cut = rows.length > limit ? rows.slice(0, limit) : rows;
  if (read.length === selected.length) return cut;
  return cut.map((row) => Object.fromEntries(selected.map((name) => [name, row[name]])));
}

/** The number of rows of `query` read through `reader` (its columns checked, not read). */
export async function relationCount(reader: TableReader, query: RelationQuery): Promise<number> {
  await columnsOf(reader, query.table, [...query.columns ?? [], ...query.orderBy ?? []]);
  return Math.min(await reader.count(query.table), rowLimit(query.limit));
}

/**
 * The columns `names` of `table`, as `reader` describes them; a name the table lacks is a
 * `DestinationError` naming it and the table's columns.
 */
export async function columnsOf(
  reader: TableReader,
  table: string,
  names: readonly string[],
): Promise<ColumnSchema[]> {
  const columns = await reader.columns(table);
  return names.map((name) => {
    const column = columns.find((c) => c.name === name);
    if (column !== undefined) return column;
    throw new DestinationError(
      `Table "${table}" has no column "${name}"; its columns: ${
        columns.map((c) => c.name).join(", ")
      }`,
    );
  });
}
