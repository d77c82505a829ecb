/**
 * The single-threaded core of normalize: items of extracted job files → job files of the
 * loader file formats, evolving a schema. Runs in the main thread for small packages and in workers for large ones.
 *
 * @module
 */
import { readLines } from "../load/lines.ts";
import type { PackageJob } from "../load/package_store.ts";
import { SchemaEvolver } from "../schema/evolution.ts";
import {
  type DataType,
  DLT,
  rootTableOf,
  type StoredSchema,
  type TableHints,
  type TableSchema,
} from "../schema/schema.ts";
import { DltError, NormalizeError } from "../errors.ts";
import type { NamingConvention } from "./naming.ts";
import { DEFAULT_MAX_NESTING, FlatRow, RelationalNormalizer } from "./relational.ts";
import type { NormalizedValue } from "./inference.ts";
import { JobWriter } from "./_job_writer.ts";
import { jobFileFormat } from "./job_file_format.ts";
import type { LoaderFileFormat } from "../destination.ts";
import { contentRowId, randomRowId } from "./ids.ts";
import { csvPageItems } from "./_csv_pages.ts";
import type { WorkingStorage } from "../storage/storage.ts";
import type { DataWriterSettings } from "../runtime_settings.ts";

/** One extracted file to normalize. */
export interface ExtractedFile {
  /** Path of the file in the working folder. */
  path: string;
  /** Root table its items go to. */
  table: string;
  /** `csv` for pages of CSV records (`lib/extract/csv_pages.ts`); JSON lines without. */
  format?: "csv";
  /** The columns of a CSV file's records, not normalized. */
  columns?: string[];
  /** The data types of a CSV file's columns. */
  dataTypes?: DataType[];
}

/** What normalizing some files produced. */
export interface FilesResult {
  /** The schema after evolution. */
  schema: StoredSchema;
  /** Jobs written. */
  jobs: PackageJob[];
  /** Rows per table. */
  rowCounts: Record<string, number>;
}

/**
 * How root rows of `table` get their `_dlt_id`: `upsert` and `insert-only` hash the primary key
 * (an updated row keeps its id), `scd2` the row's content (a changed row is a new version) unless
 * a row version column identifies versions; else random.
 */
function rootIdFor(table: TableSchema | undefined): ((row: FlatRow) => string) | undefined {
  if (table?.writeDisposition !== "merge") return undefined;
  if (table.mergeStrategy === "upsert" || table.mergeStrategy === "insert-only") {
    const key = Object.values(table.columns).filter((c) => c.primaryKey).map((c) => c.name);
    if (key.length === 0) return undefined;
    return (row) => contentRowId(JSON.stringify(key.map((k) => row.get(k) ?? null)));
  }
  if (table.mergeStrategy === "scd2" && table.rowVersionColumn === undefined) {
    return (row) => {
      const content: [string, NormalizedValue][] = [];
      row.names.forEach((name, i) => {
        if (!name.startsWith("_dlt_")) content.push([name, row.values[i]]);
      });
      content.sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
      return contentRowId(JSON.stringify(content));
    };
  }
  return undefined;
}

/** Normalizes `item` of root table `root`; an unexpected failure is a `NormalizeError` of it. */
function normalizeOne(normalizer: RelationalNormalizer, item: unknown, root: string): void {
  try {
    normalizer.normalize(item, root);
  } catch (error) {
    if (error instanceof DltError) throw error;
    throw new NormalizeError(root, undefined, String(error));
  }
}

/** Normalizes extracted files one after another into job files, evolving one schema. */
export class FilesNormalizer {
  #storage: WorkingStorage;
  #evolver: SchemaEvolver;
  #writer: JobWriter;
  #naming: NamingConvention;
  #loadId: string;
  #onRows: ((rowCounts: Readonly<Record<string, number>>) => void) | undefined;

