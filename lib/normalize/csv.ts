/**
 * CSV job files (RFC 4180): the first line is a header naming the file's columns and every line
 * has a field for each of them, so any CSV reader (DuckDB's `read_csv`, Postgres' `COPY … HEADER`)
 * takes the file as it is. Lines end with `\n`; a field holding a comma, a quote or a line break
 * is quoted, quotes doubled.
 *
 * Values: NULL is an empty unquoted field. Text-like values (text, timestamps and dates as ISO
 * 8601 text, decimals as their digits, json as JSON text, binary as base64) are always quoted,
 * so an empty string differs from NULL. Bigints are their digits (exact beyond 2^53), bools
 * `true`/`false`, doubles JavaScript's shortest exact text; non-finite doubles are written as
 * `NaN`, `Infinity` and `-Infinity`, which DuckDB and Postgres read into their double types.
 * Inside json values, which have no literal for them, they become `null`, as dlt's JSON encoder
 * (orjson) writes them.
 *
 * @module
 */
import { join } from "node:path";
import type { PackageJob } from "../load/package_store.ts";
import { replaceJobFile } from "../load/job_files.ts";
import { writeAll } from "../load/write_all.ts";
import type { WorkingStorage } from "../storage/storage.ts";
import type { DataType } from "../schema/schema.ts";
import { lineJobFormat } from "./_line_files.ts";
import { BigIntValue, type BinaryValue, jsonText } from "./typed_json.ts";

function quote(text: string): string {
  return text.includes('"') ? `"${text.replaceAll('"', '""')}"` : `"${text}"`;
}

/** Encodes one non-null value of a column of `dataType` as a CSV field. */
export function encodeCsvField(value: unknown, dataType: DataType | undefined): string {
  switch (dataType) {
    case "bigint":
      return value instanceof BigIntValue ? value.digits : String(value);
    case "double":
    case "bool":
      return String(value);
    case "binary":
      return quote((value as BinaryValue).base64);
    case "json":
      return quote(jsonText(value));
    default:
      if (value instanceof BigIntValue) return quote(value.digits);
      return quote(typeof value === "string" ? value : String(value));
  }
}

const NEEDS_QUOTES = /[",\r\n]/;

/** A column name as a header field: quoted when it holds a quote, comma or line break, or is empty. */
function headerField(name: string): string {
  return name === "" || NEEDS_QUOTES.test(name) ? quote(name) : name;
}

function header(labels: readonly string[]): string {
  return labels.join(",") + "\n";
}

/** The header line of a CSV job file of `columns`, newline included. */
export function csvHeader(columns: readonly string[]): string {
  return header(columns.map(headerField));
}

/** CSV job files with a header row. */
export const CSV_FORMAT = lineJobFormat({
  name: "csv",
  fixedColumns: true,
  label: headerField,
  encode: (value, column) => encodeCsvField(value, column.dataType),
  line: (_labels: readonly string[], fields: readonly string[]) => fields.join(","),
  header,
  padding: (missing: number) => ",".repeat(missing),
  renameColumns: renameCsvColumns,
});

/**
 * The CSV job `job` in folder `dir` of `storage` with a new header naming the columns `renamed`
 * maps.
 */
async function renameCsvColumns(
  storage: WorkingStorage,
  dir: string,
  job: PackageJob,
  renamed: ReadonlyMap<string, string>,
): Promise<PackageJob> {
  const before = job.columns ?? [];
  const columns = before.map((name) => renamed.get(name) ?? name);
  const encoder = new TextEncoder();
  const skip = encoder.encode(csvHeader(before)).length;
  const first = encoder.encode(csvHeader(columns));
  const path = join(dir, job.file);
  const bytes = await replaceJobFile(storage, path, async (target) => {
    let written = await writeAll(target, first);
    for await (const chunk of storage.readChunks(path, { start: skip })) {
      written += await writeAll(target, chunk);
    }
    return written;
  });
  const longestLine = Math.max(job.longestLine ?? 0, first.length);
  return { ...job, columns, bytes, longestLine };
}
