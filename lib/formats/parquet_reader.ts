/**
 * Parquet read as dlt's `read_parquet` reads it: rows in chunks, one row group in memory at a
 * time. The footer is read first (from the end of the file), then each row group's byte range;
 * each row group is decoded by `parquet-wasm` as a small Parquet file of its own (see
 * `_parquet_footer.ts`), so the decoder never does I/O and a damaged row group is an error
 * naming it, not a crash of the WebAssembly module.
 *
 * Rows come out as the Arrow rows of `lib/extract/arrow.ts`: safe integers as numbers, larger
 * ones as `bigint`, timestamps as ISO strings with all their digits (microseconds kept), decimals
 * as exact decimal text, binary as `Uint8Array`, nulls left out; and each chunk is marked with
 * its Arrow table, so extract types the columns by the Parquet schema.
 *
 * @module
 */
import type { FileSystem } from "../filesystem/file_system.ts";
import type { Table } from "../deps/apache_arrow.ts";
import { arrowRows, withArrowOrigin } from "../extract/arrow.ts";
import { checkOptions, integer, type OptionSpec } from "../options.ts";
import { FileFormatError, reasonOf } from "./format_error.ts";
import {
  footerLength,
  MAGIC,
  type ParquetFooter,
  parseFooter,
  rowGroupFile,
  TAIL_BYTES,
} from "./_parquet_footer.ts";

/** A file read by byte ranges (Parquet needs its end first). */
export interface RandomAccessFile {
  /** Its size in bytes. */
  readonly size: number;
  /** Its bytes from `start` to `end` (exclusive). */
  read(start: number, end: number): Promise<Uint8Array>;
}

/**
 * File `url` of `fs` (of `size` bytes, as listed) read by ranges, each with one
 * `FileSystem.read`. A range that comes back short (the file shrank since it was listed) is a
 * {@linkcode FileFormatError}.
 */
export function fileSystemRanges(
  fs: Pick<FileSystem, "read">,
  url: string,
  size: number,
): RandomAccessFile {
  return {
    size,
    async read(start, end) {
      const bytes = new Uint8Array(
        await new Response(await fs.read(url, { start, end })).arrayBuffer(),
      );
      if (bytes.length !== end - start) {
        throw new FileFormatError(
          url,
          `it has fewer bytes than when it was listed (${size}): it changed while it was read`,
        );
      }
      return bytes;
    },
  };
}

/** `bytes` in memory as a {@linkcode RandomAccessFile}. */
export function bytesFile(bytes: Uint8Array): RandomAccessFile {
  return {
    size: bytes.length,
    read: (start, end) => Promise.resolve(bytes.subarray(start, end)),
  };
}

/** Options of {@linkcode readParquetChunks} and {@linkcode readParquetTables}. */
export interface ParquetReadOptions {
  /**
   * Rows per chunk (a row group is cut into chunks; a chunk never spans two).
   * @default {1000}
   */
  chunkSize?: number;
}

const PARQUET_SPEC: OptionSpec<ParquetReadOptions> = { chunkSize: integer({ min: 1 }) };

/**
 * `options` checked: an unknown option or a bad value is a `TypeError`/`RangeError` naming it
 * and `where`.
 */
export function checkParquetOptions(options: unknown, where: string): ParquetReadOptions {
  return checkOptions(options, PARQUET_SPEC, where, {
    snakeCase: "refuse",
    unsupported: {
      chunksize: 'write "chunkSize"',
      usePyarrow: "yield Arrow tables with readParquetTables()",
    },
  });
}

/** Bytes read from the end of a file at first: the footer is usually in them. */
const FIRST_TAIL_BYTES = 64 * 1024;

/**
 * Yields the rows of Parquet `file` as Arrow tables of up to `chunkSize` rows, one row group
 * decoded at a time. A file that is not Parquet, or is truncated, and a row group that cannot
 * be decoded are a {@linkcode FileFormatError} naming `fileName` (and the row group).
 */
