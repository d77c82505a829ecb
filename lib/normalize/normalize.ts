/**
 * The normalize stage: reads an extracted package, turns its items into relational rows,
 * evolves the schema and writes a normalized package of CSV jobs.
 *
 * @module
 */
import { join } from "node:path";
import type { PackageJob, PackageStore } from "../load/package_store.ts";
import { writeJsonFile } from "../load/package_store.ts";
import { readLines } from "../load/lines.ts";
import { bumpSchemaVersion, type StoredSchema, type TableSchema } from "../schema/schema.ts";
import { SchemaEvolver } from "../schema/evolution.ts";
import { DltError, NormalizeError } from "../errors.ts";
import type { NamingConvention } from "./naming.ts";
import { DEFAULT_MAX_NESTING, type FlatRow, RelationalNormalizer } from "./relational.ts";
import { encodeCsvField, encodeCsvHeader } from "./csv.ts";

/** Options of {@linkcode normalizePackage}. */
export interface NormalizePackageOptions {
  /** Naming convention of the schema. */
  naming: NamingConvention;
  /**
   * Characters of encoded rows held in memory (all tables together) before they are written
   * to job files.
   * @default {16_000_000}
   */
  bufferSize?: number;
}

/** What normalizing one package produced. */
export interface NormalizeResult {
  /** Rows per table. */
  rowCounts: Record<string, number>;
  /** The evolved schema (also stored in the package). */
  schema: StoredSchema;
}

/**
 * Normalizes the extracted package `loadId` against `schema` (not modified; the evolved copy is
 * returned) and moves it to the normalized stage.
 */
export async function normalizePackage(
  store: PackageStore,
  loadId: string,
  schema: StoredSchema,
  options: NormalizePackageOptions,
): Promise<NormalizeResult> {
  const manifest = await store.readManifest(store.dir("extracted", loadId));
  const outDir = await store.create("normalizing", loadId);
  const evolver = new SchemaEvolver(structuredClone(schema), options.naming);
  for (const [table, hints] of Object.entries(manifest.tables)) {
    evolver.applyTableHints(table, hints);
  }
  const writer = new JobWriter(outDir, options.bufferSize ?? 16_000_000);
  const tables = evolver.schema.tables;
  const isJsonColumn = (table: string, column: string) =>
    tables[table]?.columns[column]?.dataType === "json";
  const emit = (tableName: string, parent: string | undefined, row: FlatRow) => {
    const table = evolver.table(tableName, parent);
    evolver.coerceRow(table, row);
    writer.add(table, row);
  };

  for (const job of manifest.jobs) {
    const path = join(store.dir("extracted", loadId), job.file);
    const maxNesting = tables[job.table]?.maxTableNesting ?? DEFAULT_MAX_NESTING;
    const normalizer = new RelationalNormalizer({
      naming: options.naming,
      loadId,
      maxNesting,
      isJsonColumn,
      emit,
    });
    let line = 0;
    for await (const text of readLines(path)) {
      line++;
      let item: unknown;
      try {
        item = JSON.parse(text);
      } catch (error) {
        throw new DltError(`Extracted job "${path}" line ${line} is not valid JSON`, {
          cause: error,
        });
      }
      try {
        normalizer.normalize(item, job.table);
      } catch (error) {
        if (error instanceof NormalizeError) throw error;
        throw new NormalizeError(job.table, undefined, String(error));
      }
      if (writer.full) await writer.flush();
    }
  }
  await writer.flush();
  const evolved = evolver.schema;
  bumpSchemaVersion(evolved);
  await writeJsonFile(join(outDir, "schema.json"), evolved);
  await store.writeManifest(outDir, { ...manifest, jobs: writer.jobs });
  await store.move(loadId, "normalizing", "normalized");
  await store.remove("extracted", loadId);
  return { rowCounts: writer.rowCounts, schema: evolved };
}

/** Encoded rows of one table, waiting to be written. */
interface TableBuffer {
  /** Columns in order of first appearance in this package. */
  names: string[];
  /** Position of each column in `names`. */
  index: Map<string, number>;
  /** CSV text in pieces; each row ends with a placeholder piece, listed in `rowEnds`. */
  parts: string[];
  /** Where each row's end piece is in `parts`, and how many fields the row has. */
  rowEnds: number[];
  fieldCounts: number[];
}

/**
 * Encodes rows as CSV pieces as they arrive and writes them per table when the buffer is full.
 * Columns keep the order in which they first appeared, so a row encoded before a column existed
 * only lacks trailing (empty) fields, padded when the file is written: wide, sparse tables cost
 * what their values cost, not rows × columns.
 */
class JobWriter {
  readonly jobs: PackageJob[] = [];
  readonly rowCounts: Record<string, number> = {};
  #dir: string;
  #limit: number;
  #tables = new Map<string, TableBuffer>();
  #size = 0;
  #fileSeq = 0;
  #encoder = new TextEncoder();
  #fields: [number, string][] = [];

  constructor(dir: string, limit: number) {
    this.#dir = dir;
    this.#limit = limit;
  }

  /** Whether the buffered text reached the limit. */
  get full(): boolean {
    return this.#size >= this.#limit;
  }

  add(table: TableSchema, row: FlatRow): void {
    let buffer = this.#tables.get(table.name);
    if (buffer === undefined) {
      buffer = { names: [], index: new Map(), parts: [], rowEnds: [], fieldCounts: [] };
      this.#tables.set(table.name, buffer);
    }
    const { names, index, parts } = buffer;
    const columns = table.columns;
    const fields = this.#fields;
    fields.length = 0;
    let sorted = true;
    for (const name in row) {
      let at = index.get(name);
      if (at === undefined) {
        at = names.push(name) - 1;
        index.set(name, at);
      }
      if (fields.length > 0 && fields[fields.length - 1][0] > at) sorted = false;
      fields.push([at, encodeCsvField(row[name], columns[name].dataType)]);
    }
    if (!sorted) fields.sort((a, b) => a[0] - b[0]);
    let previous = 0;
    for (let i = 0; i < fields.length; i++) {
      const [at, text] = fields[i];
      if (at > previous) parts.push(",".repeat(at - previous));
      parts.push(text);
      this.#size += text.length;
      previous = at;
    }
    buffer.rowEnds.push(parts.push("") - 1);
    buffer.fieldCounts.push(previous + 1);
    this.rowCounts[table.name] = (this.rowCounts[table.name] ?? 0) + 1;
  }

  async flush(): Promise<void> {
    for (const [name, buffer] of this.#tables) {
      const { parts, rowEnds, fieldCounts } = buffer;
      if (rowEnds.length === 0) continue;
      const width = buffer.names.length;
      for (let i = 0; i < rowEnds.length; i++) {
        parts[rowEnds[i]] = ",".repeat(width - fieldCounts[i]) + "\n";
      }
      const text = encodeCsvHeader(buffer.names) + parts.join("");
      const file = `${name}.${++this.#fileSeq}.csv`;
      await Deno.writeFile(join(this.#dir, file), this.#encoder.encode(text));
      this.jobs.push({ file, table: name, rows: rowEnds.length, columns: [...buffer.names] });
      buffer.parts = [];
      buffer.rowEnds = [];
      buffer.fieldCounts = [];
    }
    this.#size = 0;
  }
}
