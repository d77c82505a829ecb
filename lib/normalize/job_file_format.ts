/**
 * Formats of normalized job files: one {@linkcode JobFileFormat} per loader file format, which
 * writes a table's rows into job files and renames their columns, and the choice of a format
 * from the destination's capabilities and the `loaderFileFormat` option
 * ({@linkcode chooseLoaderFileFormat}) or a table's `fileFormat` hint
 * ({@linkcode tableFileFormat}).
 *
 * @module
 */
import type { Destination, LoaderFileFormat } from "../destination.ts";
import type { PackageJob } from "../load/package_store.ts";
import type { TextWriter } from "../load/write_all.ts";
import type { SchemaEvolver } from "../schema/evolution.ts";
import type { FileFormatHint, TableSchema } from "../schema/schema.ts";
import type { WorkingStorage } from "../storage/storage.ts";
import type { FlatRow } from "./relational.ts";
import { CSV_FORMAT } from "./csv.ts";
import { INSERT_VALUES_FORMAT } from "./insert_values.ts";
import { JSONL_FORMAT } from "./jsonl.ts";

/** What the writers of all tables share: where files go, and the jobs of closed ones. */
export interface JobFiles {
  /** The working folder. */
  readonly storage: WorkingStorage;
  /** Folder of the job files, in `storage`. */
  readonly dir: string;
  /** Encodes texts into files through one buffer, for all tables. */
  readonly text: TextWriter;
  /** Size at which a table's file is closed and its next rows start the next one. */
  readonly fileMaxBytes: number;
  /**
   * Rows at which a table's file is closed and its next rows start the next one (`Infinity`
   * for no limit).
   */
  readonly fileMaxItems: number;
  /** The name of a new job file of `table` with `extension` (`<table>.<id>.<extension>`). */
  newFile(table: string, extension: string): string;
  /** Records the job of a file that was closed. */
  closed(job: PackageJob): void;
}

/**
 * Writes the rows of one table into job files of one format, opening, rotating and closing its
 * files. Call order: {@linkcode TableJobWriter.add} per row, {@linkcode TableJobWriter.drain}
 * (or {@linkcode TableJobWriter.flush}) when the job writer has buffered enough, then
 * {@linkcode TableJobWriter.close} once (or {@linkcode TableJobWriter.abort} when normalize
 * failed).
 */
export interface TableJobWriter {
  /**
   * Places each value of `row` in its column (evolving the schema) and buffers the row; returns
   * about the bytes it buffered. A row without a value in a NOT NULL column, or a value the
   * format cannot hold in its column, is a `NormalizeError` naming the table and the column.
   */
  add(row: FlatRow): number;
  /**
   * Writes what is buffered, or keeps it until there is more ({@linkcode TableJobWriter.held}
   * says how much it keeps). A failed write names the file and its package.
   */
  drain(): Promise<void>;
  /** Writes all that is buffered. */
  flush(): Promise<void>;
  /** About the bytes the last drain kept buffered (a columnar writer waits for a full batch). */
  readonly held: number;
  /** Writes what is buffered and closes the open file (also when a write fails). */
  close(): Promise<void>;
  /** Closes the open file without writing what is buffered. */
  abort(): Promise<void>;
}

/** How the job files of one loader file format are written and rewritten. */
export interface JobFileFormat {
  /** The format, also the extension of its files. */
  readonly name: LoaderFileFormat;
  /**
   * A writer of the rows of `table` into files that `files` names and records; `evolver` places
   * each value in its column.
   */
  tableWriter(table: TableSchema, evolver: SchemaEvolver, files: JobFiles): TableJobWriter;
  /**
   * Rewrites the file of `job` in folder `dir` of `storage` with each column in `renamed` named
   * as it maps to, and returns the job as it is then (normalize workers whose values of a column
   * moved to a variant column when their schemas merged).
   */
  renameColumns(
    storage: WorkingStorage,
    dir: string,
    job: PackageJob,
    renamed: ReadonlyMap<string, string>,
  ): Promise<PackageJob>;
}

/**
 * The job file formats ready to use. Parquet's (with apache-arrow's and parquet-wasm's modules)
 * is imported when a package first needs it ({@linkcode loadJobFileFormats}): a run that writes
 * no Parquet does not pay for loading them.
 */
const JOB_FILE_FORMATS: Partial<Record<LoaderFileFormat, JobFileFormat>> = {
  csv: CSV_FORMAT,
  jsonl: JSONL_FORMAT,
  insert_values: INSERT_VALUES_FORMAT,
};

