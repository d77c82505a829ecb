/**
 * Durable DuckDB-WASM database files for the duckdb destination.
 *
 * Uses the synchronous `duckdb-node-blocking` bundle of the pinned `@duckdb/duckdb-wasm`
 * (`lib/deps/duckdb_wasm.ts`) with the {@linkcode DURABLE_RUNTIME} from `_runtime.ts`. The wasm
 * file is read from the npm package, wherever Deno keeps it (its npm cache, or `node_modules/`).
 *
 * @module
 */
import * as fs from "node:fs";
import * as nodePath from "node:path";
import {
  createDuckDB,
  DuckDBAccessMode,
  type DuckDBBindings,
  type DuckDBConnection,
  duckDbWasmFile,
  getPlatformFeatures,
  TokenType,
  VoidLogger,
} from "../../lib/deps/duckdb_wasm.ts";
import type { Table } from "../../lib/deps/apache_arrow.ts";
import {
  DURABLE_RUNTIME,
  forgetInstanceFiles,
  hasDanglingFiles,
  openFileCount,
} from "./_runtime.ts";
import { quoteIdentifier, quoteLiteral } from "../../lib/load/sql.ts";
import { DestinationError } from "../../lib/errors.ts";
import { checkDatabaseFile } from "./_file_check.ts";
import {
  attachStatement,
  attachStatements,
  cannotOpen,
  catalogName,
  checkDatabaseFolder,
  fsyncDirectory,
  IN_MEMORY,
  IN_MEMORY_CATALOG,
  LEFT_BEHIND_QUERY,
  REBUILD_SUFFIX,
  REBUILT_SUFFIX,
  recoverRebuild,
  reviewLog,
  sameSettings,
  SETTINGS_QUERY,
  TEMP_SUFFIX,
  WAL_SUFFIX,
} from "./_database_file.ts";
import { lockDatabase } from "./_file_lock.ts";
import { metadataBlocksQuery, MetadataJournal, restoreMetadata } from "./_metadata_journal.ts";
import { dropMangledExports } from "./_wasm_exports.ts";
import type { FileLock } from "../../lib/file_lock.ts";
import type { BoundParameter } from "./_parameters.ts";
import type { DuckDbDriver } from "./_driver.ts";
import { arrowRows } from "./_values.ts";

export { checkDatabaseFolder, IN_MEMORY };

/** A DuckDB database file opened through DuckDB-WASM. */
export interface DuckDbWasmDatabase {
  /** Absolute path of the database file. */
  readonly path: string;
  /**
   * Runs SQL (one or more statements) and returns the result of the last statement. The table
   * comes from the CommonJS copy of apache-arrow that DuckDB-WASM loads, so `instanceof` checks
   * against an `apache-arrow` import fail; its methods work. With `params` (from
   * `bindParameters` of `_parameters.ts`), the SQL is one statement, prepared and run with them
   * bound to its `?` / `$1` placeholders.
   */
  queryArrow(sql: string, params?: readonly BoundParameter[]): Table;
  /**
   * Runs SQL as {@linkcode DuckDbWasmDatabase.queryArrow} does and returns the rows of the last
   * statement as plain objects, converted as `arrowRows` of `_values.ts` says: integers and
   * DECIMALs as numbers where a number holds them exactly, else exact (`bigint`, or the decimal's
   * text); TIMESTAMP, TIMESTAMPTZ and DATE as `Date`; BLOB as `Uint8Array`; LIST as array; STRUCT
   * and MAP as objects.
   */
  query<T = Record<string, unknown>>(sql: string, params?: readonly BoundParameter[]): T[];
  /** Runs SQL (one or more statements, or one with `params`) for its effect. */
  run(sql: string, params?: readonly BoundParameter[]): void;
  /** Checkpoints: the write-ahead log is folded into the file and removed. */
  checkpoint(): void;
  /** Has {@linkcode DuckDbWasmDatabase.close} reset the instance instead of keeping its database. */
  forgoReuse(): void;
  /** Checkpoints and closes; afterwards no `.wal` file is left next to the database. */
  close(): Promise<void>;
}

