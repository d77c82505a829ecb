/**
 * The destination interface: what the load stage needs from a place that stores data.
 * Destinations live in `destinations/<name>/mod.ts`; capabilities are data.
 *
 * @module
 */
import type { Table as ArrowTable } from "./deps/apache_arrow.ts";
import type { ColumnSchema, MergeStrategy, StoredSchema, TableSchema } from "./schema/schema.ts";
import type { PipelineState } from "./state.ts";

/**
 * A format of the job files the normalizer writes for the loader, as dlt names them: `csv` (a
 * header, then one row per line), `jsonl` (one JSON object per line), `parquet` (typed columns,
 * in row groups) and `insert_values` (one SQL row tuple per line, for `INSERT … VALUES`).
 */
export type LoaderFileFormat = "csv" | "jsonl" | "parquet" | "insert_values";

/** Every loader file format. */
export const LOADER_FILE_FORMATS: readonly LoaderFileFormat[] = [
  "csv",
  "jsonl",
  "parquet",
  "insert_values",
];

/** What a destination can do, as data the engine reads. */
export interface DestinationCapabilities {
  /** File format the normalizer writes unless `loaderFileFormat` picks another supported one. */
  preferredLoaderFileFormat: LoaderFileFormat;
  /** Every file format the destination loads. */
  supportedLoaderFileFormats: readonly LoaderFileFormat[];
  /** Merge strategies it runs; a table asking for another fails before anything loads. */
  supportedMergeStrategies: readonly MergeStrategy[];
  /** Longest identifier the destination accepts (characters, as dlt counts); longer names are shortened with a hash tag. */
  maxIdentifierLength?: number;
  /** Most columns a table may have; a package whose table has more fails before anything loads. */
  maxColumnsPerTable?: number;
  /** Whether a table chain loads in one transaction. */
  supportsTransactions: boolean;
  /**
   * Whether loading runs off the JavaScript thread (a database server, or a native library's
   * own threads): a run then normalizes its package in extract's thread while the load copies
   * its first job files beside it (`lib/normalize/normalize_along.ts`).
   * @default {false}
   */
  loadsOffMainThread?: boolean;
}

/** One file of normalized rows to load into a table. */
export interface LoadJob {
  /** Absolute path of the file. */
  path: string;
  /** Target table. */
  table: string;
  /**
   * Format of the file: `csv` has a header row naming {@linkcode LoadJob.columns}, `parquet`
   * names them in its schema; `jsonl` and `insert_values` lines have them in order.
   */
  format: LoaderFileFormat;
  /** Columns of the file, in order. */
  columns: readonly string[];
  /** Rows in the file. */
  rows: number;
  /** At least the bytes of the longest line of the file, newline included (0: unknown, or not a text file). */
  longestLine: number;
}

/** A normalized package, ready for {@linkcode DestinationClient.loadPackage}. */
export interface LoadPackage {
  /** The load id. */
  loadId: string;
  /** Schema (with every table and column of the package). */
  schema: StoredSchema;
  /** Files to load. */
  jobs: readonly LoadJob[];
  /** Tables whose rows are replaced by this package (root tables and their nested tables). */
  replaceTables: readonly string[];
  /** Tables dropped before anything loads (they may be created again by the package's jobs). */
  dropTables: readonly string[];
  /** Pipeline state to commit with the data, when it changed. */
  state?: PipelineState;
  /**
   * Called by the destination after each job file it loaded (within the transaction of its
   * table chain, where it has them), for progress and the run's trace. Optional on both sides:
   * the pipeline passes it, and a destination that never calls it still loads correctly (the
   * pipeline then counts the package's rows once `loadPackage` returns). It must not throw.
   */
  onJobLoaded?(job: LoadJob, metrics: JobLoadMetrics): void;
}

/** What a destination tells of one job file it loaded (see {@linkcode LoadPackage.onJobLoaded}). */
export interface JobLoadMetrics {
  /** Milliseconds loading the file took. */
  durationMs: number;
  /** Whether it was loaded while normalize still wrote the package. */
  duringNormalize?: boolean;
}

/**
 * What every destination does for the load stage, for one dataset. The pipeline calls
 * `isLoaded` and `loadPackage` per package, `storedState`/`storedSchemas` to restore a pipeline
 * whose working folder is empty, and `close` once per run.
 */
export interface JobClient {
  /** Whether the package `loadId` was already committed. */
  isLoaded(loadId: string): Promise<boolean>;
  /**
   * Loads every job of `pkg`, exactly once even when resumed after a crash, then the schema
   * version, the state and the `_dlt_loads` row that marks the package complete.
   */
  loadPackage(pkg: LoadPackage): Promise<void>;
  /**
   * Starts loading the table chain of root table `root` of package `loadId` while normalize
   * still writes it (append only), and extract maybe too: the job files it is given are copied
   * in the chain's open transaction, which {@linkcode JobClient.loadPackage} of the same package
   * completes and commits (or rolls back and loads as usual, when the package came out
   * otherwise). Undefined when the client cannot (one live chain at a time). Optional.
   */
  loadChainEarly?(loadId: string, root: string): Promise<EarlyChainLoad | undefined>;
  /** The newest state committed for `pipelineName`, if any. */
  storedState(pipelineName: string): Promise<PipelineState | undefined>;
  /** The newest version of every schema stored in the dataset. */
  storedSchemas(): Promise<StoredSchema[]>;
  /** Releases the connection. */
  close(): Promise<void>;
}

/**
 * A table chain loading while normalize writes its job files (see
 * {@linkcode JobClient.loadChainEarly}). Call order: `add` for each job file normalize closes,
 * then `stop` before the files move to the normalized package (or `abort` when normalize
 * fails or gives the package up), then `loadPackage` of the package, which loads the files not
 * given.
 */
