/**
 * Native DuckDB (`@duckdb/node-api`, `lib/deps/duckdb_node.ts`) as a driver of the duckdb
 * destination: the second {@linkcode DuckDbDriver}, next to DuckDB-WASM (`_database.ts`). It needs
 * `--allow-ffi`, and brings what DuckDB-WASM lacks: ICU (time zones), the JSON and Parquet
 * readers, threads, and DuckDB's own file lock.
 *
 * It behaves as the WASM driver where the destination relies on it: a file is attached with the
 * same block and row-group size (`_database_file.ts`), so either driver opens what the other
 * wrote; the session time zone is UTC, as DuckDB-WASM (without ICU) has it; the same sidecar lock
 * (`_file_lock.ts`) keeps out every other process and every other open of the file in this
 * process, whichever driver it uses; parameters are bound with the types DuckDB-WASM gives them;
 * results come as the same Arrow types (`_native_arrow.ts`) and rows (`arrowRows`). Calls run one
 * at a time, in the order they were made, as the synchronous WASM driver runs them.
 *
 * @module
 */
import * as fs from "node:fs";
import * as nodePath from "node:path";
import type {
  DuckDBConnection,
  DuckDBExtractedStatements,
  DuckDBMaterializedResult,
  DuckDBPreparedStatement,
  DuckDBValue,
} from "../../lib/deps/duckdb_node.ts";
import type { Table } from "../../lib/deps/apache_arrow.ts";
import { quoteLiteral } from "../../lib/load/sql.ts";
import { DestinationError } from "../../lib/errors.ts";
import type { FileLock } from "../../lib/file_lock.ts";
import type { DuckDbDriver } from "./_driver.ts";
import type { BoundParameter } from "./_parameters.ts";
import { arrowRows } from "./_values.ts";
import { materializedChunks, resultTable } from "./_native_arrow.ts";
import { checkDatabaseFile } from "./_file_check.ts";
import { lockDatabase } from "./_file_lock.ts";
import { metadataBlocksQuery, MetadataJournal, restoreMetadata } from "./_metadata_journal.ts";
import {
  closeSession,
  configureSession,
  endSession,
  type NativeSession,
  startSession,
  takeSession,
} from "./_native_instances.ts";
import {
  attachStatements,
  cannotOpen,
  catalogName,
  checkDatabaseFolder,
  IN_MEMORY,
  recoverRebuild,
  reviewLog,
  TEMP_SUFFIX,
} from "./_database_file.ts";

/** Options of {@linkcode openNativeDuckDb}. */
export interface OpenNativeDuckDbOptions {
  /**
   * DuckDB's `memory_limit`, e.g. `"512MB"`. Sorts and joins beyond it spill to `<path>.tmp`
   * (a database in memory does not spill).
   * @default {DuckDB's default, 80% of the machine's memory}
   */
  memoryLimit?: string;
  /**
   * Threads DuckDB may use, a whole number of at least 1.
   * @default {1, and one per core for a copy of a large job file of a narrow table (see
   * `_native_instances.ts`)}
   */
  threads?: number;
  /**
   * How long to wait, in milliseconds, for another process that has the file open (through
   * either driver, see `_file_lock.ts`, or any other DuckDB client) before failing with an
   * error that names it.
   * @default {60000}
   */
  lockTimeoutMs?: number;
}

/** Memory of blocks written to the file that DuckDB may keep (see `dropWrittenBlocks`). */
const KEPT_WRITTEN_BYTES = 8 << 20;

/** Longest pause between two attempts to attach a file another DuckDB process has locked. */
const MAX_POLL_MS = 100;

/**
 * DuckDB's error when another process holds its lock on a file, with that process: its command
 * line and PID, or the PID alone while the process is exiting (its command line is gone then).
 */
const LOCK_CONFLICT =
  /Could not set lock on file .*Conflicting lock is held in (?:(.+) \(PID (\d+)\)|PID (\d+))/s;

/**
 * The process that holds DuckDB's lock on a file, as DuckDB's error `message` names it
 * (`process 1234 ("deno run main.ts")`, or `process 1234`), or `undefined` for another error.
 */
