/**
 * dlt's `sql_database` source: the tables of a PostgreSQL or SQLite database as resources, one
 * per table, with column hints and primary keys reflected from the database. Importable by URL;
 * it needs nothing but this package.
 *
 * - {@linkcode sqlDatabase} reflects the tables (and, with `includeViews`, the views) of a
 *   schema, or those named in `tableNames`.
 * - {@linkcode sqlTable} reflects one table.
 *
 * Credentials are a URL: `postgresql://user:password@host:port/database` or
 * `sqlite:///relative/path.db` (`sqlite:////absolute/path.db`), given or from config
 * (`sources.sql_database.credentials`, `SOURCES__SQL_DATABASE__CREDENTIALS`); the password is
 * registered as a secret.
 *
 * Rows are read in chunks of `chunkSize` through a server-side cursor (Postgres; the next chunk
 * is fetched while one is converted) or a statement iterator (SQLite), so a table of any size is
 * read in bounded memory. Values are exact:
 * integers beyond 2^53 as `bigint`, numerics as their decimal text, timestamps as ISO text to
 * the microsecond, dates as `YYYY-MM-DD`, binary as `Uint8Array`, JSON and arrays parsed.
 *
 * Where nothing looks at the rows on their way to the destination (no map, filter, limit or
 * transformer), a Postgres table with reflected types is copied with
 * `COPY (SELECT …) TO STDOUT (FORMAT csv)` instead: pages of about a MiB of CSV records, typed by
 * the reflected columns, are written as they come and reach a destination that loads CSV
 * without becoming objects (`lib/extract/csv_pages.ts`) — a million rows load in about half
 * the time. The values loaded are the same either way. An incremental cursor on an integer,
 * double, date or timestamp column (with `max` or `min`) is applied in the queries then: in one
 * snapshot, the rows at its start value and at the new last value are read as rows, for the
 * cursor to drop those loaded before and keep the hashes of the new boundary, and the rows
 * between as pages.
 *
 * With `incremental("updated_at")` (given here, or later with `applyHints`) the query itself is
 * filtered: `WHERE "updated_at" >= $1` (the stored cursor), `< $2` with an `endValue`, ordered
 * by the cursor with a `rowOrder`, as dlt's `TableLoader`; the rows still pass the cursor, which
 * drops those at the boundary loaded before.
 *
 * @example Copying a SQLite table, then only its new rows
 * ```ts
 * import assert from "node:assert/strict";
 * import { DatabaseSync } from "node:sqlite";
 * import { incremental, pipeline } from "../mod.ts";
 * import { duckdb } from "../destinations/duckdb/mod.ts";
 * import { sqlTable } from "./sql_database.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const db = new DatabaseSync(`${dir}/shop.db`);
 * db.exec("CREATE TABLE orders (id INTEGER PRIMARY KEY, amount DECIMAL(10,2), at TIMESTAMP)");
 * db.exec("INSERT INTO orders VALUES (1, '9.50', '2024-01-01 10:00:00')");
 * const p = pipeline({
 *   pipelineName: "shop",
 *   destination: duckdb({ path: `${dir}/shop.duckdb` }),
 *   pipelinesDir: dir,
 * });
 * const orders = () =>
 *   sqlTable({
 *     credentials: `sqlite:///${dir}/shop.db`,
 *     table: "orders",
 *     incremental: incremental("at"),
 *     writeDisposition: "merge",
 *   });
 * await p.run(await orders());
 * db.exec("INSERT INTO orders VALUES (2, '12.00', '2024-01-02 10:00:00')");
 * assert.deepEqual((await p.run(await orders())).rowCounts, { orders: 1 });
 * assert.equal(await p.dataset().table("orders").count(), 2);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { isAbsolute, resolve } from "node:path";
import { findConfig, resolveConfigSpec, secret } from "../lib/config.ts";
import { ConfigError, DltError, ResourceExtractionError } from "../lib/errors.ts";
import { Incremental, IncrementalRun } from "../lib/incremental.ts";
import type { BoundIncremental, CursorValue } from "../lib/incremental.ts";
import { log } from "../lib/log.ts";
import {
  boolean,
  camelCase,
  checkOptions,
  columnNames,
  describeValue,
  func,
  instanceOf,
  integer,
  invalidValue,
  isPlainObject,
  oneOf,
  type OptionCheck,
  type OptionSpec,
  text,
} from "../lib/options.ts";
import { redactUrl } from "../lib/redact.ts";
import { type DltResource, resource, type ResourceHints } from "../lib/resource.ts";
import { withHints } from "../lib/marks.ts";
import type { WriteDisposition } from "../lib/schema/schema.ts";
import type { ColumnHint, DataType } from "../lib/schema/schema.ts";
import { type DltSource, source } from "../lib/source.ts";
import {
  type PostgresCredentials,
  readPostgresCredentials,
} from "../destinations/postgres/_credentials.ts";
import { PostgresConnection, type RawResult } from "../destinations/postgres/_connection.ts";
import { OID, pgRows, pgValueConverter } from "../destinations/postgres/_values.ts";
import { RecordReader } from "../lib/pg_records.ts";
import { quoteIdentifier, quoteLiteral } from "../lib/load/sql.ts";
import { CsvPage, type CsvPageColumn, takesCsvPages } from "../lib/extract/csv_pages.ts";
import { CsvRecordEnds } from "../lib/formats/csv_record_ends.ts";

/** How much of a table's columns is reflected, as dlt's `reflection_level`. */
export type ReflectionLevel = "minimal" | "full" | "full_with_precision";

/** Options shared by {@linkcode sqlDatabase} and {@linkcode sqlTable}. */
export interface SqlCommonOptions {
  /**
   * A `postgresql://` or `sqlite:///` URL. @default {secret `sources.sql_database.credentials`}
   */
  credentials?: string;
  /** The schema the tables are in (Postgres). @default {"public"; SQLite: "main"} */
  schema?: string;
  /**
   * Rows read (and yielded as one page) at a time. dlt's default is 50,000; pages of a thousand
   * rows cost the garbage collector far less here (they are dropped before they age). A table
   * copied with `COPY` (see the module doc) comes in pages of about a MiB instead.
   * @default {1000}
   */
  chunkSize?: number;
  /**
   * `minimal`: column names and nullability only, types are inferred from the data; `full`
   * (dlt's default): data types, decimal precision and scale, time zones; `full_with_precision`:
   * also the precision of integers and text lengths.
   * @default {"full"}
   */
  reflectionLevel?: ReflectionLevel;
  /** How rows are written. @default {"append"} */
  writeDisposition?: WriteDisposition;
  /** Changes each reflected table before its resource is made (drop columns, change types). */
  tableAdapterCallback?: TableAdapterCallback;
  /** Changes each table's query before it runs. */
  queryAdapterCallback?: QueryAdapterCallback;
  /**
   * Reflect each table when its resource runs, not when the source is made, as dlt's
   * `defer_table_reflect`: making the source needs no connection (`sqlDatabase` then needs
   * `tableNames`), and the column hints and primary key reach the schema with the first rows.
   * @default {false}
   */
  deferTableReflect?: boolean;
}

