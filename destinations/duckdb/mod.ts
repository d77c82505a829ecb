/**
 * The DuckDB destination, on DuckDB-WASM: loads into a durable `.duckdb` file that native
 * DuckDB (the CLI, `@duckdb/node-api`) reads as well.
 *
 * @example Loading into a file of your choice
 * ```ts ignore
 * import { pipeline } from "@denodlt/dlt";
 * import { duckdb } from "@denodlt/dlt/destinations/duckdb";
 * const p = pipeline({ pipelineName: "demo", destination: duckdb({ path: "./demo.duckdb" }) });
 * ```
 *
 * @module
 */
import { basename } from "node:path";
import type { Table as ArrowTable } from "../../lib/deps/apache_arrow.ts";
import type {
  Destination,
  DestinationCapabilities,
  DestinationClient,
  DestinationClientOptions,
  LoadJob,
  LoadPackage,
  SqlClient,
} from "../../lib/destination.ts";
import {
  type ColumnSchema,
  DLT,
  nestedTablesOf,
  rootTableOf,
  type StoredSchema,
  type TableSchema,
} from "../../lib/schema/schema.ts";
import type { PipelineState } from "../../lib/state.ts";
import { quoteIdentifier, quoteLiteral, SYSTEM_TABLES } from "../../lib/load/sql.ts";
import { DestinationError, DltError } from "../../lib/errors.ts";
import {
  checkDatabaseFolder,
  type DuckDbWasmDatabase,
  IN_MEMORY,
  openDuckDbWasm,
  preloadDuckDbWasm,
} from "./_database.ts";
import { bindParameters, type BoundParameter } from "./_parameters.ts";
import { readQueryArguments } from "../../lib/query_arguments.ts";
import {
  checkOptions,
  describeValue,
  integer,
  invalidValue,
  isPlainObject,
  type OptionCheck,
  type OptionSpec,
  text,
} from "../../lib/options.ts";
import {
  type DuckDbCredentials,
  type DuckDbLocation,
  locateDuckDb,
  parseDuckDbCredentials,
} from "./_location.ts";
import {
  callsIcuFunction,
  explainTimestampError,
  TimestampFunctions,
} from "./_timestamp_functions.ts";

/** Options of {@linkcode duckdb}. */
export interface DuckDbOptions {
  /**
   * Path of the database file (relative to the directory where the pipeline first ran): the
   * same as `credentials` given a path. Give one of the two. Its folder must exist.
   */
  path?: string;
  /**
   * Where the data goes, as dlt's duckdb credentials: a file path, a `duckdb:///relative.duckdb`
   * or `duckdb:////absolute.duckdb` URL (relative paths are resolved against the directory where
   * the pipeline first ran, as in dlt), `":pipeline:"` (`<pipelineName>.duckdb` in the
   * pipeline's working folder) or `":memory:"` (a database in memory that lives as long as this
   * destination object, for tests). MotherDuck (`md:`) is not supported yet.
   * @default {`destination.duckdb.credentials` from config (`DESTINATION__DUCKDB__CREDENTIALS`), else `<pipelineName>.duckdb` in the directory where the pipeline first ran}
   */
  credentials?: string;
  /**
   * DuckDB's memory limit inside WASM, a size in DuckDB's form: a number and a unit, e.g.
   * `"512MB"`, `"1GB"`, `"1.5GiB"` (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), at least 16MB.
   * Larger sorts spill to `<path>.tmp`. WASM memory never shrinks, so this bounds the process's
   * footprint. Without it the limit is 192 MB, raised while loading wide tables (DuckDB needs
   * about 160 KiB per column a load touches).
   */
  memoryLimit?: string;
  /**
   * How long a client waits, in milliseconds, while another process (another pipeline) has the
   * database file open, before it fails with an error that names that process.
   * @default {60000}
   */
  lockTimeoutMs?: number;
}

/** Bytes per unit of DuckDB's memory sizes (`SET memory_limit`), by the names DuckDB accepts. */
const MEMORY_UNITS = new Map<string, number>([
  ["b", 1],
  ["byte", 1],
  ["bytes", 1],
  ...[["k", "kilo"], ["m", "mega"], ["g", "giga"], ["t", "tera"]].flatMap(([letter, prefix], i) => {
    const bytes = 1000 ** (i + 1);
    return [
      [letter, bytes],
      [`${letter}b`, bytes],
      [`${prefix}byte`, bytes],
      [`${prefix}bytes`, bytes],
      [`${letter}ib`, 1024 ** (i + 1)],
    ] as [string, number][];
  }),
]);

/** Smallest memory limit accepted: DuckDB fails to load with much less. */
const MIN_MEMORY_BYTES = 16_000_000;

/** A memory size in DuckDB's form (`"512MB"`, `"1.5 GiB"`), checked before DuckDB sees it. */
function memorySize(): OptionCheck<string> {
  const expected = 'a size such as "512MB", "1GB" or "1.5GiB" (a number and one of the units B, ' +
    "KB, MB, GB, TB, KiB, MiB, GiB, TiB), at least 16MB";
  return (value) => {
    if (typeof value !== "string") return invalidValue(expected);
    const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)\s*$/i.exec(value);
    const unit = match === null ? undefined : MEMORY_UNITS.get(match[2].toLowerCase());
    if (unit === undefined || Number(match![1]) * unit < MIN_MEMORY_BYTES) {
      return invalidValue(expected, true);
    }
    return value;
  };
}

/** How {@linkcode duckdb} checks its options. */
const OPTIONS: OptionSpec<DuckDbOptions> = {
  path: text(),
  credentials: text(),
  memoryLimit: memorySize(),
  lockTimeoutMs: integer({ min: 0 }),
};

