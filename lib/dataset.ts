/**
 * Reading loaded data back: `pipeline.dataset().table(name)`. Tables are read through the
 * destination's {@linkcode TableReader} where it has one (a destination that keeps tables as
 * files), else through SQL; `query()` always runs SQL.
 *
 * @module
 */
import type { Table as ArrowTable } from "./deps/apache_arrow.ts";
import type { DestinationClient, SqlClient, TableReader } from "./destination.ts";
import { DestinationError } from "./errors.ts";
import { quoteIdentifier } from "./load/sql.ts";
import { readQueryArguments } from "./query_arguments.ts";
import { columnsOf, relationCount, relationRows } from "./table_rows.ts";

/** Opens a destination client for one query; the dataset closes it afterwards. */
export type ClientOpener = () => Promise<DestinationClient>;

async function withClient<T>(open: ClientOpener, fn: (c: SqlClient) => Promise<T>) {
  const client = await open();
  try {
    return await fn(sqlOf(client));
  } finally {
    await client.close();
  }
}

/** Runs `viaReader` on the client's table reader when it has one, else `viaSql` on its SQL. */
async function readWith<T>(
  open: ClientOpener,
  viaReader: (reader: TableReader) => Promise<T>,
  viaSql: (sql: SqlClient) => Promise<T>,
): Promise<T> {
  const client = await open();
  try {
    return client.tables !== undefined
      ? await viaReader(client.tables)
      : await viaSql(sqlOf(client));
  } finally {
    await client.close();
  }
}

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

/** A table of the dataset, optionally narrowed by {@linkcode Relation.limit} or {@linkcode Relation.select}. */
export class Relation {
  #open: ClientOpener;
  #table: string;
  #columns: readonly string[] | undefined;
  #limit: number | undefined;
  #orderBy: readonly string[] | undefined;
  #offset: number;

  /** Use `pipeline.dataset().table(name)` instead. */
  constructor(
    open: ClientOpener,
    table: string,
    columns?: readonly string[],
    limit?: number,
    orderBy?: readonly string[],
    offset = 0,
  ) {
    this.#open = open;
    this.#table = table;
    this.#columns = columns;
    this.#limit = limit;
    this.#orderBy = orderBy;
    this.#offset = offset;
  }

