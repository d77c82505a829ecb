/**
 * Reading a dataset's tables back from their files, without SQL: the filesystem destination's
 * {@linkcode TableReader}. A table's columns and their types come from the schemas stored in
 * the bucket (dlt's system tables have theirs); its rows from the files of completed loads, read
 * by the readers of `lib/formats/` (as the filesystem source reads files): JSONL and CSV (gzipped
 * or not, told by their bytes) streamed and typed as `_job_values.ts` says, Parquet a row group
 * at a time (`_parquet_rows.ts`).
 *
 * @module
 */
import type { TableReader } from "../../lib/destination.ts";
import { DestinationError } from "../../lib/errors.ts";
import { csvRecords } from "../../lib/formats/csv_records.ts";
import { maybeGunzip } from "../../lib/formats/decompress.ts";
import { FileFormatError } from "../../lib/formats/format_error.ts";
import { countJsonlValues, readJsonlChunks } from "../../lib/formats/jsonl_reader.ts";
import { SYSTEM_TABLES, typedColumns } from "../../lib/load/sql.ts";
import type { ColumnSchema, StoredSchema } from "../../lib/schema/schema.ts";
import type { DatasetFile, DatasetFolder } from "./_dataset_folder.ts";
import { csvDecoder, jsonlDecoder, type ValueDecoder } from "./_job_values.ts";
import { parquetRowCount, parquetRows } from "./_parquet_rows.ts";
import { SYSTEM_FOLDERS } from "./_system_files.ts";
import {
  completedFiles,
  type TableFileFormat,
  tableFileFormat,
  tableFiles,
} from "./_table_files.ts";

/** A table the reader knows: its columns, and the schema whose layout prefix finds its files. */
export interface KnownTable {
  /** The table's name. */
  name: string;
  /** Its typed columns, in order. */
  columns: ColumnSchema[];
  /** The schema it belongs to (`{schema_name}` of the layout). */
  schemaName: string;
}

/** The system tables kept as files, with their columns. */
const SYSTEM_FILE_TABLES: ReadonlyMap<string, ColumnSchema[]> = new Map(
  SYSTEM_TABLES.filter((table) => (Object.values(SYSTEM_FOLDERS) as string[]).includes(table.name))
    .map((table) => [
      table.name,
      table.columns.map(([name, dataType, nullable]) => ({ name, dataType, nullable })),
    ]),
);

/** Reads the tables of one dataset's folder. */
export class FilesystemTableReader implements TableReader {
  #folder: DatasetFolder;
  #datasetName: string;
  #layout: string;
  #schemas: () => Promise<StoredSchema[]>;
  #completedLoads: () => Promise<ReadonlySet<string>>;

  /**
   * A reader of `folder` (dataset `datasetName`), whose files follow `layout`, whose tables are
   * those of the schemas `schemas` returns (the ones stored by completed loads), and which reads
   * only the files of the loads `completedLoads` returns.
   */
  constructor(
    folder: DatasetFolder,
    datasetName: string,
    layout: string,
    schemas: () => Promise<StoredSchema[]>,
    completedLoads: () => Promise<ReadonlySet<string>>,
  ) {
    this.#folder = folder;
    this.#datasetName = datasetName;
    this.#layout = layout;
    this.#schemas = schemas;
    this.#completedLoads = completedLoads;
  }

