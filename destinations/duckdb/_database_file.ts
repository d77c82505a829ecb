/**
 * The conventions of a DuckDB database file that both DuckDB drivers (DuckDB-WASM in
 * `_database.ts`, native DuckDB in `_native_database.ts`) keep, so that a file either one wrote
 * opens in the other: how a file is attached (block and row-group size, catalog name), what is
 * done to it before DuckDB sees it (an interrupted rebuild finished, a log DuckDB cannot replay
 * moved aside), and how failing to open it is reported.
 *
 * @module
 */
import * as fs from "node:fs";
import * as nodePath from "node:path";
import { quoteIdentifier, quoteLiteral } from "../../lib/load/sql.ts";
import { DestinationError } from "../../lib/errors.ts";
import { log } from "../../lib/log.ts";
import { checkWriteAheadLog } from "./_file_check.ts";

/** The path that opens a database in memory instead of a file. */
export const IN_MEMORY = ":memory:";

/** The write-ahead log of a database file: `<path>.wal`. */
export const WAL_SUFFIX = ".wal";
/** A rebuild in progress; incomplete until renamed to {@linkcode REBUILT_SUFFIX}. */
export const REBUILD_SUFFIX = ".rebuild";
/** A complete rebuild that replaces the database file; the next open finishes the swap. */
export const REBUILT_SUFFIX = ".rebuilt";
/** DuckDB's temporary directory, named as native DuckDB names it. */
export const TEMP_SUFFIX = ".tmp";
/**
 * Block size of the files the drivers create. DuckDB's default (256 KiB) makes every column of a
 * table pin at least one block when rows are appended or checkpointed, so a wide table (the
 * hundreds of columns of flattened JSON) needs hundreds of MiB; 16 KiB, the smallest DuckDB
 * accepts, cuts that sixteenfold. Native DuckDB (1.2 and later) reads such files.
 */
export const BLOCK_SIZE = 16384;
/**
 * Rows per row group. A transaction writes each full row group of its inserts straight to the
 * file, so an insert holds about one row group per table in memory, whatever its size; DuckDB's
 * default (122,880 rows) is far too much for a table of hundreds of columns. Committing appends
 * the last, partial row group, and a checkpoint rewrites a partial row group whole, so they stay
 * small too. The cost: a checkpoint writes the pointers and statistics of every row group of a
 * table again (about 8 ms per row group of 596 columns; native DuckDB skips the tables and row
 * groups it did not change, see `_native_instances.ts`), and DuckDB with its default size merges
 * these row groups when it first checkpoints the file.
 */
export const ROW_GROUP_SIZE = 8192;

/** The catalog of an instance's own in-memory database, to which the drivers attach files. */
export const IN_MEMORY_CATALOG = "memory";

/**
 * What an open may leave in a DuckDB instance besides its file, for an instance kept for the next
 * open (SQL run through the SQL client): secrets, and attached databases other than the
 * instance's own. `0` when there is none.
 */
export const LEFT_BEHIND_QUERY = `SELECT
  (SELECT count(*) FROM duckdb_secrets())
  + (SELECT count(*) FROM duckdb_databases()
     WHERE database_name NOT IN ('${IN_MEMORY_CATALOG}', 'system', 'temp')) AS left_behind`;

/** Every setting of the instance (not those of a connection), by name. */
export const SETTINGS_QUERY = "SELECT name, value FROM duckdb_settings() WHERE scope = 'GLOBAL'";

/**
 * Whether every setting of `baseline` has the same value in `now`, apart from the `ignored` ones
 * (both by name, as {@linkcode SETTINGS_QUERY} lists them).
 */
export function sameSettings(
  baseline: ReadonlyMap<string, string>,
  now: ReadonlyMap<string, string>,
  ignored: ReadonlySet<string> = new Set(),
): boolean {
  for (const [name, value] of baseline) {
    if (!ignored.has(name) && now.get(name) !== value) return false;
  }
  return true;
}

/**
 * The catalog name DuckDB infers for a file (its name without extension), or a variant of it
 * where that name is taken by one of DuckDB's own catalogs.
 */
export function catalogName(path: string): string {
  const name = nodePath.basename(path).replace(/\.[^.]*$/, "") || "database";
  return ["memory", "system", "temp", "main"].includes(name.toLowerCase()) ? `${name}_db` : name;
}

/**
 * The statements that attach the file `path` to an in-memory database and make it the default
 * catalog, so that storage options apply: a file created now (`create`) gets
 * {@linkcode BLOCK_SIZE} blocks, and every file {@linkcode ROW_GROUP_SIZE} row groups.
 */
export function attachStatements(path: string, create: boolean): string[] {
  const catalog = quoteIdentifier(catalogName(path));
  return [
    attachStatement(path, catalog, create ? { blockSize: BLOCK_SIZE } : {}),
    `USE ${catalog}`,
  ];
}

