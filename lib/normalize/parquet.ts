/**
 * Parquet job files: typed columns that follow the table's schema, written with `parquet-wasm`
 * (ZSTD, row groups of at most 10,000 rows and about 32 MiB), so DuckDB's `read_parquet`, pyarrow
 * and any Parquet reader take them as they are.
 *
 * | column type | Parquet (Arrow) type                                                      |
 * | ----------- | ------------------------------------------------------------------------- |
 * | text        | string (utf8)                                                             |
 * | bigint      | int64; int8, int16 or int32 for a precision of at most 8, 16 or 32 bits   |
 * | double      | double                                                                    |
 * | bool        | boolean                                                                   |
 * | timestamp   | timestamp in microseconds, adjusted to UTC (DuckDB: TIMESTAMP WITH TIME ZONE); without time zone for `timezone: false`; seconds, milliseconds or nanoseconds by precision |
 * | date        | date (days)                                                               |
 * | decimal     | decimal of the column's precision and scale (dlt's default 38, 9)         |
 * | binary      | binary                                                                    |
 * | json        | string of the JSON text                                                   |
 *
 * A file has one schema: its columns are those the table had when it was opened, and a column
 * new to the table starts the next file, as with CSV. A table's rows are buffered as typed
 * columns and handed to the encoder a batch at a time; a file is closed once its rows took
 * `fileMaxBytes` (64 MiB) before compression.
 *
 * @module
 */
import { join } from "node:path";
import {
  Field,
  makeData,
  RecordBatch,
  type RecordBatch as ArrowRecordBatch,
  Schema,
  Struct,
} from "../deps/apache_arrow.ts";
import { DltError, NormalizeError } from "../errors.ts";
import { replaceJobFile, writingJobFile } from "../load/job_files.ts";
import type { PackageJob } from "../load/package_store.ts";
import type { SchemaEvolver } from "../schema/evolution.ts";
import type { TableSchema } from "../schema/schema.ts";
import type { WorkingStorage } from "../storage/storage.ts";
import type { JobFileFormat, JobFiles, TableJobWriter } from "./job_file_format.ts";
import type { FlatRow } from "./relational.ts";
import { type ColumnBuilder, columnBuilder, UnfitValue } from "./_arrow_columns.ts";
import type { ParquetFileWriter } from "./_parquet_file.ts";
import { type RandomAccessFile, readParquetTables } from "../formats/parquet_reader.ts";
import { TableColumns } from "./_table_columns.ts";

/** Most rows of a row group. */
const ROW_GROUP_ROWS = 10_000;
/**
 * About the most bytes of a row group before compression: the encoder holds one per open file,
 * so a file of large rows has fewer rows per group (as many as its first rows suggest).
 */
const ROW_GROUP_BYTES = 32 << 20;

/** `_parquet_file.ts`, once imported. */
let parquetFiles: Promise<typeof import("./_parquet_file.ts")> | undefined;

/**
 * `_parquet_file.ts` and with it `parquet-wasm`, imported when Parquet is first used: its
 * WebAssembly is read from Deno's npm cache, which pipelines without Parquet need not be allowed
 * to read. Without that permission, a `DltError` that says what to allow.
 */
function parquetModule(): Promise<typeof import("./_parquet_file.ts")> {
  return parquetFiles ??= import("./_parquet_file.ts").catch((error) => {
    parquetFiles = undefined;
    if (
      !(error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied)
    ) {
      throw error;
    }
    throw new DltError(
      `Parquet job files are written and read by parquet-wasm, which reads its WebAssembly from Deno's npm cache: allow reading it (--allow-read): ${error.message}`,
      { cause: error },
    );
  });
}

/**
 * Bytes of a table's buffered rows from which a drain hands them to the encoder: batches of
 * hundreds of columns cost per column, so they are not small.
 */
const BATCH_BYTES = 4 << 20;

