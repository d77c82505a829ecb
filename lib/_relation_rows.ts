/**
 * A relation's {@linkcode Plan} computed from a {@linkcode TableReader} (a destination that keeps
 * tables as files, read without SQL), with SQL's meaning: conditions as SQL's (a NULL meets no
 * comparison; `eq null` is `IS NULL`), orders as `NULLS LAST`, stable. Without an order rows
 * stream (reading stops at the limit); with one, or with a join, the rows are held in memory.
 *
 * @module
 */
import type { TableReader } from "./destination.ts";
import { DestinationError } from "./errors.ts";
import type { ColumnSchema } from "./schema/schema.ts";
import { compareValues } from "./table_rows.ts";
import {
  checkJoinLinks,
  type Filter,
  joinSteps,
  type Plan,
  referencedColumns,
  type Source,
  wholeCount,
} from "./_relation_plan.ts";
import { joinedColumns } from "./_relation_sql.ts";

type Row = Record<string, unknown>;

/** The error of a plan that needs SQL, computed without it. */
function sqlNeeded(): DestinationError {
  return new DestinationError(
    `This relation needs SQL (a query, or a raw SQL condition in where()), which reading this destination's tables as files does not run; compare columns with where(column, operator, value) instead`,
  );
}

/** The columns of `source`, in order. */
async function sourceColumns(reader: TableReader, source: Source): Promise<ColumnSchema[]> {
  switch (source.kind) {
    case "table": {
      if (source.joins.length === 0) return await reader.columns(source.table);
      const schemas = new Map<string, ColumnSchema[]>();
      const columnsOf = async (table: string) => {
        if (!schemas.has(table)) schemas.set(table, await reader.columns(table));
        return schemas.get(table)!;
      };
      await checkJoins(reader, source);
      const joined = await joinedColumns(
        source.table,
        source.joins,
        async (t) => (await columnsOf(t)).map((c) => c.name),
      );
      return await Promise.all(joined.map(async (c) => ({
        ...(await columnsOf(c.table)).find((s) => s.name === c.column)!,
        name: c.name,
        // a joined table's columns are NULL where an outer join found no row
        ...(c.alias === "" ? {} : { nullable: true }),
      })));
    }
    case "relation":
      return await planColumns(reader, source.plan);
    case "sql":
      throw sqlNeeded();
  }
}

/** Checks that the tables of `source`'s joins are in the dataset and related to its table. */
async function checkJoins(reader: TableReader, source: Extract<Source, { kind: "table" }>) {
  const tables = new Set(await reader.tableNames());
  for (const table of [source.table, ...source.joins.map((j) => j.table)]) {
    await reader.columns(table);
  }
  for (const join of source.joins) {
    try {
      await checkJoinLinks(
        joinSteps(source.table, join.table, tables),
        async (table) => (await reader.columns(table)).map((c) => c.name),
      );
    } catch (error) {
      throw new DestinationError((error as Error).message);
    }
  }
}

/**
 * The columns of `plan`'s rows, in order, typed as the reader types them; a column it names that
 * its source lacks is a `DestinationError` listing the source's columns.
 */
export async function planColumns(reader: TableReader, plan: Plan): Promise<ColumnSchema[]> {
  const columns = await sourceColumns(reader, plan.source);
  const missing = referencedColumns(plan).find((name) => !columns.some((c) => c.name === name));
  if (missing !== undefined) throw missingColumn(plan, missing, columns.map((c) => c.name));
  if (plan.columns === undefined) return columns;
  return plan.columns.map((name) => {
    const column = columns.find((c) => c.name === name)!;
    return plan.aggregate === undefined ? column : { ...column, nullable: true };
  });
}

/** A `DestinationError` for `column` missing from the source of `plan`, which has `columns`. */
export function missingColumn(plan: Plan, column: string, columns: readonly string[]) {
  const source = plan.source;
  const what = source.kind === "table" && source.joins.length === 0
    ? `Table "${source.table}"`
    : "The relation";
  return new DestinationError(
    `${what} has no column "${column}"; its columns: ${columns.join(", ")}`,
  );
}

/** The rows of `source`: every column of {@linkcode sourceColumns}, or at least `needed`. */
async function* sourceRows(
  reader: TableReader,
  source: Source,
  needed: readonly string[] | undefined,
): AsyncGenerator<Row> {
  switch (source.kind) {
    case "table":
      if (source.joins.length === 0) {
        yield* reader.rows(source.table, needed);
        return;
      }
      yield* await joinedRows(reader, source);
      return;
    case "relation":
      yield* planRows(reader, source.plan);
      return;
    case "sql":
      throw sqlNeeded();
  }
}

