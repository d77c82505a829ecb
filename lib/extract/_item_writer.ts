/**
 * Writes extracted items as JSON lines into job files, one open file per table; pages of CSV
 * records (`csv_pages.ts`) go as they are into CSV files of their own.
 *
 * @module
 */
import { join } from "node:path";
import type { PackageJob } from "../load/package_store.ts";
import { jobFileName, writingJobFile } from "../load/job_files.ts";
import { asciiJsonLine } from "../load/lines.ts";
import { TextWriter } from "../load/write_all.ts";
import type { WorkingStorage, WritableFile } from "../storage/storage.ts";
import type { DataWriterSettings } from "../runtime_settings.ts";
import type { CsvPage, CsvPageColumn } from "./csv_pages.ts";

/**
 * Bytes buffered per file before they are written: their text, joined, stays a young-generation
 * string (a 1 MiB one was a fresh large-object allocation in V8 at every write, which made
 * extract of the GitHub events a quarter slower).
 */
const FLUSH_BYTES = 64 << 10;
/**
 * Size at which a table's file is closed and a new one started, so normalize can spread files
 * over workers (unless `fileMaxBytes` says otherwise).
 */
const ROTATE_BYTES = 24 << 20;

interface OpenFile {
  file: WritableFile;
  name: string;
  lines: string[];
  /** Bytes buffered (about: UTF-16 units). */
  size: number;
  written: number;
  count: number;
}

/** A table's open file of CSV records, all of `columns`. */
interface OpenPages {
  file: WritableFile;
  name: string;
  columns: readonly CsvPageColumn[];
  written: number;
  count: number;
}

const DONE: Promise<void> = Promise.resolve();

/** Whether pages of `a` and `b` may share a file. */
function sameColumns(a: readonly CsvPageColumn[], b: readonly CsvPageColumn[]): boolean {
  return a.length === b.length &&
    a.every((c, i) => c.name === b[i].name && c.dataType === b[i].dataType);
}

/**
 * Writes item lines (JSON) into JSONL files per table in a package folder, buffering about 64 KiB
 * (or `bufferMaxItems` items), rotating at 24 MiB (or as `fileMaxBytes` and `fileMaxItems`
 * say). The files are ASCII: a character outside it is written as its `\uXXXX` escape, which
 * normalize reads without decoding UTF-8. A failed write names the file and the package.
 *
 * Resources extracted concurrently share one writer: calls may overlap. A line only added to a
 * buffer is added at once; whatever touches a file (opening, flushing, rotating, closing) runs
 * one at a time, in call order, and lines written meanwhile wait behind it, so a file gets its
 * lines whole and in order and a table never gets two open files. After {@linkcode close}, a
 * write is an error.
 *
 * A page of CSV records ({@linkcode ItemWriter.addPage}) is written at once, into the table's
 * CSV file for pages of its columns (another table's, or other columns, open another file).
 */
export class ItemWriter {
  #storage: WorkingStorage;
  #dir: string;
  #open = new Map<string, OpenFile>();
  #pages = new Map<string, OpenPages>();
  #files = 0;
  #jobs: PackageJob[] = [];
  #writer = new TextWriter();
  #bufferMaxItems: number;
  #fileMaxItems: number;
  #fileMaxBytes: number;
  /** The file work under way, and all queued behind it; undefined when there is none. */
  #busy: Promise<void> | undefined;
  #closed = false;
  #onClosed: ((job: PackageJob) => void) | undefined;

  /**
   * Writes into the package folder `dir` of `storage`, buffering and rotating as `settings` say;
   * `onClosed` receives each job as its file is closed, complete.
   */
  constructor(
    storage: WorkingStorage,
    dir: string,
    settings: DataWriterSettings = {},
    onClosed?: (job: PackageJob) => void,
  ) {
    this.#storage = storage;
    this.#dir = dir;
    this.#onClosed = onClosed;
    this.#fileMaxItems = settings.fileMaxItems ?? Infinity;
    this.#fileMaxBytes = settings.fileMaxBytes ?? ROTATE_BYTES;
    this.#bufferMaxItems = settings.bufferMaxItems ?? Infinity;
  }

  /** Adds `line` (one serialized item, no newline) to the file of `table`. */
  write(table: string, line: string): Promise<void> {
    return this.add(table, line) ?? DONE;
  }

