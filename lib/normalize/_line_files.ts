/**
 * Job files of text formats with one row per line (CSV, JSONL, INSERT VALUES): a
 * {@linkcode LineFormat} says how a row becomes a line, and {@linkcode lineJobFormat} makes it a
 * job file format whose table writer buffers the lines and writes them in one go per table.
 *
 * Columns keep the order in which they first appeared in the package. A file is closed once it
 * has `fileMaxBytes` (64 MiB) or `fileMaxItems` rows, and the table's next lines start the next
 * one.
 *
 * A format with fixed columns (CSV's header, INSERT VALUES' column list) fixes a file's columns
 * when the file is opened: every line then has each of them, padded with empty fields. A column
 * new to a table whose file is open already closes that file; the lines still buffered go to the
 * next file, which has all columns. So a table's file rotates at most once per write of the
 * buffer, as dlt rotates its CSV files when the schema changes.
 *
 * @module
 */
import { join } from "node:path";
import type { PackageJob } from "../load/package_store.ts";
import type { SchemaEvolver } from "../schema/evolution.ts";
import type { ColumnSchema, TableSchema } from "../schema/schema.ts";
import type { FlatRow } from "./relational.ts";
import type { NormalizedValue } from "./inference.ts";
import type { JobFileFormat, JobFiles, TableJobWriter } from "./job_file_format.ts";
import { writingJobFile } from "../load/job_files.ts";
import type { WritableFile } from "../storage/storage.ts";
import { TableColumns } from "./_table_columns.ts";

/** Lines that may be longer than this many bytes are measured exactly; shorter ones estimated. */
const EXACT_LINE_BYTES = 1 << 20;

/**
 * How rows of a table are encoded as lines. The table writer calls
 * {@linkcode LineFormat.label} once per column, {@linkcode LineFormat.encode} per value,
 * {@linkcode LineFormat.line} per row and {@linkcode LineFormat.header} when it opens a file.
 */
export interface LineFormat extends Omit<JobFileFormat, "tableWriter"> {
  /**
   * Whether a file has fixed columns (named in a header, or in the job): every line then has
   * all of them, and a column new to the table starts the next file.
   */
  readonly fixedColumns: boolean;
  /** How column `name` is written where the format names it (header field, object key). */
  label(name: string): string;
  /** The text of one non-null `value` of `column`; never `""`, which is NULL. */
  encode(value: NormalizedValue, column: ColumnSchema): string;
  /**
   * The line of one row, without its newline: `fields[i]` is the encoded value of the column
   * labelled `labels[i]` (`""` for NULL), `filled` the positions holding values.
   */
  line(labels: readonly string[], fields: readonly string[], filled: readonly number[]): string;
  /** The header line of a file of the columns `labels`, newline included; `""` without one. */
  header(labels: readonly string[]): string;
  /**
   * What ends a line written when the file had `missing` columns fewer (the empty fields of a
   * format with fixed columns, and whatever closes a line).
   */
  padding(missing: number): string;
}

/** `format` as a job file format, with its line writer. */
export function lineJobFormat(format: LineFormat): LineFormat & JobFileFormat {
  return {
    ...format,
    tableWriter: (table: TableSchema, evolver: SchemaEvolver, files: JobFiles) =>
      new LineTableWriter(format, table, evolver, files),
  };
}

/** Lines buffered while the table had `width` columns. */
interface PendingLines {
  width: number;
  /** The lines, without their newlines. */
  lines: string[];
  /** At least the bytes of the longest line, newline included. */
  longest: number;
}

/**
 * The first `count` lines of `pending` (all when there are fewer), and the rest; a group split
 * in two keeps its width and longest line in both halves.
 */
function takeLines(
  pending: readonly PendingLines[],
  count: number,
): [PendingLines[], PendingLines[]] {
  const now: PendingLines[] = [];
  let left = count;
  for (const [i, group] of pending.entries()) {
    if (group.lines.length <= left) {
      now.push(group);
      left -= group.lines.length;
      continue;
    }
    const later = pending.slice(i + 1);
    if (left === 0) return [now, [group, ...later]];
    now.push({ ...group, lines: group.lines.slice(0, left) });
    return [now, [{ ...group, lines: group.lines.slice(left) }, ...later]];
  }
  return [now, []];
}

/** The file a table is being written to. */
interface TableFile {
  name: string;
  file: WritableFile | undefined;
  /** Columns the file has: all of the table's when it was opened (fixed columns). */
  columns: number;
  written: number;
  rows: number;
  /** At least the bytes of the longest line (exact for lines of a megabyte or more). */
  longestLine: number;
}

/** Encodes the rows of one table as lines and streams them into its files. */
class LineTableWriter implements TableJobWriter {
  #format: LineFormat;
  #evolver: SchemaEvolver;
  #files: JobFiles;
  #columns: TableColumns;
  /** The names as the format writes them (header fields, object keys). */
  #labels: string[] = [];
  /** The encoded values of the row being encoded, by column position; `""` for NULL. */
  #fields: string[] = [];
  /** Positions filled in the row being encoded. */
  #filled: number[] = [];
  /** Lines not written yet, by the number of columns the table had. */
  #pending: PendingLines[] = [];
  #pendingRows = 0;
  #file: TableFile | undefined;
  #encoder = new TextEncoder();
  #isFilled = (at: number) => this.#fields[at] !== "";