/** Options of {@linkcode sqlDatabase}. */
export interface SqlDatabaseOptions extends SqlCommonOptions {
  /** The tables to load. @default {every table of the schema} */
  tableNames?: string[];
  /** Also load the schema's views (when `tableNames` is not given). @default {false} */
  includeViews?: boolean;
  /** Source name, also the dataset's schema name. @default {"sql_database"} */
  name?: string;
}

/** Options of {@linkcode sqlTable}. */
export interface SqlTableOptions extends SqlCommonOptions {
  /** The table (or view) to load. */
  table: string;
  /** An incremental cursor on one of the table's columns, applied in the query. */
  incremental?: Incremental;
  /** The primary key. @default {the table's reflected primary key} */
  primaryKey?: string | string[];
  /** The merge key: `merge` replaces every row sharing its value with the new ones. */
  mergeKey?: string | string[];
  /** Only these columns are selected. @default {all} */
  includedColumns?: string[];
  /** These columns are not selected. */
  excludedColumns?: string[];
  /** The resource name. @default {the table name} */
  name?: string;
}

/** The config key of the credentials. */
const CREDENTIALS_KEY = "sources.sql_database.credentials";

/** Rows per page when `chunkSize` is not given (see {@linkcode SqlCommonOptions.chunkSize}). */
const DEFAULT_CHUNK_SIZE = 1000;

/** A problem reading a database: a table or column that does not exist, a failed query. */
export class SqlDatabaseError extends DltError {}

/** dlt's options that this source does not have, with what to do instead. */
const UNSUPPORTED = {
  backendKwargs: "the backend is chosen by the credentials URL and takes no arguments",
  backend: "rows are read as objects (dlt's sqlalchemy backend)",
  engineAdapterCallback: "the connection is made from the credentials URL",
  typeAdapterCallback: "change a column's nativeType in a tableAdapterCallback",
  engineKwargs: "the connection is made from the credentials URL",
  metadata: "tables are reflected from the database each time",
  detectPrecisionHints: 'give reflectionLevel: "full_with_precision"',
  resolveForeignKeys: "foreign keys are not reflected",
  tableLoaderClass: "queries are changed with queryAdapterCallback",
};

/** A list of names. */
function names(expected: string): OptionCheck<string[]> {
  return (value) =>
    Array.isArray(value) && value.every((v) => typeof v === "string" && v !== "")
      ? value as string[]
      : invalidValue(expected);
}

const COMMON_SPEC = {
  credentials: text(),
  schema: text(),
  chunkSize: integer({ min: 1 }),
  reflectionLevel: oneOf<ReflectionLevel>(["minimal", "full", "full_with_precision"]),
  writeDisposition: oneOf<WriteDisposition>(["append", "replace", "merge", "skip"]),
  tableAdapterCallback: func<TableAdapterCallback>(),
  queryAdapterCallback: func<QueryAdapterCallback>(),
  deferTableReflect: boolean(),
};

const DATABASE_SPEC: OptionSpec<SqlDatabaseOptions> = {
  ...COMMON_SPEC,
  tableNames: names("a list of table names"),
  includeViews: boolean(),
  name: text(),
};

const TABLE_SPEC: OptionSpec<SqlTableOptions> = {
  ...COMMON_SPEC,
  table: text(),
  incremental: instanceOf(Incremental, "an incremental() cursor"),
  primaryKey: columnNames(),
  mergeKey: columnNames(),
  includedColumns: names("a list of column names"),
  excludedColumns: names("a list of column names"),
  name: text(),
};

/** A reflected column, as a `tableAdapterCallback` sees it. */
export interface ReflectedColumn {
  /** The column's name. */
  name: string;
  /** The database's type name (`numeric(12,2)`, `DECIMAL(10,2)`, `integer[]`). */
  nativeType: string;
  /** Whether it may hold NULL. */
  nullable: boolean;
}

/**
 * A reflected table, as a `tableAdapterCallback` sees it: remove columns to leave them out of
 * the query, change a `nativeType` to change the column's hint (`"text"`).
 */
export interface ReflectedTable {
  /** The table's name. */
  name: string;
  /** Its columns, in order: those selected. */
  columns: ReflectedColumn[];
  /** Its primary key columns (none: `[]`). */
  primaryKey: string[];
}

/** A table's query and its parameters (`$1`, … in Postgres; `?` in SQLite). */
export interface SqlQuery {
  /** The SELECT statement. */
  sql: string;
  /** The values of its placeholders, in order. */
  params: unknown[];
}

/** Changes a reflected table in place before its resource is made (dlt's `table_adapter_callback`). */
export type TableAdapterCallback = (table: ReflectedTable) => void;

/**
 * Returns the query to run instead of `query` (dlt's `query_adapter_callback`): add a WHERE
 * clause, a join, a LIMIT. `incremental` is the table's cursor for this run, if it has one.
 */
export type QueryAdapterCallback = (
  query: SqlQuery,
  table: ReflectedTable,
  incremental: BoundIncremental | undefined,
) => SqlQuery;

/**
 * An incremental cursor that a backend reading pages applies itself (see
 * {@linkcode PostgresBackend.csvPages}): the cursor's column, the run's start and end values,
 * and its options.
 */
interface CursorWindow {
  /** The cursor's column. */
  column: string;
  /** Where the run starts (inclusive): the stored last value, else the initial value. */
  start: CursorValue | undefined;
  /** Where a backfill ends (exclusive). */
  end: CursorValue | undefined;
  /** Whether the last value is the highest (`lastValueFunc: "max"`), else the lowest. */
  rising: boolean;
  /** The order rows are read in, if any. */
  rowOrder: "asc" | "desc" | undefined;
  /** What rows without a cursor value are to the cursor. */
  missing: "raise" | "include" | "exclude";
}

/** Data types whose order is the same in Postgres and in the cursor's comparisons. */
const WINDOW_TYPES: readonly (DataType | undefined)[] = ["bigint", "double", "timestamp", "date"];