export async function* readParquetTables(
  file: RandomAccessFile,
  fileName: string,
  options: ParquetReadOptions = {},
): AsyncGenerator<Table> {
  const chunkSize = checkParquetOptions(options, "readParquetTables()").chunkSize ?? 1000;
  const footer = await readFooter(file, fileName);
  // imported when first needed: loading parquet-wasm reads and compiles a 5 MB module
  const { readParquet: decodeParquet } = await import("../deps/parquet_wasm.ts");
  const { tableFromIPC } = await import("../deps/apache_arrow.ts");
  for (let index = 0; index < footer.rowGroups.length; index++) {
    const span = footer.rowGroups[index];
    if (span.numRows === 0) continue;
    const bytes = await file.read(span.start, span.end);
    let table: Table;
    try {
      const decoded = decodeParquet(rowGroupFile(footer, index, bytes));
      table = tableFromIPC(decoded.intoIPCStream());
    } catch (error) {
      throw new FileFormatError(fileName, `it cannot be decoded: ${reasonOf(error)}`, {
        rowGroup: index,
        cause: error,
      });
    }
    for (let start = 0; start < table.numRows; start += chunkSize) {
      yield table.slice(start, start + chunkSize);
    }
  }
}

/**
 * Yields the rows of Parquet `file` as objects, in chunks of up to `chunkSize` rows (see the
 * module doc for the values); errors as {@linkcode readParquetTables}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tableFromArrays, tableToIPC } from "../deps/apache_arrow.ts";
 * import { Table, writeParquet } from "../deps/parquet_wasm.ts";
 * import { bytesFile, readParquetChunks } from "./parquet_reader.ts";
 * const arrow = tableFromArrays({ id: Int32Array.from([1, 2, 3]), name: ["a", "b", "c"] });
 * const bytes = writeParquet(Table.fromIPCStream(tableToIPC(arrow, "stream")));
 * const chunks = await Array.fromAsync(
 *   readParquetChunks(bytesFile(bytes), "t.parquet", { chunkSize: 2 }),
 * );
 * assert.deepEqual(chunks, [[{ id: 1, name: "a" }, { id: 2, name: "b" }], [{ id: 3, name: "c" }]]);
 * ```
 */
export async function* readParquetChunks(
  file: RandomAccessFile,
  fileName: string,
  options: ParquetReadOptions = {},
): AsyncGenerator<Record<string, unknown>[]> {
  for await (const table of readParquetTables(file, fileName, options)) {
    yield withArrowOrigin([...arrowRows(table)], table);
  }
}

/**
 * The number of rows of Parquet `file`, as its footer says (no row group is read); errors as
 * {@linkcode readParquetTables}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tableFromArrays, tableToIPC } from "../deps/apache_arrow.ts";
 * import { Table, writeParquet } from "../deps/parquet_wasm.ts";
 * import { bytesFile, parquetRowCount } from "./parquet_reader.ts";
 * const arrow = tableFromArrays({ id: Int32Array.from([1, 2, 3]) });
 * const bytes = writeParquet(Table.fromIPCStream(tableToIPC(arrow, "stream")));
 * assert.equal(await parquetRowCount(bytesFile(bytes), "t.parquet"), 3);
 * ```
 */
export async function parquetRowCount(file: RandomAccessFile, fileName: string): Promise<number> {
  const footer = await readFooter(file, fileName);
  return footer.rowGroups.reduce((rows, group) => rows + group.numRows, 0);
}

/** Reads and parses the footer of `file`. */
async function readFooter(file: RandomAccessFile, fileName: string): Promise<ParquetFooter> {
  const size = file.size;
  try {
    if (size < MAGIC.length + TAIL_BYTES) {
      throw new RangeError(`it is not a Parquet file: it has only ${size} bytes`);
    }
    const tailStart = Math.max(0, size - FIRST_TAIL_BYTES);
    const tail = await file.read(tailStart, size);
    const length = footerLength(tail.subarray(tail.length - TAIL_BYTES));
    const footerStart = size - TAIL_BYTES - length;
    if (footerStart < MAGIC.length) {
      throw new RangeError(`its footer length (${length}) does not fit the file: it is truncated`);
    }
    const bytes = footerStart >= tailStart
      ? tail.subarray(footerStart - tailStart, tail.length - TAIL_BYTES)
      : await file.read(footerStart, size - TAIL_BYTES);
    try {
      return parseFooter(bytes);
    } catch (error) {
      throw new RangeError(`its footer is corrupt (${reasonOf(error)})`);
    }
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new FileFormatError(fileName, error.message, { cause: error });
  }
}
