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
import type { TableSchema } from "../schema/schema.ts";
import type { FlatRow } from "./relational.ts";
import { encodeCsvField } from "./csv.ts";
import { writeAll } from "../load/write_all.ts";

/** Bytes buffered (all tables together) before they are written. */
const DRAIN_BYTES = 1 << 20;
/** Size at which a table's file is closed and the next one started. */
const ROTATE_BYTES = 64 << 20;

/** Columns of one table, in order of first appearance. */
interface TableColumns {
  names: string[];
  index: Map<string, number>;
}

/** The file a table is being written to. */
interface TableFile {
  table: string;
  name: string;
  file: Deno.FsFile | undefined;
  pending: string[];
  written: number;
  rows: number;
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
  #fields: [number, string][] = [];
  #encoder = new TextEncoder();

  /**
   * Writes into `dir`, file names starting with `prefix`; `evolver` places each value in its
   * column.
   */
  constructor(dir: string, prefix: string, evolver: SchemaEvolver) {
    this.#dir = dir;
    this.#prefix = prefix;
    this.#evolver = evolver;
  }

  /** Whether enough is buffered that {@linkcode JobWriter.drain} should run. */
  get full(): boolean {
    return this.#pendingBytes >= DRAIN_BYTES;
  }

  /** Coerces `row` into `table` (evolving the schema) and buffers it as a CSV line. */
  add(table: TableSchema, row: FlatRow): void {
    let columns = this.#columns.get(table.name);
    if (columns === undefined) {
      columns = { names: [], index: new Map() };
      this.#columns.set(table.name, columns);
    }
    const { names, index } = columns;
    const evolver = this.#evolver;
    const fields = this.#fields;
    fields.length = 0;
    let sorted = true;
    for (const key in row) {
      const column = evolver.place(table, key, row[key]);
      let at = index.get(column.name);
      if (at === undefined) {
        at = names.push(column.name) - 1;
        index.set(column.name, at);
      }
      if (fields.length > 0 && fields[fields.length - 1][0] > at) sorted = false;
      fields.push([at, encodeCsvField(evolver.value, column.dataType)]);
    }
    if (!sorted) fields.sort((a, b) => a[0] - b[0]);
    let line = "";
    let previous = 0;
    for (let i = 0; i < fields.length; i++) {
      const [at, text] = fields[i];
      line += ",".repeat(at - previous) + text;
      previous = at;
    }
    line += "\n";
    let file = this.#files.get(table.name);
    if (file === undefined) {
      const name = `${table.name}.${this.#prefix}${++this.#fileSeq}.csv`;
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
    // UTF-8 takes at most three bytes per UTF-16 unit: count exactly only where it may matter
    if (line.length * 3 > file.longestLine) {
      const bytes = line.length < 4096 ? line.length * 3 : this.#encoder.encode(line).length;
      if (bytes > file.longestLine) file.longestLine = bytes;
    }
    this.#pendingBytes += line.length;
    this.rowCounts[table.name] = (this.rowCounts[table.name] ?? 0) + 1;
  }

  /** Writes the buffered lines; closes files that reached their size limit. */
  async drain(): Promise<void> {
    for (const file of this.#files.values()) {
      if (file.pending.length === 0) continue;
      file.file ??= await Deno.open(join(this.#dir, file.name), { write: true, create: true });
      const bytes = this.#encoder.encode(file.pending.join(""));
      file.pending = [];
      file.written += await writeAll(file.file, bytes);
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
    });
  }

  /** Writes everything and closes all files. */
  async close(): Promise<void> {
    await this.drain();
    for (const file of [...this.#files.values()]) this.#close(file);
  }
}