/** The rows of a table with tables joined to it, as the SQL join of `_relation_sql.ts`. */
async function joinedRows(
  reader: TableReader,
  source: Extract<Source, { kind: "table" }>,
): Promise<Row[]> {
  const base = source.table;
  const tables = new Set(await reader.tableNames());
  let combos: Map<string, Row>[] = [];
  for await (const row of reader.rows(base)) combos.push(new Map([[base, row]]));
  const present = new Set([base]);
  for (const join of source.joins) {
    for (const step of joinSteps(base, join.table, tables)) {
      if (present.has(step.to)) continue;
      present.add(step.to);
      const [fromKey, toKey] = step.down
        ? ["_dlt_id", "_dlt_parent_id"]
        : ["_dlt_parent_id", "_dlt_id"];
      const index = new Map<unknown, Row[]>();
      const right: Row[] = [];
      for await (const row of reader.rows(step.to)) {
        right.push(row);
        const key = row[toKey];
        if (key === null || key === undefined) continue;
        const rows = index.get(key);
        if (rows === undefined) index.set(key, [row]);
        else rows.push(row);
      }
      const matched = new Set<Row>();
      const next: Map<string, Row>[] = [];
      const keepLeft = join.kind === "left" || join.kind === "full";
      for (const combo of combos) {
        const key = combo.get(step.from)?.[fromKey];
        const hits = key === null || key === undefined ? [] : index.get(key) ?? [];
        for (const hit of hits) {
          matched.add(hit);
          next.push(new Map(combo).set(step.to, hit));
        }
        if (hits.length === 0 && keepLeft) next.push(combo);
      }
      if (join.kind === "right" || join.kind === "full") {
        for (const row of right) if (!matched.has(row)) next.push(new Map([[step.to, row]]));
      }
      combos = next;
    }
  }
  const columns = await joinedColumns(
    base,
    source.joins,
    async (t) => (await reader.columns(t)).map((c) => c.name),
  );
  return combos.map((combo) =>
    Object.fromEntries(columns.map((c) => [c.name, combo.get(c.table)?.[c.column] ?? null]))
  );
}

/** `value` of a condition made comparable with `like`, a value of its column. */
function comparable(value: unknown, like: unknown): unknown {
  if (like instanceof Date && (typeof value === "string" || typeof value === "number")) {
    return new Date(value);
  }
  return value;
}

/** Whether `row` meets `filter` (a comparison; raw SQL never gets here). */
function meets(row: Row, filter: Extract<Filter, { column: string }>): boolean {
  const cell = row[filter.column];
  const { operator, value } = filter;
  if (cell === null || cell === undefined) {
    if (operator === "eq") return value === null;
    return operator === "not_in" && Array.isArray(value) && value.length === 0;
  }
  if (operator === "in" || operator === "not_in") {
    const values = Array.isArray(value) ? value : [value];
    const found = values.some((v) => v !== null && compareValues(cell, comparable(v, cell)) === 0);
    return operator === "in" ? found : !found && !values.includes(null);
  }
  if (value === null) return operator === "ne";
  const order = compareValues(cell, comparable(value, cell));
  switch (operator) {
    case "eq":
      return order === 0;
    case "ne":
      return order !== 0;
    case "gt":
      return order > 0;
    case "lt":
      return order < 0;
    case "gte":
      return order >= 0;
    case "lte":
      return order <= 0;
  }
}

/**
 * The rows of `plan` read through `reader` (a plan that needs SQL is a `DestinationError`; a
 * column its source lacks, one listing the source's columns). Stopping the iteration early stops
 * reading.
 */
export async function* planRows(reader: TableReader, plan: Plan): AsyncGenerator<Row> {
  const columns = await planColumns(reader, plan);
  const filters = plan.filters.map((filter) => {
    if ("sql" in filter) throw sqlNeeded();
    return filter;
  });
  const limit = plan.limit === undefined ? Infinity : wholeCount(plan.limit);
  let skip = wholeCount(plan.offset);
  if (limit === 0) return;
  if (plan.aggregate !== undefined) {
    const [column] = plan.columns!;
    let result: unknown = null;
    for await (const row of sourceRows(reader, plan.source, [column])) {
      const value = row[column];
      if (value === null || value === undefined) continue;
      const order = result === null ? 0 : compareValues(value, result);
      if (result === null || (plan.aggregate === "min" ? order < 0 : order > 0)) result = value;
    }
    // one row, which the offset may skip
    if (skip === 0) yield { [column]: result };
    return;
  }
  const source = plan.source;
  const plain = source.kind === "table" && source.joins.length === 0;
  const needed = plain && plan.columns !== undefined ? referencedColumns(plan) : undefined;
  const project = (row: Row): Row =>
    plan.columns === undefined && needed === undefined
      ? row
      : Object.fromEntries(columns.map((c) => [c.name, row[c.name]]));
  const rows = sourceRows(reader, source, needed);
  if (plan.orderBy.length === 0) {
    let given = 0;
    for await (const row of rows) {
      if (!filters.every((f) => meets(row, f))) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      yield project(row);
      if (++given >= limit) return;
    }
    return;
  }
  const kept: Row[] = [];
  for await (const row of rows) if (filters.every((f) => meets(row, f))) kept.push(row);
  kept.sort((a, b) => {
    for (const { column, direction } of plan.orderBy) {
      const x = a[column];
      const y = b[column];
      const nulls = (x === null || x === undefined ? 1 : 0) -
        (y === null || y === undefined ? 1 : 0);
      if (nulls !== 0) return nulls;
      const order = compareValues(x, y);
      if (order !== 0) return direction === "asc" ? order : -order;
    }
    return 0;
  });
  const end = Math.min(kept.length, skip + limit);
  for (let i = skip; i < end; i++) yield project(kept[i]);
}
