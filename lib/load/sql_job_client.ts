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
 * `scd2`, `insert-only`) is portable: explicit column lists and `row_number()` in subqueries
 * instead of DuckDB's `QUALIFY`, `BY NAME` and `SELECT * REPLACE`.
 *
 * @module
 */
import { basename } from "node:path";
import type { DestinationClient, LoadJob, LoadPackage, SqlClient } from "../destination.ts";
import {
  type ColumnSchema,
  DLT,
  nestedTablesOf,
  rootTableOf,
  type StoredSchema,
  type TableSchema,
} from "../schema/schema.ts";
import type { PipelineState } from "../state.ts";
import { DestinationError, DltError } from "../errors.ts";
import { cutLongLines, quoteIdentifier, quoteLiteral, SYSTEM_TABLES } from "./sql.ts";
import type { SqlConnection, SqlDialect } from "./sql_dialect.ts";

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

/** The `_dlt_load_jobs` table name that records a package's refresh drops. */
const DROPPED_MARKER = "_dlt_dropped_tables";

/** The column a window function numbers rows in, in merge SQL. */
const ROW_NUMBER = "_dlt_row_number";
/** The column that carries a row's place in insert order, in merge SQL. */
const ROW_ID = "_dlt_row_id";

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

/** The columns of `table` that have a type (the ones its SQL table has). */
function typedColumns(table: TableSchema): ColumnSchema[] {
  return Object.values(table.columns).filter((c) => c.dataType !== undefined);
}

/** `"a", "b"`: a list of quoted column names. */
function columnList(columns: readonly ColumnSchema[]): string {
  return columns.map((c) => quoteIdentifier(c.name)).join(", ");
}

/**
 * The SQL condition that keeps rows a `hardDelete` column of `table` does not flag (`true`, or
 * not null for other types); empty when it has none.
 */
function hardDeleteFilter(table: TableSchema): string {
  return typedColumns(table).filter((c) => c.hardDelete).map((c) =>
    c.dataType === "bool"
      ? `NOT coalesce(${quoteIdentifier(c.name)}, false)`
      : `${quoteIdentifier(c.name)} IS NULL`
  ).join(" AND ");
}

/** Whether `root`'s chain merges (merge without a primary or merge key appends, as in dlt). */
function mergesChain(root: TableSchema): boolean {
  return root.writeDisposition === "merge" &&
    (root.mergeStrategy === "scd2" ||
      Object.values(root.columns).some((c) => c.primaryKey || c.mergeKey));
}

/** The job client of an SQL destination: dlt's load protocol over a dialect and a connection. */
export class SqlJobClient implements DestinationClient {
  /** SQL access for users, when the destination offers it. */
  readonly sql?: SqlClient;
  #connection: SqlConnection;
  #dialect: SqlDialect;
  #dataset: string;
  #qualifiedDataset: string;
  #stagingDataset: string;

  /** A client loading through `connection` in `dialect` into the dataset `options` name. */
  constructor(connection: SqlConnection, dialect: SqlDialect, options: SqlJobClientOptions) {
    this.#connection = connection;
    this.#dialect = dialect;
    this.#dataset = options.datasetName;
    this.#qualifiedDataset = options.qualifiedDataset;
    this.#stagingDataset = options.qualifiedStagingDataset;
    this.sql = options.sql;
  }

