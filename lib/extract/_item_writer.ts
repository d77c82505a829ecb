/**
 * Writes extracted items as JSON lines into job files, one open file per table.
 *
 * @module
 */
import { join } from "node:path";
import type { PackageJob } from "../load/package_store.ts";
import { jobFileName, writingJobFile } from "../load/job_files.ts";
import { TextWriter } from "../load/write_all.ts";
import type { WorkingStorage, WritableFile } from "../storage/storage.ts";
import type { DataWriterSettings } from "../runtime_settings.ts";

/** Bytes buffered per file before they are written. */
const FLUSH_BYTES = 1 << 20;
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

/**
 * Writes item lines into JSONL files per table in a package folder, buffering about 1 MiB (or
 * `bufferMaxItems` items), rotating at 24 MiB (or as `fileMaxBytes` and `fileMaxItems` say). A
 * failed write names the file and the package.
 */
export class ItemWriter {
  #storage: WorkingStorage;
  #dir: string;
  #open = new Map<string, OpenFile>();
  #files = 0;
  #jobs: PackageJob[] = [];
  #writer = new TextWriter();
  #bufferMaxItems: number;
  #fileMaxItems: number;
  #fileMaxBytes: number;

  /** Writes into the package folder `dir` of `storage`, buffering and rotating as `settings` say. */
  constructor(storage: WorkingStorage, dir: string, settings: DataWriterSettings = {}) {
    this.#storage = storage;
    this.#dir = dir;
    this.#fileMaxItems = settings.fileMaxItems ?? Infinity;
    this.#fileMaxBytes = settings.fileMaxBytes ?? ROTATE_BYTES;
    this.#bufferMaxItems = settings.bufferMaxItems ?? Infinity;
  }

  /** Adds `line` (one serialized item, no newline) to the file of `table`. */
  async write(table: string, line: string): Promise<void> {
    let entry = this.#open.get(table);
    if (entry === undefined) {
      // one sequence for all tables: names stay unique when shortened table names meet
      const name = jobFileName(table, String(++this.#files), "jsonl");
      const path = join(this.#dir, name);
      const file = await writingJobFile(
        this.#storage.locate(path),
        () => this.#storage.create(path),
      );
      entry = { file, name, lines: [], size: 0, written: 0, count: 0 };
      this.#open.set(table, entry);
    }
    entry.lines.push(line);
    entry.size += line.length + 1;
    entry.count++;
    if (entry.count >= this.#fileMaxItems) return await this.#close(table, entry);
    // a file reaching its size is written out at once, so it is not much larger
    const buffered = entry.lines.length;
    const full = entry.size >= FLUSH_BYTES || buffered >= this.#bufferMaxItems ||
      entry.written + entry.size >= this.#fileMaxBytes;
    if (!full) return;
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
      () => this.#writer.writeLines(entry.file, lines, "\n"),
    );
  }

  async #close(table: string, entry: OpenFile): Promise<void> {
    this.#open.delete(table);
    try {
      await this.#flush(entry);
    } finally {
      await entry.file.close();
    }
    this.#jobs.push({ file: entry.name, table, rows: entry.count, bytes: entry.written });
  }

  /** Closes every file (all of them, even when one fails) and returns the jobs written. */
  async close(): Promise<PackageJob[]> {
    const failures: unknown[] = [];
    for (const [table, entry] of [...this.#open]) {
      await this.#close(table, entry).catch((error) => failures.push(error));
    }
    if (failures.length > 0) throw failures[0];
    return this.#jobs;
  }
}
