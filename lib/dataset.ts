/**
 * Reading loaded data back, as dlt's dataset access: `pipeline.dataset()` is a {@linkcode
 * Dataset}; `dataset.table("items")` (or `dataset.items`, `dataset["items"]`) and
 * `dataset.query(sql)` are lazy {@linkcode Relation}s, refined with `select`, `where`, `orderBy`,
 * `limit`, `join`, … and read with `rows`, `arrow`, `iterRows`, `count`, `scalar`, ….
 *
 * A relation runs as SQL on a destination that speaks it. On a destination that keeps tables as
 * files (`filesystem`), it is computed from the files through the destination's
 * {@linkcode TableReader}, without SQL, unless it needs SQL (a query, a raw SQL condition), which
 * then runs on the destination's SQL client.
 *
 * @module
 */
import type { Table as ArrowTable } from "./deps/apache_arrow.ts";
import type { DestinationClient, SqlClient, TableReader } from "./destination.ts";
import { DestinationError, DltError } from "./errors.ts";
import { checkOptions, integer, isPlainObject, oneOf, text } from "./options.ts";
import { INFORMATION_SCHEMA_QUERIES } from "./load/sql.ts";
import { readQueryArguments } from "./query_arguments.ts";
import type { ColumnSchema } from "./schema/schema.ts";
import {
  type Join,
  JOIN_KINDS,
  needsSql,
  type Order,
  type Plan,
  planOf,
  readOperator,
  referencedColumns,
  tablesOf,
  wholeCount,
} from "./_relation_plan.ts";
import { missingColumn, planColumns, planRows } from "./_relation_rows.ts";
import { joinedColumns, paramsOf, planSql, sqlLiteral, type SqlNames } from "./_relation_sql.ts";

/** Opens a destination client for one query; the dataset closes it afterwards. */
export type ClientOpener = () => Promise<DestinationClient>;

/**
 * The SQL client of `client`; a `DestinationError` when its destination has none (reading data
 * back needs a destination that speaks SQL).
 */
export function sqlOf(client: DestinationClient, destinationName?: string): SqlClient {
  if (client.sql !== undefined) return client.sql;
  const name = destinationName === undefined
    ? "This destination"
    : `Destination "${destinationName}"`;
  throw new DestinationError(
    `${name} has no SQL client: dataset() and sqlClient() read data back through SQL; use an SQL destination such as "duckdb" or "postgres"`,
  );
}

/** Where a dataset's relations read: how to open a client, and the dataset's name. */
interface DatasetAccess {
  /** Opens a client. */
  readonly open: ClientOpener;
  /** The dataset (schema) name. */
  readonly name: string;
}

/** How one read goes: through a table reader, or SQL (with the names SQL needs). */
type Reading =
  | { readonly reader: TableReader }
  | { readonly sql: SqlClient; readonly names: SqlNames };

/** The dataset's tables and their columns, asked of `sql` once per read. */
function sqlNames(sql: SqlClient, dataset: string, reader?: TableReader): SqlNames {
  let tables: Promise<ReadonlySet<string>> | undefined;
  const columns = new Map<string, Promise<string[]>>();
  const catalog = sql.catalogQueries ?? INFORMATION_SCHEMA_QUERIES;
  return {
    qualifiedName: (table) => sql.qualifiedName(table),
    tables: () =>
      tables ??= reader !== undefined
        ? reader.tableNames().then((names) => new Set(names))
        : sql.query<{ table_name: string }>(catalog.tables(dataset))
          .then((rows) => new Set(rows.map((r) => r.table_name))),
    tableColumns(table) {
      let found = columns.get(table);
      if (found === undefined) {
        found = reader !== undefined
          ? reader.columns(table).then((cs) => cs.map((c) => c.name))
          : sql.query<{ column_name: string }>(catalog.columns(dataset, table))
            .then((rows) => rows.map((r) => r.column_name));
        columns.set(table, found);
      }
      return found;
    },
  };
}

/**
 * The SQL client of `client`, for a relation that needs SQL; a destination that reads tables
 * only without SQL says what to write instead.
 */
function relationSql(client: DestinationClient): SqlClient {
  if (client.sql === undefined && client.tables !== undefined) {
    throw new DestinationError(
      `This relation needs SQL (a query, or a raw SQL condition in where()), which this destination does not run: it reads tables from their files; compare columns with where(column, operator, value) instead`,
    );
  }
  return sqlOf(client);
}

/** A `DestinationError` for `table`, which is not among `tables` of `dataset`. */
function missingTable(table: string, dataset: string, tables: Iterable<string>, cause?: unknown) {
  const names = [...tables].sort();
  return new DestinationError(
    `Table "${table}" is not in dataset "${dataset}"; ${
      names.length === 0 ? "it has no tables" : `its tables: ${names.join(", ")}`
    }`,
    cause === undefined ? undefined : { cause },
  );
}