/** The file a table is being written to. */
interface TableFile {
  name: string;
  writer: ParquetFileWriter;
  /** Columns the file has: the table's when it was opened. */
  columns: number;
  rows: number;
  /** About the bytes of the rows handed to the encoder (before compression). */
  bytes: number;
}

/** Buffers the rows of one table as typed columns and writes them into Parquet files. */
class ParquetTableWriter implements TableJobWriter {
  #evolver: SchemaEvolver;
  #files: JobFiles;
  #columns: TableColumns;
  #builders: ColumnBuilder[] = [];
  /** Rows buffered. */
  #rows = 0;
  /** About the bytes buffered. */
  #bytes = 0;
  #file: TableFile | undefined;
  #isFilled = (at: number) => this.#builders[at].has(this.#rows);

  constructor(table: TableSchema, evolver: SchemaEvolver, files: JobFiles) {
    this.#evolver = evolver;
    this.#files = files;
    this.#columns = new TableColumns(table);
  }

  add(row: FlatRow): number {
    const columns = this.#columns;
    const { table, index } = columns;
    const evolver = this.#evolver;
    const builders = this.#builders;
    const at = this.#rows;
    let bytes = 0;
    const { names, values } = row;
    for (let i = 0; i < names.length; i++) {
      const column = evolver.place(table, names[i], values[i]);
      // a value the schema contract discards
      if (column === undefined) continue;
      let position = index.get(column.name);
      if (position === undefined) {
        position = columns.add(column);
        builders.push(columnBuilder(column));
      }
      try {
        bytes += builders[position].set(at, evolver.value!);
      } catch (error) {
        if (!(error instanceof UnfitValue)) throw error;
        throw new NormalizeError(table.name, column.name, error.message);
      }
    }
    columns.checkRequired(this.#isFilled);
    this.#rows++;
    this.#bytes += bytes;
    return bytes;
  }

  get held(): number {
    return this.#bytes;
  }

  /** Hands the buffered rows to the encoder once they are a batch worth it (8 MiB). */
  async drain(): Promise<void> {
    if (this.#bytes >= BATCH_BYTES || this.#rows >= ROW_GROUP_ROWS) await this.flush();
  }

  /**
   * Hands the buffered rows to the encoder as one batch, in a file that has all their columns
   * (split between files where one reaches `fileMaxItems` rows).
   */
  async flush(): Promise<void> {
    const rows = this.#rows;
    if (rows === 0) return;
    const width = this.#builders.length;
    if (this.#file !== undefined && this.#file.columns < width) await this.#closeFile();
    const { ParquetFileWriter, toWasmBatch } = await parquetModule();
    const batch = this.#batch(rows);
    const bytes = this.#bytes;
    this.#rows = 0;
    this.#bytes = 0;
    const { fileMaxBytes, fileMaxItems } = this.#files;
    for (let start = 0; start < rows;) {
      const end = Math.min(rows, start + fileMaxItems - (this.#file?.rows ?? 0));
      const part = toWasmBatch(start === 0 && end === rows ? batch : batch.slice(start, end));
      const partBytes = Math.round(bytes * (end - start) / rows);
      let file = this.#file;
      if (file === undefined) {
        const { storage, dir } = this.#files;
        const name = this.#files.newFile(this.#columns.table.name, "parquet");
        const path = join(dir, name);
        const location = storage.locate(path);
        const target = await writingJobFile(location, () => storage.create(path));
        const groupRows = Math.floor(ROW_GROUP_BYTES / Math.max(1, bytes / rows));
        const writer = await ParquetFileWriter.open(
          target,
          location,
          part,
          Math.max(1, Math.min(ROW_GROUP_ROWS, groupRows)),
        );
        file = this.#file = { name, writer, columns: width, rows: 0, bytes: 0 };
      } else {
        await file.writer.write(part);
      }
      file.rows += end - start;
      file.bytes += partBytes;
      // by the bytes handed over, which are known now (the encoder writes compressed row groups
      // later): a file's rows fit in memory whole, for whoever reads them
      if (file.bytes >= fileMaxBytes || file.rows >= fileMaxItems) await this.#closeFile();
      start = end;
    }
  }

  /** The buffered rows as an Arrow record batch (valid until the builders are used again). */
  #batch(rows: number): ArrowRecordBatch {
    const { names } = this.#columns;
    const fields = this.#builders.map((builder, i) => new Field(names[i], builder.type, true));
    const children = this.#builders.map((builder) => builder.finish(rows));
    const data = makeData({ type: new Struct(fields), length: rows, nullCount: 0, children });
    return new RecordBatch(new Schema(fields), data);
  }

  async #closeFile(): Promise<void> {
    const file = this.#file!;
    this.#file = undefined;
    const bytes = await file.writer.close();
    this.#files.closed({
      file: file.name,
      table: this.#columns.table.name,
      format: "parquet",
      rows: file.rows,
      columns: this.#columns.names.slice(0, file.columns),
      longestLine: 0,
      bytes,
    });
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      if (this.#file !== undefined) await this.#closeFile();
    }
  }

  async abort(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    await file?.writer.abort();
  }
}

/**
 * File `path` of `storage` (of `size` bytes) read by byte ranges, for the Parquet reader: only
 * the footer and one row group at a time are in memory.
 */
function storageRanges(storage: WorkingStorage, path: string, size: number): RandomAccessFile {
  return {
    size,
    async read(start: number, end: number): Promise<Uint8Array> {
      const bytes = new Uint8Array(end - start);
      let at = 0;
      for await (const chunk of storage.readChunks(path, { start, chunkBytes: end - start })) {
        const piece = chunk.subarray(0, end - start - at);
        bytes.set(piece, at);
        at += piece.length;
        if (at === bytes.length) break;
      }
      return bytes.subarray(0, at);
    },
  };
}

/**
 * The Parquet job `job` in folder `dir` of `storage` written again with the columns `renamed`
 * maps renamed, row group by row group (values and row groups as they were). A damaged file is
 * a `FileFormatError` naming it and the row group.
 */
async function renameParquetColumns(
  storage: WorkingStorage,
  dir: string,
  job: PackageJob,
  renamed: ReadonlyMap<string, string>,
): Promise<PackageJob> {
  const path = join(dir, job.file);
  const location = storage.locate(path);
  const { ParquetFileWriter, toWasmBatch } = await parquetModule();
  const file = storageRanges(storage, path, (await storage.stat(path)).size);
  // whole row groups: no chunk is smaller than a row group
  const groups = readParquetTables(file, location, { chunkSize: Number.MAX_SAFE_INTEGER });
  const bytes = await replaceJobFile(storage, path, async (replacement) => {
    // `replaceJobFile` closes the file it gives
    const target = {
      write: (bytes: Uint8Array) => replacement.write(bytes),
      close: async () => {},
    };
    let writer: ParquetFileWriter | undefined;
    try {
      for await (const group of groups) {
        const schema = new Schema(
          group.schema.fields.map((field) =>
            new Field(renamed.get(field.name) ?? field.name, field.type, field.nullable)
          ),
        );
        for (const { data } of group.batches) {
          const batch = toWasmBatch(new RecordBatch(schema, data));
          if (writer === undefined) {
            // row groups as they were: all of the first one's size but the last
            writer = await ParquetFileWriter.open(target, location, batch, group.numRows);
          } else {
            await writer.write(batch);
          }
        }
      }
    } catch (error) {
      await writer?.abort();
      throw error;
    }
    if (writer === undefined) throw new RangeError(`Parquet job file "${location}" has no rows`);
    return await writer.close();
  });
  const columns = job.columns?.map((name) => renamed.get(name) ?? name);
  return { ...job, columns, bytes };
}

/** Parquet job files. */
export const PARQUET_FORMAT: JobFileFormat = {
  name: "parquet",
  tableWriter: (table: TableSchema, evolver: SchemaEvolver, files: JobFiles) =>
    new ParquetTableWriter(table, evolver, files),
  renameColumns: renameParquetColumns,
};