/** Options of dlt's duckdb destination that this one lacks, with what to do instead. */
const DLT_ONLY_OPTIONS = {
  createIndexes: "it creates no unique indexes; DuckDB does not enforce primary keys here",
  destinationName: 'configure it under its type, "destination.duckdb"',
  environment: "configuration has no environments here",
};

/** DuckDB-WASM capabilities. */
export const DUCKDB_CAPABILITIES: DestinationCapabilities = {
  preferredLoaderFileFormat: "csv",
  supportedLoaderFileFormats: ["csv"],
  supportedMergeStrategies: ["delete-insert", "upsert", "scd2", "insert-only"],
  maxIdentifierLength: 65536,
  supportsTransactions: true,
};

/** Integer types by the bits a `bigint` column's precision asks for, as dlt maps them. */
const INTEGER_TYPES: [bits: number, type: string][] = [
  [8, "TINYINT"],
  [16, "SMALLINT"],
  [32, "INTEGER"],
  [64, "BIGINT"],
];
/** Timestamp types without time zone by fractional digits (DuckDB's with time zone has 6). */
const TIMESTAMP_TYPES: Record<number, string> = {
  0: "TIMESTAMP_S",
  3: "TIMESTAMP_MS",
  6: "TIMESTAMP",
  9: "TIMESTAMP_NS",
};
/** dlt's default precision and scale of decimals on DuckDB. */
const DECIMAL_DEFAULT = { precision: 38, scale: 9 };

/** The SQL type of `column`, following its precision, scale and time zone hints. */
function sqlType(column: ColumnSchema): string {
  switch (column.dataType!) {
    case "text":
    case "json":
      return "VARCHAR";
    case "bigint": {
      if (column.precision === undefined) return "BIGINT";
      return INTEGER_TYPES.find(([bits]) => column.precision! <= bits)?.[1] ?? "HUGEINT";
    }
    case "double":
      return "DOUBLE";
    case "bool":
      return "BOOLEAN";
    case "timestamp":
      if (column.timezone !== false) return "TIMESTAMP WITH TIME ZONE";
      return TIMESTAMP_TYPES[column.precision ?? 6] ?? "TIMESTAMP";
    case "date":
      return "DATE";
    case "decimal": {
      const precision = column.precision ?? DECIMAL_DEFAULT.precision;
      const scale = column.scale ?? (column.precision === undefined ? DECIMAL_DEFAULT.scale : 0);
      return `DECIMAL(${precision},${scale})`;
    }
    case "binary":
      return "BLOB";
  }
}

/** How a CSV field of `column` is read (`read_csv` type) and turned into the column's value. */
function csvRead(column: ColumnSchema): { csvType: string; expr: (field: string) => string } {
  switch (column.dataType!) {
    case "timestamp": {
      // through TIMESTAMPTZ, which applies the offset: a timestamp without time zone holds UTC
      const type = sqlType(column);
      const utc = (field: string) => `CAST(${field} AS TIMESTAMP WITH TIME ZONE)`;
      if (type === "TIMESTAMP WITH TIME ZONE") return { csvType: "VARCHAR", expr: utc };
      // DuckDB casts TIMESTAMPTZ (UTC without the ICU extension) only to plain TIMESTAMP
      const naive = (field: string) => `CAST(${utc(field)} AS TIMESTAMP)`;
      return {
        csvType: "VARCHAR",
        expr: type === "TIMESTAMP" ? naive : (field) => `CAST(${naive(field)} AS ${type})`,
      };
    }
    case "decimal":
      return { csvType: "VARCHAR", expr: (field) => `CAST(${field} AS ${sqlType(column)})` };
    case "binary":
      return { csvType: "VARCHAR", expr: (field) => `from_base64(${field})` };
    case "text":
    case "json":
      return { csvType: "VARCHAR", expr: (field) => field };
    default:
      return { csvType: sqlType(column), expr: (field) => field };
  }
}

/** Tells apart the in-memory databases of different destination objects. */
let memoryDatabases = 0;

/**
 * The DuckDB destination (DuckDB-WASM, durable file). Options as in dlt's
 * `dlt.destinations.duckdb()`, in camelCase; an unknown option is a `RangeError` that names the
 * option meant. As in dlt, the credentials may come first: `duckdb("data.duckdb")` is
 * `duckdb({ credentials: "data.duckdb" })`, and other options may follow them.
 *
 * @example
 * ```ts ignore
 * import { duckdb } from "./mod.ts";
 * const destination = duckdb({ path: "./data.duckdb" });
 * const inWorkingFolder = duckdb({ credentials: ":pipeline:" });
 * const asInDlt = duckdb("data.duckdb", { memoryLimit: "1GB" });
 * ```
 */