/** Options of {@linkcode Relation.iterRows} and {@linkcode Relation.iterArrow}. */
export interface IterOptions {
  /** Rows per chunk: a whole number ≥ 1. @default {1000} */
  chunkSize?: number;
}

/** Options of {@linkcode Relation.join}. */
export interface JoinOptions {
  /** The SQL join: `"inner"`, `"left"`, `"right"` or `"full"`. @default {"inner"} */
  kind?: "inner" | "left" | "right" | "full";
  /** The prefix of the joined table's columns: `{alias}__{column}`. @default {the joined table's name} */
  alias?: string;
}

const ITER_SPEC = { chunkSize: integer({ min: 1 }) };
const JOIN_SPEC = { kind: oneOf(JOIN_KINDS), alias: text() };

/** The operators of `where()`, SQL's spelling included. */
export type WhereOperator =
  | "eq"
  | "ne"
  | "gt"
  | "lt"
  | "gte"
  | "lte"
  | "in"
  | "not_in"
  | "="
  | "!="
  | "<>"
  | ">"
  | "<"
  | ">="
  | "<=";

/**
 * A lazy relation of a dataset, as dlt's `Relation`: a table (`dataset.table("items")`) or a
 * query (`dataset.query(sql)`), refined by `select`, `where`, `orderBy`, `limit`, `offset`,
 * `join`, `min`/`max` (each returns a new relation; the clauses form one `SELECT`, so the order
 * they are called in does not matter), and read when one of `rows`, `arrow`, `iterRows`,
 * `iterArrow`, `count`, `fetchOne`, `scalar`, `columns` is awaited: each opens a connection and
 * closes it when done.
 *
 * Values come back as the destination's `query` converts them (DuckDB: numbers where a JS number
 * holds them exactly, else `bigint` or a decimal's exact text; timestamps as `Date`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pipeline } from "../mod.ts";
 * import { duckdb } from "../destinations/duckdb/mod.ts";
 *
 * const pipelinesDir = await Deno.makeTempDir();
 * const p = pipeline({
 *   pipelineName: "relation_example",
 *   destination: duckdb({ credentials: ":memory:" }),
 *   pipelinesDir,
 * });
 * await p.run([
 *   { id: 1, name: "ann", tags: ["a", "b"] },
 *   { id: 2, name: "bob", tags: ["c"] },
 *   { id: 3, name: "cy", tags: [] },
 * ], { tableName: "users" });
 * const users = p.dataset().table("users");
 * assert.deepEqual(await users.where("id", "gt", 1).orderBy("id", "desc").select("name").rows(), [
 *   { name: "cy" },
 *   { name: "bob" },
 * ]);
 * assert.equal(await users.select("id").max().scalar(), 3);
 * assert.equal(await users.where("name", "in", ["ann", "cy"]).count(), 2);
 * const tags = await users.join("users__tags", { alias: "t" }).select("name", "t__value")
 *   .orderBy("t__value").rows();
 * assert.deepEqual(tags.map((r) => `${r.name}:${r.t__value}`), ["ann:a", "ann:b", "bob:c"]);
 * for await (const chunk of users.orderBy("id").iterRows({ chunkSize: 2 })) {
 *   assert.ok(chunk.length <= 2);
 * }
 * await Deno.remove(pipelinesDir, { recursive: true });
 * ```
 */
export class Relation {
  #access: DatasetAccess;
  #plan: Plan;

  /** Use `dataset.table(name)` or `dataset.query(sql)` instead. */
  constructor(access: DatasetAccess, plan: Plan) {
    this.#access = access;
    this.#plan = plan;
  }

  /** A relation of the same dataset reading `plan`. */
  #with(plan: Plan): Relation {
    return new Relation(this.#access, plan);
  }