  /**
   * Every table of the dataset: the data tables of the stored schemas that have typed columns
   * (a table in several schemas is taken from the last), and dlt's system tables that have files.
   */
  async knownTables(): Promise<Map<string, KnownTable>> {
    const tables = new Map<string, KnownTable>();
    for (const [name, columns] of SYSTEM_FILE_TABLES) {
      if ((await this.#files({ name, columns, schemaName: "" })).length > 0) {
        tables.set(name, { name, columns, schemaName: "" });
      }
    }
    for (const schema of await this.#schemas()) {
      for (const table of Object.values(schema.tables)) {
        const columns = typedColumns(table);
        if (columns.length === 0 || table.name.startsWith("_dlt")) continue;
        tables.set(table.name, { name: table.name, columns, schemaName: schema.name });
      }
    }
    return tables;
  }

  async tableNames(): Promise<string[]> {
    return [...(await this.knownTables()).keys()].sort();
  }

  async columns(table: string): Promise<ColumnSchema[]> {
    return (await this.#table(table)).columns;
  }

  /** The files of `table` written by completed loads, sorted by path. */
  async files(table: KnownTable): Promise<DatasetFile[]> {
    return await this.#files(table);
  }

  async *rows(table: string, columns?: readonly string[]): AsyncGenerator<Record<string, unknown>> {
    const known = await this.#table(table);
    const wanted = columns === undefined ? known.columns : columns.map((name) => {
      const column = known.columns.find((c) => c.name === name);
      if (column === undefined) {
        throw new DestinationError(
          `Table "${table}" of dataset "${this.#datasetName}" has no column "${name}"; its columns: ${
            known.columns.map((c) => c.name).join(", ")
          }`,
        );
      }
      return column;
    });
    for (const file of await this.#files(known)) {
      yield* this.#reading(file, table, () => fileRows(this.#folder, file, wanted));
    }
  }

  async count(table: string): Promise<number> {
    const known = await this.#table(table);
    let rows = 0;
    for (const file of await this.#files(known)) {
      try {
        rows += await fileRowCount(this.#folder, file);
      } catch (error) {
        throw this.#readError(file, table, error);
      }
    }
    return rows;
  }

  /** The table `name`; one the dataset lacks is a `DestinationError` listing those it has. */
  async #table(name: string): Promise<KnownTable> {
    const tables = await this.knownTables();
    const table = tables.get(name);
    if (table !== undefined) return table;
    const names = [...tables.keys()].sort();
    throw new DestinationError(
      `Table "${name}" is not in dataset "${this.#datasetName}" at "${this.#folder.url}"; ${
        names.length === 0 ? "it has no tables" : `its tables: ${names.join(", ")}`
      }`,
    );
  }

  /** The files of `table` written by completed loads, sorted by path. */
  async #files(table: KnownTable): Promise<DatasetFile[]> {
    const { schemaName, name } = table;
    return completedFiles(
      await tableFiles(this.#folder, this.#layout, schemaName, name),
      this.#layout,
      schemaName,
      name,
      await this.#completedLoads(),
    );
  }

  /** The items of `read`, its failures a `DestinationError` naming `file` and `table`. */
  async *#reading<T>(
    file: DatasetFile,
    table: string,
    read: () => AsyncIterable<T>,
  ): AsyncGenerator<T> {
    try {
      yield* read();
    } catch (error) {
      throw this.#readError(file, table, error);
    }
  }

  /**
   * `error` of reading `file` of `table` as a `DestinationError` naming them (and the line or
   * row group of a file that is not valid in its format).
   */
  #readError(file: DatasetFile, table: string, error: unknown): DestinationError {
    if (error instanceof DestinationError) return error;
    const place = error instanceof FileFormatError && error.place !== undefined
      ? `, ${error.place}`
      : "";
    const reason = error instanceof FileFormatError ? error.reason : (error as Error).message;
    return new DestinationError(
      `Cannot read file "${file.url}" of table "${table}"${place}: ${reason}`,
      { cause: error },
    );
  }
}

/** The bytes of `file`, decompressed when they are gzip. */
async function fileBytes(
  folder: DatasetFolder,
  file: DatasetFile,
): Promise<ReadableStream<Uint8Array>> {
  return await maybeGunzip(await folder.fs.read(file.url), file.url);
}

/** The format of `file`; one this destination does not write is a `DestinationError` naming it. */
function formatOf(file: DatasetFile): TableFileFormat {
  const format = tableFileFormat(file.path);
  if (format !== undefined) return format;
  throw new DestinationError(
    `File "${file.url}" is not a table file this destination reads (.jsonl, .csv, maybe .gz, or .parquet)`,
  );
}

/** How job files write NULL in CSV: an empty field without quotes (`""` is an empty string). */
const JOB_CSV = { unquotedEmpty: null } as const;

/** The number of rows of `file`: its JSON lines or CSV records counted, unparsed. */
async function fileRowCount(folder: DatasetFolder, file: DatasetFile): Promise<number> {
  const format = formatOf(file);
  if (format === "parquet") return await parquetRowCount(folder, file);
  const bytes = await fileBytes(folder, file);
  if (format === "jsonl") return await countJsonlValues(bytes, file.url);
  let records = 0;
  for await (const batch of csvRecords(bytes, file.url, JOB_CSV)) records += batch.records.length;
  // the header is no row
  return Math.max(0, records - 1);
}

/** The rows of `file` with the `columns` (and their values typed by them). */
async function* fileRows(
  folder: DatasetFolder,
  file: DatasetFile,
  columns: readonly ColumnSchema[],
): AsyncGenerator<Record<string, unknown>> {
  const format = formatOf(file);
  if (format === "parquet") {
    yield* parquetRows(folder, file, columns);
    return;
  }
  const bytes = await fileBytes(folder, file);
  if (format === "jsonl") {
    const decoders = columns.map((column) => [column.name, jsonlDecoder(column)] as const);
    for await (const chunk of readJsonlChunks(bytes, file.url)) {
      for (const values of chunk as Record<string, unknown>[]) {
        const row: Record<string, unknown> = {};
        for (const [name, decode] of decoders) {
          const value = values[name];
          row[name] = value === undefined || value === null ? null : decode(value);
        }
        yield row;
      }
    }
    return;
  }
  let fields: [string, number, ValueDecoder][] | undefined;
  for await (const { records } of csvRecords(bytes, file.url, JOB_CSV)) {
    for (const record of records) {
      if (fields === undefined) {
        // the header names this file's columns; a column it lacks is NULL in every row
        fields = columns.map((
          column,
        ) => [column.name, record.indexOf(column.name), csvDecoder(column)]);
        continue;
      }
      const row: Record<string, unknown> = {};
      for (const [name, at, decode] of fields) {
        const value = at === -1 ? null : record[at];
        row[name] = value === null || value === undefined ? null : decode(value);
      }
      yield row;
    }
  }
}
