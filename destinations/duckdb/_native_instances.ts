/**
 * Native DuckDB instances kept between the opens of a process: closing a database file detaches
 * it and keeps its instance for the next open, which attaches its own file to it.
 *
 * Starting an instance costs more than its ~12 ms: DuckDB starts its threads with a
 * `malloc_trim(0)`, which hands every free page of the whole process's heap back to the system,
 * to be faulted in again at ~10 µs a page on a virtual machine. Small runs in one process took
 * 20–30% less with no instance started per open, and the test suite, whose process opens
 * thousands of files, a quarter less CPU.
 *
 * An instance runs on one thread, the caller's: DuckDB's own threads trim the heap the same way
 * whenever one of them has idled for half a second after a statement woke it, and an instance
 * with none starts without a trim. In four pairs of alternating runs, the test suite took 30 s
 * less CPU on average (one pair even). A copy of a large job file of a narrow table gets more
 * threads for its time (`_connection.ts`).
 *
 * A kept instance carries nothing of a file from one open to the next: its file is detached, each
 * open has a connection of its own (whose temporary tables, views and macros and session settings
 * go with it), the instance settings an open makes are made again by the next one
 * ({@linkcode configureSession}), and DuckDB's cache of file contents is off (it served the old
 * bytes of a job file written again under its name). An instance is closed instead when an open
 * left something of the instance's behind (SQL run through the SQL client: another global
 * setting, a secret, another attached database), or used its temporary directory (closing removes
 * it).
 *
 * @module
 */
import * as fs from "node:fs";
import { type DuckDBConnection, DuckDBInstance } from "../../lib/deps/duckdb_node.ts";
import { quoteIdentifier, quoteLiteral } from "../../lib/load/sql.ts";
import {
  IN_MEMORY,
  IN_MEMORY_CATALOG,
  LEFT_BEHIND_QUERY,
  sameSettings,
  SETTINGS_QUERY,
} from "./_database_file.ts";

/** An instance and its connection, with the instance settings as it started. */
export interface NativeSession {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  /** The instance's `threads` (one) and DuckDB's own `memory_limit`, as it shows them. */
  defaults: { threads: number; memoryLimit: string };
  /** Every setting as the instance started, by name (see {@linkcode endSession}). */
  baseline: Map<string, string>;
  /** The settings of the last open (see {@linkcode configureSession}). */
  settings: OpenSettings;
}

/**
 * The settings an open makes: the memory limit as last asked for, and as DuckDB then showed it
 * (rounded: after `SET memory_limit = '18.8 GiB'` it shows `18.7 GiB`).
 */
interface OpenSettings {
  threads: number;
  memoryLimit: string;
  memoryLimitShown: string;
  tempDirectory: string | undefined;
}

/** Instances kept at most: a process seldom has more than two files open at once. */
const MAX_KEPT = 2;

/** Instances whose files were detached, for the next opens. */
const kept: NativeSession[] = [];

/** Instances started in this process so far. */
let started = 0;

/** How many native DuckDB instances this process started. */
export function nativeInstancesStarted(): number {
  return started;
}

/** Threads or memory limits this process's opens set, each of which trimmed the heap. */
let limitsSet = 0;

/**
 * How many times this process's opens set DuckDB's threads or memory limit: each has DuckDB trim
 * the process's heap, so an open that asks for what the last one did sets neither.
 */
export function nativeLimitsSet(): number {
  return limitsSet;
}

/**
 * The options every instance starts with: one thread; no extension installed (that would go to
 * the network); no cache of file contents; and a checkpoint that keeps the metadata of the row
 * groups and tables it did not change (`experimental_metadata_reuse`, on by default from DuckDB
 * 1.5; 1.4.4 has every fix of it that 1.5 shipped with). Without it each checkpoint writes the
 * pointers and statistics of every row group of every table again, so a small run's checkpoint
 * took longer as the database grew: 70–250 ms against 5–30 ms after one row was added to a small
 * table, beside 100,000 GitHub events in 8,192-row groups of 596 columns.
 */
const INSTANCE_OPTIONS: Readonly<Record<string, string>> = {
  autoinstall_known_extensions: "false",
  enable_external_file_cache: "false",
  experimental_metadata_reuse: "true",
  threads: "1",
};

/** An instance for a new open: a kept one, or a new one with {@linkcode INSTANCE_OPTIONS}. */
export async function takeSession(): Promise<NativeSession> {
  return kept.pop() ?? await startSession();
}

/** A new instance with its connection. */
export async function startSession(): Promise<NativeSession> {
  const instance = await DuckDBInstance.create(IN_MEMORY, { ...INSTANCE_OPTIONS });
  started++;
  try {
    const connection = await instance.connect();
    const baseline = await allSettings(connection);
    await startConnection(connection);
    const settings = openSettings(baseline);
    const defaults = { threads: settings.threads, memoryLimit: settings.memoryLimit };
    return { instance, connection, defaults, baseline, settings };
  } catch (error) {
    instance.closeSync();
    throw error;
  }
}