/**
 * The window of `incremental` (bound for this run as `bound`) on a table of column hints
 * `hints`, when a backend can apply it while reading pages: a built-in last value function on a
 * column of a type in {@linkcode WINDOW_TYPES} (text sorts by the database's collation, which
 * the cursor does not know).
 */
function cursorWindow(
  incremental: Incremental,
  bound: BoundIncremental | undefined,
  hints: Record<string, ColumnHint>,
): CursorWindow | undefined {
  const { lastValueFunc = "max", rowOrder, onCursorValueMissing = "raise" } = incremental.options;
  if (bound === undefined || typeof lastValueFunc === "function") return undefined;
  if (!WINDOW_TYPES.includes(hints[incremental.cursorPath]?.dataType)) return undefined;
  return {
    column: incremental.cursorPath,
    start: bound.startValue,
    end: bound.endValue,
    rising: lastValueFunc === "max",
    rowOrder,
    missing: onCursorValueMissing,
  };
}

/**
 * A cursor value as an SQL literal of the column's type: quoted, so that Postgres reads it as the
 * column's type (an unquoted `1.1` compared with a `real` column would be a `double precision`,
 * and the column's 1.1 would not equal it).
 */
function cursorLiteral(value: CursorValue): string {
  return quoteLiteral(value instanceof Date ? value.toISOString() : String(value));
}

/** A table or view of a schema. */
interface TableEntry {
  name: string;
  view: boolean;
}

/** What a database backend does: reflection, chunked reads. */
interface SqlBackend {
  /** The database, for messages (no password). */
  readonly where: string;
  /** The schema used when none is given. */
  readonly defaultSchema: string;
  /** The schemas there are. */
  schemas(): Promise<string[]>;
  /** The tables and views of `schema`. */
  tables(schema: string): Promise<TableEntry[]>;
  /** The columns and primary key of `table`. */
  reflect(schema: string, table: string): Promise<ReflectedTable>;
  /** The expression selecting `column` (arrays as JSON). */
  selectExpression(column: ReflectedColumn): string;
  /** The placeholder of the `n`th (1-based) parameter. */
  placeholder(n: number): string;
  /** The qualified, quoted name of `table`. */
  tableRef(schema: string, table: string): string;
  /**
   * Pages of CSV records of the rows of `sql` (`lib/extract/csv_pages.ts`), when each column of
   * its result has a data type in `hints` that the backend writes such records of; else
   * `undefined`.
   */
  csvPages?(
    table: string,
    sql: string,
    hints: Record<string, ColumnHint>,
    window: CursorWindow | undefined,
    chunkSize: number,
  ): Promise<AsyncIterable<CsvPage | Record<string, unknown>[]> | undefined>;
  /** Runs `sql` (selecting `columns`) with `params`, yielding its rows `chunkSize` at a time. */
  read(
    sql: string,
    params: unknown[],
    chunkSize: number,
    columns: ReflectedColumn[],
  ): AsyncIterable<Record<string, unknown>[]>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** The data type of a native column type, dlt's mapping. */
function columnHint(
  nativeType: string,
  level: ReflectionLevel,
): ColumnHint | undefined {
  const type = nativeType.toLowerCase().trim();
  const withPrecision = level === "full_with_precision";
  if (type.endsWith("[]") || type.startsWith("_")) return { dataType: "json" };
  const args = /\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/.exec(type);
  const base = type.replace(/\(.*?\)/, "").trim();
  const hint = (dataType: DataType, extra: ColumnHint = {}): ColumnHint => ({
    dataType,
    ...extra,
  });
  if (base === "uuid") return hint("text");
  if (/^(numeric|decimal)$/.test(base)) {
    if (args === null) return hint("decimal");
    return hint("decimal", {
      precision: Number(args[1]),
      ...(args[2] !== undefined ? { scale: Number(args[2]) } : { scale: 0 }),
    });
  }
  if (/^(smallint|int2|tinyint|mediumint)$/.test(base)) {
    return hint("bigint", withPrecision ? { precision: base === "tinyint" ? 8 : 16 } : {});
  }
  if (/^(integer|int|int4|serial)$/.test(base)) {
    return hint("bigint", withPrecision ? { precision: 32 } : {});
  }
  if (/^(bigint|int8|bigserial|unsigned big int)$/.test(base)) {
    return hint("bigint", withPrecision ? { precision: 64 } : {});
  }
  if (/^(real|float4|float8|float|double|double precision)$/.test(base)) return hint("double");
  if (/^(boolean|bool)$/.test(base)) return hint("bool");
  if (
    /^(text|varchar|character varying|character|char|nchar|nvarchar|clob|citext|name)$/.test(base)
  ) {
    return hint("text", withPrecision && args !== null ? { precision: Number(args[1]) } : {});
  }
  if (/^(bytea|blob)$/.test(base)) return hint("binary");
  if (base === "date") return hint("date");
  if (/^(timestamp with time zone|timestamptz)$/.test(base)) {
    return hint("timestamp", { timezone: true });
  }
  if (/^(timestamp|timestamp without time zone|datetime)$/.test(base)) {
    return hint("timestamp", { timezone: false });
  }
  // dlt's time type has no counterpart here: times load as their text
  if (/^(time|time without time zone|time with time zone|timetz)$/.test(base)) return hint("text");
  if (/^(json|jsonb)$/.test(base)) return hint("json");
  return undefined;
}

/** The column hints of `table` at `level`; unknown types load as text, with a warning. */
function columnHints(
  table: ReflectedTable,
  level: ReflectionLevel,
): Record<string, ColumnHint> {
  const hints: Record<string, ColumnHint> = {};
  for (const column of table.columns) {
    const nullable = { nullable: column.nullable };
    if (level === "minimal") {
      hints[column.name] = nullable;
      continue;
    }
    const hint = columnHint(column.nativeType, level);
    if (hint === undefined) {
      log.warn(
        `Table "${table.name}", column "${column.name}": the type "${column.nativeType}" has no dlt data type; it loads as text`,
      );
    }
    hints[column.name] = { ...(hint ?? { dataType: "text" }), ...nullable };
  }
  return hints;
}

// ---------------------------------------------------------------------------------------------
// Postgres

const PG_TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?(?:\+00)?$/;

/** A Postgres `timestamp(tz)` text (session time zone UTC) as ISO 8601 with microseconds. */
function pgTimestamp(value: string): string {
  // infinity, BC dates and years past 9999 stay the server's text
  if (!PG_TIMESTAMP.test(value)) return value;
  const end = value.endsWith("+00") ? value.length - 3 : value.length;
  return value.slice(0, 10) + "T" + value.slice(11, end) + "Z";
}

/**
 * How the text of a column of type `oid` becomes an exact JS value: as the destination's query
 * results convert it, except timestamps (ISO text keeping the microseconds a `Date` would drop),
 * numeric and date (their exact text) and JSON (parsed).
 */
function pgConverter(oid: number): (text: string) => unknown {
  switch (oid) {
    case OID.timestamp:
    case OID.timestamptz:
      return pgTimestamp;
    case OID.json:
    case OID.jsonb:
      return (text) => JSON.parse(text);
    case OID.numeric:
    case OID.date:
      return (text) => text;
    default:
      return pgValueConverter(oid);
  }
}

/** `FROM` the query `sql` as the subquery `dlt_query` (a final `;` would end it: dropped). */
function fromQuery(sql: string): string {
  return `FROM (\n${sql.replace(/;\s*$/, "")}\n) AS dlt_query`;
}

/** Bytes of CSV records a page of `COPY … TO STDOUT` output holds, about. */
const PAGE_BYTES = 1 << 20;

/**
 * The expression that selects column `ref` (of type `oid`) as a CSV field of a value of
 * `dataType` (`lib/extract/csv_pages.ts`); none for a type it cannot be written as.
 */
function pgCsvExpression(dataType: DataType, oid: number, ref: string): string | undefined {
  switch (dataType) {
    case "bigint":
      return oid === OID.int2 || oid === OID.int4 || oid === OID.int8 ? ref : undefined;
    case "double":
      return oid === OID.float4 || oid === OID.float8 ? ref : undefined;
    case "decimal":
      return oid === OID.numeric ? ref : undefined;
    case "bool":
      return oid === OID.bool ? `${ref}::text` : undefined;
    case "date":
      return oid === OID.date ? ref : undefined;
    case "timestamp":
      // the session's time zone is UTC: the text ends with +00
      if (oid === OID.timestamptz) return ref;
      return oid === OID.timestamp ? `(${ref} AT TIME ZONE 'UTC')` : undefined;
    case "binary":
      return oid === OID.bytea ? `translate(encode(${ref}, 'base64'), E'\n', '')` : undefined;
    case "json":
      // compact, as the rows' JSON is written: whitespace outside strings dropped (numbers stay
      // exact, where parsing them would round those beyond 2^53); JSON's null is NULL, as a row's
      if (oid !== OID.json && oid !== OID.jsonb && CONVERTED_OIDS.has(oid)) return undefined;
      return `NULLIF(regexp_replace(to_json(${ref})::text, '("(?:[^"\\\\]|\\\\.)*")|\\s+', '\\1', 'g'), 'null')`;
    case "text":
      // the type's own text (a cast of char(n) to text would drop its padding), as a row's
      return CONVERTED_OIDS.has(oid) ? undefined : ref;
    default:
      return undefined;
  }
}

/**
 * Types whose values a row gets converted (`pgConverter`: numbers, booleans, times, bytes, parsed
 * JSON); a row has any other type's text as it is.
 */
const CONVERTED_OIDS: ReadonlySet<number> = new Set([
  OID.bool,
  OID.bytea,
  OID.int2,
  OID.int4,
  OID.int8,
  OID.oid,
  OID.float4,
  OID.float8,
  OID.numeric,
  OID.date,
  OID.timestamp,
  OID.timestamptz,
  OID.json,
  OID.jsonb,
]);

/** Reads a Postgres database through one connection (the destination's). */
class PostgresBackend implements SqlBackend {
  readonly where: string;
  readonly defaultSchema = "public";
  #connection: PostgresConnection;
  #cursors = 0;