  /** This plan, ready for clauses: an aggregate becomes the source of a new `SELECT`. */
  get #refinable(): Plan {
    return this.#plan.aggregate === undefined
      ? this.#plan
      : planOf({ kind: "relation", plan: this.#plan });
  }

  /** Only these columns, in this order (dlt's `select()`). */
  select(...columns: string[]): Relation {
    if (columns.length === 0 || columns.some((c) => typeof c !== "string")) {
      throw new TypeError(
        `select() takes the names of the columns to keep, as in select("id", "name"); got ${
          columns.length === 0 ? "none" : columns.map((c) => JSON.stringify(c)).join(", ")
        }`,
      );
    }
    return this.#with({ ...this.#refinable, columns });
  }

  /**
   * Only the rows that meet a condition (dlt's `where()`; conditions add up with `AND`):
   * `where(column, operator, value)` compares a column with a value, the operator one of `eq`,
   * `ne`, `gt`, `lt`, `gte`, `lte`, `in`, `not_in` (or `=`, `!=`, `<>`, `>`, `<`, `>=`, `<=`); `in`
   * and `not_in` take a list. A row whose column is NULL meets no comparison, as in SQL, but `eq`
   * with `null` is `IS NULL` and `ne` with `null` is `IS NOT NULL`. `where(sql)` adds a raw SQL
   * condition, for destinations that speak SQL.
   *
   * An unknown operator is a `RangeError` listing the operators; a column the relation lacks is a
   * `DestinationError`, when read, listing its columns.
   */
  where(condition: string): Relation;
  /** Compares `column` with `value`. */
  where(column: string, operator: WhereOperator, value: unknown): Relation;
  where(column: string, operator?: WhereOperator, value?: unknown): Relation {
    const plan = this.#refinable;
    if (typeof column !== "string" || column.trim() === "") {
      throw new TypeError(
        `where() takes a column name or an SQL condition first, as in where("id", "eq", 1) or where("id = 1"); got ${
          JSON.stringify(column)
        }`,
      );
    }
    if (arguments.length === 1) {
      return this.#with({ ...plan, filters: [...plan.filters, { sql: column }] });
    }
    if (arguments.length !== 3) {
      throw new TypeError(
        `where() takes a column, an operator and a value, as in where("id", "eq", 1), or one SQL condition; got ${arguments.length} arguments`,
      );
    }
    const op = readOperator(operator);
    for (const v of Array.isArray(value) && (op === "in" || op === "not_in") ? value : [value]) {
      sqlLiteral(v);
    }
    return this.#with({ ...plan, filters: [...plan.filters, { column, operator: op, value }] });
  }

  /**
   * Rows ordered by `column`, ascending or descending (NULLs last either way), as dlt's
   * `order_by(column, direction)`; another `orderBy` orders rows that tie. `orderBy("a", "b")`
   * (columns only) orders by each in turn, ascending.
   */
  orderBy(column: string, direction?: "asc" | "desc"): Relation;
  /** Rows ordered by these columns in turn, ascending. */
  orderBy(...columns: string[]): Relation;
  orderBy(...args: (string | undefined)[]): Relation {
    let orders: Order[];
    if (args.length === 2 && (args[1] === "asc" || args[1] === "desc")) {
      orders = [{ column: args[0] as string, direction: args[1] }];
    } else {
      orders = args.map((column) => ({ column: column as string, direction: "asc" }));
    }
    if (orders.length === 0 || orders.some((o) => typeof o.column !== "string")) {
      throw new TypeError(
        `orderBy() takes a column and a direction, as in orderBy("id", "desc"), or columns; got ${
          args.length === 0 ? "none" : args.map((a) => JSON.stringify(a)).join(", ")
        }`,
      );
    }
    const plan = this.#refinable;
    return this.#with({ ...plan, orderBy: [...plan.orderBy, ...orders] });
  }

  /** At most `n` rows (after {@linkcode Relation.offset}'s), as SQL's `LIMIT`. */
  limit(n: number): Relation {
    if (typeof n !== "number" || Number.isNaN(n)) {
      throw new TypeError(`limit() takes a number of rows; got ${JSON.stringify(n)}`);
    }
    return this.#with({ ...this.#refinable, limit: n });
  }

  /** The first `n` rows (dlt's `head()`): {@linkcode Relation.limit}. */
  head(n = 5): Relation {
    return this.limit(n);
  }

  /**
   * Skips the first `n` rows (SQL's `OFFSET`), for reading a relation page by page; without
   * {@linkcode Relation.orderBy} the pages follow the order the destination returns rows in.
   */
  offset(n: number): Relation {
    if (typeof n !== "number" || Number.isNaN(n)) {
      throw new TypeError(`offset() takes a number of rows; got ${JSON.stringify(n)}`);
    }
    return this.#with({ ...this.#refinable, offset: n });
  }

  /**
   * The largest value of the one selected column, as a relation of one row (dlt's
   * `select("id").max()`); `max("id")` selects the column too. Read it with
   * {@linkcode Relation.scalar}. NULLs are left out; with no values it is NULL.
   */
  max(column?: string): Relation {
    return this.#aggregate("max", column);
  }

  /** The smallest value of the one selected column, as {@linkcode Relation.max}. */
  min(column?: string): Relation {
    return this.#aggregate("min", column);
  }

  #aggregate(fn: "min" | "max", column: string | undefined): Relation {
    const plan = column === undefined ? this.#plan : this.select(column).#plan;
    if (plan.columns?.length !== 1) {
      throw new TypeError(
        `${fn}() aggregates one column: select it first, as in select("id").${fn}(), or name it, ${fn}("id")`,
      );
    }
    return this.#with({
      ...planOf({ kind: "relation", plan }),
      columns: plan.columns,
      aggregate: fn,
    });
  }

  /**
   * This table joined with a related table along dlt's parent/child keys (`_dlt_id`,
   * `_dlt_parent_id`), as dlt's `join()`: a child table (`users__orders`), a grandchild, or a
   * parent. The joined table's columns come after this table's, named `{alias}__{column}` (the
   * alias is the joined table's name unless given). Only a table's relation joins (call it
   * before `select`, `where` and the like); a table that is not related is a `DestinationError`
   * naming the ones that are.
   */
  join(other: string | Relation, options: JoinOptions = {}): Relation {
    const { kind = "inner", alias } = checkOptions<JoinOptions>(options, JOIN_SPEC, "join()");
    const source = this.#plan.source;
    const plain = (plan: Plan) =>
      plan.columns === undefined && plan.filters.length === 0 && plan.orderBy.length === 0 &&
      plan.limit === undefined && wholeCount(plan.offset) === 0 && plan.aggregate === undefined;
    if (source.kind !== "table" || !plain(this.#plan)) {
      throw new TypeError(
        `join() joins a table's relation: call it on dataset.table(name) before select(), where() and the like`,
      );
    }
    let table: string;
    if (typeof other === "string") {
      table = other;
    } else if (other instanceof Relation) {
      const theirs = other.#plan.source;
      if (theirs.kind !== "table" || theirs.joins.length > 0 || !plain(other.#plan)) {
        throw new TypeError(`join() takes a table's name or its relation, dataset.table(name)`);
      }
      if (other.#access.name !== this.#access.name) {
        throw new TypeError(
          `Cannot join relations of different datasets: "${this.#access.name}" and "${other.#access.name}"`,
        );
      }
      table = theirs.table;
    } else {
      throw new TypeError(`join() takes a table's name or its relation, dataset.table(name)`);
    }
    if (alias === "") throw new RangeError(`Option "alias" of join() must not be empty`);
    const join: Join = { table, alias: alias ?? table, kind };
    const taken = source.joins.find((j) => j.alias === join.alias || j.table === table);
    if (taken !== undefined) {
      throw new RangeError(
        taken.table === table
          ? `Table "${table}" is joined already: join each table once`
          : `Alias "${join.alias}" of join() names table "${taken.table}" already: give "${table}" another alias`,
      );
    }
    return this.#with(planOf({ ...source, joins: [...source.joins, join] }));
  }

  /**
   * Runs `fn` on a client of the destination: through its table reader where it has one and the
   * relation needs no SQL, else through SQL (an error of which is explained, where it is a table
   * or a column the dataset lacks, by one that lists those it has).
   */
  async #read<T>(fn: (reading: Reading) => Promise<T>): Promise<T> {
    const client = await this.#access.open();
    try {
      if (client.tables !== undefined && !needsSql(this.#plan)) {
        return await fn({ reader: client.tables });
      }
      const sql = relationSql(client);
      const names = sqlNames(sql, this.#access.name, client.tables);
      try {
        return await fn({ sql, names });
      } catch (error) {
        if (!(error instanceof DestinationError)) throw error;
        throw await this.#explained(error, names) ?? error;
      }
    } finally {
      await client.close();
    }
  }

  /** The error that says why the SQL of this relation failed, if a table or column is missing. */
  async #explained(
    error: DestinationError,
    names: SqlNames,
  ): Promise<DestinationError | undefined> {
    try {
      const tables = await names.tables();
      const missing = tablesOf(this.#plan).find((t) => !tables.has(t));
      if (missing !== undefined) return missingTable(missing, this.#access.name, tables, error);
      for (let plan: Plan | undefined = this.#plan; plan !== undefined;) {
        const source: Plan["source"] = plan.source;
        if (source.kind === "table") {
          const columns = (await joinedColumns(source.table, source.joins, names.tableColumns))
            .map((c) => c.name);
          const absent = referencedColumns(plan).find((c) => !columns.includes(c));
          if (absent !== undefined) {
            const explained = missingColumn(plan, absent, columns);
            return new DestinationError(explained.message, { cause: error });
          }
        }
        plan = source.kind === "relation" ? source.plan : undefined;
      }
    } catch {
      // the first error stands
    }
    return undefined;
  }

  /** The SQL and parameters of `plan`. */
  async #statement(names: SqlNames, plan = this.#plan) {
    return { sql: await planSql(plan, names), params: paramsOf(plan) };
  }

  /**
   * The rows as plain objects (dlt's `fetchall()`), values converted as the destination's
   * `query` says.
   */
  rows<T = Record<string, unknown>>(): Promise<T[]> {
    return this.#read(async (reading) => {
      if ("reader" in reading) {
        return await Array.fromAsync(planRows(reading.reader, this.#plan)) as T[];
      }
      const { sql, params } = await this.#statement(reading.names);
      return await reading.sql.query<T>(sql, params);
    });
  }

  /** The first row (dlt's `fetchone()`), or `undefined` when there is none. */
  async fetchOne<T = Record<string, unknown>>(): Promise<T | undefined> {
    const [row] = await this.#firstRows(1).rows<T>();
    return row;
  }

  /** At most `n` rows (dlt's `fetchmany(n)`): `limit(n).rows()`. */
  fetchMany<T = Record<string, unknown>>(n: number): Promise<T[]> {
    return this.#firstRows(n).rows<T>();
  }

  /** This relation with at most `n` rows (fewer where it has a smaller limit already). */
  #firstRows(n: number): Relation {
    const limit = this.#plan.limit;
    return limit !== undefined && wholeCount(limit) <= n ? this : this.limit(n);
  }

  /**
   * The one value of a relation of one row and one column (dlt's `fetchscalar()`), as
   * `select("id").max().scalar()`; `undefined` when it has no rows. More rows or columns are a
   * `DltError`.
   */
  async scalar<T = unknown>(): Promise<T | undefined> {
    const rows = await this.#firstRows(2).rows();
    if (rows.length === 0) return undefined;
    const names = Object.keys(rows[0]);
    if (rows.length > 1 || names.length !== 1) {
      throw new DltError(
        `scalar() reads one value, from one row of one column; this relation has ${
          rows.length > 1 ? "more than one row" : `${names.length} columns (${names.join(", ")})`
        }: narrow it with select(column), where() or limit(1)`,
      );
    }
    return rows[0][names[0]] as T;
  }

  /** The rows as an Arrow table (a DECIMAL value is its unscaled integer; the scale is in its type). */
  arrow(): Promise<ArrowTable> {
    return this.#read(async (reading) => {
      if ("reader" in reading) return await this.#readerArrow(reading.reader, this.#plan);
      const { sql, params } = await this.#statement(reading.names);
      return await reading.sql.queryArrow(sql, params);
    });
  }

  async #readerArrow(reader: TableReader, plan: Plan, rows?: Record<string, unknown>[]) {
    const columns = await planColumns(reader, plan);
    rows ??= await Array.fromAsync(planRows(reader, plan));
    // apache-arrow is loaded only here: most runs never read a relation as Arrow
    const { rowsToArrow } = await import("./rows_arrow.ts");
    return rowsToArrow(columns, rows);
  }

  /** Number of rows. */
  count(): Promise<number> {
    return this.#read(async (reading) => {
      if ("reader" in reading) {
        const plan = this.#plan;
        const source = plan.source;
        // a whole table's rows are counted without reading them
        if (
          source.kind === "table" && source.joins.length === 0 && plan.filters.length === 0 &&
          plan.aggregate === undefined
        ) {
          await planColumns(reading.reader, plan);
          const all = await reading.reader.count(source.table);
          const after = Math.max(0, all - wholeCount(plan.offset));
          return plan.limit === undefined ? after : Math.min(after, wholeCount(plan.limit));
        }
        let n = 0;
        for await (const _ of planRows(reading.reader, plan)) n++;
        return n;
      }
      const { sql, params } = await this.#statement(reading.names);
      const [row] = await reading.sql.query<{ n: number | bigint }>(
        `SELECT count(*) AS n FROM (${sql.replace(/[\s;]+$/, "")}) AS counted`,
        params,
      );
      return Number(row.n);
    });
  }

  /** Names of the relation's columns, in order (dlt's `columns`). */
  async columns(): Promise<string[]> {
    return (await this.columnsSchema()).map((c) => c.name);
  }

  /**
   * The relation's columns with their dlt data types (dlt's `columns_schema`): as the reader
   * types them, or, through SQL, as the types of the result's Arrow schema map to dlt's.
   */
  columnsSchema(): Promise<ColumnSchema[]> {
    return this.#read(async (reading) => {
      if ("reader" in reading) return await planColumns(reading.reader, this.#plan);
      const { sql, params } = await this.#statement(reading.names);
      const empty = await reading.sql.queryArrow(
        `SELECT * FROM (${sql.replace(/[\s;]+$/, "")}) AS probed LIMIT 0`,
        params,
      );
      const { arrowColumnHints } = await import("./extract/arrow.ts");
      return Object.entries(arrowColumnHints(empty)).map(([name, hint]) => {
        const column: ColumnSchema = { name };
        for (const key of ["dataType", "precision", "scale", "timezone", "nullable"] as const) {
          if (hint[key] !== undefined) {
            (column as unknown as Record<string, unknown>)[key] = hint[key];
          }
        }
        return column;
      });
    });
  }

  /**
   * The SQL statement of this relation on its destination (dlt's `to_sql()`): the query as
   * written when it is one, unrefined; its parameters are not in it.
   */
  toSql(): Promise<string> {
    return this.#withNames(async (names) => (await this.#statement(names)).sql);
  }

  /** Runs `fn` with the SQL names of the destination (its reader's, where it has one). */
  async #withNames<T>(fn: (names: SqlNames) => Promise<T>): Promise<T> {
    const client = await this.#access.open();
    try {
      return await fn(sqlNames(sqlOf(client), this.#access.name, client.tables));
    } finally {
      await client.close();
    }
  }

  /**
   * The rows in chunks of at most `chunkSize` (dlt's `iter_fetch(chunk_size)`), read a chunk at a
   * time: through SQL as pages of `LIMIT`/`OFFSET` in a fixed order (this relation's, then its
   * `_dlt_id`, or every column, so pages neither overlap nor miss rows), through a table reader
   * as the files stream (held in memory only when ordered or joined). A `chunkSize` below 1 is a
   * `RangeError`. Breaking off the loop closes the connection.
   */
  iterRows<T = Record<string, unknown>>(options: IterOptions = {}): AsyncIterable<T[]> {
    const { chunkSize = 1000 } = checkOptions<IterOptions>(options, ITER_SPEC, "iterRows()");
    return this.#chunks(
      chunkSize,
      (rows) => Promise.resolve(rows as T[]),
      (sql, statement) => sql.query<T>(statement.sql, statement.params),
    );
  }

  /**
   * The rows as Arrow tables of at most `chunkSize` rows (dlt's `iter_arrow(chunk_size)`), read
   * as {@linkcode Relation.iterRows} reads them. A `chunkSize` below 1 is a `RangeError`.
   */
  iterArrow(options: IterOptions = {}): AsyncIterable<ArrowTable> {
    const { chunkSize = 1000 } = checkOptions<IterOptions>(options, ITER_SPEC, "iterArrow()");
    let reader: TableReader | undefined;
    return this.#chunks(
      chunkSize,
      (rows) => this.#readerArrow(reader!, this.#plan, rows),
      (sql, statement) => sql.queryArrow(statement.sql, statement.params),
      (r) => reader = r,
    );
  }

  /** The chunks of this relation, each made by `fromRows` or `fromSql`. */
  async *#chunks<C extends { length: number } | { numRows: number }>(
    chunkSize: number,
    fromRows: (rows: Record<string, unknown>[]) => Promise<C>,
    fromSql: (
      sql: SqlClient,
      statement: { sql: string; params?: readonly unknown[] },
    ) => Promise<C>,
    onReader?: (reader: TableReader) => void,
  ): AsyncGenerator<C> {
    const client = await this.#access.open();
    try {
      const plan = this.#plan;
      if (client.tables !== undefined && !needsSql(plan)) {
        onReader?.(client.tables);
        let chunk: Record<string, unknown>[] = [];
        for await (const row of planRows(client.tables, plan)) {
          chunk.push(row);
          if (chunk.length >= chunkSize) {
            yield await fromRows(chunk);
            chunk = [];
          }
        }
        if (chunk.length > 0) yield await fromRows(chunk);
        return;
      }
      const sql = relationSql(client);
      const names = sqlNames(sql, this.#access.name, client.tables);
      const explain = async (error: unknown) =>
        error instanceof DestinationError ? await this.#explained(error, names) ?? error : error;
      const size = (c: C) => "numRows" in c ? c.numRows : c.length;
      let ties: Order[];
      try {
        ties = plan.aggregate === undefined ? await this.#tieBreak(sql, names) : [];
      } catch (error) {
        throw await explain(error);
      }
      const total = plan.limit === undefined ? Infinity : wholeCount(plan.limit);
      for (let done = 0; done < total;) {
        const want = Math.min(chunkSize, total - done);
        const page: Plan = {
          ...plan,
          orderBy: [...plan.orderBy, ...ties],
          offset: wholeCount(plan.offset) + done,
          limit: want,
        };
        let chunk: C;
        try {
          chunk = await fromSql(sql, await this.#statement(names, page));
        } catch (error) {
          throw await explain(error);
        }
        if (size(chunk) > 0) yield chunk;
        done += size(chunk);
        if (size(chunk) < want || plan.aggregate !== undefined) return;
      }
    } finally {
      await client.close();
    }
  }

  /** Columns that order this relation's rows totally: `_dlt_id`s where the source has them, else all. */
  async #tieBreak(sql: SqlClient, names: SqlNames): Promise<Order[]> {
    const source = this.#plan.source;
    let columns: string[];
    if (source.kind === "table") {
      columns = (await joinedColumns(source.table, source.joins, names.tableColumns)).map((c) =>
        c.name
      );
      if (columns.length === 0) {
        throw missingTable(source.table, this.#access.name, await names.tables());
      }
    } else {
      const plan = planOf(source);
      const { sql: statement, params } = await this.#statement(names, plan);
      const empty = await sql.queryArrow(
        `SELECT * FROM (${statement.replace(/[\s;]+$/, "")}) AS probed LIMIT 0`,
        params,
      );
      columns = empty.schema.fields.map((f) => f.name);
    }
    const ids = columns.filter((c) => c === "_dlt_id" || c.endsWith("___dlt_id"));
    return (ids.length > 0 ? ids : columns).map((column) => ({ column, direction: "asc" }));
  }
}

/**
 * What `dataset.query(sql, params)` returns: a {@linkcode Relation} of the query that is also a
 * promise of its rows, so `await dataset.query(sql)` reads them as before, and
 * `dataset.query(sql).limit(10).rows()` refines it (refined, it is a plain relation).
 */
export class QueryRelation<T = Record<string, unknown>> extends Relation implements Promise<T[]> {
  #error: unknown;
  #rows: Promise<T[]> | undefined;

  /** Use `dataset.query(sql, params)` instead. */
  constructor(access: DatasetAccess, sql: string, params?: readonly unknown[], error?: unknown) {
    super(access, planOf({ kind: "sql", sql, params }));
    this.#error = error;
  }

  /** The rows, read once. */
  #read(): Promise<T[]> {
    return this.#rows ??= this.#error === undefined ? this.rows<T>() : Promise.reject(this.#error);
  }

  /** Reads the rows (once) and settles with them, as a promise's `then`. */
  then<R1 = T[], R2 = never>(
    onfulfilled?: ((value: T[]) => R1 | PromiseLike<R1>) | null,
    // as `Promise.then`: a handler may type the reason it expects
    // deno-lint-ignore no-explicit-any
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#read().then(onfulfilled, onrejected);
  }

  /** Reads the rows (once), as a promise's `catch`. */
  catch<R = never>(
    // deno-lint-ignore no-explicit-any
    onrejected?: ((reason: any) => R | PromiseLike<R>) | null,
  ): Promise<T[] | R> {
    return this.#read().catch(onrejected);
  }

  /** Reads the rows (once), as a promise's `finally`. */
  finally(onfinally?: (() => void) | null): Promise<T[]> {
    return this.#read().finally(onfinally);
  }

  /** `"QueryRelation"`. */
  get [Symbol.toStringTag](): string {
    return "QueryRelation";
  }
}