/** Session settings of every connection: UTC as the time zone, as DuckDB-WASM (without ICU). */
async function startConnection(connection: DuckDBConnection): Promise<void> {
  await connection.run("SET TimeZone = 'UTC'");
}

/**
 * Makes an open's settings: its limits or the instance's defaults, and where sorts spill (`""`:
 * nowhere, as DuckDB-WASM's in-memory databases). Each is set only when it changes: setting the
 * threads or the memory limit has DuckDB trim the process's heap (see the module's comment).
 */
export async function configureSession(
  session: NativeSession,
  limits: { memoryLimit?: string; threads?: number },
  tempDirectory: string,
): Promise<void> {
  const { connection, defaults, settings } = session;
  if (tempDirectory !== settings.tempDirectory) {
    await connection.run(`SET temp_directory = ${quoteLiteral(tempDirectory)}`);
    settings.tempDirectory = tempDirectory;
  }
  const threads = limits.threads ?? defaults.threads;
  if (threads !== settings.threads) {
    await connection.run(`SET threads = ${threads}`);
    limitsSet++;
    settings.threads = threads;
  }
  const memoryLimit = limits.memoryLimit ?? defaults.memoryLimit;
  if (memoryLimit !== settings.memoryLimit) {
    await connection.run(`SET memory_limit = ${quoteLiteral(memoryLimit)}`);
    limitsSet++;
    settings.memoryLimit = memoryLimit;
    const reader = await connection.runAndReadAll("SELECT current_setting('memory_limit')");
    settings.memoryLimitShown = String(reader.getRows()[0][0]);
  }
}

/**
 * Detaches the file attached as `catalog` and keeps the instance, with a new connection, for the
 * next open; or closes it (when enough are kept, when the open left something behind or sorts
 * spilled to `tempDirectory`, or when it cannot detach).
 */
export async function endSession(
  session: NativeSession,
  catalog: string,
  tempDirectory: string,
): Promise<void> {
  if (kept.length < MAX_KEPT && !fs.existsSync(tempDirectory)) {
    try {
      await session.connection.run(`USE ${IN_MEMORY_CATALOG}; DETACH ${quoteIdentifier(catalog)}`);
      // the open's session goes with its connection
      session.connection.closeSync();
      session.connection = await session.instance.connect();
      const settings = await pristineSettings(session);
      if (settings !== undefined) {
        await startConnection(session.connection);
        // statements of the open may have changed them (a wide copy runs on one thread)
        session.settings = openSettings(settings, session.settings);
        kept.push(session);
        return;
      }
    } catch {
      // closed below, which detaches the file
    }
  }
  closeSession(session);
}

/** Settings an open makes itself (see {@linkcode configureSession}), under all their names. */
const OPEN_SETTINGS = new Set([
  "threads",
  "worker_threads",
  "memory_limit",
  "max_memory",
  "temp_directory",
]);

/**
 * Every setting of the instance, seen from a new connection, when it has no database attached, no
 * secret and no setting other than it started with, apart from the ones an open makes; else
 * `undefined`.
 */
async function pristineSettings(session: NativeSession): Promise<Map<string, string> | undefined> {
  const reader = await session.connection.runAndReadAll(LEFT_BEHIND_QUERY);
  if (Number(reader.getRows()[0][0]) !== 0) return undefined;
  const now = await allSettings(session.connection);
  return sameSettings(session.baseline, now, OPEN_SETTINGS) ? now : undefined;
}

/** Every setting of the connection, by name. */
async function allSettings(connection: DuckDBConnection): Promise<Map<string, string>> {
  const reader = await connection.runAndReadAll(SETTINGS_QUERY);
  return new Map(reader.getRows().map(([name, value]) => [String(name), String(value)]));
}

/** Closes the instance, and with it its file. */
export function closeSession(session: NativeSession): void {
  try {
    session.connection.closeSync();
  } finally {
    session.instance.closeSync();
  }
}

/**
 * The threads and memory limit among `settings` (as DuckDB shows them), with the temporary
 * directory last set. A memory limit shown as it was after the `last` open's settings stays as
 * that open asked for it, so that the next open asking the same does not set it again: setting
 * it has DuckDB trim the process's heap (see the module's comment).
 */
function openSettings(settings: Map<string, string>, last?: OpenSettings): OpenSettings {
  const shown = settings.get("memory_limit")!;
  return {
    threads: Number(settings.get("threads")),
    memoryLimit: shown === last?.memoryLimitShown ? last.memoryLimit : shown,
    memoryLimitShown: shown,
    tempDirectory: last?.tempDirectory,
  };
}
