/**
 * Databases opened once per process and shared by every client of them. Two DuckDB-WASM
 * instances on one file would each overwrite the other's commits, so every client of a file in
 * this process shares one database (and its one connection), which holds the file's lock
 * against other processes while it is open. Clients take turns on the connection through
 * {@linkcode SharedDatabase.exclusive}: a transaction never sees another client's statements.
 *
 * @module
 */
import type { DuckDbDriver, DuckDbDriverEngine } from "./_driver.ts";
import { IN_MEMORY } from "./_database_file.ts";
import type { DuckDbLocation } from "./_location.ts";
import { importNativeDatabase } from "./_native_module.ts";
import { TimestampFunctions } from "./_timestamp_functions.ts";
import { DestinationError } from "../../lib/errors.ts";
import {
  applyDuckDbSettings,
  type DuckDbOpenSettings,
  hasSettings,
  NO_SETTINGS,
  settingsKey,
} from "./_credentials.ts";
import { log } from "../../lib/log.ts";

/** Default memory limit of DuckDB-WASM, in MB. */
const BASE_MEMORY_MB = 192;
/** Memory DuckDB needs per column a load statement touches (reader, casts, local storage), in KB. */
const MEMORY_PER_COLUMN_KB = 384;

/** How a shared database is opened. */
export interface SharedDatabaseOptions {
  /**
   * What the credentials have each open apply (extensions, global config, pragmas, local config).
   * @default {none}
   */
  settings?: DuckDbOpenSettings;
  /** DuckDB's memory limit; without it, the WASM engine's follows the width of what is loaded. */
  memoryLimit: string | undefined;
  /** How long to wait for another process holding the file. */
  lockTimeoutMs: number | undefined;
  /** Which driver opens it. */
  engine: DuckDbDriverEngine;
  /** The engine was picked by `"auto"`: when native DuckDB does not load, WASM opens it. */
  auto?: boolean;
}

/** A database opened once per process and shared by every client of it. */
export class SharedDatabase {
  /** Its key among the open databases: the file's path, or its destination's memory key. */
  readonly key: string;
  /** The driver. */
  readonly driver: DuckDbDriver;
  /** The date and time macros of the connection (DuckDB-WASM has no ICU), if it needs them. */
  readonly timestampFunctions: TimestampFunctions | undefined;
  /** Kept open when its last client closes: an in-memory database lives with its destination. */
  readonly keepOpen: boolean;
  #autoMemory: boolean;
  #memoryMb = BASE_MEMORY_MB;
  #turn: Promise<void> = Promise.resolve();
  /** Callers that have a turn or wait for one. */
  #callers = 0;
  /** What the caller whose turn it is would do to end it sooner when another waits. */
  #giveWay: (() => void) | undefined;

  /** Wraps an open `driver`; use {@linkcode acquireDatabase}. */
  constructor(
    key: string,
    driver: DuckDbDriver,
    options: { keepOpen: boolean; autoMemory: boolean; timestampFunctions?: TimestampFunctions },
  ) {
    this.key = key;
    this.driver = driver;
    this.keepOpen = options.keepOpen;
    this.#autoMemory = options.autoMemory;
    this.timestampFunctions = options.timestampFunctions;
  }