export function lockHolder(message: string): string | undefined {
  const holder = LOCK_CONFLICT.exec(message);
  if (holder === null) return undefined;
  const [, command, pid = holder[3]] = holder;
  return command === undefined ? `process ${pid}` : `process ${pid} ("${command}")`;
}

/**
 * Opens (creating if needed) the DuckDB database file `path` with native DuckDB, or a database
 * in memory when `path` is `:memory:`.
 *
 * As the WASM driver does: a relative path is resolved against the current directory and its
 * folder must exist; the file's lock (`_file_lock.ts`) is taken before anything else and held
 * until {@linkcode DuckDbDriver.close}, waiting up to `lockTimeoutMs` for the process that has it
 * (then DuckDB's own lock, waiting for a process outside this convention the rest of that time);
 * an interrupted rebuild of the WASM driver is finished; metadata blocks a checkpoint cut short
 * was rewriting are put back (`_metadata_journal.ts`); a damaged file is a `DestinationError`
 * naming it, left as it is; an empty file is a new database; a write-ahead log that is not
 * DuckDB's, or next to no database, is moved aside with a warning. DuckDB replays a log left by a
 * process that died after a commit, and skips one that was already checkpointed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openNativeDuckDb } from "./_native_database.ts";
 * const db = await openNativeDuckDb(":memory:");
 * await db.run("CREATE TABLE t (id BIGINT, price DECIMAL(10, 2)); INSERT INTO t VALUES (1, 9.95)");
 * assert.deepEqual(await db.query("SELECT * FROM t WHERE id = ?", [1]), [{ id: 1, price: 9.95 }]);
 * await db.close();
 * ```
 *
 * @param path Path of the database file, or `:memory:`.
 * @param options Memory limit, threads and lock timeout.
 * @returns The open database (engine `"native"`); close it with {@linkcode DuckDbDriver.close}.
 */
export async function openNativeDuckDb(
  path: string,
  options: OpenNativeDuckDbOptions = {},
): Promise<DuckDbDriver> {
  const { memoryLimit, threads, lockTimeoutMs = 60_000 } = options;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    throw new RangeError(`Cannot use ${threads} threads: give a whole number of at least 1`);
  }
  if (path === IN_MEMORY) {
    // its tables live in the instance, which is not kept
    const session = await cannotOpen(IN_MEMORY, () => startSession());
    try {
      await cannotOpen(IN_MEMORY, () => configureSession(session, { memoryLimit, threads }, ""));
    } catch (error) {
      closeSession(session);
      throw error;
    }
    return new NativeDatabase(IN_MEMORY, session, undefined, undefined, { memoryLimit, threads });
  }
  const absolute = nodePath.resolve(path);
  checkDatabaseFolder(absolute);
  const deadline = performance.now() + lockTimeoutMs;
  const lock = await cannotOpen(absolute, () => lockDatabase(absolute, lockTimeoutMs));
  try {
    return await cannotOpen(absolute, async () => {
      recoverRebuild(absolute);
      restoreMetadata(absolute);
      const state = checkDatabaseFile(absolute);
      reviewLog(absolute, state === "database");
      // DuckDB-WASM makes a new database of an empty file; native DuckDB refuses one
      if (state === "empty") fs.rmSync(absolute);
      const session = await takeSession();
      try {
        await configureSession(session, { memoryLimit, threads }, absolute + TEMP_SUFFIX);
        await attach(session.connection, absolute, state !== "database", {
          deadline,
          lockTimeoutMs,
        });
      } catch (error) {
        closeSession(session);
        throw error;
      }
      const journal = new MetadataJournal(absolute);
      return new NativeDatabase(
        absolute,
        session,
        catalogName(absolute),
        lock,
        { memoryLimit, threads },
        journal,
      );
    });
  } catch (error) {
    lock.release();
    throw error;
  }
}

/**
 * Attaches `path` as the default catalog, waiting until `deadline` while another DuckDB process
 * (one that does not take the sidecar lock: the CLI, Python) holds DuckDB's lock on it.
 */
