/**
 * The load protocol every SQL destination shares, written once over a destination's
 * {@linkcode SqlDialect} and {@linkcode SqlConnection} (as dlt's `SqlJobClientBase`):
 *
 * ```
 * loadPackage(pkg)
 *   ├─ BEGIN; CREATE SCHEMA dataset; system tables; COMMIT
 *   ├─ _dlt_loads has pkg.loadId?  ── yes ─▶ done (loaded before)
 *   ├─ refresh drops (once: recorded as "_dlt_dropped_tables" in _dlt_load_jobs)
 *   ├─ per table chain (a root table and its nested tables) not in _dlt_load_jobs yet:
 *   │    BEGIN; create/evolve tables; empty replaced ones; copy job files (into staging
 *   │    for merge, then merge SQL); record each file in _dlt_load_jobs; COMMIT
 *   └─ BEGIN; _dlt_version, _dlt_pipeline_state, _dlt_loads row; COMMIT; afterLoad()
 * ```
 *
 * A crash anywhere leaves every chain committed whole or not at all, so the next run resumes
 * the package and loads each chain exactly once. The merge SQL (`delete-insert`, `upsert`,
 * `scd2`, `insert-only`) is in `merge_sql.ts`.
 *
 * @module
 */
import { basename } from "node:path";
import type {
  CatalogQueries,
  DestinationClient,
  EarlyChainLoad,
  LoadJob,
  LoadPackage,
  SqlClient,
} from "../destination.ts";
import type { ColumnSchema, StoredSchema, TableSchema } from "../schema/schema.ts";
import type { PipelineState } from "../state.ts";
import { DestinationError, DltError } from "../errors.ts";
import {
  cutLongLines,
  INFORMATION_SCHEMA_QUERIES,
  quoteIdentifier,
  quoteLiteral,
  SYSTEM_TABLES,
  typedColumns,
} from "./sql.ts";
import { mergeChain, mergesChain, type MergeTarget } from "./merge_sql.ts";
import { copiedTogether, type TableChain, tableChains } from "./table_chains.ts";
import { type CopiedJob, EarlyChain } from "./early_chain.ts";
import { checkMergeStrategies } from "./merge_support.ts";
import type { CopyOptions, SqlConnection, SqlDialect } from "./sql_dialect.ts";

/** Where a {@linkcode SqlJobClient} loads. */
export interface SqlJobClientOptions {
  /** The dataset (a database schema) name, unquoted. */
  datasetName: string;
  /** The dataset's SQL name, quoted and qualified as the database needs (`"catalog"."dataset"`). */
  qualifiedDataset: string;
  /** The SQL name of the schema where `merge` stages incoming rows (dlt: `<dataset>_staging`). */
  qualifiedStagingDataset: string;
  /** SQL access for users (`client.sql`), when the destination offers it. */
  sql?: SqlClient;
}

/** A file (or a package's marker, with no file) recorded in `_dlt_load_jobs`. */
interface RecordedFile {
  table: string;
  file: string;
  rows: number;
}

/** The `_dlt_load_jobs` table name that records a package's refresh drops. */
const DROPPED_MARKER = "_dlt_dropped_tables";

/** The column a window function numbers schema versions in. */
const VERSION_NUMBER = "_dlt_version_number";

/** The job client of an SQL destination: dlt's load protocol over a dialect and a connection. */
export class SqlJobClient implements DestinationClient {
  /** SQL access for users, when the destination offers it. */
  readonly sql?: SqlClient;
  #connection: SqlConnection;
  #dialect: SqlDialect;
  #dataset: string;
  #qualifiedDataset: string;
  #stagingDataset: string;
  /** How this client asks what the dataset holds. */
  #catalog: CatalogQueries;
  /** The table chain loading while its package is normalized, if one is. */
  #early: EarlyChain | undefined;
  /**
   * The tables the running transaction created or synced: their columns, and whether each is
   * `NOT NULL`. A table synced again in the same transaction (the early chain syncs its table
   * before each run of files, and all of its tables at the end) needs no query. It goes with
   * the transaction, whose changes a rollback undoes.
   */
  #synced: Map<string, Map<string, boolean>> | undefined;