/** Options for {@linkcode openDuckDbWasm}. */
export interface OpenDuckDbWasmOptions {
  /**
   * DuckDB's `memory_limit`, e.g. `"512MB"`. Sorts and joins beyond it spill to `<path>.tmp`;
   * inserts write row groups straight to the file and need little memory.
   * @default {DuckDB's default, 80% of the 4 GiB wasm can address}
   */
  memoryLimit?: string;
  /**
   * Threads DuckDB may use. The DuckDB-WASM `eh` build has no threads, so only 1 is accepted.
   * @default {1}
   */
  threads?: number;
  /**
   * How long to wait, in milliseconds, for another process that has the file open (see
   * `_file_lock.ts`) before failing with an error that names it.
   * @default {60000}
   */
  lockTimeoutMs?: number;
}

const REBUILD_ALIAS = "dlt_rebuild";

/** Compiled wasm modules by path, shared by every database of the process. */
const compiledModules = new Map<string, Promise<WebAssembly.Module>>();

function compile(path: string): Promise<WebAssembly.Module> {
  let compiled = compiledModules.get(path);
  if (compiled === undefined) {
    compiled = fs.promises.readFile(path).then((bytes) =>
      WebAssembly.compile(dropMangledExports(bytes))
    );
    compiledModules.set(path, compiled);
    // A failed compilation is retried by the next open.
    compiled.catch(() => compiledModules.delete(path));
  }
  return compiled;
}

/** An instance made ahead of time by {@linkcode preloadDuckDbWasm}, for the next open. */
let spareInstance: Promise<DuckDBBindings> | undefined;

/**
 * Starts compiling the DuckDB-WASM module and instantiating it in the background (once per
 * process), so a later {@linkcode openDuckDbWasm} does not wait for either.
 */
export function preloadDuckDbWasm(): Promise<void> {
  if (spareInstance === undefined) {
    const instance = instantiate();
    spareInstance = instance;
    // a failed instance is not kept: the next open tries again
    instance.catch(() => {
      if (spareInstance === instance) spareInstance = undefined;
    });
  }
  return spareInstance.then(() => {});
}

/** The spare instance if there is one, else a new instance. */
function takeInstance(): Promise<DuckDBBindings> {
  const instance = spareInstance ?? instantiate();
  spareInstance = undefined;
  return instance;
}

/** The emscripten hook the node bindings use to instantiate the wasm module. */
type InstantiateWasm = (
  imports: WebAssembly.Imports,
  success: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
) => unknown[];

/** DuckDB databases started in this process's DuckDB-WASM instances so far. */
let databasesStarted = 0;

/**
 * How many DuckDB databases this process started in its DuckDB-WASM instances: each open of a
 * file starts one, unless the last open of the file kept its database (see `keptDatabases`).
 */
export function wasmDatabasesStarted(): number {
  return databasesStarted;
}

/** DuckDB-WASM instances started in this process so far. */
let instancesStarted = 0;

/** How many DuckDB-WASM instances this process started: a run should start one at most. */
export function wasmInstancesStarted(): number {
  return instancesStarted;
}

/** A fresh DuckDB-WASM instance that uses the durable runtime and the process's compiled module. */
async function instantiate(): Promise<DuckDBBindings> {
  instancesStarted++;
  const path = duckDbWasmFile("duckdb-eh.wasm");
  // Compiling takes longest: it starts first, and runs while the bindings are made.
  const compiled = compile(path);
  if (!(await getPlatformFeatures()).wasmExceptions) {
    throw new Error("Cannot run DuckDB-WASM: WebAssembly exception handling is not available");
  }
  // With wasm exceptions available the `eh` bundle is chosen; `mvp` is required by the type only.
  const bundle = { mainModule: path, mainWorker: "" };
  const bindings = await createDuckDB(
    { mvp: bundle, eh: bundle },
    new VoidLogger(),
    DURABLE_RUNTIME,
  );
  const failure = Promise.withResolvers<never>();
  // Replaces the bindings' hook, which reads and compiles the wasm file for every instance.
  const instantiateWasm: InstantiateWasm = (imports, success) => {
    (globalThis as { DUCKDB_RUNTIME?: unknown }).DUCKDB_RUNTIME = DURABLE_RUNTIME;
    compiled
      .then(async (module) => success(await WebAssembly.instantiate(module, imports), module))
      .catch(failure.reject);
    return [];
  };
  Object.assign(bindings, { instantiateWasm });
  await Promise.race([bindings.instantiate(), failure.promise]);
  return bindings;
}