  #name(table: string): string {
    return `${this.#qualifiedDataset}.${quoteIdentifier(table)}`;
  }

  #stagingName(table: string): string {
    return `${this.#stagingDataset}.${quoteIdentifier(table)}`;
  }

  async #tableExists(table: string): Promise<boolean> {
    const rows = await this.#connection.query(
      `SELECT 1 FROM information_schema.tables WHERE table_schema = ${
        quoteLiteral(this.#dataset)
      } AND table_name = ${quoteLiteral(table)}`,
    );
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
      `SELECT schema FROM (SELECT schema, row_number() OVER (PARTITION BY schema_name ORDER BY version DESC, inserted_at DESC) AS ${ROW_NUMBER} FROM ${
        this.#name("_dlt_version")
      }) AS versions WHERE ${ROW_NUMBER} = 1`,
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
    this.#checkMergeStrategies(pkg);
    try {
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

  /** Refuses a package whose tables ask for a merge strategy the destination lacks. */
  #checkMergeStrategies(pkg: LoadPackage): void {
    const supported = this.#dialect.capabilities.supportedMergeStrategies;
    for (const table of Object.values(pkg.schema.tables)) {
      if (table.writeDisposition !== "merge") continue;
      const strategy = table.mergeStrategy ?? "delete-insert";
      if (supported.includes(strategy)) continue;
      throw new DestinationError(
        `Table "${table.name}" asks for merge strategy "${strategy}", which this destination does not run; it runs ${
          supported.map((s) => `"${s}"`).join(", ")
        }`,
      );
    }
  }

  async #load(pkg: LoadPackage): Promise<void> {
    const connection = this.#connection;
    await this.#transaction(async () => {
      await connection.run(`CREATE SCHEMA IF NOT EXISTS ${this.#qualifiedDataset}`);
      await this.#createSystemTables();
    });
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
    const record = (table: string, file: string, rows: number) =>
      connection.run(
        `INSERT INTO ${this.#name("_dlt_load_jobs")} VALUES (${loadId}, ${quoteLiteral(table)}, ${
          quoteLiteral(file)
        }, ${rows}, now())`,
      );
    // a refresh drops tables first, once: a resumed package must not drop what it loaded
    if (pkg.dropTables.length > 0 && !committed.has(DROPPED_MARKER)) {
      await this.#transaction(async () => {
        for (const name of pkg.dropTables) {
          await connection.run(`DROP TABLE IF EXISTS ${this.#name(name)}`);
        }
        await record(DROPPED_MARKER, "", 0);
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
        if (chain.replace.length > 0) await record(chain.root, "", 0);
        if (merge) await this.#createStaging(chain.tables);
        for (const job of chain.jobs) {
          const table = pkg.schema.tables[job.table];
          const into = merge ? this.#stagingName(job.table) : this.#name(job.table);
          await this.#copyJob(job, table, into);
          await record(job.table, basename(job.path), job.rows);
        }
        if (merge) await this.#mergeChain(pkg, root, chain.tables);
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

  async #copyJob(job: LoadJob, table: TableSchema, into: string): Promise<void> {
    try {
      await this.#connection.copyJob(job, table, into);
    } catch (error) {
      throw new DestinationError(
        `Cannot load job file "${basename(job.path)}" into table "${job.table}": ${
          cutLongLines((error as Error).message)
        }`,
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
    return this.#connection.transaction(fn);
  }

  #columnDefinition(column: ColumnSchema): string {
    const notNull = column.nullable === false ? " NOT NULL" : "";
    return `${quoteIdentifier(column.name)} ${this.#dialect.columnType(column)}${notNull}`;
  }

  async #createSystemTables(): Promise<void> {
    for (const table of SYSTEM_TABLES) {
      const columns = table.columns.map(([name, dataType, nullable]) =>
        this.#columnDefinition({ name, dataType, nullable })
      );
      await this.#connection.run(
        `CREATE TABLE IF NOT EXISTS ${this.#name(table.name)} (${columns.join(", ")})`,
      );
    }
  }

  /** Creates `table` or adds the columns it lacks. */
  async #syncTable(table: TableSchema): Promise<void> {
    const columns = typedColumns(table);
    if (columns.length === 0) return;
    const notNull = new Map(
      (await this.#connection.query<{ column_name: string; is_nullable: string }>(
        `SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = ${
          quoteLiteral(this.#dataset)
        } AND table_name = ${quoteLiteral(table.name)}`,
      )).map((r) => [r.column_name, r.is_nullable === "NO"]),
    );
    const name = this.#name(table.name);
    if (notNull.size === 0) {
      await this.#connection.run(
        `CREATE TABLE ${name} (${columns.map((c) => this.#columnDefinition(c)).join(", ")})`,
      );
      return;
    }
    for (const column of columns) {
      if (notNull.has(column.name)) {
        // a column that is no longer required (a primary key changed) accepts NULL from now on
        if (notNull.get(column.name) && column.nullable !== false) {
          await this.#connection.run(
            `ALTER TABLE ${name} ALTER COLUMN ${quoteIdentifier(column.name)} DROP NOT NULL`,
          );
        }
        continue;
      }
      // a column added to existing rows cannot be NOT NULL
      await this.#connection.run(
        `ALTER TABLE ${name} ADD COLUMN ${this.#columnDefinition({ ...column, nullable: true })}`,
      );
    }
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

  /**
   * Merges the staged rows of `root`'s chain by its strategy, then drops the staging tables.
   */
  async #mergeChain(pkg: LoadPackage, root: TableSchema, staged: TableSchema[]): Promise<void> {
    if (root.mergeStrategy === "scd2") {
      await this.#mergeScd2(pkg, root, staged);
    } else {
      await this.#deleteInsert(pkg, root, staged);
    }
    for (const table of staged) {
      await this.#connection.run(`DROP TABLE IF EXISTS ${this.#stagingName(table.name)}`);
    }
  }

  /**
   * `INSERT INTO target (columns) SELECT … FROM source WHERE where` (`source` a table), keeping
   * only the first row of each `partition` in `order` when a partition is given. The rows to keep
   * are found by their insert order over the partition and order columns alone: a window over
   * every column of a wide table (hundreds of columns of flattened JSON) would hold them all in
   * memory. `select` maps a column to the expression inserted into it (the column itself unless
   * it says otherwise).
   */
  async #insertSelect(options: {
    target: string;
    columns: ColumnSchema[];
    source: string;
    where?: string;
    partition?: string;
    order?: string;
    select?: (column: ColumnSchema) => string;
  }): Promise<void> {
    const { target, columns, source, partition, order } = options;
    const select = options.select ?? ((c: ColumnSchema) => quoteIdentifier(c.name));
    const conditions = options.where ? [options.where] : [];
    if (partition !== undefined) {
      const rowId = this.#dialect.insertOrder;
      const over = `PARTITION BY ${partition}${order ? ` ORDER BY ${order}` : ""}`;
      const filter = conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "";
      conditions.push(
        `${rowId} IN (SELECT ${ROW_ID} FROM (SELECT ${rowId} AS ${ROW_ID}, row_number() OVER (${over}) AS ${ROW_NUMBER} FROM ${source}${filter}) AS numbered WHERE ${ROW_NUMBER} = 1)`,
      );
    }
    const where = conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "";
    await this.#connection.run(
      `INSERT INTO ${target} (${columnList(columns)}) SELECT ${
        columns.map((c) => `${select(c)} AS ${quoteIdentifier(c.name)}`).join(", ")
      } FROM ${source}${where}`,
    );
  }

  /**
   * dlt's `delete-insert` merge of the staged rows of `root`'s chain: rows (and their nested
   * rows) sharing a primary key or merge key with incoming rows are deleted; incoming rows are
   * deduplicated by primary key (`dedupSort`, else the last one wins), hard-deleted ones dropped,
   * and the rest inserted with their nested rows. `upsert` (whose root ids are hashes of the
   * primary key, so an updated row keeps its `_dlt_id`) matches by primary key only;
   * `insert-only` leaves rows whose primary key is in the table already alone and deletes nothing.
   */
  async #deleteInsert(pkg: LoadPackage, root: TableSchema, staged: TableSchema[]): Promise<void> {
    const columns = typedColumns(root);
    const primaryKey = columns.filter((c) => c.primaryKey);
    const keyed = root.mergeStrategy === "upsert" || root.mergeStrategy === "insert-only";
    const mergeKey = keyed ? [] : columns.filter((c) => c.mergeKey);
    const stage = this.#stagingName(root.name);
    const target = this.#name(root.name);
    const conditions = [hardDeleteFilter(root)];
    if (root.mergeStrategy === "insert-only") {
      conditions.push(
        `(${columnList(primaryKey)}) NOT IN (SELECT ${columnList(primaryKey)} FROM ${target})`,
      );
    } else {
      const match = [primaryKey, mergeKey].filter((key) => key.length > 0).map((key) =>
        `(${columnList(key)}) IN (SELECT ${columnList(key)} FROM ${stage})`
      ).join(" OR ");
      for (const nested of nestedTablesOf(pkg.schema, root.name)) {
        if (!await this.#tableExists(nested.name)) continue;
        await this.#connection.run(
          `DELETE FROM ${this.#name(nested.name)} WHERE ${quoteIdentifier(DLT.rootId)} IN (SELECT ${
            quoteIdentifier(DLT.id)
          } FROM ${target} WHERE ${match})`,
        );
      }
      await this.#connection.run(`DELETE FROM ${target} WHERE ${match}`);
    }
    const sort = columns.find((c) => c.dedupSort !== undefined);
    const order = sort === undefined
      ? `${this.#dialect.insertOrder} DESC`
      : `${quoteIdentifier(sort.name)} ${sort.dedupSort === "desc" ? "DESC" : "ASC"}`;
    const dedup = primaryKey.length > 0 && !root.deduplicated;
    await this.#insertSelect({
      target,
      columns,
      source: stage,
      where: conditions.filter((c) => c !== "").join(" AND "),
      partition: dedup ? columnList(primaryKey) : undefined,
      order,
    });
    // rows sharing a primary key share their (hashed) root id, so their nested rows share ids too
    await this.#insertNested(pkg, root, staged, keyed);
  }

  /**
   * Inserts the staged nested rows of the root rows this package inserted; `unique` keeps one
   * row per `_dlt_id` (the last staged), for root ids that incoming duplicates share.
   */
  async #insertNested(
    pkg: LoadPackage,
    root: TableSchema,
    staged: TableSchema[],
    unique = false,
  ): Promise<void> {
    const inserted = `SELECT ${quoteIdentifier(DLT.id)} FROM ${this.#name(root.name)} WHERE ${
      quoteIdentifier(DLT.loadId)
    } = ${quoteLiteral(pkg.loadId)}`;
    for (const nested of staged) {
      if (nested.name === root.name || typedColumns(nested).length === 0) continue;
      await this.#insertSelect({
        target: this.#name(nested.name),
        columns: typedColumns(nested),
        source: this.#stagingName(nested.name),
        where: `${quoteIdentifier(DLT.rootId)} IN (${inserted})`,
        partition: unique ? quoteIdentifier(DLT.id) : undefined,
        order: `${this.#dialect.insertOrder} DESC`,
      });
    }
  }

  /**
   * dlt's `scd2`: root ids are hashes of the row's content (or a row version column identifies
   * versions). Current rows (valid-to NULL, or the active record timestamp) that the extract no
   * longer has are retired (valid-to set to the boundary: the load's time unless a boundary
   * timestamp is given; with a merge key, only in the partitions that arrived); incoming rows not
   * current yet are inserted, valid from the boundary, with their nested rows.
   */
  async #mergeScd2(pkg: LoadPackage, root: TableSchema, staged: TableSchema[]): Promise<void> {
    const [fromName, toName] = root.validityColumns ?? ["_dlt_valid_from", "_dlt_valid_to"];
    const to = quoteIdentifier(toName);
    const version = quoteIdentifier(root.rowVersionColumn ?? DLT.id);
    const stage = this.#stagingName(root.name);
    const target = this.#name(root.name);
    const columns = typedColumns(root);
    const typeOf = (name: string) =>
      this.#dialect.columnType(root.columns[name] ?? { name, dataType: "timestamp" });
    const timestamp = (iso: string, column: string) =>
      `CAST(${quoteLiteral(iso)} AS ${typeOf(column)})`;
    const at = (column: string) =>
      root.boundaryTimestamp === undefined
        ? `CAST(to_timestamp(${Number(pkg.loadId)}) AS ${typeOf(column)})`
        : timestamp(root.boundaryTimestamp, column);
    const active = root.activeRecordTimestamp === undefined
      ? `CAST(NULL AS ${typeOf(toName)})`
      : timestamp(root.activeRecordTimestamp, toName);
    const current = root.activeRecordTimestamp === undefined
      ? `${to} IS NULL`
      : `${to} = ${active}`;
    const mergeKey = columns.filter((c) => c.mergeKey);
    const keys = columnList(mergeKey);
    const partition = mergeKey.length === 0
      ? ""
      : ` AND (${keys}) IN (SELECT ${keys} FROM ${stage})`;
    // rows flagged by a hardDelete column retire their record and are not inserted, as in dlt
    const live = hardDeleteFilter(root);
    const liveWhere = live ? ` WHERE ${live}` : "";
    await this.#connection.run(
      `UPDATE ${target} SET ${to} = ${
        at(toName)
      } WHERE ${current} AND ${version} NOT IN (SELECT ${version} FROM ${stage}${liveWhere})${partition}`,
    );
    await this.#insertSelect({
      target,
      columns,
      source: stage,
      where: [live, `${version} NOT IN (SELECT ${version} FROM ${target} WHERE ${current})`]
        .filter((c) => c !== "").join(" AND "),
      partition: version,
      select: (c) =>
        c.name === fromName ? at(fromName) : c.name === toName ? active : quoteIdentifier(c.name),
    });
    await this.#insertNested(pkg, root, staged);
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

  /** Releases the connection. */
  close(): Promise<void> {
    return this.#connection.close();
  }
}
