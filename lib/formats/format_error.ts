/**
 * The error of a file that cannot be read as its format says: it names the file and, where the
 * reader knows it, the line (CSV, JSONL) or the row group (Parquet).
 *
 * @module
 */
import { DltError } from "../errors.ts";

/** Where in a file a {@linkcode FileFormatError} happened. */
export interface FileFormatErrorOptions {
  /** The line (counted from 1) of a text format. */
  line?: number;
  /** The row group (counted from 0) of a Parquet file. */
  rowGroup?: number;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * A file is not valid in its format (a malformed CSV line, a JSONL line that is not JSON, a
 * truncated Parquet file, a corrupt gzip stream). The message names the file and the place.
 *
 * @example
 * ```ts
 * import { FileFormatError } from "./format_error.ts";
 * const error = new FileFormatError("data/a.jsonl", "it is not JSON", { line: 3 });
 * if (error.message !== 'Cannot read "data/a.jsonl", line 3: it is not JSON') throw new Error();
 * ```
 */
export class FileFormatError extends DltError {
  /** The file's name or URL. */
  readonly fileName: string;
  /** The line (from 1), when the error is on one. */
  readonly line: number | undefined;
  /** The Parquet row group (from 0), when the error is in one. */
  readonly rowGroup: number | undefined;
  /** What is wrong, as the message says it after the file and the place. */
  readonly reason: string;

  /** The error of file `fileName`: `reason` says what is wrong. */
  constructor(fileName: string, reason: string, options: FileFormatErrorOptions = {}) {
    const place = placeOf(options);
    super(`Cannot read "${fileName}"${place === undefined ? "" : `, ${place}`}: ${reason}`, {
      cause: options.cause,
    });
    this.fileName = fileName;
    this.line = options.line;
    this.rowGroup = options.rowGroup;
    this.reason = reason;
  }

  /** Where in the file the error is (`line 3`, `row group 0`); `undefined` when not known. */
  get place(): string | undefined {
    return placeOf(this);
  }
}

function placeOf(where: { line?: number; rowGroup?: number }): string | undefined {
  return where.line !== undefined
    ? `line ${where.line}`
    : where.rowGroup !== undefined
    ? `row group ${where.rowGroup}`
    : undefined;
}

/** The message of `error`, whatever was thrown (WebAssembly code throws strings). */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