  /**
   * Starts from `schema` (modified in place); reads the extracted files from `storage` and
   * writes jobs into its folder `outDir` with file ids that start with `prefix`: of
   * `tableFormats[root]` for the tables of each root table it lists, else of `format`.
   * `onRows` receives the rows per table so far (running totals) after each buffer written
   * (about 1 MiB) and after each file; `onJobClosed` each job as its file is closed.
   */
  constructor(options: {
    storage: WorkingStorage;
    schema: StoredSchema;
    naming: NamingConvention;
    loadId: string;
    outDir: string;
    prefix: string;
    format: LoaderFileFormat;
    tableFormats?: Readonly<Record<string, LoaderFileFormat>>;
    /** Buffering and rotation of the job files. */
    dataWriter?: DataWriterSettings;
    /** The package's root table hints (their nested hints apply as nested tables appear). */
    tables?: Readonly<Record<string, TableHints>>;
    /** Receives the running row counts per table. */
    onRows?: (rowCounts: Readonly<Record<string, number>>) => void;
    /**
     * Receives each job as its file is closed, with its table (evolving on after the call: keep
     * a copy) and the name of its root table.
     */
    onJobClosed?: (job: PackageJob, table: TableSchema, root: string) => void;
  }) {
    this.#storage = options.storage;
    const evolver = this.#evolver = new SchemaEvolver(
      options.schema,
      options.naming,
      options.tables,
    );
    const { onJobClosed } = options;
    this.#writer = new JobWriter(this.#evolver, {
      onClosed: onJobClosed &&
        ((job) =>
          onJobClosed(
            job,
            evolver.schema.tables[job.table],
            rootTableOf(evolver.schema, job.table).name,
          )),
      storage: options.storage,
      dir: options.outDir,
      prefix: options.prefix,
      ...options.dataWriter,
      format: jobFileFormat(options.format),
      tableFormats: Object.fromEntries(
        Object.entries(options.tableFormats ?? {}).map(([table, format]) => [
          table,
          jobFileFormat(format),
        ]),
      ),
    });
    this.#naming = options.naming;
    this.#loadId = options.loadId;
    this.#onRows = options.onRows;
  }

  /**
   * Normalizes every item of `file`. `onOpened` is called once the file is open (its first item
   * read: the reader holds it open to its end) or no longer needed.
   */
  async normalize(file: ExtractedFile, onOpened?: () => void): Promise<void> {
    let opened = onOpened;
    const open = () => {
      opened?.();
      opened = undefined;
    };
    try {
      await this.#normalize(file, open);
    } finally {
      open();
    }
  }

  async #normalize(file: ExtractedFile, opened: () => void): Promise<void> {
    if (file.format === "csv" && await this.#copyCsvRecords(file)) {
      this.#onRows?.(this.#writer.rowCounts);
      return;
    }
    const normalizer = this.#relational(file.table);
    for await (const item of this.#items(file)) {
      opened();
      normalizeOne(normalizer, item, file.table);
      if (this.#writer.full) await this.#drain();
    }
    this.#onRows?.(this.#writer.rowCounts);
  }

  /** Normalizers of one item at a time by root table, kept from item to item. */
  #byRoot = new Map<string, RelationalNormalizer>();

  /**
   * Normalizes `item`, a value as `JSON.parse` gives back an extracted line, into rows of root
   * table `root`; when the buffers are full, the writes it set off.
   */
  normalizeItem(item: unknown, root: string): Promise<void> | undefined {
    let normalizer = this.#byRoot.get(root);
    if (normalizer === undefined) {
      normalizer = this.#relational(root);
      this.#byRoot.set(root, normalizer);
    }
    normalizeOne(normalizer, item, root);
    return this.#writer.full ? this.#drain() : undefined;
  }

  /** Writes what is buffered, and reports the rows so far. */
  async #drain(): Promise<void> {
    await this.#writer.drain();
    this.#onRows?.(this.#writer.rowCounts);
  }

  /** A normalizer of items of root table `root` into the job writer. */
  #relational(root: string): RelationalNormalizer {
    const evolver = this.#evolver;
    const writer = this.#writer;
    const tables = evolver.schema.tables;
    return new RelationalNormalizer({
      naming: this.#naming,
      loadId: this.#loadId,
      maxNesting: tables[root]?.maxTableNesting ?? DEFAULT_MAX_NESTING,
      rootKey: tables[root]?.rootKey === true,
      rootId: rootIdFor(tables[root]),
      isJsonColumn: (table, column) => tables[table]?.columns[column]?.dataType === "json",
      ownTable: (table, parent) => {
        const own = evolver.ownTable(table, parent);
        return own === undefined
          ? undefined
          : { rootKey: own.rootKey === true, rowId: rootIdFor(own) };
      },
      emit: (table: string, parent: string | undefined, row: FlatRow) => {
        if (!evolver.admitTable(table, parent, row)) return false;
        const schema = evolver.table(table, parent);
        if (!evolver.screen(schema, row)) return false;
        writer.add(schema, row);
        return true;
      },
    });
  }

  /** The items of `file`. */
  async *#items(file: ExtractedFile): AsyncGenerator<unknown> {
    if (file.format === "csv") {
      yield* csvPageItems(this.#storage, file.path, file.columns ?? [], file.dataTypes ?? []);
      return;
    }
    let line = 0;
    for await (const text of readLines(this.#storage, file.path)) {
      line++;
      try {
        yield JSON.parse(text);
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        const where = this.#storage.locate(file.path);
        throw new DltError(`Extracted job "${where}" line ${line} is not valid JSON`, {
          cause: error,
        });
      }
    }
  }

  /**
   * Copies the records of the extracted CSV `file` into CSV job files as they are, with the
   * system columns appended, when its root table is written as CSV, gets random row ids, and
   * has each of the file's columns with the file's data type; whether it did.
   */
  async #copyCsvRecords(file: ExtractedFile): Promise<boolean> {
    const evolver = this.#evolver;
    const table = evolver.schema.tables[file.table];
    if (
      table === undefined || this.#writer.formatOf(file.table) !== "csv" ||
      rootIdFor(table) !== undefined || table.parent !== undefined
    ) {
      return false;
    }
    const columns = (file.columns ?? []).map((name) => this.#naming.normalizeIdentifier(name));
    const matches = columns.every((name, i) =>
      !name.startsWith("_dlt_") && table.columns[name]?.dataType === file.dataTypes?.[i]
    );
    if (!matches || new Set(columns).size !== columns.length) return false;
    if (!evolver.admitTable(table.name, undefined, new FlatRow())) return false;
    // the system columns, as the first row normalized would add them
    const loadId = evolver.place(table, DLT.loadId, this.#loadId);
    const id = evolver.place(table, DLT.id, randomRowId());
    if (loadId?.name !== DLT.loadId || id?.name !== DLT.id) return false;
    await this.#writer.copyCsvRecords(table, columns, file.path, this.#loadId);
    return true;
  }

  /** Closes the job files without writing what is buffered (normalize failed). */
  async abort(): Promise<void> {
    await this.#writer.abort();
  }

  /** Writes what is buffered and returns the result. */
  async finish(): Promise<FilesResult> {
    await this.#writer.close();
    return {
      schema: this.#evolver.schema,
      jobs: this.#writer.jobs,
      rowCounts: this.#writer.rowCounts,
    };
  }
}
