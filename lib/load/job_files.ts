/**
 * Job files of a load package: their names, how they are written (through the working folder's
 * storage), and the check that a file is whole before the next stage reads it.
 *
 * A job file is `<table>.<id>.<ext>`. The table part is only for people looking at the folder
 * (the manifest says which table a job loads): it keeps letters, digits and `_`, and a long one
 * is shortened with a stable hash, so a file name stays short whatever the table's name.
 *
 * @module
 */
import { basename, dirname } from "node:path";
import { DltError, LoadPackageError } from "../errors.ts";
import { shortenIdentifier } from "../normalize/naming.ts";
import type { WorkingStorage, WritableFile } from "../storage/storage.ts";
import type { LoaderFileFormat, LoadJob } from "../destination.ts";
import type { PackageJob } from "./package_store.ts";

/** Longest table part of a job file name, in characters. */
const TABLE_PART_CHARS = 64;
const NOT_FILE_SAFE = /[^A-Za-z0-9_]+/g;

/**
 * The file name of job `id` of `table`: `<table>.<id>.<extension>`, the table part made safe
 * for file names and at most 64 characters long.
 *
 * @example
 * ```ts
 * import { jobFileName } from "./job_files.ts";
 * if (jobFileName("items", "1", "jsonl") !== "items.1.jsonl") throw new Error();
 * if (jobFileName("t__list".repeat(100), "2", "csv").length > 80) throw new Error();
 * ```
 */
export function jobFileName(table: string, id: string, extension: string): string {
  const safe = table.replace(NOT_FILE_SAFE, "_");
  return `${shortenIdentifier(safe, table, TABLE_PART_CHARS)}.${id}.${extension}`;
}

/** The destination's view of normalized job `job`, whose file the storage locates at `path`. */
export function loadJobOf(path: string, job: PackageJob): LoadJob {
  return {
    path,
    table: job.table,
    columns: job.columns ?? [],
    rows: job.rows,
    format: job.format ?? "csv",
    longestLine: job.longestLine ?? 0,
  };
}

/**
 * Runs `write`, which writes the job file at `location` (as the storage locates it); an error (a
 * full disk) is re-raised as a {@linkcode LoadPackageError} naming the file and its package, the
 * OS error as its `cause` (a `DltError` of `write`, such as a job file that cannot be read while
 * it is written again, says what went wrong already and passes unchanged).
 */
export async function writingJobFile<T>(location: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof DltError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new LoadPackageError(
      `Cannot write job file "${location}" of load package "${
        basename(dirname(location))
      }": ${reason}`,
      { cause: error },
    );
  }
}

/**
 * Writes job file `path` of `storage` anew ({@linkcode WorkingStorage.replace}): `fill` writes
 * the whole content into a temporary file beside it, which then replaces `path` in one rename,
 * so `path` is never seen half written. Returns what `fill` returns (the bytes it wrote); a
 * failed write is a {@linkcode LoadPackageError} naming the file and its package.
 */
export async function replaceJobFile(
  storage: WorkingStorage,
  path: string,
  fill: (file: WritableFile) => Promise<number>,
): Promise<number> {
  return await writingJobFile(storage.locate(path), () => storage.replace(path, fill));
}

/**
 * Checks that job file `path` of `storage`, of package `loadId`, is whole before it is read: as
 * long as its manifest recorded (`job.bytes`, when it did), and ending as its format ends — a
 * text file with a newline, a Parquet file (`job.format`) with its footer's `PAR1`. A cut file
 * (a full disk, a crash of another program) fails with a {@linkcode LoadPackageError} naming the
 * package, the file and (text) the line where it is cut. Returns the file's size.
 */
export async function checkJobFile(
  storage: WorkingStorage,
  loadId: string,
  path: string,
  job: { bytes?: number; format?: LoaderFileFormat },
): Promise<number> {
  const where = `Load package "${loadId}": job file "${storage.locate(path)}"`;
  const { bytes } = job;
  const parquet = job.format === "parquet";
  let size: number;
  try {
    size = (await storage.stat(path)).size;
  } catch (error) {
    throw new LoadPackageError(`${where} cannot be read`, { cause: error });
  }
  if (bytes !== undefined && size > bytes) {
    throw new LoadPackageError(`${where} has ${size} bytes where its manifest records ${bytes}`);
  }
  if (size === 0 && !bytes) return size;
  if (bytes !== undefined && size < bytes) {
    throw new LoadPackageError(
      parquet
        ? `${where} is cut (${size} of ${bytes} bytes)`
        : `${where} is cut at line ${await linesIn(storage, path) + 1} (${size} of ${bytes} bytes)`,
    );
  }
  if (parquet) {
    if (!await endsWith(storage, path, size, PARQUET_MAGIC)) {
      throw new LoadPackageError(
        `${where} is not a whole Parquet file (it does not end with "PAR1")`,
      );
    }
    return size;
  }
  if (!await endsWith(storage, path, size, NEWLINE)) {
    throw new LoadPackageError(
      `${where} is cut at line ${
        await linesIn(storage, path) + 1
      } (it does not end with a newline)`,
    );
  }
  return size;
}

/** Whether file `path` of `storage`, of `size` bytes, ends with the bytes `end`. */
async function endsWith(
  storage: WorkingStorage,
  path: string,
  size: number,
  end: Uint8Array,
): Promise<boolean> {
  if (size < end.length) return false;
  const last: number[] = [];
  for await (const chunk of storage.readChunks(path, { start: size - end.length })) {
    last.push(...chunk);
    if (last.length >= end.length) break;
  }
  return end.every((byte, i) => last[i] === byte);
}

/** The magic bytes a Parquet file starts and ends with, `PAR1`. */
export const PARQUET_MAGIC: Uint8Array = new TextEncoder().encode("PAR1");
const NEWLINE_BYTE = 0x0a;
const NEWLINE = new Uint8Array([NEWLINE_BYTE]);

/** The number of newlines in file `path` of `storage`. */
async function linesIn(storage: WorkingStorage, path: string): Promise<number> {
  let lines = 0;
  for await (const chunk of storage.readChunks(path)) {
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === NEWLINE_BYTE) lines++;
  }
  return lines;
}