export function duckdb(
  credentialsOrOptions: string | DuckDbOptions = {},
  options?: Omit<DuckDbOptions, "path" | "credentials">,
): Destination {
  const given = readArguments(credentialsOrOptions, options, arguments.length);
  const { path, credentials, memoryLimit, lockTimeoutMs } = checkOptions(
    given,
    OPTIONS,
    "duckdb()",
    { snakeCase: "refuse", unsupported: DLT_ONLY_OPTIONS },
  );
  if (path !== undefined && credentials !== undefined) {
    throw new RangeError(
      'Options "path" and "credentials" of duckdb() both name the database; give one',
    );
  }
  // a MotherDuck string is refused here, before anything is created
  const named: DuckDbCredentials | undefined = path !== undefined
    ? { kind: "path", path }
    : credentials === undefined
    ? undefined
    : parseDuckDbCredentials(credentials);
  const memoryKey = `:memory:${++memoryDatabases}`;
  const locate = (clientOptions: DestinationClientOptions) => locateDuckDb(named, clientOptions);
  const keyOf = (location: DuckDbLocation) =>
    location.kind === "memory" ? memoryKey : location.path;
  return {
    name: "duckdb",
    capabilities: DUCKDB_CAPABILITIES,
    factoryOptions: { ...given },
    async client(clientOptions: DestinationClientOptions): Promise<DestinationClient> {
      const location = locate(clientOptions);
      const shared = await acquireDatabase(keyOf(location), location, {
        memoryLimit,
        lockTimeoutMs,
      });
      return new DuckDbClient(shared, clientOptions.datasetName);
    },
    prepare(clientOptions: DestinationClientOptions): Promise<void> {
      // an open database is shared: nothing to prepare for it
      if (openDatabases.has(keyOf(locate(clientOptions)))) return Promise.resolve();
      return preloadDuckDbWasm();
    },
    async hasStoredData(clientOptions: DestinationClientOptions): Promise<boolean> {
      const location = locate(clientOptions);
      if (location.kind === "memory") return openDatabases.has(memoryKey);
      // the pipeline asks before it extracts: a path that cannot work fails before anything does
      checkDatabaseFolder(location.path);
      return await Deno.stat(location.path).then(() => true, () => false);
    },
    location(clientOptions: DestinationClientOptions): string {
      const location = locate(clientOptions);
      return location.kind === "memory" ? IN_MEMORY : location.path;
    },
  };
}

/**
 * The options object of a `duckdb(...)` call: the object given, or dlt's positional credentials
 * with the options that follow them.
 */
function readArguments(first: unknown, second: unknown, count: number): object {
  if (typeof first !== "string") {
    if (!isPlainObject(first)) {
      throw new TypeError(
        `duckdb() takes the credentials (a string) or an options object; got ${
          describeValue(first)
        }`,
      );
    }
    if (count > 1) {
      throw new TypeError(
        `duckdb() takes the credentials and then the options, or the options alone; got ${
          describeValue(first)
        } and ${describeValue(second)}`,
      );
    }
    return first;
  }
  if (count > 2) {
    throw new TypeError("duckdb() takes at most two arguments: the credentials and the options");
  }
  if (second === undefined) return { credentials: first };
  if (!isPlainObject(second)) {
    throw new TypeError(
      `Options for duckdb() after the credentials must be an object, got ${describeValue(second)}`,
    );
  }
  for (const key of ["path", "credentials"]) {
    if (key in second) {
      throw new RangeError(
        `duckdb() was given the credentials ${
          describeValue(first)
        } and the option "${key}": both name the database; give one`,
      );
    }
  }
  return { credentials: first, ...second };
}

/** Default memory limit of DuckDB, in MB. */
const BASE_MEMORY_MB = 192;
/** Memory DuckDB needs per column a load statement touches (reader, casts, local storage), in KB. */
const MEMORY_PER_COLUMN_KB = 384;

/** Longest CSV line DuckDB reads unless a file has longer ones (DuckDB's default), in bytes. */
const MAX_LINE_BYTES = 2_000_000;

/** Longest line of a DuckDB error message kept in ours (DuckDB quotes whole CSV lines). */
const ERROR_LINE_CHARS = 500;

/** `message` with its long lines cut, so an error never carries megabytes of quoted data. */
function excerpt(message: string): string {
  return message.split("\n").map((line) =>
    line.length > ERROR_LINE_CHARS
      ? `${line.slice(0, ERROR_LINE_CHARS)}… (${line.length} characters)`
      : line
  ).join("\n");
}

/**
 * The error of a user's statement as a `DestinationError`: DuckDB's own (its message, long lines
 * cut; DuckDB's error the cause), or with advice where DuckDB-WASM lacks ICU.
 */
function statementError(error: unknown): DltError {
  const explained = explainTimestampError(error);
  if (explained instanceof DltError) return explained;
  const message = error instanceof Error ? error.message : String(error);
  return new DestinationError(excerpt(message), { cause: error });
}

/**
 * The SQL condition that keeps rows a `hardDelete` column of `table` does not flag (`true`, or
 * not null for other types); empty when it has none.
 */
function hardDeleteFilter(table: TableSchema): string {
  return Object.values(table.columns).filter((c) => c.hardDelete && c.dataType).map((c) =>
    c.dataType === "bool"
      ? `NOT coalesce(${quoteIdentifier(c.name)}, false)`
      : `${quoteIdentifier(c.name)} IS NULL`
  ).join(" AND ");
}

/** The `_dlt_load_jobs` table name that records a package's refresh drops. */
const DROPPED_MARKER = "_dlt_dropped_tables";

/** A root table with its nested tables: created and, for `replace`, emptied together. */
interface TableChain {
  root: string;
  tables: TableSchema[];
  jobs: LoadJob[];
  replace: string[];
}

/** Groups the jobs and replaced tables of a package by root table. */
function tableChains(pkg: LoadPackage): TableChain[] {
  const chains = new Map<string, TableChain>();
  const chainOf = (name: string): TableChain => {
    const root = rootTableOf(pkg.schema, name).name;
    let chain = chains.get(root);
    if (chain === undefined) {
      chain = { root, tables: [], jobs: [], replace: [] };
      chains.set(root, chain);
    }
    const table = pkg.schema.tables[name];
    if (!chain.tables.includes(table)) chain.tables.push(table);
    return chain;
  };
  for (const name of pkg.replaceTables) chainOf(name).replace.push(name);
  for (const job of pkg.jobs) chainOf(job.table).jobs.push(job);
  return [...chains.values()];
}

