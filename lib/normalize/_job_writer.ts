/**
 * Streams normalized rows of a package into job files, one open file per table, in one
 * {@linkcode JobFileFormat} (CSV or JSONL).
 *
 * Columns keep the order in which they first appeared in the package. Lines are buffered (1 MiB
 * for all tables together) and written in one go per table; a file is closed at 64 MiB and the
 * table's next lines start the next one.
 *
 * A format with a header (CSV) fixes a file's columns when the file is opened: every line then
 * has each of them, padded with empty fields. A column new to a table whose file is open already
 * closes that file; the lines still buffered go to the next file, which names all columns. So a
 * table's file rotates at most once per write of the buffer, as dlt rotates its CSV files when
 * the schema changes.
 *
 * @module
 */
import { join } from "node:path";
import type { PackageJob } from "../load/package_store.ts";
import type { SchemaEvolver } from "../schema/evolution.ts";
import type { ColumnSchema, TableSchema } from "../schema/schema.ts";
import { NormalizeError } from "../errors.ts";
import type { FlatRow } from "./relational.ts";
import type { JobFileFormat } from "./job_file_format.ts";
import { TextWriter } from "../load/write_all.ts";
import { jobFileName, writingJobFile } from "../load/job_files.ts";
import type { WorkingStorage, WritableFile } from "../storage/storage.ts";

/** Bytes buffered (all tables together) before they are written. */
const DRAIN_BYTES = 1 << 20;
/** Size at which a table's file is closed and the next one started. */
const ROTATE_BYTES = 64 << 20;

/** Lines that may be longer than this many bytes are measured exactly; shorter ones estimated. */
const EXACT_LINE_BYTES = 1 << 20;

/** Lines buffered while the table had `width` columns. */
interface PendingLines {
  width: number;
  /** The lines, without their newlines. */
  lines: string[];
  /** At least the bytes of the longest line, newline included. */
  longest: number;
}

/** The file a table is being written to. */
interface TableFile {
  name: string;
  file: WritableFile | undefined;
  /** Columns the file has: all of the table's when it was opened (a header format). */
  columns: number;
  written: number;
  rows: number;
  /** At least the bytes of the longest line (exact for lines of a megabyte or more). */
  longestLine: number;
}

/** What the writer keeps of one table. */
interface TableState {
  /** Column names, in order of first appearance. */
  names: string[];
  /** The names as the format writes them (header fields, object keys). */
  labels: string[];
  index: Map<string, number>;
  /** The encoded values of the row being encoded, by column position; `""` for NULL. */
  fields: string[];
  /** Lines not written yet, by the number of columns the table had. */
  pending: PendingLines[];
  pendingRows: number;
  file: TableFile | undefined;
  /** NOT NULL columns (hinted `nullable: false`; dlt's own columns always have values). */
  required: ColumnSchema[];
}

/** Options of {@linkcode JobWriter}. */
export interface JobWriterOptions {
  /** The working folder. */
  storage: WorkingStorage;
  /** Folder the job files are written to, in `storage`. */
  dir: string;
  /** Start of the file ids (each worker has its own). */
  prefix: string;
  /** The format of the files. */
  format: JobFileFormat;
}

/** Encodes rows as lines of job files and streams them into one file per table. */
export class JobWriter {
  /** Jobs written so far (files closed). */
  readonly jobs: PackageJob[] = [];
  /** Rows per table. */
  readonly rowCounts: Record<string, number> = {};
  #storage: WorkingStorage;
  #dir: string;
  #prefix: string;
  #format: JobFileFormat;
  #evolver: SchemaEvolver;
  #tables = new Map<string, TableState>();
  #pendingBytes = 0;
  #fileSeq = 0;
  /** Positions filled in the row being encoded. */
  #filled: number[] = [];
  #encoder = new TextEncoder();
  #writer = new TextWriter();

  /** Writes job files as `options` say; `evolver` places each value in its column. */
  constructor(evolver: SchemaEvolver, options: JobWriterOptions) {
    this.#evolver = evolver;
    this.#storage = options.storage;
    this.#dir = options.dir;
    this.#prefix = options.prefix;
    this.#format = options.format;
  }

  /** Whether enough is buffered that {@linkcode JobWriter.drain} should run. */
  get full(): boolean {
    return this.#pendingBytes >= DRAIN_BYTES;
  }