  /** A client loading through `connection` in `dialect` into the dataset `options` name. */
  constructor(connection: SqlConnection, dialect: SqlDialect, options: SqlJobClientOptions) {
    this.#connection = connection;
    this.#dialect = dialect;
    this.#dataset = options.datasetName;
    this.#qualifiedDataset = options.qualifiedDataset;
    this.#stagingDataset = options.qualifiedStagingDataset;
    this.sql = options.sql;
    this.#catalog = options.sql?.catalogQueries ?? INFORMATION_SCHEMA_QUERIES;
  }

  /** What the merge SQL needs of this client. */
  get #mergeTarget(): MergeTarget {
    return {
      connection: this.#connection,
      dialect: this.#dialect,
      name: (table) => this.#name(table),
      stagingName: (table) => this.#stagingName(table),
      tableExists: (table) => this.#tableExists(table),
    };
  }

  #name(table: string): string {
    return `${this.#qualifiedDataset}.${quoteIdentifier(table)}`;
  }

  #stagingName(table: string): string {
    return `${this.#stagingDataset}.${quoteIdentifier(table)}`;
  }

  async #tableExists(table: string): Promise<boolean> {
    const rows = await this.#connection.query(this.#catalog.tableExists(this.#dataset, table));
    return rows.length > 0;
  }

  /** Whether the package `loadId` was committed (its `_dlt_loads` row exists). */
  async isLoaded(loadId: string): Promise<boolean> {
    if (!await this.#tableExists("_dlt_loads")) return false;
    const rows = await this.#connection.query(
      `SELECT 1 FROM ${this.#name("_dlt_loads")} WHERE load_id = ${quoteLiteral(loadId)}`,
    );
    return rows.length > 0;
  }

  /** The newest state committed for `pipelineName`, from `_dlt_pipeline_state`. */
  async storedState(pipelineName: string): Promise<PipelineState | undefined> {
    if (!await this.#tableExists("_dlt_pipeline_state")) return undefined;
    const rows = await this.#connection.query<{ state: string }>(
      `SELECT state FROM ${this.#name("_dlt_pipeline_state")} WHERE pipeline_name = ${
        quoteLiteral(pipelineName)
      } ORDER BY version DESC, created_at DESC LIMIT 1`,
    );
    return rows.length ? JSON.parse(rows[0].state) as PipelineState : undefined;
  }

  /** The newest version of every schema in `_dlt_version`. */
  async storedSchemas(): Promise<StoredSchema[]> {
    if (!await this.#tableExists("_dlt_version")) return [];
    const rows = await this.#connection.query<{ schema: string }>(
      `SELECT schema FROM (SELECT schema, row_number() OVER (PARTITION BY schema_name ORDER BY version DESC, inserted_at DESC) AS ${VERSION_NUMBER} FROM ${
        this.#name("_dlt_version")
      }) AS versions WHERE ${VERSION_NUMBER} = 1`,
    );
    return rows.map((r) => JSON.parse(r.schema) as StoredSchema);
  }

  /**
   * Loads a package one table chain (a root table with its nested tables) per transaction:
   * readers see a chain's new rows all at once, and a `replace` never shows them an empty table.
   * Each job file is recorded in `_dlt_load_jobs` in the transaction that loads it, so a package
   * resumed after a crash skips what was already committed. The `_dlt_loads` row, schema version
   * and state are committed last.
   */
  async loadPackage(pkg: LoadPackage): Promise<void> {
    const early = this.#early;
    this.#early = undefined;
    try {
      checkMergeStrategies(pkg.schema, this.#dialect.capabilities);
      this.#checkTableWidths(pkg);
    } catch (error) {
      await early?.abort();
      throw error;
    }
    try {
      // committed, the chain is skipped below as any committed chain; else it loads as usual
      if (early?.loadId === pkg.loadId) {
        await early.finish((copied) => this.#completeEarly(pkg, early.root, copied));
      } else await early?.abort();
      await this.#load(pkg);
    } catch (error) {
      throw new DestinationError(
        `Cannot load package "${pkg.loadId}" into dataset "${this.#dataset}": ${
          (error as Error).message
        }`,
        { cause: error, transient: error instanceof DltError && error.transient },
      );
    }
  }

  /** Refuses a package with a table wider than the destination allows, naming the table. */
  #checkTableWidths(pkg: LoadPackage): void {
    const limit = this.#dialect.capabilities.maxColumnsPerTable;
    if (limit === undefined) return;
    for (const table of Object.values(pkg.schema.tables)) {
      const width = typedColumns(table).length;
      if (width <= limit) continue;
      throw new DestinationError(
        `Table "${table.name}" has ${width} columns, more than the ${limit} this destination allows: store deep nested objects as json with maxTableNesting, or give wide objects a json column hint`,
      );
    }
  }

  /**
   * Starts loading the chain of `root` in package `loadId` while it is normalized: an append
   * chain, one at a time, on a destination with transactions (see `early_chain.ts`).
   */
  async loadChainEarly(loadId: string, root: string): Promise<EarlyChainLoad | undefined> {
    // a chain rolled back (its package given up to be normalized as usual) makes way
    const live = this.#early !== undefined && !this.#early.ended;
    if (live || !this.#dialect.capabilities.supportsTransactions) return undefined;
    await this.#createDataset();
    return this.#early = new EarlyChain(loadId, root, {
      transaction: (fn, giveWay) => this.#inTransaction(fn, giveWay),
      syncTable: (table) => this.#syncTable(table),
      copy: async (jobs, table, options) => {
        for (const run of this.#copyRuns(jobs)) {
          await this.#copyAndRecord(loadId, run, table, this.#name(table.name), options);
        }
      },
    });
  }

  /**
   * Completes the early chain of `root` with the jobs of `pkg` it did not copy, in its
   * transaction. A package that came out otherwise than the copied files say (a chain that is
   * no longer a plain append, a file or column type that changed) fails it, to be rolled back.
   */
  async #completeEarly(
    pkg: LoadPackage,
    root: string,
    copied: ReadonlyMap<string, CopiedJob>,
  ): Promise<void> {
    const chain = tableChains(pkg).find((c) => c.root === root);
    if (chain === undefined || !this.#copiedMatch(pkg, chain, copied)) {
      throw new DltError(`Package "${pkg.loadId}" differs from the files loaded early`);
    }
    for (const table of chain.tables) await this.#syncTable(table);
    for (const job of chain.jobs) {
      const early = copied.get(basename(job.path));
      if (early === undefined) continue;
      pkg.onJobLoaded?.(job, { durationMs: early.durationMs, duringNormalize: true });
    }
    await this.#copyChainJobs(pkg, chain.jobs.filter((job) => !copied.has(basename(job.path))));
  }

  /** Whether `chain` appends, and loads each copied file as it was copied. */
  #copiedMatch(
    pkg: LoadPackage,
    chain: TableChain,
    copied: ReadonlyMap<string, CopiedJob>,
  ): boolean {
    if (chain.replace.length > 0 || mergesChain(pkg.schema.tables[chain.root])) return false;
    const jobs = new Map(chain.jobs.map((job) => [basename(job.path), job]));
    for (const [file, early] of copied) {
      const job = jobs.get(file);
      if (job === undefined || !copiedTogether(job, early.job)) return false;
      const columns = pkg.schema.tables[job.table]?.columns ?? {};
      for (const name of job.columns) {
        const now = columns[name];
        const then = early.table.columns[name];
        if (
          now === undefined || then === undefined || now.dataType !== then.dataType ||
          this.#dialect.columnType(now) !== this.#dialect.columnType(then)
        ) return false;
      }
    }
    return true;
  }

  /**
   * Creates the dataset and dlt's tables in it where they are not there, in one call: a load
   * that starts while extract runs waits for each answer until extract's next turn.
   */
  async #createDataset(): Promise<void> {
    await this.#transaction(() =>
      this.#connection.run(
        [`CREATE SCHEMA IF NOT EXISTS ${this.#qualifiedDataset}`, ...this.#systemTables()]
          .join(";\n"),
      )
    );
  }

  async #load(pkg: LoadPackage): Promise<void> {
    const connection = this.#connection;
    await this.#createDataset();
    const loadId = quoteLiteral(pkg.loadId);
    const loaded = await connection.query(
      `SELECT 1 FROM ${this.#name("_dlt_loads")} WHERE load_id = ${loadId}`,
    );
    if (loaded.length > 0) return;
    const committed = new Set(
      (await connection.query<{ table_name: string }>(
        `SELECT DISTINCT table_name FROM ${this.#name("_dlt_load_jobs")} WHERE load_id = ${loadId}`,
      )).map((r) => r.table_name),
    );
    // a refresh drops tables first, once: a resumed package must not drop what it loaded
    if (pkg.dropTables.length > 0 && !committed.has(DROPPED_MARKER)) {
      await this.#transaction(async () => {
        for (const name of pkg.dropTables) {
          await connection.run(`DROP TABLE IF EXISTS ${this.#name(name)}`);
        }
        await this.#record(pkg.loadId, [{ table: DROPPED_MARKER, file: "", rows: 0 }]);
      });
    }
    for (const chain of tableChains(pkg)) {
      // a chain is committed whole: one recorded table means all of it is in
      const names = [chain.root, ...chain.replace, ...chain.jobs.map((job) => job.table)];
      if (names.some((name) => committed.has(name))) continue;
      const root = pkg.schema.tables[chain.root];
      const merge = mergesChain(root);
      await this.#transaction(async () => {
        for (const table of chain.tables) await this.#syncTable(table);
        for (const name of chain.replace) {
          if (await this.#tableExists(name)) {
            await connection.run(`DELETE FROM ${this.#name(name)}`);
          }
        }
        // a replace that brings no rows is recorded too
        if (chain.replace.length > 0) {
          await this.#record(pkg.loadId, [{ table: chain.root, file: "", rows: 0 }]);
        }
        if (merge) await this.#createStaging(chain.tables);
        await this.#copyChainJobs(pkg, chain.jobs, merge);
        if (merge) {
          await connection.copiesDone?.();
          await mergeChain(this.#mergeTarget, pkg, root, chain.tables);
        }
      });
    }
    await this.#transaction(async () => {
      await this.#recordSchema(pkg);
      if (pkg.state !== undefined) await this.#recordState(pkg.state, pkg.loadId);
      await connection.run(
        `INSERT INTO ${this.#name("_dlt_loads")} VALUES (${loadId}, ${
          quoteLiteral(pkg.schema.name)
        }, 0, now(), ${quoteLiteral(pkg.schema.versionHash)})`,
      );
    });
    await connection.afterLoad?.();
  }

  /**
   * Copies `jobs` of `pkg` into their tables (their staging tables for a `merge`), recording
   * each, a run of files at a time.
   */
  async #copyChainJobs(pkg: LoadPackage, jobs: readonly LoadJob[], merge = false): Promise<void> {
    for (const run of this.#copyRuns(jobs)) {
      const { table: name } = run[0];
      const table = pkg.schema.tables[name];
      const into = merge ? this.#stagingName(name) : this.#name(name);
      const started = performance.now();
      await this.#copyAndRecord(pkg.loadId, run, table, into);
      const durationMs = (performance.now() - started) / run.length;
      for (const job of run) pkg.onJobLoaded?.(job, { durationMs });
    }
  }

  /**
   * Copies `jobs` into `into` and records each in `_dlt_load_jobs` of package `loadId`, in the
   * copy's own call where the connection can.
   */
  #copyAndRecord(
    loadId: string,
    jobs: readonly LoadJob[],
    table: TableSchema,
    into: string,
    options?: CopyOptions,
  ): Promise<void> {
    const record = this.#recordSql(
      loadId,
      jobs.map((job) => ({ table: job.table, file: basename(job.path), rows: job.rows })),
    );
    return this.#copyJobs(jobs, table, into, { ...options, followedBy: record });
  }

  /** Records loaded files of package `loadId` (or its marker) in `_dlt_load_jobs`. */
  #record(
    loadId: string,
    files: readonly RecordedFile[],
  ): Promise<void> {
    return this.#connection.run(this.#recordSql(loadId, files));
  }

  /** The statement that records `files` of package `loadId` in `_dlt_load_jobs`. */
  #recordSql(
    loadId: string,
    files: readonly RecordedFile[],
  ): string {
    const rows = files.map(({ table, file, rows }) =>
      `(${quoteLiteral(loadId)}, ${quoteLiteral(table)}, ${quoteLiteral(file)}, ${rows}, now())`
    );
    return `INSERT INTO ${this.#name("_dlt_load_jobs")} VALUES ${rows.join(", ")}`;
  }

  /**
   * `jobs` in the groups copied together: one file each, or, where the connection copies several
   * at once, each run of files of one table with the same format and columns.
   */
  *#copyRuns(jobs: readonly LoadJob[]): Generator<LoadJob[]> {
    if (this.#connection.copyJobs === undefined) {
      for (const job of jobs) yield [job];
      return;
    }
    let run: LoadJob[] = [];
    for (const job of jobs) {
      const last = run[run.length - 1];
      if (last !== undefined && !copiedTogether(last, job)) {
        yield run;
        run = [];
      }
      run.push(job);
    }
    if (run.length > 0) yield run;
  }

  async #copyJobs(
    jobs: readonly LoadJob[],
    table: TableSchema,
    into: string,
    options?: CopyOptions,
  ): Promise<void> {
    try {
      if (jobs.length === 1) await this.#connection.copyJob(jobs[0], table, into, options);
      else await this.#connection.copyJobs!(jobs, table, into, options);
    } catch (error) {
      const files = jobs.map((job) => `"${basename(job.path)}"`).join(", ");
      throw new DestinationError(
        `Cannot load job file${jobs.length === 1 ? "" : "s"} ${files} into table "${
          jobs[0].table
        }": ${cutLongLines((error as Error).message)}`,
        { cause: error, transient: error instanceof DltError && error.transient },
      );
    }
  }

  /**
   * Runs `fn` in the connection's transaction; a destination without transactions runs it as
   * it comes (its chains are then not atomic: a resumed package may repeat a chain's rows).
   */
  #transaction(fn: () => Promise<void>): Promise<void> {
    if (!this.#dialect.capabilities.supportsTransactions) return fn();
    return this.#inTransaction(fn);
  }

  /**
   * Runs `fn` in a transaction of the connection, remembering the tables it syncs; `giveWay`
   * as {@linkcode SqlConnection.transaction} calls it.
   */
  #inTransaction(fn: () => Promise<void>, giveWay?: () => void): Promise<void> {
    // a connection runs one transaction at a time: they do not nest
    return this.#connection.transaction(async () => {
      this.#synced = new Map();
      try {
        await fn();
      } finally {
        this.#synced = undefined;
      }
    }, giveWay);
  }

  #columnDefinition(column: ColumnSchema): string {
    const notNull = column.nullable === false ? " NOT NULL" : "";
    return `${quoteIdentifier(column.name)} ${this.#dialect.columnType(column)}${notNull}`;
  }

  /** The statements that create dlt's tables where they are not there. */
  #systemTables(): string[] {
    return SYSTEM_TABLES.map((table) => {
      const columns = table.columns.map(([name, dataType, nullable]) =>
        this.#columnDefinition({ name, dataType, nullable })
      );
      return `CREATE TABLE IF NOT EXISTS ${this.#name(table.name)} (${columns.join(", ")})`;
    });
  }

  /** Creates `table` or adds the columns it lacks. */
  async #syncTable(table: TableSchema): Promise<void> {
    const columns = typedColumns(table);
    if (columns.length === 0) return;
    const notNull = this.#synced?.get(table.name) ?? await this.#storedColumns(table.name);
    const name = this.#name(table.name);
    if (notNull.size === 0) {
      await this.#connection.run(
        `CREATE TABLE ${name} (${columns.map((c) => this.#columnDefinition(c)).join(", ")})`,
      );
      for (const column of columns) notNull.set(column.name, column.nullable === false);
    }
    for (const column of columns) {
      if (notNull.has(column.name)) {
        // a column that is no longer required (a primary key changed) accepts NULL from now on
        if (notNull.get(column.name) && column.nullable !== false) {
          await this.#connection.run(
            `ALTER TABLE ${name} ALTER COLUMN ${quoteIdentifier(column.name)} DROP NOT NULL`,
          );
          notNull.set(column.name, false);
        }
        continue;
      }
      // a column added to existing rows cannot be NOT NULL
      await this.#connection.run(
        `ALTER TABLE ${name} ADD COLUMN ${this.#columnDefinition({ ...column, nullable: true })}`,
      );
      notNull.set(column.name, false);
    }
    this.#synced?.set(table.name, notNull);
  }

  /**
   * The columns `table` has in the destination, and whether each is `NOT NULL`; none when the
   * table is not there.
   */
  async #storedColumns(table: string): Promise<Map<string, boolean>> {
    const rows = await this.#connection.query<{ column_name: string; is_nullable: string }>(
      this.#catalog.columns(this.#dataset, table),
    );
    return new Map(rows.map((r) => [r.column_name, r.is_nullable === "NO"]));
  }

  /** Empty staging copies of `tables` (created in the transaction, dropped after the merge). */
  async #createStaging(tables: TableSchema[]): Promise<void> {
    await this.#connection.run(`CREATE SCHEMA IF NOT EXISTS ${this.#stagingDataset}`);
    for (const table of tables) {
      if (typedColumns(table).length === 0) continue;
      const staging = this.#stagingName(table.name);
      await this.#connection.run(`DROP TABLE IF EXISTS ${staging}`);
      await this.#connection.run(
        `CREATE TABLE ${staging} AS SELECT * FROM ${this.#name(table.name)} LIMIT 0`,
      );
    }
  }

  async #recordSchema(pkg: LoadPackage): Promise<void> {
    const { schema } = pkg;
    const exists = await this.#connection.query(
      `SELECT 1 FROM ${this.#name("_dlt_version")} WHERE schema_name = ${
        quoteLiteral(schema.name)
      } AND version_hash = ${quoteLiteral(schema.versionHash)}`,
    );
    if (exists.length > 0) return;
    await this.#connection.run(
      `INSERT INTO ${
        this.#name("_dlt_version")
      } VALUES (${schema.version}, ${schema.engineVersion}, now(), ${quoteLiteral(schema.name)}, ${
        quoteLiteral(schema.versionHash)
      }, ${quoteLiteral(JSON.stringify(schema))})`,
    );
  }

  async #recordState(state: PipelineState, loadId: string): Promise<void> {
    const exists = await this.#connection.query(
      `SELECT 1 FROM ${this.#name("_dlt_pipeline_state")} WHERE pipeline_name = ${
        quoteLiteral(state.pipelineName)
      } AND version = ${state.version} AND version_hash = ${quoteLiteral(state.versionHash)}`,
    );
    if (exists.length > 0) return;
    await this.#connection.run(
      `INSERT INTO ${
        this.#name("_dlt_pipeline_state")
      } VALUES (${state.version}, ${state.engineVersion}, ${quoteLiteral(state.pipelineName)}, ${
        quoteLiteral(JSON.stringify(state))
      }, now(), ${quoteLiteral(state.versionHash)}, ${quoteLiteral(loadId)}, ${
        quoteLiteral(crypto.randomUUID())
      })`,
    );
  }

  /** Rolls back a chain still loading early, and releases the connection. */
  async close(): Promise<void> {
    const early = this.#early;
    this.#early = undefined;
    await early?.abort();
    await this.#connection.close();
  }
}