/** Splits SQL at the semicolons that end statements (not those inside strings or comments). */
function splitStatements(bindings: DuckDBBindings, sql: string): string[] {
  if (!sql.includes(";")) return [sql];
  const bytes = new TextEncoder().encode(sql);
  const { offsets, types } = bindings.tokenize(sql);
  const decoder = new TextDecoder();
  const statements: string[] = [];
  let start = 0;
  let tokens = 0;
  for (let i = 0; i < offsets.length; i++) {
    if (types[i] === TokenType.COMMENT) continue;
    if (types[i] === TokenType.OPERATOR && bytes[offsets[i]] === 0x3b) {
      if (tokens > 0) statements.push(decoder.decode(bytes.subarray(start, offsets[i])));
      start = offsets[i] + 1;
      tokens = 0;
    } else {
      tokens++;
    }
  }
  if (tokens > 0) statements.push(decoder.decode(bytes.subarray(start)));
  return statements.length > 0 ? statements : [sql];
}

/** The wasm module of `bindings` (public on their class, missing from their interface). */
function moduleOf(bindings: DuckDBBindings): object {
  return (bindings as unknown as { mod: object }).mod;
}

/**
 * Keeps the instance of a closed database as the spare for the next open, when there is none:
 * starting an instance costs most of a second, so a run (which opens its destination to sync
 * state, then again to load) starts one only. Its wasm memory stays with it.
 */
function recycle(bindings: DuckDBBindings): void {
  if (spareInstance !== undefined) {
    forget(bindings);
    return;
  }
  forgetInstanceFiles(moduleOf(bindings));
  spareInstance = Promise.resolve(bindings);
}

/** Lets an instance's memory go: its bindings register themselves globally. */
function forget(bindings: DuckDBBindings): void {
  const global = globalThis as { DUCKDB_BINDINGS?: unknown };
  if (global.DUCKDB_BINDINGS === bindings) delete global.DUCKDB_BINDINGS;
}

/** DuckDB's messages about a damaged database file or write-ahead log. */
const DAMAGED =
  /Corrupt database file|Corrupt WAL file|Failure while replaying WAL|Failed to deserialize|database has been invalidated|file was cut short/;

class WasmDatabase implements DuckDbWasmDatabase {
  readonly path: string;
  #bindings: DuckDBBindings;
  #connection: DuckDBConnection | undefined;
  #lock: FileLock | undefined;
  /** The journal of the file's metadata blocks (none for a database in memory). */
  #journal: MetadataJournal | undefined;
  /** What the instance's database was opened for (none for a database in memory). */
  #openedFor: OpenedFor | undefined;
  /** Whether the last statement was a {@linkcode WasmDatabase.checkpoint} that succeeded. */
  #checkpointed = false;

  constructor(
    path: string,
    bindings: DuckDBBindings,
    connection: DuckDBConnection,
    lock: FileLock | undefined,
    file?: { journal: MetadataJournal; openedFor: OpenedFor },
  ) {
    this.path = path;
    this.#bindings = bindings;
    this.#connection = connection;
    this.#lock = lock;
    this.#journal = file?.journal;
    this.#openedFor = file?.openedFor;
  }

