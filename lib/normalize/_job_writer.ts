/**
 * Streams normalized rows of a package into CSV job files, one open file per table.
 *
 * Columns keep the order in which they first appeared in the package, so a row written before a
 * column existed simply ends early; the loader pads short rows with NULLs (`null_padding`) and
 * takes the column names from the job's metadata, so files have no header. Wide, sparse tables
 * cost what their values cost, and memory stays at the write buffer.
 *
 * @module
 */
import { join } from "node:path";
import type { PackageJob } from "../load/package_store.ts";
import type { SchemaEvolver } from "../schema/evolution.ts";
import type { ColumnSchema, TableSchema } from "../schema/schema.ts";
import { NormalizeError } from "../errors.ts";
import type { FlatRow } from "./relational.ts";
import { encodeCsvField } from "./csv.ts";
import { TextWriter, type WritableFile } from "../load/write_all.ts";
import { jobFileName, openNewJobFile, writingJobFile } from "../load/job_files.ts";

/** Bytes buffered (all tables together) before they are written. */
const DRAIN_BYTES = 1 << 20;
/** Size at which a table's file is closed and the next one started. */
const ROTATE_BYTES = 64 << 20;

/** Lines that may be longer than this many bytes are measured exactly; shorter ones estimated. */
const EXACT_LINE_BYTES = 1 << 20;

/** Columns of one table, in order of first appearance. */
interface TableColumns {
  names: string[];
  index: Map<string, number>;
  /** The CSV fields of the row being encoded, by column position; empty for NULL. */
  fields: string[];
}

/** The file a table is being written to. */
interface TableFile {
  table: string;
  name: string;
  file: WritableFile | undefined;
  pending: string[];
  written: number;
  rows: number;
  /** At least the bytes of the longest line (exact for lines of a megabyte or more). */
  longestLine: number;
}

/** Encodes rows as CSV lines and streams them into one file per table. */
export class JobWriter {
  /** Jobs written so far (files closed). */
  readonly jobs: PackageJob[] = [];
  /** Rows per table. */
  readonly rowCounts: Record<string, number> = {};
  #dir: string;
  #prefix: string;
  #evolver: SchemaEvolver;
  #columns = new Map<string, TableColumns>();
  #files = new Map<string, TableFile>();
  #pendingBytes = 0;
  #fileSeq = 0;
  /** Positions filled in the row being encoded. */
  #filled: number[] = [];
  #encoder = new TextEncoder();
  #writer = new TextWriter();
  #open: (path: string) => Promise<WritableFile>;

  /**
   * Writes into `dir`, file ids starting with `prefix`; `evolver` places each value in its
   * column; `open` opens a new job file (tests inject failing files).
   */
  constructor(
    dir: string,
    prefix: string,
    evolver: SchemaEvolver,
    open: (path: string) => Promise<WritableFile> = openNewJobFile,
  ) {
    this.#dir = dir;
    this.#prefix = prefix;
    this.#evolver = evolver;
    this.#open = open;
  }

  /** Whether enough is buffered that {@linkcode JobWriter.drain} should run. */
  get full(): boolean {
    return this.#pendingBytes >= DRAIN_BYTES;
  }

  /** Coerces `row` into `table` (evolving the schema) and buffers it as a CSV line. */
  add(table: TableSchema, row: FlatRow): void {
    let columns = this.#columns.get(table.name);
    if (columns === undefined) {
      columns = { names: [], index: new Map(), fields: [] };
      this.#columns.set(table.name, columns);
    }
    const { names, index, fields } = columns;
    const evolver = this.#evolver;
    const filled = this.#filled;
    filled.length = 0;
    let last = -1;
    for (const key in row) {
      const column = evolver.place(table, key, row[key]);
      // a value the schema contract discards
      if (column === undefined) continue;
      let at = index.get(column.name);
      if (at === undefined) {
        at = names.push(column.name) - 1;
        index.set(column.name, at);
        fields.push("");
      }
      fields[at] = encodeCsvField(evolver.value, column.dataType);
      filled.push(at);
      if (at > last) last = at;
    }
    this.#checkRequired(table, index, fields);
    // columns after the last value are left out: the loader pads them with NULL
    const line = (last + 1 === fields.length ? fields : fields.slice(0, last + 1)).join(",") + "\n";
    for (let i = 0; i < filled.length; i++) fields[filled[i]] = "";
    let file = this.#files.get(table.name);
    if (file === undefined) {
      const name = jobFileName(table.name, `${this.#prefix}${++this.#fileSeq}`, "csv");
      file = {
        table: table.name,
        name,
        file: undefined,
        pending: [],
        written: 0,
        rows: 0,
        longestLine: 0,
      };
      this.#files.set(table.name, file);
    }
    file.pending.push(line);
    file.rows++;
    // UTF-8 takes at most three bytes per UTF-16 unit: lines count exactly only when long
    const atMost = line.length * 3;
    if (atMost > file.longestLine) {
      const bytes = atMost < EXACT_LINE_BYTES ? atMost : this.#encoder.encode(line).length;
      if (bytes > file.longestLine) file.longestLine = bytes;
    }
    this.#pendingBytes += line.length;
    this.rowCounts[table.name] = (this.rowCounts[table.name] ?? 0) + 1;
  }

  /** NOT NULL columns of each table (hinted `nullable: false`; dlt's own columns always have values). */
  #required = new Map<string, ColumnSchema[]>();

  /**
   * Fails when the row being encoded has no value in a NOT NULL column of `table` — missing, or
   * moved to a variant column because it did not fit the column's type: the destination would
   * refuse the whole load, naming neither the row nor the reason.
   */
  #checkRequired(table: TableSchema, index: Map<string, number>, fields: string[]): void {
    let required = this.#required.get(table.name);
    if (required === undefined) {
      required = Object.values(table.columns).filter((c) =>
        c.nullable === false && !c.name.startsWith("_dlt_")
      );
      this.#required.set(table.name, required);
    }
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
   * Writes the buffered lines; closes files that reached their size limit. A failed write
   * names the file and its package.
   */
  async drain(): Promise<void> {
    for (const file of this.#files.values()) {
      if (file.pending.length === 0) continue;
      const text = file.pending.join("");
      file.pending = [];
      const path = join(this.#dir, file.name);
      file.written += await writingJobFile(path, async () => {
        file.file ??= await this.#open(path);
        return await this.#writer.write(file.file, text);
      });
      if (file.written >= ROTATE_BYTES) this.#close(file);
    }
    this.#pendingBytes = 0;
  }

  #close(file: TableFile): void {
    file.file?.close();
    this.#files.delete(file.table);
    const columns = this.#columns.get(file.table)!.names;
    this.jobs.push({
      file: file.name,
      table: file.table,
      rows: file.rows,
      columns: [...columns],
      longestLine: file.longestLine,
      bytes: file.written,
    });
  }

  /** Closes all files without writing what is buffered (normalize failed). */
  abort(): void {
    for (const file of this.#files.values()) file.file?.close();
    this.#files.clear();
  }

  /** Writes everything and closes all files (also when a write fails). */
  async close(): Promise<void> {
    try {
      await this.drain();
    } finally {
      for (const file of [...this.#files.values()]) this.#close(file);
    }
  }
}