/** A database opened once per process and shared by every client of it. */
interface SharedDatabase {
  /** Its key in {@linkcode openDatabases}: the file's path, or its destination's memory key. */
  key: string;
  db: DuckDbWasmDatabase;
  /** Kept open when its last client closes: an in-memory database lives with its destination. */
  keepOpen: boolean;
  /** Whether the memory limit follows the width of what is loaded, and its current value. */
  autoMemory: boolean;
  memoryMb: number;
  /** The date and time macros of its connection. */
  timestampFunctions: TimestampFunctions;
}

/**
 * Open databases by file path (or in-memory key), with the number of clients using each. Two
 * DuckDB-WASM instances on one file would each overwrite the other's commits, so every client of
 * a file in this process shares one instance, which holds the file's lock against other
 * processes while it is open.
 */
const openDatabases = new Map<string, { shared: Promise<SharedDatabase>; refs: number }>();

async function acquireDatabase(
  key: string,
  location: DuckDbLocation,
  options: { memoryLimit: string | undefined; lockTimeoutMs: number | undefined },
): Promise<SharedDatabase> {
  const { memoryLimit, lockTimeoutMs } = options;
  let entry = openDatabases.get(key);
  if (entry === undefined) {
    const shared = openDuckDbWasm(location.kind === "memory" ? IN_MEMORY : location.path, {
      memoryLimit: memoryLimit ?? `${BASE_MEMORY_MB}MB`,
      lockTimeoutMs,
    }).then((db) => ({
      key,
      db,
      keepOpen: location.kind === "memory",
      autoMemory: memoryLimit === undefined,
      memoryMb: BASE_MEMORY_MB,
      timestampFunctions: new TimestampFunctions(db),
    }));
    entry = { shared, refs: 0 };
    openDatabases.set(key, entry);
  }
  // counted before waiting: a client closing meanwhile must not close the database under us
  entry.refs++;
  try {
    return await entry.shared;
  } catch (error) {
    if (--entry.refs === 0) openDatabases.delete(key);
    throw error;
  }
}

async function releaseDatabase(shared: SharedDatabase): Promise<void> {
  const entry = openDatabases.get(shared.key);
  if (entry === undefined || --entry.refs > 0 || shared.keepOpen) return;
  openDatabases.delete(shared.key);
  await shared.db.close();
}

function columnDefinition(column: ColumnSchema): string {
  const notNull = column.nullable === false ? " NOT NULL" : "";
  return `${quoteIdentifier(column.name)} ${sqlType(column)}${notNull}`;
}

class DuckDbClient implements DestinationClient, SqlClient {
  /** This client: it speaks SQL. */
  readonly sql: SqlClient = this;
  #db: DuckDbWasmDatabase;
  #dataset: string;
  /** `"catalog"."dataset"`: the catalog (named after the file) keeps a dataset of the same name unambiguous. */
  #qualifiedDataset: string;
  /** `"catalog".main`: where names resolve before the dataset exists. */
  #mainSchema: string;

  #shared: SharedDatabase | undefined;
  #timestampFunctions: TimestampFunctions;

  constructor(shared: SharedDatabase, dataset: string) {
    const db = shared.db;
    this.#shared = shared;
    this.#db = db;
    this.#timestampFunctions = shared.timestampFunctions;
    this.#dataset = dataset;
    const [{ name }] = db.query<{ name: string }>("SELECT current_database() AS name");
    this.#qualifiedDataset = `${quoteIdentifier(name)}.${quoteIdentifier(dataset)}`;
    this.#mainSchema = `${quoteIdentifier(name)}.main`;
  }

  qualifiedName(table: string): string {
    return `${this.#qualifiedDataset}.${quoteIdentifier(table)}`;
  }