/** Options of {@linkcode Dataset.rowCounts}. */
export interface RowCountsOptions {
  /** Count the data tables. @default {true} */
  dataTables?: boolean;
  /** Count dlt's system tables (`_dlt_loads`, `_dlt_version`, …). @default {false} */
  dltTables?: boolean;
  /** Count only these tables (`dataTables` and `dltTables` are then not looked at). */
  tableNames?: string[];
  /** Count only the rows of this load, in the tables that have `_dlt_load_id`. */
  loadId?: string;
}

const ROW_COUNTS_SPEC = {
  dataTables: (v: unknown) => checkBoolean(v),
  dltTables: (v: unknown) => checkBoolean(v),
  tableNames: (v: unknown) => {
    if (!Array.isArray(v) || v.some((n) => typeof n !== "string")) {
      throw new TypeError(`Option "tableNames" of rowCounts() must be a list of table names`);
    }
    return v as string[];
  },
  loadId: text(),
};

function checkBoolean(value: unknown): boolean {
  if (typeof value !== "boolean") throw new TypeError(`Expected true or false`);
  return value;
}

/**
 * A dataset's tables as its properties: `dataset.items`, `dataset["my table"]` are
 * `dataset.table("items")`, …, except names a {@linkcode Dataset} has (`name`, `table`, `query`,
 * …), which are the dataset's own: read those tables with `table()`.
 */
