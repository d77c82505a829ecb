/**
 * Parquet job files written with `parquet-wasm` one row group at a time:
 * {@linkcode ParquetFileWriter} streams Arrow record batches into a file (ZSTD, row groups of a
 * given number of rows, no dictionary pages or statistics). They are read back with
 * `lib/formats/parquet_reader.ts`.
 *
 * Record batches cross to `parquet-wasm` as Arrow IPC streams (apache-arrow and `parquet-wasm`
 * each have their own memory). The writer is `parquet-wasm`'s `transformParquetStream`: batches
 * go into a `ReadableStream` that it pulls from (one at a time: a batch is handed over only when
 * it asks for the next one, so little waits in memory), and each row group comes out as a chunk
 * written to the file as soon as it is encoded. `parquet-wasm` 0.8.0 drops the errors of its
 * encoder (a batch of another schema would be left out, silently): every batch of a file has the
 * file's schema here, and a file that does not end with a footer is an error.
 *
 * @module
 */
import type { RecordBatch } from "../deps/apache_arrow.ts";
import {
  Compression,
  EnabledStatistics,
  type RecordBatch as WasmRecordBatch,
  Table as WasmTable,
  transformParquetStream,
  WriterPropertiesBuilder,
} from "../deps/parquet_wasm.ts";
import { LoadPackageError } from "../errors.ts";
import { PARQUET_MAGIC, writingJobFile } from "../load/job_files.ts";
import { writeAll } from "../load/write_all.ts";
import type { WritableFile } from "../storage/storage.ts";
import { ipcStream } from "./_arrow_ipc.ts";

/**
 * `batch` (apache-arrow) as a record batch in `parquet-wasm`'s memory, through an IPC stream that
 * arrow-rs accepts (`_arrow_ipc.ts`: also for a Boolean column NULL in every row).
 */
export function toWasmBatch(batch: RecordBatch): WasmRecordBatch {
  const table = WasmTable.fromIPCStream(ipcStream(batch));
  try {
    return table.recordBatch(0)!;
  } finally {
    table.free();
  }
}

/** A writer of one Parquet file: record batches in, row groups out to the file. */
export class ParquetFileWriter {
  /** Bytes written to the file so far (row groups are written as they are encoded). */
  #written = 0;
  #location: string;
  #file: WritableFile;
  #input!: ReadableStreamDefaultController<WasmRecordBatch>;
  /** Resolves when the encoder asks for the next batch. */
  #wanted = Promise.withResolvers<void>();
  /** Rejects when writing the file failed. */
  #failed = Promise.withResolvers<never>();
  #failure: unknown;
  #pump: Promise<void> | undefined;
  #aborted = false;
  /** The last bytes written, to check that the file ends with the footer's magic bytes. */
  #tail = new Uint8Array(0);

  private constructor(location: string, file: WritableFile) {
    this.#location = location;
    this.#file = file;
    this.#failed.promise.catch(() => {});
  }

  /**
   * Starts Parquet file `file` (at `location`, for messages) with the schema of `first`, its
   * first batch, in row groups of `rowGroupRows` rows (the last one fewer). The writer closes
   * `file`. A failed write (a full disk) is a `LoadPackageError` naming the file and its package.
   */
  static async open(
    file: WritableFile,
    location: string,
    first: WasmRecordBatch,
    rowGroupRows: number,
  ): Promise<ParquetFileWriter> {
    const writer = new ParquetFileWriter(location, file);
    const input = new ReadableStream<WasmRecordBatch>({
      start: (controller) => {
        writer.#input = controller;
      },
      pull: () => writer.#wanted.resolve(),
    }, { highWaterMark: 0 });
    // the encoder reads the first batch before it returns its output
    writer.#input.enqueue(first);
    // no dictionaries, no statistics: a loader reads job files whole, and both took about half
    // of the encoding time (ZSTD takes care of repeated values)
    const properties = new WriterPropertiesBuilder()
      .setCompression(Compression.ZSTD)
      .setDictionaryEnabled(false)
      .setStatisticsEnabled(EnabledStatistics.None)
      .setMaxRowGroupSize(rowGroupRows)
      .build();
    let output: ReadableStream<Uint8Array>;
    try {
      output = await transformParquetStream(input, properties);
    } catch (error) {
      await file.close();
      throw writer.#error("cannot be written", error);
    }
    writer.#pump = writer.#run(output);
    return writer;
  }

  /** Writes each row group the encoder emits to the file. */
  async #run(output: ReadableStream<Uint8Array>): Promise<void> {
    try {
      await writingJobFile(this.#location, async () => {
        for await (const chunk of output) {
          if (this.#aborted) break;
          this.#written += await writeAll(this.#file, chunk);
          this.#keepTail(chunk);
        }
      });
    } catch (error) {
      this.#failure = error;
      this.#failed.reject(error);
    }
  }

  #keepTail(chunk: Uint8Array): void {
    const tail = new Uint8Array(Math.min(4, this.#tail.length + chunk.length));
    const fromChunk = Math.min(tail.length, chunk.length);
    tail.set(this.#tail.subarray(this.#tail.length - (tail.length - fromChunk)));
    tail.set(chunk.subarray(chunk.length - fromChunk), tail.length - fromChunk);
    this.#tail = tail;
  }

  /** Hands `batch` (of the file's schema) to the encoder once it is ready for it. */
  async write(batch: WasmRecordBatch): Promise<void> {
    await Promise.race([this.#wanted.promise, this.#failed.promise]);
    this.#wanted = Promise.withResolvers();
    this.#input.enqueue(batch);
  }

  /**
   * Ends the file: the encoder writes the last row group and the footer. Returns the file's size;
   * a file that does not end with the footer is a `LoadPackageError` naming it.
   */
  async close(): Promise<number> {
    try {
      this.#input.close();
      await this.#pump;
      if (this.#failure !== undefined) throw this.#failure;
    } finally {
      await this.#file.close();
    }
    if (this.#tail.length < 4 || !this.#tail.every((byte, i) => byte === PARQUET_MAGIC[i])) {
      throw this.#error("was left without its footer by the Parquet encoder", undefined);
    }
    return this.#written;
  }

  /** Stops writing and closes the file (normalize failed; the file is discarded). */
  async abort(): Promise<void> {
    this.#aborted = true;
    try {
      this.#input.close();
    } catch {
      // closed already: a close that failed
    }
    await this.#pump;
    await this.#file.close();
  }

  #error(what: string, cause: unknown): LoadPackageError {
    const reason = cause instanceof Error ? `: ${cause.message}` : "";
    return new LoadPackageError(`Parquet job file "${this.#location}" ${what}${reason}`, { cause });
  }
}