async function attach(
  connection: DuckDBConnection,
  path: string,
  create: boolean,
  wait: { deadline: number; lockTimeoutMs: number },
): Promise<void> {
  const [attachFile, use] = attachStatements(path, create);
  let pause = 5;
  while (true) {
    try {
      await connection.run(attachFile);
      break;
    } catch (error) {
      const holder = lockHolder((error as Error).message);
      if (holder === undefined) throw error;
      const left = wait.deadline - performance.now();
      if (left <= 0) {
        throw new DestinationError(
          `Cannot open DuckDB database "${path}": ${holder} has it open, and it was not ` +
            `closed within ${wait.lockTimeoutMs} ms; raise duckdb({ lockTimeoutMs }) to wait ` +
            `longer`,
          { transient: true, cause: error },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
  }
  await connection.run(use);
}

/**
 * Binds `params` as DuckDB-WASM binds their JSON: a string as VARCHAR, a number (an integral one
 * too) as DOUBLE, a boolean as BOOLEAN. One difference: `null` binds as DuckDB's untyped NULL,
 * where DuckDB-WASM gives it the type VARCHAR (the same NULL wherever a column or cast gives the
 * placeholder its type).
 */
function bind(statement: DuckDBPreparedStatement, params: readonly BoundParameter[]): void {
  if (params.length > 0 && params.length !== statement.parameterCount) {
    // native DuckDB would say only "Failed to bind" of the first value too many
    throw new Error(
      `Parameter argument/count mismatch: the statement has ${statement.parameterCount} ` +
        `parameter(s), ${params.length} value(s) were given`,
    );
  }
  params.forEach((value, i) => {
    const index = i + 1;
    if (value === null) statement.bindNull(index);
    else if (typeof value === "string") statement.bindVarchar(index, value);
    else if (typeof value === "boolean") statement.bindBoolean(index, value);
    else if (typeof value === "number") statement.bindDouble(index, value);
    // an integer beyond 2^53 in exponent form, which DuckDB-WASM reads as a DOUBLE
    else statement.bindDouble(index, Number(value.rawJSON));
  });
}

/**
 * The rows of the result of `sql` (its first statement's), in one call to DuckDB: its answer
 * waits for the JavaScript thread's next turn, every 10 ms while extract runs.
 */
async function rowsOf(connection: DuckDBConnection, sql: string): Promise<DuckDBValue[][]> {
  return materializedChunks(await connection.run(sql)).flatMap((chunk) => chunk.getRows());
}

/** Runs `statement` (with `params` bound), reads its result and destroys it. */
async function runPrepared<T>(
  statement: DuckDBPreparedStatement,
  read: (result: DuckDBMaterializedResult) => Promise<T>,
  params: readonly BoundParameter[] = [],
): Promise<T> {
  try {
    bind(statement, params);
    return await read(await statement.run());
  } finally {
    statement.destroySync();
  }
}

class NativeDatabase implements DuckDbDriver {
  readonly engine = "native";
  readonly path: string;
  readonly copyThreads: number;
  #session: NativeSession;
  /** The catalog the file is attached as (`undefined` for a database in memory). */
  #catalog: string | undefined;
  #connection: DuckDBConnection | undefined;
  /** A second connection, for instance settings (see `dropWrittenBlocks`). */
  #side: DuckDBConnection | undefined;
  /** The memory limit the database was opened with, or DuckDB's default once it was read. */
  #memoryLimit: string | undefined;
  #lock: FileLock | undefined;
  /** The last call; the next one starts when it has settled. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Whether the last statement run was a successful `CHECKPOINT`: closing need not run one. */
  #checkpointed = false;
  /** The journal of the file's metadata blocks (`_metadata_journal.ts`; none in memory). */
  #journal: MetadataJournal | undefined;
  /** Whether closing closes the instance rather than keeping it (see `forgoReuse`). */
  #reusable = true;

  constructor(
    path: string,
    session: NativeSession,
    catalog: string | undefined,
    lock: FileLock | undefined,
    limits: { memoryLimit: string | undefined; threads: number | undefined },
    journal?: MetadataJournal,
  ) {
    this.path = path;
    this.#journal = journal;
    this.#memoryLimit = limits.memoryLimit;
    this.copyThreads = limits.threads ?? navigator.hardwareConcurrency;
    this.#session = session;
    this.#catalog = catalog;
    this.#connection = session.connection;
    this.#lock = lock;
  }

  /**
   * Runs `action` on the connection once every earlier call has settled, after the journal is
   * brought up to date (see {@linkcode NativeDatabase.#updateJournal}) unless `needsJournal`,
   * asked then, says that the action writes nothing to the file.
   */
  #serial<T>(
    action: (connection: DuckDBConnection) => Promise<T>,
    needsJournal: () => boolean = () => true,
  ): Promise<T> {
    const connection = this.#connection;
    if (connection === undefined) {
      return Promise.reject(new Error(`Database "${this.path}" is closed`));
    }
    const result = this.#queue.then(async () => {
      if (needsJournal()) await this.#updateJournal(connection);
      return await action(connection);
    });
    this.#queue = result.catch(() => {});
    return result;
  }

  /**
   * Writes the journal when a checkpoint (or the open) changed the file's headers, before a
   * statement that could start the next checkpoint. A connection whose transaction failed cannot
   * list the blocks until it is rolled back: the journal is written at the next call.
   */
  async #updateJournal(connection: DuckDBConnection): Promise<void> {
    const journal = this.#journal;
    if (journal === undefined || !journal.stale()) return;
    let ids: number[];
    try {
      const listed = await rowsOf(connection, metadataBlocksQuery(this.#catalog ?? ""));
      ids = listed.map(([id]) => Number(id));
    } catch {
      return;
    }
    journal.write(ids);
  }

  /** Runs `sql` (several statements, or one with `params`) and reads the last one's result. */
  #execute<T>(
    sql: string,
    params: readonly BoundParameter[] | undefined,
    read: (result: DuckDBMaterializedResult) => Promise<T>,
  ): Promise<T> {
    return this.#serial(async (connection) => {
      this.#checkpointed = false;
      if (params !== undefined && params.length > 0) {
        return await runPrepared(await connection.prepare(sql), read, params);
      }
      // one statement (no semicolon): one call to DuckDB instead of three (see `rowsOf`)
      if (!sql.includes(";")) return await read(await connection.run(sql));
      let statements: DuckDBExtractedStatements;
      try {
        statements = await connection.extractStatements(sql);
      } catch {
        // no statement (DuckDB returns an empty result), or DuckDB's error about the SQL
        return await read(await connection.run(sql));
      }
      // DuckDB's own `run` of several statements returns the result of the first query in them
      for (let i = 0; i < statements.count - 1; i++) {
        await runPrepared(await statements.prepare(i), () => Promise.resolve());
      }
      return await runPrepared(await statements.prepare(statements.count - 1), read);
    });
  }

  queryArrow(sql: string, params?: readonly BoundParameter[]): Promise<Table> {
    return this.#execute(sql, params, resultTable);
  }

  async query<T = Record<string, unknown>>(
    sql: string,
    params?: readonly BoundParameter[],
  ): Promise<T[]> {
    return arrowRows<T>(await this.queryArrow(sql, params));
  }

  run(sql: string, params?: readonly BoundParameter[]): Promise<void> {
    if (params !== undefined && params.length > 0) {
      return this.#execute(sql, params, () => Promise.resolve());
    }
    // DuckDB runs every statement and stops at the first that fails
    return this.#serial(async (connection) => {
      this.#checkpointed = false;
      await connection.run(sql);
    });
  }

  /**
   * Native DuckDB writes each full row group of an insert to the file at once, and keeps its
   * blocks in memory until its memory limit is reached (80 MiB at the end of 100,000 GitHub
   * events, under the next copies' memory). Lowering the limit to what the rest of its memory
   * takes evicts them, for free as they are on disk, before it goes back. That runs on a second
   * connection: the limit is the instance's, and a failure there (DuckDB could not evict enough)
   * would abort the loading connection's transaction. Fails only when the limit could not be
   * set back.
   */
  dropWrittenBlocks(): Promise<void> {
    return this.#serial(async () => {
      const { side, memoryLimit } = await this.#instanceSettings();
      const [[written, all]] = await rowsOf(
        side,
        `SELECT sum(memory_usage_bytes) FILTER (WHERE tag = 'BASE_TABLE'), sum(memory_usage_bytes) FROM duckdb_memory()`,
      );
      if (Number(written ?? 0) < KEPT_WRITTEN_BYTES) return;
      const setBack = `SET memory_limit = ${quoteLiteral(memoryLimit)}`;
      const rest = Number(all) - Number(written);
      try {
        // lowered and set back in one call: DuckDB stops at the first statement that fails
        await side.run(`SET memory_limit = '${rest + KEPT_WRITTEN_BYTES}B'; ${setBack}`);
        return;
      } catch {
        // what could not be evicted stays
      }
      await side.run(setBack);
    });
  }

  /**
   * Setting DuckDB's memory limit, to what it is, has DuckDB hand the memory it freed back to the
   * system (as starting or resizing its thread pool does), on the second connection as
   * {@linkcode NativeDatabase.dropWrittenBlocks} does. After `before`, in its call on the
   * connection instead: an insert's answer would otherwise wait for the JavaScript thread's next
   * turn (every 10 ms while extract runs) before the setting could be sent, and DuckDB with it.
   */
  releaseFreedMemory(before?: string): Promise<void> {
    return this.#serial(async (connection) => {
      const { side, memoryLimit } = await this.#instanceSettings();
      const setting = `SET memory_limit = ${quoteLiteral(memoryLimit)}`;
      if (before === undefined) {
        await side.run(setting);
        return;
      }
      this.#checkpointed = false;
      await connection.run(`${before};\n${setting}`);
    });
  }

  /**
   * The second connection, for instance settings, and the memory limit to set back: as opened,
   * or DuckDB's default as it shows it (rounded: read once, so that setting it again and again
   * does not lower it); `RESET` would not do, as it leaves DuckDB's buffer pool at a lowered
   * limit.
   */
  async #instanceSettings(): Promise<{ side: DuckDBConnection; memoryLimit: string }> {
    const side = this.#side ??= await this.#session.instance.connect();
    this.#memoryLimit ??= String(
      (await rowsOf(side, "SELECT current_setting('memory_limit')"))[0][0],
    );
    return { side, memoryLimit: this.#memoryLimit };
  }

  forgoReuse(): void {
    this.#reusable = false;
  }

  checkpoint(): Promise<void> {
    // a CHECKPOINT that fails changes nothing: the flag stays as the last statement left it
    return this.#serial(async (connection) => {
      await connection.run("CHECKPOINT");
      this.#checkpointed = true;
    });
  }

  close(): Promise<void> {
    if (this.#connection === undefined) return Promise.resolve();
    // Right after a CHECKPOINT the close writes nothing to the file: it runs none, and DuckDB
    // checkpoints a database it detaches only when its write-ahead log holds something. So it
    // needs no journal of that checkpoint (a grown file's is megabytes, written and synced).
    const closed = this.#serial(async (connection) => {
      let checkpointed = this.#checkpointed;
      try {
        // a second CHECKPOINT right after one writes nothing, and costs a tenth of a small run
        if (!checkpointed) await connection.run("CHECKPOINT");
        checkpointed = true;
      } finally {
        this.#side?.closeSync();
        try {
          // Detaching the file, or closing the instance, closes it; only then may another
          // process have it. An instance that failed to checkpoint is not kept.
          if (checkpointed && this.#catalog !== undefined && this.#reusable) {
            await endSession(this.#session, this.#catalog, this.path + TEMP_SUFFIX);
          } else closeSession(this.#session);
          this.#journal?.close(checkpointed);
        } finally {
          this.#journal?.close(false);
          this.#lock?.release();
        }
      }
    }, () => !this.#checkpointed);
    this.#connection = undefined;
    return closed;
  }
}