  /**
   * Runs `fn` when no other caller's `fn` runs: the connection is its alone meanwhile.
   * `giveWay` is called, once, when another caller waits for its turn while `fn` runs (also
   * when it queued before `fn` began).
   */
  exclusive<T>(fn: () => Promise<T>, giveWay?: () => void): Promise<T> {
    this.#callers++;
    this.#wakeGiveWay();
    const result = this.#turn.then(async () => {
      this.#giveWay = giveWay;
      // callers queued behind this one before its turn came
      if (this.#callers > 1) this.#wakeGiveWay();
      try {
        return await fn();
      } finally {
        this.#giveWay = undefined;
      }
    });
    this.#turn = result.then(() => {}, () => {}).finally(() => this.#callers--);
    return result;
  }

  /** Tells the caller whose turn it is that another waits, once. */
  #wakeGiveWay(): void {
    const giveWay = this.#giveWay;
    this.#giveWay = undefined;
    try {
      giveWay?.();
    } catch {
      // its turn goes on: the waiting caller waits for it
    }
  }

  /** Raises the memory limit to what loading `columns` columns needs (never lowers it). */
  async fitMemory(columns: number): Promise<void> {
    if (!this.#autoMemory) return;
    const needed = BASE_MEMORY_MB + Math.ceil(columns * MEMORY_PER_COLUMN_KB / 1024);
    if (needed <= this.#memoryMb) return;
    await this.driver.run(`SET memory_limit = '${needed}MB'`);
    this.#memoryMb = needed;
  }
}

/** Open databases by key, with the number of clients using each. */
const openDatabases = new Map<
  string,
  { shared: Promise<SharedDatabase>; refs: number; settings: string }
>();

/** Whether the database `key` is open in this process. */
export function isDatabaseOpen(key: string): boolean {
  return openDatabases.has(key);
}

/** The database `key` at `location`, opened unless it is open; release it with {@linkcode releaseDatabase}. */
export async function acquireDatabase(
  key: string,
  location: DuckDbLocation,
  options: SharedDatabaseOptions,
): Promise<SharedDatabase> {
  const settings = settingsKey(options.settings ?? NO_SETTINGS);
  let entry = openDatabases.get(key);
  if (entry === undefined) {
    entry = { shared: openDatabase(key, location, options), refs: 0, settings };
    openDatabases.set(key, entry);
  } else if (entry.settings !== settings) {
    // one connection serves every client: its settings cannot be two clients' at once
    throw new DestinationError(
      location.kind === "memory"
        ? "The DuckDB database in memory of this destination was opened with other extensions, global or local config or pragmas in its credentials; give its clients the same credentials"
        : `The DuckDB database "${location.path}" is open in this process with other extensions, global or local config or pragmas in its credentials; close the other pipeline's clients (or give both the same credentials) first`,
    );
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

/** Opens the database at `location` with the engine `options` name. */
async function openDatabase(
  key: string,
  location: DuckDbLocation,
  options: SharedDatabaseOptions,
): Promise<SharedDatabase> {
  const { memoryLimit, lockTimeoutMs, engine, auto = false } = options;
  const path = location.kind === "memory" ? IN_MEMORY : location.path;
  const keepOpen = location.kind === "memory";
  const native = engine === "native" ? await importNative(auto) : undefined;
  if (native !== undefined) {
    const driver = await native.openNativeDuckDb(path, { memoryLimit, lockTimeoutMs });
    await withSettings(driver, options.settings);
    return new SharedDatabase(key, driver, { keepOpen, autoMemory: false });
  }
  // DuckDB-WASM's module (its bundle alone takes 0.1 s to load) only where it is used
  const { openDuckDbWasm, wasmDriver } = await import("./_database.ts");
  const db = await openDuckDbWasm(path, {
    memoryLimit: memoryLimit ?? `${BASE_MEMORY_MB}MB`,
    lockTimeoutMs,
  });
  const driver = wasmDriver(db);
  await withSettings(driver, options.settings);
  return new SharedDatabase(key, driver, {
    keepOpen,
    autoMemory: memoryLimit === undefined,
    timestampFunctions: new TimestampFunctions(db),
  });
}

/**
 * Applies the credentials' `settings` to a database just opened; the instance under it is then
 * not kept for another open (a loaded extension or a setting would carry over). A setting DuckDB
 * refuses closes the database and fails the open.
 */
async function withSettings(
  driver: DuckDbDriver,
  settings: DuckDbOpenSettings | undefined,
): Promise<void> {
  if (settings === undefined || !hasSettings(settings)) return;
  driver.forgoReuse();
  try {
    await applyDuckDbSettings(driver, settings);
  } catch (error) {
    await driver.close().catch(() => {});
    throw error;
  }
}

/**
 * The native driver's module, imported only when used (WASM users never load the addon);
 * without FFI permission, a `DestinationError` that says how to run. When the engine was picked
 * by `"auto"` and the module does not load (no native DuckDB for this platform), `undefined`
 * after a warning: DuckDB-WASM is used.
 */
async function importNative(
  auto: boolean,
): Promise<typeof import("./_native_database.ts") | undefined> {
  try {
    return await importNativeDatabase();
  } catch (error) {
    if (auto) {
      log.warn(
        `Native DuckDB does not load here (${
          (error as Error).message
        }); the duckdb destination uses DuckDB-WASM. Set engine "wasm" (duckdb({ engine: "wasm" }) or DESTINATION__DUCKDB__ENGINE=wasm) to choose it`,
      );
      return undefined;
    }
    if (
      !(error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied)
    ) {
      throw error;
    }
    throw new DestinationError(
      'duckdb({ engine: "native" }) loads native DuckDB, which needs FFI: run Deno with --allow-ffi, or use engine "wasm" (or "auto", the default, which picks WASM without FFI)',
      { cause: error },
    );
  }
}

/** Gives back a database from {@linkcode acquireDatabase}; the last client closes it. */
export async function releaseDatabase(shared: SharedDatabase): Promise<void> {
  const entry = openDatabases.get(shared.key);
  if (entry === undefined || --entry.refs > 0 || shared.keepOpen) return;
  openDatabases.delete(shared.key);
  await shared.exclusive(() => shared.driver.close());
}
