/**
 * Job files of a load package: their names, how they are opened and written, and the check
 * that a file is whole before the next stage reads it.
 *
 * A job file is `<table>.<id>.<ext>`. The table part is only for people looking at the folder
 * (the manifest says which table a job loads): it keeps letters, digits and `_`, and a long one
 * is shortened with a stable hash, so a file name stays short whatever the table's name.
 *
 * @module
 */
import { basename, dirname } from "node:path";
import { LoadPackageError } from "../errors.ts";
import { shortenIdentifier } from "../normalize/naming.ts";
import type { WritableFile } from "./write_all.ts";

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

/** Opens `path` as a new file for writing; an existing file is an error, never appended to. */
export async function openNewJobFile(path: string): Promise<WritableFile> {
  return await Deno.open(path, { write: true, createNew: true });
}

/**
 * Runs `write`, which writes job file `path`; an error (a full disk) is re-raised as a
 * {@linkcode LoadPackageError} naming the file and its package, the OS error as its `cause`
 * (a `LoadPackageError` of `write` names them already and passes unchanged).
 */
export async function writingJobFile<T>(path: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof LoadPackageError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new LoadPackageError(
      `Cannot write job file "${path}" of load package "${basename(dirname(path))}": ${reason}`,
      { cause: error },
    );
  }
}

/**
 * Writes job file `path` anew: `fill` writes the whole content into a temporary file beside it,
 * which then replaces `path` in one rename, so `path` is never seen half written. Returns what
 * `fill` returns (the bytes it wrote); a failed write is a {@linkcode LoadPackageError} naming
 * the file and its package.
 */
export async function replaceJobFile(
  path: string,
  fill: (file: WritableFile) => Promise<number>,
): Promise<number> {
  const temp = `${path}.tmp`;
  try {
    return await writingJobFile(path, async () => {
      const file = await Deno.open(temp, { write: true, create: true, truncate: true });
      let bytes: number;
      try {
        bytes = await fill(file);
      } finally {
        file.close();
      }
      await Deno.rename(temp, path);
      return bytes;
    });
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/**
 * Checks that job file `path` of package `loadId` is whole before it is read: as long as its
 * manifest recorded (`bytes`, when it did) and ending with a newline. A cut file (a full disk, a
 * crash of another program) fails with a {@linkcode LoadPackageError} naming the package, the
 * file and the line where it is cut. Returns the file's size.
 */
export async function checkJobFile(
  loadId: string,
  path: string,
  bytes: number | undefined,
): Promise<number> {
  const where = `Load package "${loadId}": job file "${path}"`;
  let size: number;
  try {
    size = (await Deno.stat(path)).size;
  } catch (error) {
    throw new LoadPackageError(`${where} cannot be read`, { cause: error });
  }
  if (bytes !== undefined && size > bytes) {
    throw new LoadPackageError(`${where} has ${size} bytes where its manifest records ${bytes}`);
  }
  if (size === 0 && !bytes) return size;
  if (bytes !== undefined && size < bytes) {
    throw new LoadPackageError(
      `${where} is cut at line ${await linesIn(path) + 1} (${size} of ${bytes} bytes)`,
    );
  }
  using file = await Deno.open(path, { read: true });
  const last = new Uint8Array(1);
  await file.seek(-1, Deno.SeekMode.End);
  if (await file.read(last) !== 1 || last[0] !== NEWLINE) {
    throw new LoadPackageError(
      `${where} is cut at line ${await linesIn(path) + 1} (it does not end with a newline)`,
    );
  }
  return size;
}

const NEWLINE = 0x0a;

/** The number of newlines in the file at `path`. */
async function linesIn(path: string): Promise<number> {
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(1 << 20);
  let lines = 0;
  for (let n = await file.read(buffer); n !== null; n = await file.read(buffer)) {
    for (let i = 0; i < n; i++) if (buffer[i] === NEWLINE) lines++;
  }
  return lines;
}