  /** Only these columns. */
  select(...columns: string[]): Relation {
    return new Relation(this.#open, this.#table, columns, this.#limit, this.#orderBy, this.#offset);
  }

  /** At most `n` rows (after {@linkcode Relation.offset}'s). */
  limit(n: number): Relation {
    return new Relation(this.#open, this.#table, this.#columns, n, this.#orderBy, this.#offset);
  }

  /**
   * Skips the first `n` rows (SQL's `OFFSET`), for reading a table page by page; without
   * {@linkcode Relation.orderBy} the pages follow the order the destination returns rows in.
   */
  offset(n: number): Relation {
    return new Relation(this.#open, this.#table, this.#columns, this.#limit, this.#orderBy, n);
  }

  /** Rows ordered by these columns. */
  orderBy(...columns: string[]): Relation {
    return new Relation(this.#open, this.#table, this.#columns, this.#limit, columns, this.#offset);
  }

  /** The offset as SQL's `OFFSET` takes it: a whole number ≥ 0. */
  get #skip(): number {
    return Math.max(0, Math.floor(this.#offset));
  }

  /** What this relation selects, for a {@linkcode TableReader}. */
  get #query() {
    return {
      table: this.#table,
      columns: this.#columns,
      orderBy: this.#orderBy,
      // the reader reads the skipped rows too; they are cut off afterwards
      limit: this.#limit === undefined ? undefined : this.#skip + Math.max(0, this.#limit),
    };
  }

  /** `rows` without the rows {@linkcode Relation.offset} skips. */
  #skipped<T>(rows: T[]): T[] {
    return this.#skip === 0 ? rows : rows.slice(this.#skip);
  }

  #sql(client: SqlClient): string {
    const columns = this.#columns?.map(quoteIdentifier).join(", ") ?? "*";
    let sql = `SELECT ${columns} FROM ${client.qualifiedName(this.#table)}`;
    if (this.#orderBy?.length) sql += ` ORDER BY ${this.#orderBy.map(quoteIdentifier).join(", ")}`;
    if (this.#limit !== undefined) sql += ` LIMIT ${Math.max(0, Math.floor(this.#limit))}`;
    if (this.#skip > 0) sql += ` OFFSET ${this.#skip}`;
    return sql;
  }

  /**
   * The rows as plain objects, values converted as the destination's `query` says (DuckDB:
   * numbers where a JS number holds them exactly, else `bigint` or a decimal's exact text;
   * timestamps as `Date`).
   */
  rows<T = Record<string, unknown>>(): Promise<T[]> {
    return readWith(
      this.#open,
      async (reader) => this.#skipped(await relationRows(reader, this.#query)) as T[],
      (c) => c.query<T>(this.#sql(c)),
    );
  }

  /** The rows as an Arrow table (a DECIMAL value is its unscaled integer; the scale is in its type). */
  arrow(): Promise<ArrowTable> {
    return readWith(
      this.#open,
      async (reader) => {
        const rows = this.#skipped(await relationRows(reader, this.#query));
        const names = this.#columns ?? (await reader.columns(this.#table)).map((c) => c.name);
        // apache-arrow is loaded only here: most runs never read a relation as Arrow
        const { rowsToArrow } = await import("./rows_arrow.ts");
        return rowsToArrow(await columnsOf(reader, this.#table, names), rows);
      },
      (c) => c.queryArrow(this.#sql(c)),
    );
  }

  /** Number of rows. */
  count(): Promise<number> {
    return readWith(
      this.#open,
      async (reader) => Math.max(0, await relationCount(reader, this.#query) - this.#skip),
      async (c) => {
        const [row] = await c.query<{ n: number | bigint }>(
          `SELECT count(*) AS n FROM (${this.#sql(c)}) AS counted`,
        );
        return Number(row.n);
      },
    );
  }
}

/** The data a pipeline loaded, read from its destination. */
export class Dataset {
  #open: ClientOpener;
  /** The dataset (schema) name. */
  readonly name: string;

  /** Use `pipeline.dataset()` instead. */
  constructor(open: ClientOpener, name: string) {
    this.#open = open;
    this.name = name;
  }

  /** The table `name`. */
  table(name: string): Relation {
    return new Relation(this.#open, name);
  }

  /**
   * Runs SQL against the destination; unqualified table names resolve in this dataset. `params`
   * bind the placeholders (`?`, `$1`) of the statement, in order, as dlt's `execute_sql(sql,
   * *args)` does; values come back as the destination's `query` converts them. A failing
   * statement is a `DestinationError`.
   *
   * @example
   * ```ts ignore
   * const rows = await p.dataset().query("SELECT * FROM items WHERE id = ?", [2]);
   * ```
   */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    try {
      readQueryArguments("query()", arguments);
    } catch (error) {
      return Promise.reject(error);
    }
    return withClient(this.#open, (c) => c.query<T>(sql, params));
  }

  /** Names of the tables in the dataset, including dlt's system tables. */
  tableNames(): Promise<string[]> {
    return readWith(this.#open, (reader) => reader.tableNames(), async (c) => {
      const rows = await c.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = '${
          this.name.replaceAll("'", "''")
        }' ORDER BY table_name`,
      );
      return rows.map((r) => r.table_name);
    });
  }

  /** Row count of every data table (system tables left out). */
  rowCounts(): Promise<Record<string, number>> {
    return readWith(this.#open, async (reader) => {
      const counts: Record<string, number> = {};
      for (const name of await reader.tableNames()) {
        if (!name.startsWith("_dlt_")) counts[name] = await reader.count(name);
      }
      return counts;
    }, async (c) => {
      const rows = await c.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = '${
          this.name.replaceAll("'", "''")
        }' AND table_name NOT LIKE '\\_dlt\\_%' ESCAPE '\\' ORDER BY table_name`,
      );
      const counts: Record<string, number> = {};
      for (const { table_name } of rows) {
        const [row] = await c.query<{ n: number }>(
          `SELECT count(*) AS n FROM ${c.qualifiedName(table_name)}`,
        );
        counts[table_name] = Number(row.n);
      }
      return counts;
    });
  }
}