export type TableDataset = Dataset & { readonly [table: string]: Relation };

/**
 * The data a pipeline loaded, read from its destination (dlt's `Dataset`): `table(name)` (or
 * `dataset.name_of_table`) and `query(sql)` are lazy {@linkcode Relation}s; `tableNames()` and
 * `rowCounts()` describe it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pipeline } from "../mod.ts";
 * import { duckdb } from "../destinations/duckdb/mod.ts";
 *
 * const pipelinesDir = await Deno.makeTempDir();
 * const p = pipeline({
 *   pipelineName: "dataset_example",
 *   destination: duckdb({ credentials: ":memory:" }),
 *   pipelinesDir,
 * });
 * await p.run([{ id: 1, city: "berlin" }, { id: 2, city: "paris" }], { tableName: "customers" });
 * const dataset = p.dataset();
 * assert.deepEqual(await dataset.rowCounts(), { customers: 2 });
 * assert.equal(await dataset.customers.count(), 2);
 * assert.deepEqual(await dataset["customers"].select("city").orderBy("id").rows(), [
 *   { city: "berlin" },
 *   { city: "paris" },
 * ]);
 * assert.deepEqual(await dataset.query("SELECT id FROM customers WHERE city = ?", ["paris"]), [
 *   { id: 2 },
 * ]);
 * assert.equal(await dataset.query("SELECT id FROM customers").where("id", "lt", 2).count(), 1);
 * await Deno.remove(pipelinesDir, { recursive: true });
 * ```
 */
