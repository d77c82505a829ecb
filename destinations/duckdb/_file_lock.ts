/**
 * One writer per DuckDB file across processes: an exclusive `flock` on a sidecar
 * `<database>.lock` file (never on the database itself), which records the holder's pid for the
 * error a waiting process gives up with.
 *
 * `flock` locks belong to an open file: the kernel releases them when the holder exits, even by
 * SIGKILL, so a lock left by a killed process is taken over at once. Native DuckDB's own lock
 * (POSIX `fcntl`) neither sees nor blocks these. The holder deletes the lock file before it
 * unlocks; a process that locked a file deleted meanwhile sees that the path no longer leads to
 * its file and locks anew, so two processes never both hold "the" lock.
 *
 * @module
 */
import { DestinationError } from "../../lib/errors.ts";
import { log } from "../../lib/log.ts";

/** The suffix of the lock file next to a database file. */
export const LOCK_SUFFIX = ".lock";

/** A held lock on a database file. */
export interface DatabaseLock {
  /** The lock file. */
  readonly path: string;
  /** Deletes the lock file and unlocks it; does nothing the second time. */
  release(): void;
}

/** What a holder writes into the lock file. */
interface Holder {
  pid: number;
  since: string;
}

/** Longest pause between two attempts to take the lock, in milliseconds. */
const MAX_POLL_MS = 200;

/**
 * Takes the exclusive lock of `databasePath` (creating `<databasePath>.lock`), waiting at most
 * `timeoutMs` for the process that holds it. Throws a transient `DestinationError` naming the
 * file and the holder's pid when the time is up.
 */
export async function lockDatabase(
  databasePath: string,
  timeoutMs: number,
): Promise<DatabaseLock> {
  const path = databasePath + LOCK_SUFFIX;
  const deadline = performance.now() + timeoutMs;
  let pause = 10;
  let waiting = false;
  while (true) {
    const file = Deno.openSync(path, { read: true, write: true, create: true });
    let locked: boolean;
    try {
      locked = file.tryLockSync(true) && isAt(file, path);
    } catch (error) {
      file.close();
      throw error;
    }
    if (locked) {
      try {
        file.truncateSync(0);
        const holder: Holder = { pid: Deno.pid, since: new Date().toISOString() };
        file.writeSync(new TextEncoder().encode(JSON.stringify(holder) + "\n"));
      } catch (error) {
        file.close();
        throw error;
      }
      return heldLock(path, file);
    }
    file.close();
    const left = deadline - performance.now();
    if (left <= 0) throw lockTimeout(databasePath, path, timeoutMs);
    if (!waiting) {
      waiting = true;
      log.info(`Waiting for ${describeHolder(path)} to close DuckDB database "${databasePath}"`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    pause = Math.min(pause * 2, MAX_POLL_MS);
  }
}

/** Whether `path` still leads to the open `file` (the holder before us may have deleted it). */
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

function heldLock(path: string, file: Deno.FsFile): DatabaseLock {
  let held = true;
  return {
    path,
    release() {
      if (!held) return;
      held = false;
      try {
        Deno.removeSync(path);
      } finally {
        file.close();
      }
    },
  };
}

function readHolder(path: string): Holder | undefined {
  try {
    const holder = JSON.parse(Deno.readTextFileSync(path));
    return Number.isInteger(holder?.pid) ? holder : undefined;
  } catch {
    // written at this very moment, or deleted
    return undefined;
  }
}

function describeHolder(path: string): string {
  const holder = readHolder(path);
  if (holder === undefined) return "another process";
  if (holder.pid === Deno.pid) return `this process (pid ${holder.pid})`;
  return `process ${holder.pid}`;
}

function lockTimeout(databasePath: string, path: string, timeoutMs: number): DestinationError {
  const holder = readHolder(path);
  const who = describeHolder(path);
  const since = holder === undefined ? "" : ` since ${holder.since}`;
  const hint = holder?.pid === Deno.pid
    ? "; another path of the same file is open in this process"
    : "; raise duckdb({ lockTimeoutMs }) to wait longer";
  return new DestinationError(
    `Cannot open DuckDB database "${databasePath}": ${who} has it open${since} (lock file "${path}"), ` +
      `and it was not closed within ${timeoutMs} ms${hint}`,
    { transient: true },
  );
}