/**
 * The `ATTACH` of the file `path` as `catalog` (an SQL name), writing {@linkcode ROW_GROUP_SIZE}
 * row groups as every attach of the drivers does; `created` gives the block size and storage
 * version of a file created now.
 */
export function attachStatement(
  path: string,
  catalog: string,
  created: { blockSize?: number; storageVersion?: string } = {},
): string {
  const options = [
    ...(created.blockSize === undefined ? [] : [`BLOCK_SIZE ${created.blockSize}`]),
    ...(created.storageVersion === undefined
      ? []
      : [`STORAGE_VERSION ${quoteLiteral(created.storageVersion)}`]),
    `ROW_GROUP_SIZE ${ROW_GROUP_SIZE}`,
  ];
  return `ATTACH ${quoteLiteral(path)} AS ${catalog} (${options.join(", ")})`;
}

/** Makes the entries of the folder of `path` durable. */
export function fsyncDirectory(path: string): void {
  const fd = fs.openSync(nodePath.dirname(path), "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Finishes or discards a rebuild that a crash interrupted. A complete rebuild replaces the
 * database and its log; an incomplete one is dropped, the database and its log being intact.
 */
export function recoverRebuild(path: string): void {
  if (fs.existsSync(path + REBUILT_SUFFIX)) {
    fs.rmSync(path + WAL_SUFFIX, { force: true });
    fs.renameSync(path + REBUILT_SUFFIX, path);
    fsyncDirectory(path);
  }
  fs.rmSync(path + REBUILD_SUFFIX, { force: true });
  fs.rmSync(path + REBUILD_SUFFIX + WAL_SUFFIX, { force: true });
}

/**
 * Prepares the write-ahead log of `path` for DuckDB's replay, with a warning: a log that holds
 * nothing DuckDB can replay (not DuckDB's, or next to no database) is moved out of its way, kept
 * for inspection; a log torn inside a transaction (a process stopped while committing it) is cut
 * after its last committed transaction, which DuckDB would replay in part.
 */
export function reviewLog(path: string, database: boolean): void {
  const logPath = path + WAL_SUFFIX;
  const state = checkWriteAheadLog(logPath);
  if (state.kind === "missing" || state.kind === "empty") return;
  if (state.kind === "foreign" || !database) {
    const kept = `${logPath}.ignored-${new Date().toISOString().replace(/[-:.]/g, "")}`;
    fs.renameSync(logPath, kept);
    const why = database ? "is not a DuckDB write-ahead log" : "belongs to no database file";
    log.warn(
      `Write-ahead log "${logPath}" ${why}: DuckDB cannot replay it; it was moved to "${kept}"`,
    );
  } else if (state.kind === "torn") {
    // DuckDB would replay the row groups a torn transaction wrote to the file (they are merged
    // into their table outside the replay's transaction) and roll back the rest of it: readers
    // would see part of a transaction, e.g. a table chain's nested rows without their roots
    cutLog(logPath, state.valid);
    log.warn(
      `Write-ahead log "${logPath}" ends in ${state.size - state.valid} bytes of a transaction ` +
        `that never committed (a process stopped while writing it): they were cut off, the ` +
        `transactions committed before are kept`,
    );
  }
}

/** Truncates the log `logPath` to `size` bytes durably; a log that keeps nothing is removed. */
function cutLog(logPath: string, size: number): void {
  if (size === 0) {
    fs.rmSync(logPath, { force: true });
    fsyncDirectory(logPath);
    return;
  }
  const fd = fs.openSync(logPath, "r+");
  try {
    fs.ftruncateSync(fd, size);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Refuses a database file whose folder does not exist: a `DestinationError` that names both.
 * The folder is not created, as a mistyped path would otherwise make a new database unnoticed.
 */
export function checkDatabaseFolder(path: string): void {
  const folder = nodePath.dirname(nodePath.resolve(path));
  const stat = statIfAny(folder);
  if (stat?.isDirectory()) return;
  throw new DestinationError(
    `Cannot open DuckDB database "${path}": ${
      stat === undefined ? `the folder "${folder}" does not exist` : `"${folder}" is not a folder`
    } (create the folder, or give another path)`,
  );
}

/** The file information of `path`, or `undefined` when it (or a folder on its way) is missing. */
function statIfAny(path: string): fs.Stats | undefined {
  try {
    return fs.statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    // a file where a folder of the path should be
    if ((error as { code?: string }).code === "ENOTDIR") return undefined;
    throw error;
  }
}

/** Runs `open`, turning an error other than a `DestinationError` into one naming `path`. */
export async function cannotOpen<T>(path: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    if (error instanceof DestinationError) throw error;
    const message = (error as Error).message;
    const advice = /Failure while replaying WAL/.test(message)
      ? `; moving "${path}${WAL_SUFFIX}" away opens the database without the transactions it holds`
      : "";
    throw new DestinationError(`Cannot open DuckDB database "${path}": ${message}${advice}`, {
      cause: error,
    });
  }
}
