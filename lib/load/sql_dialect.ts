/**
 * What an SQL destination brings to the shared SQL job client (`sql_job_client.ts`): a
 * **dialect** (types, identifier rules, SQL variants) and a **connection**, the slice of its
 * driver the client uses. The load protocol itself (table chains, the `_dlt_load_jobs` ledger,
 * system tables, replace, refresh, merge) is written once, in the job client.
 *
 * Call order for one package: `transaction` around each group of statements that commit together
 * (`run` and `query` inside it), `copyJob` once per job file inside a table chain's transaction
 * (or `copyJobs` once per run of files of one table with the same columns, where it has it),
 * `afterLoad` once the `_dlt_loads` row is committed; `close` when the pipeline's run ends.
 *
 * @module
 */
import type { DestinationCapabilities, LoadJob } from "../destination.ts";
import type { ColumnSchema, TableSchema } from "../schema/schema.ts";

/** The SQL a destination speaks, as data and small functions. */
export interface SqlDialect {
  /** What the destination can do. */
  readonly capabilities: DestinationCapabilities;
  /** The SQL type of `column` from its data type and precision, scale and time zone hints. */
  columnType(column: ColumnSchema): string;
  /**
   * An expression that orders the rows of a table as they were inserted (DuckDB's `rowid`,
   * Postgres' `ctid` of a table only ever appended to): the last of duplicates wins a merge.
   */
  readonly insertOrder: string;
}

/** What the SQL job client tells a connection about a copy ({@linkcode SqlConnection.copyJob}). */
export interface CopyOptions {
  /**
   * Normalize still writes the package in this process while the copy runs (a table chain loaded
   * early): a connection that keeps the memory a copy frees for its next one gives it back
   * instead, as normalize needs memory too.
   */
  besideNormalize?: boolean;
  /**
   * SQL (statements, no result) that runs right after the copy, as part of it: the copied files'
   * record in `_dlt_load_jobs`, which lets a resumed package skip what was committed, so every
   * connection must run it (a failure of it fails the copy). A connection sends it in the copy's
   * own call where it can, so that it costs no round trip of its own.
   */
  followedBy?: string;
}

/** The slice of a driver the SQL job client uses: one connection to the database. */
export interface SqlConnection {
  /** Runs SQL (one or more statements, no parameters) for its effect. */
  run(sql: string): Promise<void>;
  /**
   * Runs one query and returns its rows as plain objects. The job client reads only text,
   * integer (`number` or `bigint`) and boolean columns of system tables through it.
   */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /**
   * Copies the rows of `job`'s file into `into` (a qualified table name whose columns are those
   * of `table`), converting each field to its column's type as `lib/normalize/csv.ts` encoded
   * it. Runs inside the transaction the client opened; fails with the database's error.
   */
  copyJob(job: LoadJob, table: TableSchema, into: string, options?: CopyOptions): Promise<void>;
  /**
   * Copies the rows of several job files of one table, all of one format and the same columns,
   * as {@linkcode SqlConnection.copyJob} copies one (for a database that appends faster in one
   * statement: DuckDB commits a large insert of many files in a third of the time). Optional.
   */
  copyJobs?(
    jobs: readonly LoadJob[],
    table: TableSchema,
    into: string,
    options?: CopyOptions,
  ): Promise<void>;
  /**
   * Runs `fn` in a transaction: what it sends through this connection commits when it resolves
   * and rolls back when it rejects. No other client's statements run on the connection meanwhile
   * (a connection shared by clients queues them). {@linkcode runInTransaction} does the SQL.
   * `giveWay` is called, once, when another client's statement waits for this transaction on
   * such a shared connection: the transaction should then end soon.
   */
  transaction(fn: () => Promise<void>, giveWay?: () => void): Promise<void>;
  /**
   * Runs after a table chain's copies, before the statements that work on what they copied (a
   * merge), in the chain's transaction: DuckDB gives back the threads its wide copies ran without.
   */
  copiesDone?(): Promise<void>;
  /** Runs after a package is committed (DuckDB folds its write-ahead log into the file). */
  afterLoad?(): Promise<void>;
  /** Releases the connection. */
  close(): Promise<void>;
}

/**
 * `BEGIN TRANSACTION`, `fn`, then `COMMIT`, or `ROLLBACK` and `fn`'s error when it rejects:
 * the usual body of {@linkcode SqlConnection.transaction}, with `run` sending one statement.
 */
export async function runInTransaction(
  run: (sql: string) => Promise<void>,
  fn: () => Promise<void>,
): Promise<void> {
  await run("BEGIN TRANSACTION");
  try {
    await fn();
  } catch (error) {
    try {
      await run("ROLLBACK");
    } catch {
      // the failing statement may have ended the transaction already
    }
    throw error;
  }
  await run("COMMIT");
}