  /**
   * Runs SQL (one or more statements; with `params`, one statement whose `?` / `$1`
   * placeholders they bind) in this client's dataset and returns the rows of the last statement
   * as plain objects. Values: integers (BIGINT, HUGEINT, UBIGINT, …) as numbers where
   * `Number.isSafeInteger`, else `bigint`; DECIMAL of scale 0 the same, of scale > 0 as a number
   * where the number's shortest text is the same decimal (`12.34`), else as DuckDB's exact text
   * of it (`"12345678901234567890123.000000000"`, for a decimal library; dlt returns a
   * `Decimal`); TIMESTAMP, TIMESTAMPTZ and DATE as `Date`; BLOB as `Uint8Array`; LIST as array;
   * STRUCT and MAP as objects. Parameters bind as `_parameters.ts` says: strings, booleans, `null`
   * and finite numbers (as DOUBLE); a `bigint`, `Date` or `Uint8Array` as text DuckDB casts where
   * it meets a column. A failing statement is a `DestinationError` with DuckDB's message (long
   * lines cut) and DuckDB's error as its `cause`; a parameter that cannot be bound, a `TypeError`.
   */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.#userStatement(
      "query()",
      arguments,
      sql,
      params,
      (bound) => this.#db.query<T>(sql, bound),
    );
  }

  /**
   * Runs SQL as {@linkcode DuckDbClient.query} does and returns the result of the last statement
   * as an Arrow table (from DuckDB-WASM's copy of apache-arrow). A DECIMAL column is an Arrow
   * Decimal vector: a value is its unscaled integer, the scale is in the field's type.
   */
  queryArrow(sql: string, params?: readonly unknown[]): Promise<ArrowTable> {
    return this.#userStatement(
      "queryArrow()",
      arguments,
      sql,
      params,
      (bound) => this.#db.queryArrow(sql, bound),
    );
  }

  /** Runs SQL as {@linkcode DuckDbClient.query} does, for its effect. */
  execute(sql: string, params?: readonly unknown[]): Promise<void> {
    return this.#userStatement(
      "execute()",
      arguments,
      sql,
      params,
      (bound) => this.#db.run(sql, bound),
    );
  }

  /**
   * Runs SQL of the user's in this client's dataset, with the date and time functions that work
   * on `TIMESTAMPTZ` without ICU (`_timestamp_functions.ts`) and advice on what still does not.
   * A single statement that fails for want of ICU, maybe through a stored view that calls such a
   * function, is tried again once with every macro created. `args` are all the arguments of the
   * calling `method`, checked; every error of the statement is a `DestinationError`.
   */
  #userStatement<T>(
    method: string,
    args: IArguments,
    sql: string,
    params: readonly unknown[] | undefined,
    run: (params: BoundParameter[] | undefined) => T,
  ): Promise<T> {
    let bound: BoundParameter[] | undefined;
    try {
      readQueryArguments(method, args);
      bound = params === undefined ? undefined : bindParameters(params);
    } catch (error) {
      return Promise.reject(error);
    }
    try {
      this.#useDataset();
      this.#timestampFunctions.prepare(sql);
      try {
        return Promise.resolve(run(bound));
      } catch (error) {
        const single = bound !== undefined || !sql.trim().replace(/;$/, "").includes(";");
        if (!callsIcuFunction(error) || !this.#timestampFunctions.createAll() || !single) {
          throw error;
        }
        try {
          return Promise.resolve(run(bound));
        } catch (again) {
          // in a transaction, the first error aborted it
          throw /transaction is aborted/i.test((again as Error).message) ? error : again;
        }
      }
    } catch (error) {
      return Promise.reject(statementError(error));
    }
  }

  /**
   * Resolves unqualified table names in this client's dataset (once it exists), as dlt's SQL
   * client does. Set before every statement: clients of other datasets share the connection.
   */
  #useDataset(): void {
    try {
      this.#db.run(`SET search_path = ${quoteLiteral(this.#qualifiedDataset)}`);
    } catch {
      // the dataset is not created yet (RESET would leave the file for the in-memory catalog)
      this.#db.run(`SET search_path = ${quoteLiteral(this.#mainSchema)}`);
    }
  }

  #tableExists(table: string): boolean {
    return this.#db.query(
      `SELECT 1 FROM information_schema.tables WHERE table_schema = ${
        quoteLiteral(this.#dataset)
      } AND table_name = ${quoteLiteral(table)}`,
    ).length > 0;
  }

  isLoaded(loadId: string): Promise<boolean> {
    if (!this.#tableExists("_dlt_loads")) return Promise.resolve(false);
    const rows = this.#db.query(
      `SELECT 1 FROM ${this.qualifiedName("_dlt_loads")} WHERE load_id = ${quoteLiteral(loadId)}`,
    );
    return Promise.resolve(rows.length > 0);
  }

  storedState(pipelineName: string): Promise<PipelineState | undefined> {
    if (!this.#tableExists("_dlt_pipeline_state")) return Promise.resolve(undefined);
    const rows = this.#db.query<{ state: string }>(
      `SELECT state FROM ${this.qualifiedName("_dlt_pipeline_state")} WHERE pipeline_name = ${
        quoteLiteral(pipelineName)
      } ORDER BY version DESC, created_at DESC LIMIT 1`,
    );
    return Promise.resolve(rows.length ? JSON.parse(rows[0].state) as PipelineState : undefined);
  }

  storedSchemas(): Promise<StoredSchema[]> {
    if (!this.#tableExists("_dlt_version")) return Promise.resolve([]);
    const rows = this.#db.query<{ schema: string }>(
      `SELECT schema FROM ${
        this.qualifiedName("_dlt_version")
      } QUALIFY row_number() OVER (PARTITION BY schema_name ORDER BY version DESC, inserted_at DESC) = 1`,
    );
    return Promise.resolve(rows.map((r) => JSON.parse(r.schema) as StoredSchema));
  }

  /**
   * Loads a package one table chain (a root table with its nested tables) per transaction:
   * readers see a chain's new rows all at once, and a `replace` never shows them an empty table.
   * Memory stays bounded by a row group per table, not by the package, as DuckDB writes full row
   * groups to the file while the transaction runs. Each job file is recorded in `_dlt_load_jobs`
   * in the transaction that loads it, so a package resumed after a crash skips what was already
   * committed. The `_dlt_loads` row, schema version and state are committed last.
   */
  loadPackage(pkg: LoadPackage): Promise<void> {
    const db = this.#db;
    try {
      this.#transaction(() => {
        db.run(`CREATE SCHEMA IF NOT EXISTS ${this.#qualifiedDataset}`);
        this.#createSystemTables();
      });
      const loadId = quoteLiteral(pkg.loadId);
      const loaded = db.query(
        `SELECT 1 FROM ${this.qualifiedName("_dlt_loads")} WHERE load_id = ${loadId}`,
      );
      if (loaded.length > 0) return Promise.resolve();
      const committed = new Set(
        db.query<{ table_name: string }>(
          `SELECT DISTINCT table_name FROM ${
            this.qualifiedName("_dlt_load_jobs")
          } WHERE load_id = ${loadId}`,
        ).map((r) => r.table_name),
      );
      const record = (table: string, file: string, rows: number) =>
        db.run(
          `INSERT INTO ${this.qualifiedName("_dlt_load_jobs")} VALUES (${loadId}, ${
            quoteLiteral(table)
          }, ${quoteLiteral(file)}, ${rows}, now())`,
        );
      // a refresh drops tables first, once: a resumed package must not drop what it loaded
      if (pkg.dropTables.length > 0 && !committed.has(DROPPED_MARKER)) {
        this.#transaction(() => {
          for (const name of pkg.dropTables) {
            db.run(`DROP TABLE IF EXISTS ${this.qualifiedName(name)}`);
          }
          record(DROPPED_MARKER, "", 0);
        });
      }
      for (const chain of tableChains(pkg)) {
        // a chain is committed whole: one recorded table means all of it is in
        const names = [chain.root, ...chain.replace, ...chain.jobs.map((job) => job.table)];
        if (names.some((name) => committed.has(name))) continue;
        const root = pkg.schema.tables[chain.root];
        // merge without a primary or merge key appends, as in dlt
        const merge = root.writeDisposition === "merge" &&
          (root.mergeStrategy === "scd2" ||
            Object.values(root.columns).some((c) => c.primaryKey || c.mergeKey));
        this.#transaction(() => {
          for (const table of chain.tables) this.#syncTable(table);
          for (const name of chain.replace) {
            if (this.#tableExists(name)) db.run(`DELETE FROM ${this.qualifiedName(name)}`);
          }
          // a replace that brings no rows is recorded too
          if (chain.replace.length > 0) record(chain.root, "", 0);
          if (merge) this.#createStaging(chain.tables);
          for (const job of chain.jobs) {
            const file = basename(job.path);
            this.#fitMemory(job.columns.length);
            try {
              const into = merge ? this.#stagingName(job.table) : this.qualifiedName(job.table);
              this.#copyJob(pkg.schema.tables[job.table], job, into);
            } catch (error) {
              throw new DestinationError(
                `Cannot load job file "${file}" into table "${job.table}": ${
                  excerpt((error as Error).message)
                }`,
                { cause: error },
              );
            }
            record(job.table, file, job.rows);
          }
          if (merge) this.#mergeChain(pkg, root, chain.tables);
        });
      }
      this.#transaction(() => {
        this.#recordSchema(pkg);
        if (pkg.state !== undefined) this.#recordState(pkg.state, pkg.loadId);
        db.run(
          `INSERT INTO ${this.qualifiedName("_dlt_loads")} VALUES (${loadId}, ${
            quoteLiteral(pkg.schema.name)
          }, 0, now(), ${quoteLiteral(pkg.schema.versionHash)})`,
        );
      });
      db.checkpoint();
    } catch (error) {
      throw new DestinationError(
        `Cannot load package "${pkg.loadId}" into dataset "${this.#dataset}": ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
    return Promise.resolve();
  }

  /** Raises DuckDB's memory limit to what loading `columns` columns needs (never lowers it). */
  #fitMemory(columns: number): void {
    const shared = this.#shared!;
    if (!shared.autoMemory) return;
    const needed = BASE_MEMORY_MB + Math.ceil(columns * MEMORY_PER_COLUMN_KB / 1024);
    if (needed <= shared.memoryMb) return;
    this.#db.run(`SET memory_limit = '${needed}MB'`);
    shared.memoryMb = needed;
  }

  /** Runs `fn` in a transaction: committed when it returns, rolled back when it throws. */
  #transaction(fn: () => void): void {
    this.#db.run("BEGIN TRANSACTION");
    try {
      fn();
    } catch (error) {
      try {
        this.#db.run("ROLLBACK");
      } catch {
        // the failing statement may have aborted the transaction already
      }
      throw error;
    }
    this.#db.run("COMMIT");
  }

  #createSystemTables(): void {
    for (const table of SYSTEM_TABLES) {
      const columns = table.columns.map(([name, type, nullable]) =>
        `${quoteIdentifier(name)} ${sqlType({ name, dataType: type })}${
          nullable ? "" : " NOT NULL"
        }`
      );
      this.#db.run(
        `CREATE TABLE IF NOT EXISTS ${this.qualifiedName(table.name)} (${columns.join(", ")})`,
      );
    }
  }

  /** Creates `table` or adds the columns it lacks. */
  #syncTable(table: TableSchema): void {
    const columns = Object.values(table.columns).filter((c) => c.dataType !== undefined);
    if (columns.length === 0) return;
    const notNull = new Map(
      this.#db.query<{ column_name: string; is_nullable: string }>(
        `SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = ${
          quoteLiteral(this.#dataset)
        } AND table_name = ${quoteLiteral(table.name)}`,
      ).map((r) => [r.column_name, r.is_nullable === "NO"]),
    );
    const existing = new Set(notNull.keys());
    if (existing.size === 0) {
      this.#db.run(
        `CREATE TABLE ${this.qualifiedName(table.name)} (${
          columns.map(columnDefinition).join(", ")
        })`,
      );
      return;
    }
    for (const column of columns) {
      if (existing.has(column.name)) {
        // a column that is no longer required (a primary key changed) accepts NULL from now on
        if (notNull.get(column.name) && column.nullable !== false) {
          this.#db.run(
            `ALTER TABLE ${this.qualifiedName(table.name)} ALTER COLUMN ${
              quoteIdentifier(column.name)
            } DROP NOT NULL`,
          );
        }
        continue;
      }
      // a column added to existing rows cannot be NOT NULL
      this.#db.run(
        `ALTER TABLE ${this.qualifiedName(table.name)} ADD COLUMN ${
          columnDefinition({ ...column, nullable: true })
        }`,
      );
    }
  }

  /** `"catalog"."<dataset>_staging"."table"`: where `merge` stages incoming rows, as dlt does. */
  #stagingName(table: string): string {
    return `${this.#stagingDataset}.${quoteIdentifier(table)}`;
  }

  get #stagingDataset(): string {
    return this.#qualifiedDataset.replace(/"$/, `_staging"`);
  }

  /** Empty staging copies of `tables` (created in the transaction, dropped after the merge). */
  #createStaging(tables: TableSchema[]): void {
    this.#db.run(`CREATE SCHEMA IF NOT EXISTS ${this.#stagingDataset}`);
    for (const table of tables) {
      if (!this.#tableExists(table.name)) continue;
      this.#db.run(
        `CREATE OR REPLACE TABLE ${this.#stagingName(table.name)} AS SELECT * FROM ${
          this.qualifiedName(table.name)
        } LIMIT 0`,
      );
    }
  }

  /**
   * dlt's `delete-insert` merge of the staged rows of `root`'s chain: rows (and their nested
   * rows) sharing a primary key or merge key with incoming rows are deleted; incoming rows are
   * deduplicated by primary key (`dedupSort`, else the last one wins), hard-deleted ones dropped,
   * and the rest inserted with their nested rows.
   */
  #mergeChain(pkg: LoadPackage, root: TableSchema, staged: TableSchema[]): void {
    if (root.mergeStrategy === "scd2") {
      this.#mergeScd2(pkg, root, staged);
    } else {
      this.#deleteInsert(pkg, root, staged);
    }
    for (const table of staged) {
      this.#db.run(`DROP TABLE IF EXISTS ${this.#stagingName(table.name)}`);
    }
  }

  /**
   * `delete-insert`, `upsert` (whose root ids are hashes of the primary key, so an updated row
   * keeps its `_dlt_id`; it matches by primary key only) and `insert-only` (rows whose primary key
   * is in the table already are left alone; nothing is deleted).
   */
  #deleteInsert(pkg: LoadPackage, root: TableSchema, staged: TableSchema[]): void {
    const db = this.#db;
    const columns = Object.values(root.columns).filter((c) => c.dataType !== undefined);
    const list = (cs: ColumnSchema[]) => cs.map((c) => quoteIdentifier(c.name)).join(", ");
    const primaryKey = columns.filter((c) => c.primaryKey);
    const keyed = root.mergeStrategy === "upsert" || root.mergeStrategy === "insert-only";
    const mergeKey = keyed ? [] : columns.filter((c) => c.mergeKey);
    const stage = this.#stagingName(root.name);
    const target = this.qualifiedName(root.name);
    const conditions = [hardDeleteFilter(root)];
    if (root.mergeStrategy === "insert-only") {
      conditions.push(`(${list(primaryKey)}) NOT IN (SELECT ${list(primaryKey)} FROM ${target})`);
    } else {
      const match = [primaryKey, mergeKey].filter((key) => key.length > 0).map((key) =>
        `(${list(key)}) IN (SELECT ${list(key)} FROM ${stage})`
      ).join(" OR ");
      for (const nested of nestedTablesOf(pkg.schema, root.name)) {
        if (!this.#tableExists(nested.name)) continue;
        db.run(
          `DELETE FROM ${this.qualifiedName(nested.name)} WHERE ${
            quoteIdentifier(DLT.rootId)
          } IN (SELECT ${quoteIdentifier(DLT.id)} FROM ${target} WHERE ${match})`,
        );
      }
      db.run(`DELETE FROM ${target} WHERE ${match}`);
    }
    const where = conditions.filter((c) => c !== "").join(" AND ");
    const sort = columns.find((c) => c.dedupSort !== undefined);
    const order = sort === undefined
      ? "rowid DESC"
      : `${quoteIdentifier(sort.name)} ${sort.dedupSort === "desc" ? "DESC" : "ASC"}`;
    const dedup = primaryKey.length === 0 || root.deduplicated
      ? ""
      : ` QUALIFY row_number() OVER (PARTITION BY ${list(primaryKey)} ORDER BY ${order}) = 1`;
    db.run(
      `INSERT INTO ${target} BY NAME SELECT * FROM ${stage}${
        where ? ` WHERE ${where}` : ""
      }${dedup}`,
    );
    // rows sharing a primary key share their (hashed) root id, so their nested rows share ids too
    this.#insertNested(pkg, root, staged, keyed);
  }

  /**
   * Inserts the staged nested rows of the root rows this package inserted; `unique` keeps one
   * row per `_dlt_id` (the last staged), for root ids that incoming duplicates share.
   */
  #insertNested(pkg: LoadPackage, root: TableSchema, staged: TableSchema[], unique = false): void {
    const inserted = `SELECT ${quoteIdentifier(DLT.id)} FROM ${
      this.qualifiedName(root.name)
    } WHERE ${quoteIdentifier(DLT.loadId)} = ${quoteLiteral(pkg.loadId)}`;
    const dedup = unique
      ? ` QUALIFY row_number() OVER (PARTITION BY ${
        quoteIdentifier(DLT.id)
      } ORDER BY rowid DESC) = 1`
      : "";
    for (const nested of staged) {
      if (nested.name === root.name) continue;
      this.#db.run(
        `INSERT INTO ${this.qualifiedName(nested.name)} BY NAME SELECT * FROM ${
          this.#stagingName(nested.name)
        } WHERE ${quoteIdentifier(DLT.rootId)} IN (${inserted})${dedup}`,
      );
    }
  }

  /**
   * dlt's `scd2`: root ids are hashes of the row's content (or a row version column identifies
   * versions). Current rows (valid-to NULL, or the active record timestamp) that the extract no
   * longer has are retired (valid-to set to the boundary: the load's time unless a boundary
   * timestamp is given; with a merge key, only in the partitions that arrived); incoming rows not
   * current yet are inserted, valid from the boundary, with their nested rows.
   */
  #mergeScd2(pkg: LoadPackage, root: TableSchema, staged: TableSchema[]): void {
    const db = this.#db;
    const [from, to] = (root.validityColumns ?? ["_dlt_valid_from", "_dlt_valid_to"]).map(
      quoteIdentifier,
    );
    const version = quoteIdentifier(root.rowVersionColumn ?? DLT.id);
    const stage = this.#stagingName(root.name);
    const target = this.qualifiedName(root.name);
    const timestamp = (iso: string) => `CAST(${quoteLiteral(iso)} AS TIMESTAMP WITH TIME ZONE)`;
    const at = root.boundaryTimestamp === undefined
      ? `to_timestamp(${Number(pkg.loadId)})`
      : timestamp(root.boundaryTimestamp);
    const active = root.activeRecordTimestamp === undefined
      ? "NULL"
      : timestamp(root.activeRecordTimestamp);
    const current = active === "NULL" ? `${to} IS NULL` : `${to} = ${active}`;
    const mergeKey = Object.values(root.columns).filter((c) => c.mergeKey && c.dataType);
    const keys = mergeKey.map((c) => quoteIdentifier(c.name)).join(", ");
    const partition = mergeKey.length === 0
      ? ""
      : ` AND (${keys}) IN (SELECT ${keys} FROM ${stage})`;
    // rows flagged by a hardDelete column retire their record and are not inserted, as in dlt
    const live = hardDeleteFilter(root);
    const liveStage = `(SELECT * FROM ${stage}${live ? ` WHERE ${live}` : ""})`;
    db.run(
      `UPDATE ${target} SET ${to} = ${at} WHERE ${current} AND ${version} NOT IN (SELECT ${version} FROM ${liveStage})${partition}`,
    );
    db.run(
      `INSERT INTO ${target} BY NAME SELECT * REPLACE (${at} AS ${from}, ${active} AS ${to}) FROM ${liveStage} WHERE ${version} NOT IN (SELECT ${version} FROM ${target} WHERE ${current}) QUALIFY row_number() OVER (PARTITION BY ${version}) = 1`,
    );
    this.#insertNested(pkg, root, staged);
  }

  #copyJob(table: TableSchema, job: LoadJob, into: string): void {
    const csvColumns: string[] = [];
    const exprs: string[] = [];
    for (const name of job.columns) {
      const read = csvRead(table.columns[name]);
      csvColumns.push(`${quoteLiteral(name)}: ${quoteLiteral(read.csvType)}`);
      exprs.push(read.expr(quoteIdentifier(name)));
    }
    // DuckDB refuses lines longer than its limit, and reads files in buffers of that size at
    // least; its default buffer (16 lines) cost a hundred MiB of memory that WASM never returns
    const lineBytes = Math.max(MAX_LINE_BYTES, job.longestLine + 1);
    this.#db.run(
      `INSERT INTO ${into} (${job.columns.map(quoteIdentifier).join(", ")}) SELECT ${
        exprs.join(", ")
      } FROM read_csv(${
        quoteLiteral(job.path)
      }, header = false, null_padding = true, parallel = false, new_line = '\\n', auto_detect = false, delim = ',', quote = '"', escape = '"', nullstr = '', allow_quoted_nulls = false, max_line_size = ${lineBytes}, buffer_size = ${lineBytes}, columns = {${
        csvColumns.join(", ")
      }})`,
    );
  }

  #recordSchema(pkg: LoadPackage): void {
    const { schema } = pkg;
    const exists = this.#db.query(
      `SELECT 1 FROM ${this.qualifiedName("_dlt_version")} WHERE schema_name = ${
        quoteLiteral(schema.name)
      } AND version_hash = ${quoteLiteral(schema.versionHash)}`,
    );
    if (exists.length > 0) return;
    this.#db.run(
      `INSERT INTO ${
        this.qualifiedName("_dlt_version")
      } VALUES (${schema.version}, ${schema.engineVersion}, now(), ${quoteLiteral(schema.name)}, ${
        quoteLiteral(schema.versionHash)
      }, ${quoteLiteral(JSON.stringify(schema))})`,
    );
  }

  #recordState(state: PipelineState, loadId: string): void {
    const exists = this.#db.query(
      `SELECT 1 FROM ${this.qualifiedName("_dlt_pipeline_state")} WHERE pipeline_name = ${
        quoteLiteral(state.pipelineName)
      } AND version = ${state.version} AND version_hash = ${quoteLiteral(state.versionHash)}`,
    );
    if (exists.length > 0) return;
    this.#db.run(
      `INSERT INTO ${
        this.qualifiedName("_dlt_pipeline_state")
      } VALUES (${state.version}, ${state.engineVersion}, ${quoteLiteral(state.pipelineName)}, ${
        quoteLiteral(JSON.stringify(state))
      }, now(), ${quoteLiteral(state.versionHash)}, ${quoteLiteral(loadId)}, ${
        quoteLiteral(crypto.randomUUID())
      })`,
    );
  }

  async close(): Promise<void> {
    const shared = this.#shared;
    this.#shared = undefined;
    if (shared !== undefined) await releaseDatabase(shared);
  }
}