  private constructor(connection: PostgresConnection, where: string) {
    this.#connection = connection;
    this.where = where;
  }

  /** Connects with `credentials`. */
  static async open(credentials: PostgresCredentials, where: string): Promise<PostgresBackend> {
    try {
      return new PostgresBackend(await PostgresConnection.open(credentials, "public"), where);
    } catch (error) {
      // the destination's message names the server; its hint names the destination's config
      const message = (error as Error).message.replace(
        /\(check the password, e\.g\. \w+\)/,
        `(check the password of ${CREDENTIALS_KEY})`,
      );
      throw new SqlDatabaseError(message, { cause: error });
    }
  }

  async #query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]> {
    const { fields, rows } = await this.#connection.execute(sql, params);
    return pgRows(fields, rows, pgConverter);
  }

  async schemas(): Promise<string[]> {
    const rows = await this.#query(
      `SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1`,
    );
    return rows.map((r) => r.nspname as string);
  }

  async tables(schema: string): Promise<TableEntry[]> {
    const rows = await this.#query(
      `SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY 1`,
      [schema],
    );
    return rows.map((r) => ({
      name: r.relname as string,
      view: r.relkind === "v" || r.relkind === "m",
    }));
  }

  async reflect(schema: string, table: string): Promise<ReflectedTable> {
    const columns = await this.#query(
      // an enum is text; a domain is its base type
      `SELECT a.attname, a.attnotnull, CASE t.typtype WHEN 'e' THEN 'text'
         WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod)
         ELSE format_type(a.atttypid, a.atttypmod) END AS type
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY a.attnum`,
      [schema, table],
    );
    const keys = await this.#query(
      `SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
       WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary ORDER BY k.ord`,
      [schema, table],
    );
    return {
      name: table,
      columns: columns.map((c) => ({
        name: c.attname as string,
        nativeType: c.type as string,
        nullable: c.attnotnull !== true,
      })),
      primaryKey: keys.map((k) => k.attname as string),
    };
  }

  selectExpression(column: ReflectedColumn): string {
    const name = quoteIdentifier(column.name);
    return column.nativeType.endsWith("[]") ? `to_json(${name}) AS ${name}` : name;
  }

  placeholder(n: number): string {
    return `$${n}`;
  }

  tableRef(schema: string, table: string): string {
    return `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
  }

  /**
   * Reads through a server-side cursor, in a read-only transaction (see
   * {@linkcode PostgresBackend.#rows}).
   */
  read(
    sql: string,
    params: unknown[],
    chunkSize: number,
  ): AsyncIterable<Record<string, unknown>[]> {
    return this.#inSnapshot(() => this.#rows(sql, params, chunkSize));
  }

  /** What `read` yields, all of it read in one read-only snapshot of the database. */
  async *#inSnapshot<T>(read: () => AsyncIterable<T>): AsyncGenerator<T> {
    await this.#connection.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    let done = false;
    try {
      yield* read();
      done = true;
    } finally {
      await this.#connection.run(done ? "COMMIT" : "ROLLBACK").catch(() => {});
    }
  }

  /**
   * The rows of `sql` through a server-side cursor (in the open transaction): the columns'
   * names and types from the query run with `LIMIT 0`, then its rows, each as one text (see
   * `lib/pg_records.ts`), `chunkSize` at a time; the next chunk is asked for before this one is
   * converted, so the server writes it meanwhile.
   */
  async *#rows(
    sql: string,
    params: unknown[],
    chunkSize: number,
  ): AsyncGenerator<Record<string, unknown>[]> {
    const cursor = `dlt_cursor_${++this.#cursors}`;
    const from = fromQuery(sql);
    let next: Promise<RawResult> | undefined;
    try {
      const { fields } = await this.#connection.execute(`SELECT * ${from} LIMIT 0`, params);
      const reader = new RecordReader(
        fields.map((f) => f.name),
        fields.map((f) => pgConverter(f.dataTypeID)),
      );
      await this.#connection.execute(
        `DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT ROW(dlt_query.*)::text ${from}`,
        params,
      );
      const fetch = `FETCH FORWARD ${chunkSize} FROM ${cursor}`;
      next = this.#connection.execute(fetch);
      while (next !== undefined) {
        const { rows }: RawResult = await next;
        next = rows.length < chunkSize ? undefined : this.#connection.execute(fetch);
        if (rows.length > 0) yield reader.rows(rows.map((row) => row[0]));
      }
    } finally {
      // a chunk asked for and not read (the reading stopped) comes before the end
      await next?.catch(() => {});
    }
  }

  /**
   * The rows of `sql` through `COPY (SELECT …) TO STDOUT (FORMAT csv)`, each column written as
   * its hint's data type says (see {@linkcode pgCsvExpression}), in pages of about a MiB.
   *
   * With a cursor `window` (`sql` then selects the whole table), the rows the cursor must see
   * come as rows, the others as pages, all from one snapshot: the rows at the start value (the
   * cursor drops those loaded before), the rows strictly between it and the new last value
   * (their highest value, below the end) as pages, then the rows at the new last value (whose
   * hashes the cursor keeps) and the rows without a value (which it raises on, keeps or skips).
   */
  async csvPages(
    table: string,
    sql: string,
    hints: Record<string, ColumnHint>,
    window: CursorWindow | undefined,
    chunkSize: number,
  ): Promise<AsyncIterable<CsvPage | Record<string, unknown>[]> | undefined> {
    const from = fromQuery(sql);
    const { fields } = await this.#connection.execute(`SELECT * ${from} LIMIT 0`);
    const columns: CsvPageColumn[] = [];
    const selected: string[] = [];
    for (const field of fields) {
      const dataType = hints[field.name]?.dataType;
      const ref = `dlt_query.${quoteIdentifier(field.name)}`;
      const expression = dataType && pgCsvExpression(dataType, field.dataTypeID, ref);
      if (!expression) return undefined;
      columns.push({ name: field.name, dataType: dataType! });
      selected.push(expression);
    }
    // a one-column row that is NULL would be an empty line, which readers skip
    if (columns.length < 2 || new Set(columns.map((c) => c.name)).size !== columns.length) {
      return undefined;
    }
    const copy = (where: string, orderBy = "") =>
      this.#copyPages(
        table,
        `COPY (SELECT ${selected.join(", ")} ${from}${where}${orderBy}) TO STDOUT (FORMAT csv)`,
        columns,
      );
    if (window === undefined) return copy("");
    const rows = (where: string) => this.#rows(`SELECT * ${from} WHERE ${where}`, [], chunkSize);
    return this.#inSnapshot(() => this.#windowParts(window, from, rows, copy));
  }

  /** The parts of a cursor window's rows, in order (see {@linkcode PostgresBackend.csvPages}). */
  async *#windowParts(
    window: CursorWindow,
    from: string,
    rows: (where: string) => AsyncIterable<Record<string, unknown>[]>,
    copy: (where: string, orderBy: string) => AsyncIterable<CsvPage>,
  ): AsyncGenerator<CsvPage | Record<string, unknown>[]> {
    const column = `dlt_query.${quoteIdentifier(window.column)}`;
    const [past, before] = window.rising ? [">", "<"] : ["<", ">"];
    const beyond = [
      window.start === undefined
        ? `${column} IS NOT NULL`
        : `${column} ${past} ${cursorLiteral(window.start)}`,
    ];
    if (window.end !== undefined) beyond.push(`${column} ${before} ${cursorLiteral(window.end)}`);
    const { rows: [[edge]] } = await this.#connection.execute(
      `SELECT ${window.rising ? "max" : "min"}(${column})::text ${from} WHERE ${
        beyond.join(" AND ")
      }`,
    );
    const parts: (() => AsyncIterable<CsvPage | Record<string, unknown>[]>)[] = [];
    if (window.start !== undefined) {
      parts.push(() => rows(`${column} = ${cursorLiteral(window.start!)}`));
    }
    if (edge !== null) {
      const ascending = (window.rowOrder === "asc") === window.rising;
      const orderBy = window.rowOrder === undefined
        ? ""
        : ` ORDER BY ${column} ${ascending ? "ASC" : "DESC"}`;
      const between = [...beyond, `${column} ${before} ${quoteLiteral(edge)}`];
      parts.push(() => copy(` WHERE ${between.join(" AND ")}`, orderBy));
      parts.push(() => rows(`${column} = ${quoteLiteral(edge)}`));
    }
    // read in the order asked for: from the last value down
    if (window.rowOrder !== undefined && (window.rowOrder === "asc") !== window.rising) {
      parts.reverse();
    }
    // rows without a value, where the row query would have them: always with "include", on a
    // first run (no start value) with "raise", for the cursor to raise on
    if (
      window.missing === "include" || (window.missing === "raise" && window.start === undefined)
    ) {
      parts.push(() => rows(`${column} IS NULL`));
    }
    for (const part of parts) yield* part();
  }

  async *#copyPages(
    table: string,
    copy: string,
    columns: CsvPageColumn[],
  ): AsyncGenerator<CsvPage> {
    const ends = new CsvRecordEnds();
    /** Pieces of whole records, and the rows and bytes they hold. */
    let whole: Uint8Array[] = [];
    let rows = 0;
    let size = 0;
    /** The pieces after the last record end. */
    let rest: Uint8Array[] = [];
    for await (const chunk of this.#connection.copyOut(copy)) {
      const found = ends.scan(chunk);
      if (found.length === 0) {
        rest.push(chunk);
        continue;
      }
      const end = found[found.length - 1] + 1;
      whole.push(...rest, chunk.subarray(0, end));
      rest = end < chunk.length ? [chunk.subarray(end)] : [];
      rows += found.length;
      size += end;
      if (size >= PAGE_BYTES) {
        yield new CsvPage(columns, whole, rows);
        whole = [];
        rows = 0;
        size = 0;
      }
    }
    if (rest.length > 0 || ends.quoted) {
      throw new SqlDatabaseError(
        `Reading table "${table}" of ${this.where}: the COPY output ended inside a CSV record`,
      );
    }
    if (rows > 0) yield new CsvPage(columns, whole, rows);
  }

  close(): Promise<void> {
    return this.#connection.close();
  }
}