  constructor(format: LineFormat, table: TableSchema, evolver: SchemaEvolver, files: JobFiles) {
    this.#format = format;
    this.#evolver = evolver;
    this.#files = files;
    this.#columns = new TableColumns(table);
  }

  add(row: FlatRow): number {
    const columns = this.#columns;
    const { table, index } = columns;
    const labels = this.#labels;
    const fields = this.#fields;
    const evolver = this.#evolver;
    const format = this.#format;
    const filled = this.#filled;
    filled.length = 0;
    const { names, values } = row;
    for (let i = 0; i < names.length; i++) {
      const column = evolver.place(table, names[i], values[i]);
      // a value the schema contract discards
      if (column === undefined) continue;
      let at = index.get(column.name);
      if (at === undefined) {
        at = columns.add(column);
        labels.push(format.label(column.name));
        fields.push("");
      }
      fields[at] = format.encode(evolver.value!, column);
      filled.push(at);
    }
    columns.checkRequired(this.#isFilled);
    const line = format.line(labels, fields, filled);
    for (let i = 0; i < filled.length; i++) fields[filled[i]] = "";
    const width = labels.length;
    let pending = this.#pending.at(-1);
    if (pending === undefined || (format.fixedColumns && pending.width !== width)) {
      pending = { width, lines: [], longest: 0 };
      this.#pending.push(pending);
    }
    pending.lines.push(line);
    this.#pendingRows++;
    // UTF-8 takes at most three bytes per UTF-16 unit: lines count exactly only when long
    const atMost = line.length * 3 + 1;
    if (atMost > pending.longest) {
      const bytes = atMost < EXACT_LINE_BYTES ? atMost : this.#encoder.encode(line).length + 1;
      if (bytes > pending.longest) pending.longest = bytes;
    }
    return line.length + 1;
  }

  /** Lines are written at every drain: none are held. */
  readonly held = 0;

  drain(): Promise<void> {
    return this.flush();
  }

  /**
   * Writes the buffered lines; closes the file when it reached its size or row limit (the rest
   * of the lines start the next file), or when it lacks a column that buffered lines have
   * (fixed columns).
   */
  async flush(): Promise<void> {
    if (this.#pendingRows === 0) return;
    const format = this.#format;
    const width = this.#labels.length;
    if (this.#file !== undefined && this.#file.columns < width && format.fixedColumns) {
      await this.#close();
    }
    let pending = this.#pending;
    this.#pending = [];
    this.#pendingRows = 0;
    const { fileMaxBytes, fileMaxItems } = this.#files;
    while (pending.length > 0) {
      /** Groups of lines, each line followed by its group's end. */
      const parts: { lines: readonly string[]; end: string }[] = [];
      let file = this.#file;
      if (file === undefined) {
        const header = format.header(this.#labels);
        file = this.#file = {
          name: this.#files.newFile(this.#columns.table.name, format.name),
          file: undefined,
          columns: width,
          written: 0,
          rows: 0,
          longestLine: header === "" ? 0 : this.#encoder.encode(header).length,
        };
        if (header !== "") parts.push({ lines: [header], end: "" });
      }
      const [now, later] = takeLines(pending, fileMaxItems - file.rows);
      pending = later;
      for (const { width: had, lines, longest } of now) {
        const padding = format.padding(file.columns - had);
        parts.push({ lines, end: padding + "\n" });
        file.longestLine = Math.max(file.longestLine, longest + padding.length);
        file.rows += lines.length;
      }
      await this.#write(file, parts);
      if (file.written >= fileMaxBytes || file.rows >= fileMaxItems) await this.#close();
    }
  }

  /** Appends the lines of `parts` to `file`, creating it on its first write. */
  async #write(
    file: TableFile,
    parts: readonly { lines: readonly string[]; end: string }[],
  ): Promise<void> {
    const { storage, dir } = this.#files;
    const path = join(dir, file.name);
    file.written += await writingJobFile(storage.locate(path), async () => {
      const opened = file.file ??= await storage.create(path);
      let written = 0;
      for (const { lines, end } of parts) {
        written += await this.#files.text.writeLines(opened, lines, end);
      }
      return written;
    });
  }

  async #close(): Promise<void> {
    const file = this.#file!;
    this.#file = undefined;
    await file.file?.close();
    const job: PackageJob = {
      file: file.name,
      table: this.#columns.table.name,
      format: this.#format.name,
      rows: file.rows,
      columns: this.#columns.names.slice(0, this.#format.fixedColumns ? file.columns : undefined),
      longestLine: file.longestLine,
      bytes: file.written,
    };
    this.#files.closed(job);
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      if (this.#file !== undefined) await this.#close();
    }
  }

  async abort(): Promise<void> {
    const file = this.#file?.file;
    this.#file = undefined;
    await file?.close();
  }
}
