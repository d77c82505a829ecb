/**
 * Streams normalized rows of a package into job files, one open file per table, each table in
 * the {@linkcode JobFileFormat} it is written in (its root table's): text formats one line per
 * row (`_line_files.ts`), Parquet in typed columns (`parquet.ts`).
 *
 * Rows are buffered (about 1 MiB for all tables together) and then written in one go per table,
 * each table's writer deciding what to write then: a Parquet table waits until it has a batch
 * worth encoding, while all tables together keep at most 64 MiB (the largest are written
 * first).
 *
 * @module
 */
import type { PackageJob } from "../load/package_store.ts";
import type { SchemaEvolver } from "../schema/evolution.ts";
import { rootTableOf, type TableSchema } from "../schema/schema.ts";
import type { FlatRow } from "./relational.ts";
import type { JobFileFormat, JobFiles, TableJobWriter } from "./job_file_format.ts";
import { TextWriter } from "../load/write_all.ts";
import { jobFileName } from "../load/job_files.ts";
import { appendSystemColumns } from "./_csv_pages.ts";
import type { WorkingStorage } from "../storage/storage.ts";
import type { DataWriterSettings } from "../runtime_settings.ts";

/** Bytes buffered (all tables together) before they are written. */
const DRAIN_BYTES = 1 << 20;
/** Most bytes the tables' writers may keep buffered after a drain, all together. */
const HELD_BYTES = 64 << 20;

/**
 * Options of {@linkcode JobWriter}; the data writer settings (dlt's `[normalize.data_writer]`)
 * say when buffered rows are written and when files rotate.
 */
export interface JobWriterOptions extends DataWriterSettings {
  /** The working folder. */
  storage: WorkingStorage;
  /** Folder the job files are written to, in `storage`. */
  dir: string;
  /** Start of the file ids (each worker has its own). */
  prefix: string;
  /** The format of the files of tables `tableFormats` does not list. */
  format: JobFileFormat;
  /** Formats by root table: a root table's nested tables are written in its format. */
  tableFormats?: Readonly<Record<string, JobFileFormat>>;
  /** Receives each job as its file is closed. */
  onClosed?: (job: PackageJob) => void;
}

/** Encodes rows into job files and streams them into one file per table. */
export class JobWriter {
  /** Jobs written so far (files closed). */
  readonly jobs: PackageJob[] = [];
  /** Rows per table. */
  readonly rowCounts: Record<string, number> = {};
  #evolver: SchemaEvolver;
  #format: JobFileFormat;
  #tableFormats: Readonly<Record<string, JobFileFormat>>;
  #files: JobFiles;
  #tables = new Map<string, TableJobWriter>();
  #pendingBytes = 0;
  #pendingRows = 0;
  #bufferMaxItems: number;

  /** Writes job files as `options` say; `evolver` places each value in its column. */
  constructor(evolver: SchemaEvolver, options: JobWriterOptions) {
    this.#evolver = evolver;
    this.#format = options.format;
    this.#tableFormats = options.tableFormats ?? {};
    const { storage, dir, prefix, fileMaxBytes = 64 << 20, fileMaxItems = Infinity } = options;
    this.#bufferMaxItems = options.bufferMaxItems ?? Infinity;
    let fileSeq = 0;
    this.#files = {
      storage,
      dir,
      text: new TextWriter(),
      fileMaxBytes,
      fileMaxItems,
      newFile: (table, extension) => jobFileName(table, `${prefix}${++fileSeq}`, extension),
      closed: (job) => {
        this.jobs.push(job);
        options.onClosed?.(job);
      },
    };
  }

  /**
   * Whether enough is buffered that {@linkcode JobWriter.drain} should run: a megabyte, or
   * `bufferMaxItems` rows.
   */
  get full(): boolean {
    return this.#pendingBytes >= DRAIN_BYTES || this.#pendingRows >= this.#bufferMaxItems;
  }

  /** Coerces `row` into `table` (evolving the schema) and buffers it. */
  add(table: TableSchema, row: FlatRow): void {
    const writer = this.#tables.get(table.name) ?? this.#open(table);
    this.#pendingBytes += writer.add(row);
    this.#pendingRows++;
    this.rowCounts[table.name] = (this.rowCounts[table.name] ?? 0) + 1;
  }

  /** The name of the format root table `root` (and its nested tables) is written in. */
  formatOf(root: string): string {
    return (this.#tableFormats[root] ?? this.#format).name;
  }

  /**
   * Copies the records of the extracted CSV file `path` (of `columns`, normalized) into CSV job
   * files of root table `table`, with `_dlt_load_id` (`loadId`) and a random `_dlt_id` appended
   * to each (see `_csv_pages.ts`).
   */
  async copyCsvRecords(
    table: TableSchema,
    columns: readonly string[],
    path: string,
    loadId: string,
  ): Promise<void> {
    const rows = await appendSystemColumns(this.#files, table.name, columns, path, loadId);
    this.rowCounts[table.name] = (this.rowCounts[table.name] ?? 0) + rows;
  }

  #open(table: TableSchema): TableJobWriter {
    const root = rootTableOf(this.#evolver.schema, table.name).name;
    const format = this.#tableFormats[root] ?? this.#format;
    const writer = format.tableWriter(table, this.#evolver, this.#files);
    this.#tables.set(table.name, writer);
    return writer;
  }

  /** Writes what is buffered. A failed write names the file and its package. */
  async drain(): Promise<void> {
    let held = 0;
    for (const writer of this.#tables.values()) {
      await writer.drain();
      held += writer.held;
    }
    if (held > HELD_BYTES) {
      const largest = [...this.#tables.values()].sort((a, b) => b.held - a.held);
      for (const writer of largest) {
        if (held <= HELD_BYTES / 2) break;
        held -= writer.held;
        await writer.flush();
      }
    }
    this.#pendingBytes = 0;
    this.#pendingRows = 0;
  }

  /** Closes all files without writing what is buffered (normalize failed). */
  async abort(): Promise<void> {
    for (const writer of this.#tables.values()) await writer.abort();
  }

  /** Writes everything and closes all files (all of them, also when a write fails). */
  async close(): Promise<void> {
    let failure: { error: unknown } | undefined;
    for (const writer of this.#tables.values()) {
      try {
        await writer.close();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }
}