export interface EarlyChainLoad {
  /** Queues a closed job file of the chain; `table` is its table as the file was written. */
  add(job: LoadJob, table: TableSchema): void;
  /** Takes no more files: resolves once the files given so far are copied. */
  stop(): Promise<void>;
  /**
   * Rolls back what was copied (normalize failed, or gave the package up to normalize it as
   * usual): nothing of the chain is committed early.
   */
  abort(): Promise<void>;
}

/**
 * SQL access to a dataset, for `pipeline.dataset()` and `pipeline.sqlClient()`: only
 * destinations that speak SQL have it. Unqualified table names resolve in the dataset.
 */
export interface SqlClient {
  /**
   * Runs SQL and returns plain rows. `params` bind the statement's placeholders (`?`, `$1`) in
   * order; a destination that cannot bind them refuses them, never ignores them. A statement
   * that fails is a `DestinationError` with the database's error as its `cause`.
   */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs SQL (with `params`, as {@linkcode SqlClient.query}) and returns an Arrow table. */
  queryArrow(sql: string, params?: readonly unknown[]): Promise<ArrowTable>;
  /** Runs SQL (with `params`, as {@linkcode SqlClient.query}) for its effect. */
  execute(sql: string, params?: readonly unknown[]): Promise<void>;
  /** The SQL name of `table` in the dataset (quoted, qualified). */
  qualifiedName(table: string): string;
  /**
   * The queries of what the dataset holds, where the database answers them faster than its
   * `information_schema` (which the load and `pipeline.dataset()` ask otherwise). Optional.
   */
  readonly catalogQueries?: CatalogQueries;
}

/**
 * The queries of what a dataset holds, as SQL. They take names unquoted, as the schema has them.
 * `lib/load/sql.ts` has those of `information_schema`, which any SQL database answers.
 */
export interface CatalogQueries {
  /** The dataset's tables and views: one row each, with its `table_name`. */
  tables(dataset: string): string;
  /** A row when a table or view `table` exists in `dataset`, and none when not. */
  tableExists(dataset: string, table: string): string;
  /**
   * The columns of the table or view `table` in `dataset`, in their order: one row each, with
   * its `column_name` and `is_nullable` (`'YES'` or `'NO'`).
   */
  columns(dataset: string, table: string): string;
}

/**
 * Reading a dataset's tables without SQL, for a destination that keeps them as files
 * (`filesystem`): `pipeline.dataset()` reads tables through it where a client has one. Values
 * come typed by the dataset's schema, as the DuckDB destination's `query` returns them: integers
 * as numbers where `Number.isSafeInteger`, else `bigint`; decimals as numbers where the number is
 * the same decimal, else their exact text; timestamps and dates as `Date`; binary as
 * `Uint8Array`; json as its JSON text; NULL as `null`.
 */
export interface TableReader {
  /** Names of the dataset's tables, dlt's system tables included, sorted. */
  tableNames(): Promise<string[]>;
  /**
   * The columns of `table`, in order, with their data types. A table the dataset does not have
   * is a `DestinationError` naming it.
   */
  columns(table: string): Promise<ColumnSchema[]>;
  /**
   * The rows of `table` in the order they were loaded, each with every column of
   * {@linkcode TableReader.columns} (or only `columns`, in that order; one the table lacks is a
   * `DestinationError`). Stopping the iteration early stops reading.
   */
  rows(table: string, columns?: readonly string[]): AsyncIterable<Record<string, unknown>>;
  /** Number of rows of `table`. */
  count(table: string): Promise<number>;
}

/**
 * A connection to a destination for one dataset: its job client, SQL where it has SQL, and a
 * {@linkcode TableReader} where it keeps tables as files.
 */
export interface DestinationClient extends JobClient {
  /** SQL access to the dataset; absent for a destination without SQL. */
  readonly sql?: SqlClient;
  /** Reading tables without SQL; `pipeline.dataset()` reads tables through it when present. */
  readonly tables?: TableReader;
}

/** Where the pipeline loads data. */
export interface Destination {
  /** Destination type name, e.g. `duckdb`. */
  readonly name: string;
  /** What it can do. */
  readonly capabilities: DestinationCapabilities;
  /**
   * The non-secret options of its factory: the pipeline stores them in its working folder and,
   * re-opened by name, recreates the destination from `name` and these (secrets come from
   * config again). Absent when it cannot be recreated that way.
   */
  readonly factoryOptions?: Readonly<Record<string, unknown>>;
  /** Opens a client for `datasetName` of `pipelineName`. */
  client(options: DestinationClientOptions): Promise<DestinationClient>;
  /** Whether the destination may hold data of this dataset (without opening it when it cannot). */
  hasStoredData?(options: DestinationClientOptions): Promise<boolean>;
  /**
   * Warms up (e.g. compiles a driver) in the background while extract and normalize run, for
   * a client of `options` to open quickly later.
   */
  prepare?(options: DestinationClientOptions): Promise<void>;
  /** Where the data of `pipelineName` is stored (a file path or URL without credentials). */
  location?(options: DestinationClientOptions): string;
}

/** Options of {@linkcode Destination.client}. */
export interface DestinationClientOptions {
  /** The pipeline that loads. */
  pipelineName: string;
  /** The dataset (schema) to load into. */
  datasetName: string;
  /** The pipeline's working folder (where dlt's duckdb `:pipeline:` puts the database). */
  workingDir?: string;
  /**
   * The folder relative locations are resolved against; the pipeline passes the current
   * directory of its first run.
   * @default {the current directory}
   */
  baseDir?: string;
}