  /** Coerces `row` into `table` (evolving the schema) and buffers it as a line. */
  add(table: TableSchema, row: FlatRow): void {
    const state = this.#tables.get(table.name) ?? this.#newTable(table);
    const { names, labels, index, fields } = state;
    const evolver = this.#evolver;
    const format = this.#format;
    const filled = this.#filled;
    filled.length = 0;
    for (const key in row) {
      const column = evolver.place(table, key, row[key]);
      // a value the schema contract discards
      if (column === undefined) continue;
      let at = index.get(column.name);
      if (at === undefined) {
        at = names.push(column.name) - 1;
        labels.push(format.label(column.name));
        index.set(column.name, at);
        fields.push("");
      }
      fields[at] = format.encode(evolver.value!, column.dataType);
      filled.push(at);
    }
    this.#checkRequired(table, state);
    const line = format.line(labels, fields, filled);
    for (let i = 0; i < filled.length; i++) fields[filled[i]] = "";
    let pending = state.pending.at(-1);
    if (pending === undefined || (format.hasHeader && pending.width !== names.length)) {
      pending = { width: names.length, lines: [], longest: 0 };
      state.pending.push(pending);
    }
    pending.lines.push(line);
    state.pendingRows++;
    // UTF-8 takes at most three bytes per UTF-16 unit: lines count exactly only when long
    const atMost = line.length * 3 + 1;
    if (atMost > pending.longest) {
      const bytes = atMost < EXACT_LINE_BYTES ? atMost : this.#encoder.encode(line).length + 1;
      if (bytes > pending.longest) pending.longest = bytes;
    }
    this.#pendingBytes += line.length + 1;
    this.rowCounts[table.name] = (this.rowCounts[table.name] ?? 0) + 1;
  }

  #newTable(table: TableSchema): TableState {
    const state: TableState = {
      names: [],
      labels: [],
      index: new Map(),
      fields: [],
      pending: [],
      pendingRows: 0,
      file: undefined,
      required: Object.values(table.columns).filter((c) =>
        c.nullable === false && !c.name.startsWith("_dlt_")
      ),
    };
    this.#tables.set(table.name, state);
    return state;
  }

  /**
   * Fails when the row being encoded has no value in a NOT NULL column of `table` — missing, or
   * moved to a variant column because it did not fit the column's type: the destination would
   * refuse the whole load, naming neither the row nor the reason.
   */
  #checkRequired(table: TableSchema, { required, index, fields }: TableState): void {
    for (const column of required) {
      const at = index.get(column.name);
      if (at !== undefined && fields[at] !== "") continue;
      throw new NormalizeError(
        table.name,
        column.name,
        `${
          column.primaryKey ? "primary key" : "NOT NULL"
        } column has no value in a row (missing, or not of the column's type)`,
      );
    }
  }

  /**
   * Writes the buffered lines; closes files that reached their size limit, or whose header
   * lacks a column that buffered lines have. A failed write names the file and its package.
   */
  async drain(): Promise<void> {
    const format = this.#format;
    for (const [table, state] of this.#tables) {
      if (state.pendingRows === 0) continue;
      const width = state.names.length;
      if (state.file !== undefined && state.file.columns < width && format.hasHeader) {
        await this.#close(table, state);
      }
      const parts: string[] = [];
      let file = state.file;
      if (file === undefined) {
        const id = `${this.#prefix}${++this.#fileSeq}`;
        const header = format.header(state.labels);
        file = state.file = {
          name: jobFileName(table, id, format.name),
          file: undefined,
          columns: width,
          written: 0,
          rows: 0,
          longestLine: header === "" ? 0 : this.#encoder.encode(header).length,
        };
        if (header !== "") parts.push(header);
      }
      for (const { width: had, lines, longest } of state.pending) {
        const padding = format.padding(file.columns - had);
        parts.push(lines.join(padding + "\n"), padding + "\n");
        file.longestLine = Math.max(file.longestLine, longest + padding.length);
      }
      const text = parts.join("");
      file.rows += state.pendingRows;
      state.pending = [];
      state.pendingRows = 0;
      const path = join(this.#dir, file.name);
      const target = file;
      file.written += await writingJobFile(this.#storage.locate(path), async () => {
        target.file ??= await this.#storage.create(path);
        return await this.#writer.write(target.file, text);
      });
      if (file.written >= ROTATE_BYTES) await this.#close(table, state);
    }
    this.#pendingBytes = 0;
  }

  async #close(table: string, state: TableState): Promise<void> {
    const file = state.file!;
    state.file = undefined;
    await file.file?.close();
    this.jobs.push({
      file: file.name,
      table,
      format: this.#format.name,
      rows: file.rows,
      columns: state.names.slice(0, this.#format.hasHeader ? file.columns : undefined),
      longestLine: file.longestLine,
      bytes: file.written,
    });
  }

  /** Closes all files without writing what is buffered (normalize failed). */
  async abort(): Promise<void> {
    for (const state of this.#tables.values()) {
      const file = state.file?.file;
      state.file = undefined;
      await file?.close();
    }
  }

  /** Writes everything and closes all files (also when a write fails). */
  async close(): Promise<void> {
    try {
      await this.drain();
    } finally {
      for (const [table, state] of this.#tables) {
        if (state.file !== undefined) await this.#close(table, state);
      }
    }
  }
}