// ---------------------------------------------------------------------------------------------
// SQLite

/** Reads a SQLite file with `node:sqlite`. */
class SqliteBackend implements SqlBackend {
  readonly where: string;
  readonly defaultSchema = "main";
  #db: DatabaseSync;

  constructor(path: string) {
    this.where = `"${path}"`;
    try {
      this.#db = new DatabaseSync(path, { readOnly: true });
    } catch (error) {
      throw new SqlDatabaseError(
        `Cannot open the SQLite database "${path}": ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  #all(sql: string): Record<string, unknown>[] {
    return this.#db.prepare(sql).all() as Record<string, unknown>[];
  }

  schemas(): Promise<string[]> {
    return Promise.resolve(this.#all("PRAGMA database_list").map((r) => r.name as string));
  }

  tables(schema: string): Promise<TableEntry[]> {
    const rows = this.#all(
      `SELECT name, type FROM ${
        quoteIdentifier(schema)
      }.sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`,
    );
    return Promise.resolve(rows.map((r) => ({ name: r.name as string, view: r.type === "view" })));
  }

  reflect(schema: string, table: string): Promise<ReflectedTable> {
    const rows = this.#all(
      `PRAGMA ${quoteIdentifier(schema)}.table_info(${quoteIdentifier(table)})`,
    );
    const columns = rows.map((r) => ({
      name: r.name as string,
      nativeType: (r.type as string) || "blob",
      nullable: r.notnull === 0 && r.pk === 0,
    }));
    const primaryKey = rows.filter((r) => (r.pk as number) > 0)
      .sort((a, b) => (a.pk as number) - (b.pk as number))
      .map((r) => r.name as string);
    return Promise.resolve({ name: table, columns, primaryKey });
  }

  selectExpression(column: ReflectedColumn): string {
    return quoteIdentifier(column.name);
  }

  placeholder(): string {
    return "?";
  }

  tableRef(schema: string, table: string): string {
    return `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
  }

  async *read(
    sql: string,
    params: unknown[],
    chunkSize: number,
    columns: ReflectedColumn[],
  ): AsyncIterable<Record<string, unknown>[]> {
    const statement: StatementSync = this.#db.prepare(sql);
    statement.setReadBigInts(true);
    const converters = new Map(columns.map((c) => [c.name, sqliteConverter(c.nativeType)]));
    let chunk: Record<string, unknown>[] = [];
    for (
      const row of statement.iterate(...params as (string | number | bigint | null)[])
    ) {
      const item: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(row as Record<string, unknown>)) {
        item[name] = value === null ? null : converters.get(name)!(value);
      }
      chunk.push(item);
      if (chunk.length === chunkSize) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  }

  close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
    return Promise.resolve();
  }
}

/** How a SQLite value of declared type `type` becomes an exact JS value. */
function sqliteConverter(type: string): (value: unknown) => unknown {
  const hint = columnHint(type, "full");
  const safe = (value: unknown) =>
    typeof value === "bigint" && Number.isSafeInteger(Number(value)) ? Number(value) : value;
  switch (hint?.dataType) {
    case "bool":
      return (value) => typeof value === "bigint" ? value !== 0n : value;
    case "decimal":
      return (value) =>
        typeof value === "bigint" || typeof value === "number" ? String(value) : value;
    case "json":
      return (value) => typeof value === "string" ? JSON.parse(value) : safe(value);
    default:
      return safe;
  }
}

// ---------------------------------------------------------------------------------------------
// Credentials and the source

/** The SQLite file of a `sqlite:///` URL (`sqlite:////abs` is absolute). */
function sqlitePath(url: string): string {
  const path = url.slice("sqlite:///".length);
  if (path === "" || path === ":memory:") {
    throw new ConfigError(`The SQLite URL "${url}" names no database file`);
  }
  return isAbsolute(path) ? path : resolve(path);
}

/** Opens the backend of `credentials` (given, else from config). */
function openBackend(given: unknown, where: string): Promise<SqlBackend> {
  // a URL, or a table of fields in config (`[sources.sql_database.credentials]`)
  const credentials = given ?? findConfig(CREDENTIALS_KEY) ??
    resolveConfigSpec({ credentials: secret() }, { sections: ["sources", "sql_database"] })
      .credentials;
  if (isPlainObject(credentials)) {
    // a table of fields in config, in dlt's snake_case
    const fields = Object.fromEntries(
      Object.entries(credentials).map(([k, v]) => [camelCase(k), v]),
    );
    return openPostgres(readPostgresCredentials(fields, where));
  }
  if (typeof credentials !== "string") {
    throw new TypeError(
      `The credentials of ${where} must be a postgresql:// or sqlite:/// URL, got ${
        describeValue(credentials)
      }`,
    );
  }
  if (/^sqlite:\/\/\//i.test(credentials)) {
    return Promise.resolve(new SqliteBackend(sqlitePath(credentials)));
  }
  if (/^postgres(ql)?(\+\w+)?:\/\//i.test(credentials)) {
    // dlt's URLs may name the driver: postgresql+psycopg2://
    const url = credentials.replace(/^postgres(ql)?\+\w+:/i, "postgresql:");
    return openPostgres(readPostgresCredentials(url, where));
  }
  throw new ConfigError(
    `The credentials URL "${
      redactUrl(credentials)
    }" of ${where} is not supported: give a postgresql:// or sqlite:/// URL`,
  );
}

function openPostgres(fields: Partial<PostgresCredentials>): Promise<PostgresBackend> {
  for (const field of ["database", "username", "host"] as const) {
    if (fields[field] === undefined) {
      throw new ConfigError(`The Postgres credentials of sql_database lack the ${field}`);
    }
  }
  const credentials = {
    password: "",
    port: 5432,
    connectTimeout: 15,
    ...fields,
  } as PostgresCredentials;
  const where =
    `postgresql://${credentials.username}@${credentials.host}:${credentials.port}/${credentials.database}`;
  return PostgresBackend.open(credentials, where);
}

/** Checks that `schema` exists; the error lists those there are. */
async function checkSchema(backend: SqlBackend, schema: string): Promise<void> {
  const schemas = await backend.schemas();
  if (!schemas.includes(schema)) {
    throw new SqlDatabaseError(
      `The schema "${schema}" does not exist in ${backend.where} (there are: ${
        schemas.map((s) => `"${s}"`).join(", ")
      })`,
    );
  }
}

/** A table reflected when its resource runs ({@linkcode SqlCommonOptions.deferTableReflect}). */
interface DeferredTable {
  /** The table's name. */
  name: string;
  /** Changes the table once reflected (column selection, the user's callback). */
  adapt: TableAdapterCallback | undefined;
}

/** Settings of one table's resource, its table reflected. */
interface TableResourceSettings {
  credentials: string | undefined;
  schema: string;
  table: ReflectedTable;
  chunkSize: number;
  reflectionLevel: ReflectionLevel;
  writeDisposition: WriteDisposition | undefined;
  incremental: Incremental | undefined;
  primaryKey: string | string[] | undefined;
  mergeKey: string | string[] | undefined;
  name: string;
  queryAdapterCallback: QueryAdapterCallback | undefined;
}

/** The SELECT of a table's resource and its parameters, with the incremental's WHERE clause. */
function buildQuery(
  backend: SqlBackend,
  settings: TableResourceSettings,
  start: CursorValue | undefined,
  end: CursorValue | undefined,
): { sql: string; params: unknown[] } {
  const { table, schema, incremental } = settings;
  const select = table.columns.map((c) => backend.selectExpression(c)).join(", ");
  let sql = `SELECT ${select} FROM ${backend.tableRef(schema, table.name)}`;
  if (incremental === undefined) return { sql, params: [] };
  const { lastValueFunc = "max", rowOrder, onCursorValueMissing } = incremental.options;
  // a custom last value function: everything is read and the cursor filters, as dlt
  if (typeof lastValueFunc === "function") return { sql, params: [] };
  const column = quoteIdentifier(incremental.cursorPath);
  const [from, to] = lastValueFunc === "max" ? [">=", "<"] : ["<=", ">"];
  const params: unknown[] = [];
  const bind = (value: CursorValue) => {
    params.push(value instanceof Date ? value.toISOString() : value);
    return backend.placeholder(params.length);
  };
  let where: string | undefined;
  if (start !== undefined) {
    where = `${column} ${from} ${bind(start)}`;
    if (end !== undefined) where += ` AND ${column} ${to} ${bind(end)}`;
    if (onCursorValueMissing === "include") where = `(${where} OR ${column} IS NULL)`;
  }
  if (onCursorValueMissing === "exclude") {
    where = where === undefined ? `${column} IS NOT NULL` : `${where} AND ${column} IS NOT NULL`;
  }
  if (where !== undefined) sql += ` WHERE ${where}`;
  if (rowOrder !== undefined) {
    const ascending = (rowOrder === "asc") === (lastValueFunc === "max");
    sql += ` ORDER BY ${column} ${ascending ? "ASC" : "DESC"}`;
  }
  return { sql, params };
}

/** Fails unless `table` has the column of the incremental cursor. */
function checkCursorColumn(table: ReflectedTable, incremental: Incremental | undefined): void {
  if (incremental !== undefined && !table.columns.some((c) => c.name === incremental.cursorPath)) {
    throw new SqlDatabaseError(
      `Table "${table.name}" has no column "${incremental.cursorPath}" for the incremental cursor (its columns: ${
        table.columns.map((c) => `"${c.name}"`).join(", ")
      })`,
    );
  }
}

/** The primary key of a table's resource: the one given, else the reflected one, if any. */
function primaryKeyOf(
  settings: Pick<TableResourceSettings, "primaryKey">,
  table: ReflectedTable,
): string | string[] | undefined {
  return settings.primaryKey ?? (table.primaryKey.length > 0 ? table.primaryKey : undefined);
}

/**
 * The resource of one table: reflected already, or (a {@linkcode DeferredTable}) reflected
 * when the resource runs, its column hints and primary key then sent with the first rows.
 */
function tableResource(
  given: Omit<TableResourceSettings, "schema" | "table"> & {
    schema: string | undefined;
    table: ReflectedTable | DeferredTable;
  },
): DltResource {
  const { name } = given;
  const deferred = "adapt" in given.table ? given.table : undefined;
  const reflected = deferred === undefined ? given.table as ReflectedTable : undefined;
  if (reflected !== undefined) checkCursorColumn(reflected, given.incremental);
  const primaryKey = reflected === undefined ? given.primaryKey : primaryKeyOf(given, reflected);
  const reflectedHints = reflected && columnHints(reflected, given.reflectionLevel);
  return resource(async function* (ctx) {
    // the run's cursor: the resource's own, or one given later with applyHints()
    const incremental = ctx.incremental instanceof IncrementalRun
      ? ctx.incremental.definition
      : given.incremental;
    const backend = await openBackend(given.credentials, `sql_table("${given.table.name}")`);
    try {
      const schema = given.schema ?? backend.defaultSchema;
      let table: ReflectedTable;
      let hints: ResourceHints | undefined;
      let columns = reflectedHints;
      if (deferred === undefined) {
        table = reflected!;
      } else {
        await checkSchema(backend, schema);
        [table] = await reflectTables(backend, schema, [deferred.name], deferred.adapt);
        const key = primaryKeyOf(given, table);
        columns = columnHints(table, given.reflectionLevel);
        hints = {
          columns,
          ...(key !== undefined ? { primaryKey: key } : {}),
        };
      }
      checkCursorColumn(table, incremental);
      const settings: TableResourceSettings = { ...given, schema, table, incremental };
      let query = buildQuery(
        backend,
        settings,
        ctx.incremental?.startValue,
        ctx.incremental?.endValue,
      );
      if (settings.queryAdapterCallback !== undefined) {
        query = settings.queryAdapterCallback(query, table, ctx.incremental);
        if (typeof query?.sql !== "string" || !Array.isArray(query.params)) {
          throw new TypeError(
            `The queryAdapterCallback of table "${table.name}" must return { sql, params }, got ${
              describeValue(query)
            }`,
          );
        }
      }
      const { sql, params } = query;
      // the reflected hints apply before any row, as dlt's deferred reflection applies them
      if (hints !== undefined) yield withHints([], hints);
      try {
        // where extract writes what is yielded as it is, the rows need not become objects
        let pages: AsyncIterable<CsvPage | Record<string, unknown>[]> | undefined;
        // with a cursor, it goes into the queries of the pages and of the rows it must see
        const window = incremental !== undefined && settings.queryAdapterCallback === undefined
          ? cursorWindow(incremental, ctx.incremental, columns!)
          : undefined;
        if (takesCsvPages(ctx) && (incremental === undefined ? params.length === 0 : window)) {
          const whole = window === undefined
            ? sql
            : buildQuery(backend, { ...settings, incremental: undefined }, undefined, undefined)
              .sql;
          pages = await backend.csvPages?.(table.name, whole, columns!, window, settings.chunkSize);
        }
        yield* pages ?? backend.read(sql, params, settings.chunkSize, table.columns);
      } catch (error) {
        if (error instanceof DltError && !(error instanceof SqlDatabaseError)) {
          throw new ResourceExtractionError(
            name,
            `reading table "${table.name}" failed: ${error.message}`,
            { cause: error },
          );
        }
        throw error;
      }
    } finally {
      await backend.close();
    }
  }, {
    name,
    ...(reflectedHints !== undefined ? { columns: reflectedHints } : {}),
    ...(primaryKey !== undefined ? { primaryKey } : {}),
    ...(given.mergeKey !== undefined ? { mergeKey: given.mergeKey } : {}),
    ...(given.writeDisposition !== undefined ? { writeDisposition: given.writeDisposition } : {}),
    ...(given.incremental !== undefined ? { incremental: given.incremental } : {}),
  });
}

/**
 * Leaves out of `table` the columns not in `included` (when given) and those in `excluded`; a
 * name that is not a column of the table is an error listing its columns.
 */
function selectColumns(
  table: ReflectedTable,
  included: string[] | undefined,
  excluded: string[] | undefined,
): void {
  const unknown = [...included ?? [], ...excluded ?? []].filter((name) =>
    !table.columns.some((c) => c.name === name)
  );
  if (unknown.length > 0) {
    throw new SqlDatabaseError(
      `Table "${table.name}" has no column ${
        unknown.map((n) => `"${n}"`).join(", ")
      } (its columns: ${table.columns.map((c) => `"${c.name}"`).join(", ")})`,
    );
  }
  table.columns = table.columns.filter((c) =>
    (included === undefined || included.includes(c.name)) && !excluded?.includes(c.name)
  );
}

/** Reflects `names` (checked to exist) of `schema`, each passed through `adapter`. */
async function reflectTables(
  backend: SqlBackend,
  schema: string,
  names: string[],
  adapter: TableAdapterCallback | undefined,
): Promise<ReflectedTable[]> {
  const entries = await backend.tables(schema);
  const missing = names.filter((n) => !entries.some((e) => e.name === n));
  if (missing.length > 0) {
    throw new SqlDatabaseError(
      `${missing.length === 1 ? "The table" : "The tables"} ${
        missing.map((n) => `"${n}"`).join(", ")
      } of schema "${schema}" do${
        missing.length === 1 ? "es" : ""
      } not exist in ${backend.where} (there are: ${
        entries.map((e) => `"${e.name}"`).join(", ") || "none"
      })`,
    );
  }
  const tables: ReflectedTable[] = [];
  for (const name of names) {
    const table = await backend.reflect(schema, name);
    adapter?.(table);
    tables.push(table);
  }
  return tables;
}

/**
 * A source with one resource per table of a PostgreSQL or SQLite schema, as dlt's
 * `sql_database`: columns and primary keys reflected, rows read in chunks. The tables are read
 * concurrently when the source runs (up to `extract.max_parallel_items`), each on its own
 * connection.
 */
export async function sqlDatabase(options: SqlDatabaseOptions = {}): Promise<DltSource> {
  options = checkOptions(options, DATABASE_SPEC, "sqlDatabase()", {
    snakeCase: "refuse",
    unsupported: UNSUPPORTED,
  });
  const common = {
    credentials: options.credentials,
    chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
    reflectionLevel: options.reflectionLevel ?? "full",
    writeDisposition: options.writeDisposition,
    incremental: undefined,
    primaryKey: undefined,
    mergeKey: undefined,
    queryAdapterCallback: options.queryAdapterCallback,
  };
  const name = options.name ?? "sql_database";
  if (options.deferTableReflect) {
    if (options.tableNames === undefined) {
      throw new TypeError(
        "sqlDatabase({ deferTableReflect: true }) needs tableNames: without a connection the tables cannot be listed",
      );
    }
    return source(
      options.tableNames.map((table) =>
        tableResource({
          ...common,
          schema: options.schema,
          table: { name: table, adapt: options.tableAdapterCallback },
          name: table,
        })
      ),
      { name },
    );
  }
  const backend = await openBackend(options.credentials, "sqlDatabase()");
  try {
    const schema = options.schema ?? backend.defaultSchema;
    await checkSchema(backend, schema);
    const names = options.tableNames ??
      (await backend.tables(schema)).filter((t) => options.includeViews || !t.view).map((t) =>
        t.name
      );
    const tables = await reflectTables(backend, schema, names, options.tableAdapterCallback);
    return source(
      tables.map((table) => tableResource({ ...common, schema, table, name: table.name })),
      { name },
    );
  } finally {
    await backend.close();
  }
}

/** One table of a PostgreSQL or SQLite database as a resource, as dlt's `sql_table`. */
export async function sqlTable(options: SqlTableOptions): Promise<DltResource> {
  options = checkOptions(options, TABLE_SPEC, `sqlTable()`, {
    snakeCase: "refuse",
    unsupported: UNSUPPORTED,
  });
  if (options.table === undefined) {
    throw new TypeError('sqlTable() needs the table: sqlTable({ table: "…" })');
  }
  const adapt = (reflected: ReflectedTable) => {
    selectColumns(reflected, options.includedColumns, options.excludedColumns);
    options.tableAdapterCallback?.(reflected);
  };
  const settings = {
    credentials: options.credentials,
    chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
    reflectionLevel: options.reflectionLevel ?? "full",
    writeDisposition: options.writeDisposition,
    incremental: options.incremental,
    primaryKey: options.primaryKey,
    mergeKey: options.mergeKey,
    name: options.name ?? options.table,
    queryAdapterCallback: options.queryAdapterCallback,
  };
  if (options.deferTableReflect) {
    return tableResource({
      ...settings,
      schema: options.schema,
      table: { name: options.table, adapt },
    });
  }
  const backend = await openBackend(options.credentials, `sqlTable("${options.table}")`);
  try {
    const schema = options.schema ?? backend.defaultSchema;
    await checkSchema(backend, schema);
    const [table] = await reflectTables(backend, schema, [options.table], adapt);
    return tableResource({ ...settings, schema, table });
  } finally {
    await backend.close();
  }
}