  /**
   * Adds `line` as {@linkcode write} does; `undefined` when the line was only buffered (the
   * common case, then nothing need be awaited), else the file work it set off.
   */
  add(table: string, line: string): Promise<void> | undefined {
    if (this.#closed) {
      return Promise.reject(new Error(`Cannot write to table "${table}": the writer is closed`));
    }
    const entry = this.#busy === undefined ? this.#open.get(table) : undefined;
    if (entry !== undefined) {
      // the common case: the file is open and nothing is being written
      const action = this.#append(entry, line);
      return action === undefined
        ? undefined
        : this.#exclusive(() => this.#act(table, entry, action));
    }
    return this.#exclusive(async () => {
      const entry = this.#open.get(table) ?? await this.#openFile(table);
      const action = this.#append(entry, line);
      if (action !== undefined) await this.#act(table, entry, action);
    });
  }

  /** Writes the records of `page` into a CSV file of `table`, after the writes before it. */
  addPage(table: string, page: CsvPage): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new Error(`Cannot write to table "${table}": the writer is closed`));
    }
    return this.#exclusive(async () => {
      let entry = this.#pages.get(table);
      if (entry !== undefined && !sameColumns(entry.columns, page.columns)) {
        await this.#closePages(table, entry);
        entry = undefined;
      }
      entry ??= await this.#openPages(table, page.columns);
      const opened = entry;
      opened.written += await writingJobFile(
        this.#storage.locate(join(this.#dir, opened.name)),
        () => this.#writer.writeParts(opened.file, page.parts),
      );
      opened.count += page.rows;
      if (opened.written >= this.#fileMaxBytes || opened.count >= this.#fileMaxItems) {
        await this.#closePages(table, opened);
      }
    });
  }

  async #openPages(table: string, columns: readonly CsvPageColumn[]): Promise<OpenPages> {
    const entry = { ...await this.#create(table, "csv"), columns, written: 0, count: 0 };
    this.#pages.set(table, entry);
    return entry;
  }

  async #closePages(table: string, entry: OpenPages): Promise<void> {
    this.#pages.delete(table);
    await entry.file.close();
    this.#done({
      file: entry.name,
      table,
      format: "csv",
      rows: entry.count,
      bytes: entry.written,
      columns: entry.columns.map((c) => c.name),
      dataTypes: entry.columns.map((c) => c.dataType),
    });
  }

  /** Runs `work` after all file work before it; the writes behind it wait for it. */
  #exclusive(work: () => Promise<void>): Promise<void> {
    const run = (this.#busy ?? DONE).then(work);
    const settled = run.then(() => {}, () => {});
    this.#busy = settled;
    settled.then(() => {
      if (this.#busy === settled) this.#busy = undefined;
    });
    return run;
  }

  /** Creates a new job file of `table` with `extension`. */
  async #create(table: string, extension: string): Promise<{ file: WritableFile; name: string }> {
    // one sequence for all tables: names stay unique when shortened table names meet
    const name = jobFileName(table, String(++this.#files), extension);
    const path = join(this.#dir, name);
    const file = await writingJobFile(
      this.#storage.locate(path),
      () => this.#storage.create(path),
    );
    return { file, name };
  }

  async #openFile(table: string): Promise<OpenFile> {
    const entry = {
      ...await this.#create(table, "jsonl"),
      lines: [],
      size: 0,
      written: 0,
      count: 0,
    };
    this.#open.set(table, entry);
    return entry;
  }

  /** Buffers `line`; what must happen to the file now, if anything. */
  #append(entry: OpenFile, line: string): "close" | "flush" | undefined {
    entry.lines.push(line);
    entry.size += line.length + 1;
    entry.count++;
    if (entry.count >= this.#fileMaxItems) return "close";
    // a file reaching its size is written out at once, so it is not much larger
    const full = entry.size >= FLUSH_BYTES || entry.lines.length >= this.#bufferMaxItems ||
      entry.written + entry.size >= this.#fileMaxBytes;
    return full ? "flush" : undefined;
  }

  async #act(table: string, entry: OpenFile, action: "close" | "flush"): Promise<void> {
    if (action === "close") return await this.#close(table, entry);
    await this.#flush(entry);
    if (entry.written >= this.#fileMaxBytes) await this.#close(table, entry);
  }

  async #flush(entry: OpenFile): Promise<void> {
    if (entry.lines.length === 0) return;
    const lines = entry.lines;
    entry.lines = [];
    entry.size = 0;
    entry.written += await writingJobFile(
      this.#storage.locate(join(this.#dir, entry.name)),
      () => this.#writeLines(entry.file, lines),
    );
  }

  /**
   * Writes `lines`, each followed by a newline, in ASCII: a line with other characters is
   * written escaped (see `asciiJsonLine`), which normalize reads back fastest.
   */
  #writeLines(file: WritableFile, lines: string[]): Promise<number> {
    return this.#writer.writeLines(file, lines, "\n", asciiJsonLine);
  }

  async #close(table: string, entry: OpenFile): Promise<void> {
    this.#open.delete(table);
    try {
      await this.#flush(entry);
    } finally {
      await entry.file.close();
    }
    this.#done({ file: entry.name, table, rows: entry.count, bytes: entry.written });
  }

  /** Records the job of a closed file. */
  #done(job: PackageJob): void {
    this.#jobs.push(job);
    this.#onClosed?.(job);
  }

  /**
   * Closes every file (all of them, even when one fails), after the writes under way, and
   * returns the jobs written.
   */
  async close(): Promise<PackageJob[]> {
    this.#closed = true;
    const failures: unknown[] = [];
    await this.#exclusive(async () => {
      for (const [table, entry] of [...this.#open]) {
        await this.#close(table, entry).catch((error) => failures.push(error));
      }
      for (const [table, entry] of [...this.#pages]) {
        await this.#closePages(table, entry).catch((error) => failures.push(error));
      }
    });
    if (failures.length > 0) throw failures[0];
    return this.#jobs;
  }
}