  /**
   * Runs `action`, naming the file in DuckDB's errors about damage (they name only offsets).
   * Afterwards drops the files DuckDB-WASM keeps open after reading them (see
   * `hasDanglingFiles` of `_runtime.ts`).
   */
  #named<T>(action: () => T): T {
    try {
      return action();
    } catch (error) {
      const message = (error as Error).message;
      if (!DAMAGED.test(message)) throw error;
      throw new DestinationError(`DuckDB database "${this.path}" is damaged: ${message}`, {
        cause: error,
      });
    } finally {
      if (hasDanglingFiles(moduleOf(this.#bindings))) this.#bindings.dropFiles();
    }
  }

  /**
   * The connection, once the journal of the file's metadata blocks (`_metadata_journal.ts`) is
   * up to date: a checkpoint (or the open) that changed the file's headers has it written before
   * a statement that could start the next checkpoint. A connection whose transaction failed
   * cannot list the blocks until it is rolled back: the journal is written at the next call.
   */
  #open(): DuckDBConnection {
    const connection = this.#connection;
    if (connection === undefined) {
      throw new Error(`Database "${this.path}" is closed`);
    }
    const journal = this.#journal;
    if (journal?.stale()) {
      let ids: number[] | undefined;
      try {
        const listed = connection.query(metadataBlocksQuery(catalogName(this.path)));
        ids = [...listed.getChildAt(0) ?? []].map(Number);
      } catch {
        // written at the next call
      }
      if (ids !== undefined) journal.write(ids);
    }
    return connection;
  }

  queryArrow(sql: string, params?: readonly BoundParameter[]): Table {
    const connection = this.#open();
    this.#checkpointed = false;
    if (params !== undefined && params.length > 0) {
      return this.#named(() => {
        const statement = connection.prepare(sql);
        try {
          return statement.query(...params);
        } finally {
          statement.close();
        }
      });
    }
    const statements = splitStatements(this.#bindings, sql);
    return this.#named(() => {
      for (const statement of statements.slice(0, -1)) connection.query(statement);
      return connection.query(statements[statements.length - 1]);
    });
  }

  query<T = Record<string, unknown>>(sql: string, params?: readonly BoundParameter[]): T[] {
    return arrowRows<T>(this.queryArrow(sql, params));
  }

  run(sql: string, params?: readonly BoundParameter[]): void {
    if (params !== undefined && params.length > 0) {
      this.queryArrow(sql, params);
      return;
    }
    const connection = this.#open();
    this.#checkpointed = false;
    this.#named(() => connection.query(sql));
  }

  checkpoint(): void {
    this.run("CHECKPOINT");
    this.#checkpointed = true;
  }

  forgoReuse(): void {
    // without it, closing resets the instance (see `#shutDown`)
    this.#openedFor = undefined;
  }

  close(): Promise<void> {
    const connection = this.#connection;
    if (connection === undefined) return Promise.resolve();
    let clean = false;
    try {
      // right after one, a CHECKPOINT writes nothing, and its journal (written first) is not needed
      if (!this.#checkpointed) this.checkpoint();
      clean = true;
    } finally {
      this.#connection = undefined;
      this.#shutDown(connection, clean);
    }
    return Promise.resolve();
  }

  /**
   * Closes `connection` and the file: detached, with the instance's database kept for the next
   * open of the file (see {@linkcode keepDatabase}), or by resetting the instance. Keeps the
   * instance for the next open when all went well (one that failed, by a trap or out of memory,
   * is not used again); releases the lock whatever happens: only then may another process have
   * the file.
   */
  #shutDown(connection: DuckDBConnection, clean: boolean): void {
    let reset = false;
    try {
      const openedFor = this.#openedFor;
      if (clean && openedFor !== undefined) {
        // closes the connection either way
        if (!keepDatabase(this.#bindings, connection, openedFor)) this.#bindings.reset();
      } else {
        connection.close();
        this.#bindings.reset();
      }
      reset = true;
    } finally {
      if (clean && reset) recycle(this.#bindings);
      else forget(this.#bindings);
      this.#journal?.close(clean && reset);
      this.#lock?.release();
    }
  }
}

/** What an instance's in-memory database was opened for: a file, with its settings. */
interface OpenedFor {
  path: string;
  memoryLimit: string | undefined;
  /** The instance's settings as the open made them. */
  settings: Map<string, string>;
}

/**
 * Instances whose in-memory database stayed open when their file was detached, with what it was
 * opened for: the next open of the same file attaches it again instead of starting a database
 * (which registers DuckDB's thousands of functions, ~40 ms). Another file needs a new database:
 * with external access off (see {@linkcode configure}) DuckDB refuses to change its temporary
 * directory, which is the file's own.
 */
const keptDatabases = new WeakMap<DuckDBBindings, OpenedFor>();

/** The memory limit under both its names: what an open set is set again for the next one. */
const MEMORY_LIMIT_SETTINGS = new Set(["memory_limit", "max_memory"]);

/**
 * Detaches the file of `connection` and closes the connection (whatever happens), keeping the
 * instance's database for the next open of the file when the open left nothing behind in it (a
 * setting, a secret, another attached database, a file still open: SQL run through the SQL
 * client, or sorts that spilled). Returns whether it kept it; if not, the caller resets the
 * instance, which closes the file if it is still attached.
 */
function keepDatabase(
  bindings: DuckDBBindings,
  connection: DuckDBConnection,
  openedFor: OpenedFor,
): boolean {
  try {
    connection.query(`USE ${IN_MEMORY_CATALOG}`);
    connection.query(`DETACH ${quoteIdentifier(catalogName(openedFor.path))}`);
  } catch {
    return false;
  } finally {
    connection.close();
  }
  try {
    bindings.dropFiles();
    // resetting removes the temporary directory sorts spilled to
    if (openFileCount(moduleOf(bindings)) !== 0 || fs.existsSync(openedFor.path + TEMP_SUFFIX)) {
      return false;
    }
    const probe = bindings.connect();
    try {
      if (Number(probe.query(LEFT_BEHIND_QUERY).getChildAt(0)?.get(0)) !== 0) return false;
      const now = allSettings(probe);
      if (!sameSettings(openedFor.settings, now, MEMORY_LIMIT_SETTINGS)) return false;
      // a load raises the limit for wide tables (`fitMemory` of `_shared_database.ts`)
      const limit = openedFor.settings.get("memory_limit");
      if (limit !== undefined && now.get("memory_limit") !== limit) {
        probe.query(`SET memory_limit = ${quoteLiteral(limit)}`);
      }
    } finally {
      probe.close();
    }
  } catch {
    return false;
  }
  keptDatabases.set(bindings, openedFor);
  return true;
}

/** Every setting of the instance of `connection`, by name. */
function allSettings(connection: DuckDBConnection): Map<string, string> {
  const table = connection.query(SETTINGS_QUERY);
  const names = [...table.getChild("name") ?? []];
  const values = [...table.getChild("value") ?? []];
  return new Map(names.map((name, i) => [String(name), String(values[i])]));
}

/**
 * Opens an in-memory database in `bindings` with extensions kept from loading: loading one
 * fetches it in a worker thread, which hangs or kills the process without network (attaching an
 * SQLite file would load the sqlite extension).
 */
function openInstance(bindings: DuckDBBindings): DuckDBConnection {
  // a database kept for a file (see `keptDatabases`) that this open does not reuse
  if (keptDatabases.delete(bindings)) bindings.reset();
  databasesStarted++;
  bindings.open({
    path: IN_MEMORY,
    accessMode: DuckDBAccessMode.READ_WRITE,
    maximumThreads: 1,
    useDirectIO: true,
  });
  const connection = bindings.connect();
  connection.query("SET autoinstall_known_extensions = false");
  connection.query("SET autoload_known_extensions = false");
  // it served the old bytes of a job file written again under its name (see `_native_instances.ts`)
  connection.query("SET enable_external_file_cache = false");
  return connection;
}

/** Settings of every database: limits, and no access to anything but absolute file paths. */
function configure(
  connection: DuckDBConnection,
  memoryLimit: string | undefined,
  tempDirectory: string | undefined,
): void {
  // The autoload settings alone do not keep extensions from loading (`date_trunc` on a
  // TIMESTAMPTZ still loads ICU); disabling external access does, and the allowed prefix "/"
  // keeps absolute paths usable. Relative paths are refused.
  connection.query("SET allowed_directories = ['/']");
  // DuckDB-WASM disables spilling by default.
  if (tempDirectory !== undefined) {
    connection.query(`SET temp_directory = ${quoteLiteral(tempDirectory)}`);
    // No cap: the default, 90% of the free disk space, comes from emscripten's made-up file
    // system figures (1.7 GiB), and DuckDB's count of the space used can still wrap below zero
    // within one statement (see `hasDanglingFiles` of `_runtime.ts`), which would refuse every
    // spill from then on. A full disk still fails the write.
    connection.query("SET max_temp_directory_size = '-1'");
  }
  if (memoryLimit !== undefined) {
    connection.query(`SET memory_limit = ${quoteLiteral(memoryLimit)}`);
  }
  // FSST string compression took a third of the time of loading the GitHub events and saved 2%
  // of the file next to dictionary compression; what is written without it stays readable.
  connection.query("SET disabled_compression_methods = 'fsst'");
  connection.query("SET enable_external_access = false");
}

/**
 * Opens `path` in `bindings` the way the durable runtime needs it: attached to an in-memory
 * database, so that storage options apply (see `attachStatements`), and made the default catalog.
 * The database the instance kept from the last open of `path` is used again, with this open's
 * memory limit (see {@linkcode keptDatabases}); one kept from another file is reset by
 * {@linkcode openInstance}.
 */
function openFile(
  bindings: DuckDBBindings,
  path: string,
  create: boolean,
  memoryLimit?: string,
): { connection: DuckDBConnection; openedFor: OpenedFor } {
  const kept = keptDatabases.get(bindings);
  const reused = kept?.path === path ? kept : undefined;
  if (reused !== undefined) keptDatabases.delete(bindings);
  const connection = reused === undefined ? openInstance(bindings) : bindings.connect();
  for (const statement of attachStatements(path, create)) connection.query(statement);
  // Releases the read-only handle the page buffer keeps from replaying the log.
  bindings.dropFiles();
  if (reused === undefined) {
    configure(connection, memoryLimit, path + TEMP_SUFFIX);
  } else if (memoryLimit === reused.memoryLimit) {
    return { connection, openedFor: reused };
  } else {
    connection.query(
      memoryLimit === undefined
        ? "RESET memory_limit"
        : `SET memory_limit = ${quoteLiteral(memoryLimit)}`,
    );
  }
  return { connection, openedFor: { path, memoryLimit, settings: allSettings(connection) } };
}

/** Size of the replayed, not yet checkpointed write-ahead log, as DuckDB formats it. */
function pendingLog(connection: DuckDBConnection): string {
  const table = connection.query(
    "SELECT wal_size FROM pragma_database_size() WHERE database_name = current_database()",
  );
  return String(table.getChildAt(0)?.get(0));
}

/**
 * Copies the database with its replayed log into a fresh file of the same block size and storage
 * format, and swaps it in. DuckDB-WASM cannot append to the replayed log, so the database could
 * take no further commit otherwise.
 */
function rebuild(bindings: DuckDBBindings, connection: DuckDBConnection, path: string): void {
  const target = path + REBUILD_SUFFIX;
  const database = String(connection.query("SELECT current_database()").getChildAt(0)?.get(0));
  const layout = connection.query(
    "SELECT block_size, tags['storage_version'] AS storage_version " +
      "FROM pragma_database_size() JOIN duckdb_databases() USING (database_name) " +
      "WHERE database_name = current_database()",
  );
  const blockSize = Number(layout.getChild("block_size")?.get(0));
  // the lowest DuckDB version that reads the file, as "v1.3.0+"
  const storageVersion = String(layout.getChild("storage_version")?.get(0)).replace(/\+$/, "");
  // with the destination's row groups, as every attach: DuckDB's default (122,880 rows) would
  // build each row group of a wide table in fifteen times the memory
  connection.query(attachStatement(target, REBUILD_ALIAS, { blockSize, storageVersion }));
  connection.query(`COPY FROM DATABASE ${quoteIdentifier(database)} TO ${REBUILD_ALIAS}`);
  connection.query(`CHECKPOINT ${REBUILD_ALIAS}`);
  connection.query(`DETACH ${REBUILD_ALIAS}`);
  // Closing must not try to checkpoint into the replayed log.
  connection.query("PRAGMA disable_checkpoint_on_shutdown");
  connection.close();
  bindings.reset();
  fs.rmSync(target + WAL_SUFFIX, { force: true });
  fs.renameSync(target, path + REBUILT_SUFFIX);
  fsyncDirectory(path);
  recoverRebuild(path);
}

/**
 * Opens (creating if needed) a durable DuckDB-WASM database file, or a database in memory when
 * `path` is {@linkcode IN_MEMORY}.
 *
 * A file is opened by one process at a time: the lock (`_file_lock.ts`) is taken before anything
 * else and held until {@linkcode DuckDbWasmDatabase.close}. The file's headers are checked before
 * DuckDB sees it (`_file_check.ts`): a damaged file is a `DestinationError` naming it, and is left
 * as it is, with its log and temporary files. Metadata blocks that a checkpoint cut short was
 * rewriting are put back first (`_metadata_journal.ts`). An empty file is a new database. A
 * write-ahead log left by a process that died after a commit is replayed and the database rebuilt
 * into a fresh file (about 3 s per million rows, twice the disk space meanwhile); a log that was
 * already checkpointed is deleted; a log that is not DuckDB's is moved aside, and one whose end
 * holds a transaction that never committed is cut after its last commit, each with a warning.
 *
 * @param path Path of the database file, or {@linkcode IN_MEMORY}.
 * @param options Memory limit, threads and lock timeout.
 * @returns The open database; close it with {@linkcode DuckDbWasmDatabase.close}.
 */
export async function openDuckDbWasm(
  path: string,
  options: OpenDuckDbWasmOptions = {},
): Promise<DuckDbWasmDatabase> {
  const { memoryLimit, threads = 1, lockTimeoutMs = 60_000 } = options;
  if (threads !== 1) {
    throw new RangeError(`Cannot use ${threads} threads: the DuckDB-WASM eh build has none`);
  }
  if (path === IN_MEMORY) {
    const bindings = await takeInstance();
    const connection = openInstance(bindings);
    configure(connection, memoryLimit, undefined);
    return new WasmDatabase(IN_MEMORY, bindings, connection, undefined);
  }
  const absolute = nodePath.resolve(path);
  checkDatabaseFolder(absolute);
  const lock = await cannotOpen(absolute, () => lockDatabase(absolute, lockTimeoutMs));
  try {
    return await cannotOpen(absolute, () => openLocked(absolute, lock, memoryLimit));
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** Opens the file `path`, whose lock this process holds. */
async function openLocked(
  path: string,
  lock: FileLock,
  memoryLimit: string | undefined,
): Promise<DuckDbWasmDatabase> {
  recoverRebuild(path);
  restoreMetadata(path);
  const state = checkDatabaseFile(path);
  reviewLog(path, state === "database");
  // Spilled data left by a process that died; the wasm side cannot list it to clean it up.
  fs.rmSync(path + TEMP_SUFFIX, { recursive: true, force: true });
  // DuckDB replays only a log with something in it (the lock keeps others from writing one now);
  // without one, the query for what was replayed is not needed
  const replays = (fs.statSync(path + WAL_SUFFIX, { throwIfNoEntry: false })?.size ?? 0) > 0;
  const bindings = await takeInstance();
  try {
    let opened = openFile(bindings, path, state !== "database", memoryLimit);
    if (replays && pendingLog(opened.connection) !== "0 bytes") {
      rebuild(bindings, opened.connection, path);
      opened = openFile(bindings, path, false, memoryLimit);
    } else {
      fs.rmSync(path + WAL_SUFFIX, { force: true });
    }
    const { connection, openedFor } = opened;
    const journal = new MetadataJournal(path);
    return new WasmDatabase(path, bindings, connection, lock, { journal, openedFor });
  } catch (error) {
    try {
      bindings.reset();
    } catch {
      // the instance is dropped either way; the error that matters is the first
    }
    forget(bindings);
    throw error;
  }
}

/** `db` as a {@linkcode DuckDbDriver}: its synchronous calls, as promises. */
export function wasmDriver(db: DuckDbWasmDatabase): DuckDbDriver {
  const call = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return {
    path: db.path,
    engine: "wasm",
    queryArrow: (sql, params) => call(() => db.queryArrow(sql, params)),
    query: <T>(sql: string, params?: readonly BoundParameter[]) =>
      call(() => db.query<T>(sql, params)),
    run: (sql, params) => call(() => db.run(sql, params)),
    checkpoint: () => call(() => db.checkpoint()),
    forgoReuse: () => db.forgoReuse(),
    // a failed checkpoint of `close` rejects, as the other calls do, rather than throwing
    close: async () => await db.close(),
  };
}