/** Makes the job file formats `names` ready for {@linkcode jobFileFormat}. */
export async function loadJobFileFormats(names: Iterable<LoaderFileFormat>): Promise<void> {
  for (const name of names) {
    if (name === "parquet" && JOB_FILE_FORMATS.parquet === undefined) {
      JOB_FILE_FORMATS.parquet = (await import("./parquet.ts")).PARQUET_FORMAT;
    }
  }
}

/** The job file format `name`, made ready by {@linkcode loadJobFileFormats}. */
export function jobFileFormat(name: LoaderFileFormat): JobFileFormat {
  const format = JOB_FILE_FORMATS[name];
  if (format === undefined) {
    throw new Error(`Job file format "${name}" is used before loadJobFileFormats() loaded it`);
  }
  return format;
}

/**
 * The loader file format normalize writes for `destination`: `asked` (the `loaderFileFormat`
 * option) when the destination loads it, else its preferred one. A format the destination does
 * not load is a `RangeError` naming the destination and the formats it takes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chooseLoaderFileFormat } from "./job_file_format.ts";
 * const destination = {
 *   name: "files",
 *   capabilities: {
 *     preferredLoaderFileFormat: "jsonl" as const,
 *     supportedLoaderFileFormats: ["jsonl", "csv"] as const,
 *   },
 * };
 * assert.equal(chooseLoaderFileFormat(destination), "jsonl");
 * assert.equal(chooseLoaderFileFormat(destination, "csv"), "csv");
 * assert.throws(
 *   () => chooseLoaderFileFormat(destination, "parquet"),
 *   /Destination "files" does not load "parquet" files; loaderFileFormat takes "jsonl", "csv"/,
 * );
 * ```
 */
export function chooseLoaderFileFormat(
  destination: {
    readonly name: string;
    readonly capabilities: Pick<
      Destination["capabilities"],
      "preferredLoaderFileFormat" | "supportedLoaderFileFormats"
    >;
  },
  asked?: string,
): LoaderFileFormat {
  const { preferredLoaderFileFormat, supportedLoaderFileFormats } = destination.capabilities;
  if (asked === undefined) return preferredLoaderFileFormat;
  const supported = supportedLoaderFileFormats.find((format) => format === asked);
  if (supported !== undefined) return supported;
  throw new RangeError(
    `Destination "${destination.name}" does not load "${asked}" files; loaderFileFormat takes ${
      supportedLoaderFileFormats.map((format) => `"${format}"`).join(", ")
    }`,
  );
}

/**
 * The job file format of a table (`where` names it, e.g. `Table "items"`) whose `fileFormat` hint
 * is `hint`, for `destination`: the hinted format when the destination loads it (`preferred`:
 * the destination's preferred one), `fallback` without a hint. A format the destination does not
 * load is a `RangeError` naming the table, the destination and the formats it takes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tableFileFormat } from "./job_file_format.ts";
 * const destination = {
 *   name: "files",
 *   capabilities: {
 *     preferredLoaderFileFormat: "jsonl" as const,
 *     supportedLoaderFileFormats: ["jsonl", "csv"] as const,
 *   },
 * };
 * assert.equal(tableFileFormat(destination, 'Table "t"', "csv", "jsonl"), "csv");
 * assert.equal(tableFileFormat(destination, 'Table "t"', "preferred", "csv"), "jsonl");
 * assert.equal(tableFileFormat(destination, 'Table "t"', undefined, "csv"), "csv");
 * assert.throws(
 *   () => tableFileFormat(destination, 'Table "t"', "parquet", "csv"),
 *   /Table "t" asks for "parquet" files \(its fileFormat hint\), which destination "files" does not load; it takes "jsonl", "csv"/,
 * );
 * ```
 */
export function tableFileFormat(
  destination: Parameters<typeof chooseLoaderFileFormat>[0],
  where: string,
  hint: FileFormatHint | undefined,
  fallback: LoaderFileFormat,
): LoaderFileFormat {
  const { preferredLoaderFileFormat, supportedLoaderFileFormats } = destination.capabilities;
  if (hint === undefined) return fallback;
  if (hint === "preferred") return preferredLoaderFileFormat;
  if (supportedLoaderFileFormats.includes(hint)) return hint;
  throw new RangeError(
    `${where} asks for "${hint}" files (its fileFormat hint), which destination "${destination.name}" does not load; it takes ${
      supportedLoaderFileFormats.map((format) => `"${format}"`).join(", ")
    }`,
  );
}
