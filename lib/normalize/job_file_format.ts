/**
 * Formats of normalized job files: one {@linkcode JobFileFormat} per loader file format, which
 * the job writer uses to encode rows, and the choice of a format for a destination
 * ({@linkcode chooseLoaderFileFormat}) from its capabilities and the `loaderFileFormat` option.
 *
 * @module
 */
import type { Destination, LoaderFileFormat } from "../destination.ts";
import type { PackageJob } from "../load/package_store.ts";
import type { DataType } from "../schema/schema.ts";
import type { NormalizedValue } from "./inference.ts";
import type { WorkingStorage } from "../storage/storage.ts";
import { CSV_FORMAT } from "./csv.ts";
import { JSONL_FORMAT } from "./jsonl.ts";

/**
 * How rows of a table are encoded in job files of one format. The job writer calls
 * {@linkcode JobFileFormat.label} once per column, {@linkcode JobFileFormat.encode} per value,
 * {@linkcode JobFileFormat.line} per row and {@linkcode JobFileFormat.header} when it opens a
 * file.
 */
export interface JobFileFormat {
  /** The format, also the extension of its files. */
  readonly name: LoaderFileFormat;
  /**
   * Whether a file names its columns in a header: its columns are then fixed when it is opened,
   * every line has all of them, and a column new to the table starts the next file.
   */
  readonly hasHeader: boolean;
  /** How column `name` is written where the format names it (header field, object key). */
  label(name: string): string;
  /** The text of one non-null `value` of a column of `dataType`; never `""`, which is NULL. */
  encode(value: NormalizedValue, dataType: DataType | undefined): string;
  /**
   * The line of one row, without its newline: `fields[i]` is the encoded value of the column
   * labelled `labels[i]` (`""` for NULL), `filled` the positions holding values.
   */
  line(labels: readonly string[], fields: readonly string[], filled: readonly number[]): string;
  /** The header line of a file of the columns `labels`, newline included; `""` without one. */
  header(labels: readonly string[]): string;
  /**
   * What a line written when the file had `missing` columns fewer gets at its end (empty fields
   * of a header format).
   */
  padding(missing: number): string;
  /**
   * Rewrites the file of `job` in folder `dir` of `storage` with each column in `renamed` named
   * as it maps to, and
   * returns the job as it is then (normalize workers whose values of a column moved to a
   * variant column when their schemas merged).
   */
  renameColumns(
    storage: WorkingStorage,
    dir: string,
    job: PackageJob,
    renamed: ReadonlyMap<string, string>,
  ): Promise<PackageJob>;
}

/** The job file format of every loader file format. */
export const JOB_FILE_FORMATS: Readonly<Record<LoaderFileFormat, JobFileFormat>> = {
  csv: CSV_FORMAT,
  jsonl: JSONL_FORMAT,
};

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
