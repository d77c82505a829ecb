/**
 * One writer per DuckDB file across processes: an exclusive file lock (see `lib/file_lock.ts`) on
 * a sidecar `<database>.lock` file, never on the database itself. Native DuckDB's own lock
 * (POSIX `fcntl`) neither sees nor blocks it.
 *
 * @module
 */
import { DestinationError } from "../../lib/errors.ts";
import { acquireFileLock, describeHolder, type FileLock } from "../../lib/file_lock.ts";

/** The suffix of the lock file next to a database file. */
export const LOCK_SUFFIX = ".lock";

/**
 * Takes the exclusive lock of `databasePath` (creating `<databasePath>.lock`), waiting at most
 * `timeoutMs` for the process that holds it. Throws a transient `DestinationError` naming the
 * file and the holder's pid when the time is up.
 */
export async function lockDatabase(databasePath: string, timeoutMs: number): Promise<FileLock> {
  const path = databasePath + LOCK_SUFFIX;
  return await acquireFileLock(path, {
    timeoutMs,
    subject: `DuckDB database "${databasePath}"`,
    timeoutError(holder) {
      const since = holder === undefined ? "" : ` since ${holder.since}`;
      const hint = holder?.pid === Deno.pid
        ? "; another path of the same file is open in this process"
        : "; raise duckdb({ lockTimeoutMs }) to wait longer";
      return new DestinationError(
        `Cannot open DuckDB database "${databasePath}": ${
          describeHolder(holder)
        } has it open${since} (lock file "${path}"), and it was not closed within ${timeoutMs} ms${hint}`,
        { transient: true },
      );
    },
  });
}