export class Dataset {
  #access: DatasetAccess;
  /** The dataset (schema) name. */
  readonly name: string;

  /**
   * Use `pipeline.dataset()` instead. The dataset made is a proxy whose unknown properties are
   * its tables (see {@linkcode TableDataset}).
   */
  constructor(open: ClientOpener, name: string) {
    this.#access = { open, name };
    this.name = name;
    return new Proxy(this, {
      get(target, property, receiver) {
        if (typeof property === "symbol" || property in target) {
          const value = Reflect.get(target, property, receiver);
          // methods run on the dataset itself, whose private fields a proxy does not have
          return typeof value === "function" ? value.bind(target) : value;
        }
        // a dataset is no promise: `await dataset` is the dataset
        if (property === "then") return undefined;
        return target.table(property);
      },
    });
  }

  /** The table `name`, as a lazy relation (a table the dataset lacks is an error when read). */
  table(name: string): Relation {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`table() takes a table name; got ${JSON.stringify(name)}`);
    }
    return new Relation(this.#access, planOf({ kind: "table", table: name, joins: [] }));
  }

  /**
   * A relation of an SQL query (dlt's `dataset.query(sql)`, `dataset(sql)`), which is also the
   * promise of its rows: `await dataset.query(sql, params)` runs it, and
   * `dataset.query(sql).limit(5).rows()` refines it (the query becomes a subquery). Unqualified
   * table names resolve in this dataset. `params` bind the placeholders (`?`, `$1`) of the
   * statement, in order, as dlt's `execute_sql(sql, *args)` does; values come back as the
   * destination's `query` converts them. A failing statement is a `DestinationError`.
   *
   * @example
   * ```ts ignore
   * const rows = await p.dataset().query("SELECT * FROM items WHERE id = ?", [2]);
   * const first = await p.dataset().query("SELECT * FROM items").orderBy("id").fetchOne();
   * ```
   */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): QueryRelation<T> {
    let error: unknown;
    try {
      readQueryArguments("query()", arguments);
    } catch (e) {
      error = e;
    }
    return new QueryRelation<T>(this.#access, typeof sql === "string" ? sql : "", params, error);
  }

  /** Names of the tables in the dataset, including dlt's system tables, sorted. */
  tableNames(): Promise<string[]> {
    return this.#read(
      (reader) => reader.tableNames(),
      async (names) => [...await names.tables()].sort(),
    );
  }

  async #read<T>(
    viaReader: (reader: TableReader) => Promise<T>,
    viaSql: (names: SqlNames, sql: SqlClient) => Promise<T>,
  ): Promise<T> {
    const client = await this.#access.open();
    try {
      if (client.tables !== undefined) return await viaReader(client.tables);
      const sql = sqlOf(client);
      return await viaSql(sqlNames(sql, this.name), sql);
    } finally {
      await client.close();
    }
  }

  /**
   * Row count of each table, by name (dlt's `row_counts()`): the data tables by default (dlt's
   * system tables, `_dlt…`, left out); `dltTables: true` counts those too, `tableNames` only the
   * tables named, `loadId` only the rows of one load (in the tables with `_dlt_load_id`). A
   * named table the dataset lacks is a `DestinationError` listing its tables.
   */
  async rowCounts(options: RowCountsOptions = {}): Promise<Record<string, number>> {
    if (!isPlainObject(options)) {
      throw new TypeError(
        `rowCounts() takes an options object, as in rowCounts({ dltTables: true })`,
      );
    }
    const { dataTables = true, dltTables = false, tableNames, loadId } = checkOptions<
      RowCountsOptions
    >(options, ROW_COUNTS_SPEC, "rowCounts()");
    const all = (await this.tableNames()).sort();
    let selected: string[];
    if (tableNames !== undefined) {
      const missing = tableNames.find((t) => !all.includes(t));
      if (missing !== undefined) throw missingTable(missing, this.name, all);
      selected = tableNames;
    } else {
      selected = all.filter((t) => t.startsWith("_dlt") ? dltTables : dataTables);
    }
    const counts: Record<string, number> = {};
    for (const table of selected) {
      let relation = this.table(table);
      if (loadId !== undefined) {
        if (!(await relation.columns()).includes("_dlt_load_id")) continue;
        relation = relation.where("_dlt_load_id", "eq", loadId);
      }
      counts[table] = await relation.count();
    }
    return counts;
  }
}
