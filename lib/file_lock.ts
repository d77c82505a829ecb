/**
 * Exclusive file locks between runs and processes: an `flock` (`Deno.FsFile.tryLock`) on a lock
 * file that records its holder's pid and since when, for the error of whoever gives up waiting.
 * The pipeline (one run at a time) and the DuckDB destination (one process per database file)
 * both lock this way.
 *
 * `flock` locks belong to an open file, not to a process: two handles in one process exclude
 * each other too, and the kernel releases a lock when its holder exits, even by SIGKILL, so a lock
 * left by a killed process is taken over at once (a lock file with a holder in it, found by the
 * next one, tells of such a process). The holder deletes the lock file before it unlocks; one that
 * locked a file deleted meanwhile sees that the path no longer leads to its file and locks anew,
 * so two never both hold "the" lock.
 *
 * @module
 */
import { log } from "./log.ts";

/** The process that holds (or held) a lock. */
export interface LockHolder {
  /** Its process id. */
  pid: number;
  /** When it took the lock (ISO). */
  since: string;
}

/** A held lock; {@linkcode FileLock.release} (or `using`) deletes its file and unlocks it. */
export interface FileLock extends Disposable, AsyncDisposable {
  /** The lock file. */
  readonly path: string;
  /** Deletes the lock file and unlocks it; does nothing the second time. */
  release(): void;
}

/** Options of {@linkcode acquireFileLock}. */
export interface FileLockOptions {
  /** How long to wait for the holder, in milliseconds. */
  timeoutMs: number;
  /** What is locked, for log messages: `pipeline "p"`, `DuckDB database "/x.duckdb"`. */
  subject: string;
  /** The error to throw when the time is up; `holder` is who holds it, when that can be read. */
  timeoutError(holder: LockHolder | undefined): Error;
  /** Stops waiting. */
  signal?: AbortSignal;
}

/** Longest pause between two attempts to take the lock, in milliseconds. */
const MAX_POLL_MS = 100;

/**
 * Takes the exclusive lock of file `path` (created when missing; its folder must exist), waiting
 * up to `options.timeoutMs` for its holder, then throwing `options.timeoutError(holder)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { acquireFileLock } from "./file_lock.ts";
 * const dir = await Deno.makeTempDir();
 * const options = { subject: "demo", timeoutError: () => new Error("busy") };
 * const lock = await acquireFileLock(`${dir}/demo.lock`, { ...options, timeoutMs: 1000 });
 * await assert.rejects(acquireFileLock(`${dir}/demo.lock`, { ...options, timeoutMs: 50 }), /busy/);
 * lock.release();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function acquireFileLock(path: string, options: FileLockOptions): Promise<FileLock> {
  const deadline = performance.now() + options.timeoutMs;
  let pause = 5;
  let waiting = false;
  while (true) {
    options.signal?.throwIfAborted();
    const file = Deno.openSync(path, { read: true, write: true, create: true });
    try {
      if (file.tryLockSync(true) && isAt(file, path)) return takeOver(path, file, options);
    } catch (error) {
      file.close();
      throw error;
    }
    file.close();
    const left = deadline - performance.now();
    if (left <= 0) throw options.timeoutError(readHolder(path));
    if (!waiting) {
      waiting = true;
      log.info(`Waiting for ${describeHolder(readHolder(path))} to release ${options.subject}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    pause = Math.min(pause * 2, MAX_POLL_MS);
  }
}

/** `holder` in a message: `process 42`, `this process (pid 42)`, or `another process`. */
export function describeHolder(holder: LockHolder | undefined): string {
  if (holder === undefined) return "another process";
  return holder.pid === Deno.pid ? `this process (pid ${holder.pid})` : `process ${holder.pid}`;
}

/** Records this process as the holder of the locked `file`; a holder found there had died. */
function takeOver(path: string, file: Deno.FsFile, options: FileLockOptions): FileLock {
  try {
    const previous = readHolder(path);
    if (previous !== undefined) {
      log.info(
        `Taking over ${options.subject} from ${
          describeHolder(previous)
        } (since ${previous.since}), which ended without releasing it`,
      );
    }
    const holder: LockHolder = { pid: Deno.pid, since: new Date().toISOString() };
    file.truncateSync(0);
    file.writeSync(new TextEncoder().encode(JSON.stringify(holder) + "\n"));
  } catch (error) {
    file.close();
    throw error;
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    try {
      Deno.removeSync(path);
    } finally {
      file.close(); // unlocks
    }
  };
  return {
    path,
    release,
    [Symbol.dispose]: release,
    [Symbol.asyncDispose]: () => Promise.resolve(release()),
  };
}

/** Whether `path` still leads to the open `file` (the holder before may have deleted it). */
function isAt(file: Deno.FsFile, path: string): boolean {
  try {
    const here = Deno.statSync(path);
    const open = file.statSync();
    return here.ino === open.ino && here.dev === open.dev;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The holder written in the lock file; `undefined` when it is empty, gone or being written. */
function readHolder(path: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(Deno.readTextFileSync(path));
    return Number.isInteger(holder?.pid) && typeof holder.since === "string" ? holder : undefined;
  } catch {
    return undefined;
  }
}
