/**
 * Extracted CSV files (pages of CSV records, `lib/extract/csv_pages.ts`) in the normalize stage:
 * {@linkcode appendSystemColumns} copies their records into CSV job files with `_dlt_load_id`
 * and `_dlt_id` appended to each, byte for byte otherwise; {@linkcode csvPageItems} reads them
 * back into items where that cannot be done (another loader file format, a column whose type
 * differs in the schema).
 *
 * @module
 */
import { join } from "node:path";
import type { WorkingStorage, WritableFile } from "../storage/storage.ts";
import { writingJobFile } from "../load/job_files.ts";
import { writeAll } from "../load/write_all.ts";
import { csvRecords } from "../formats/csv_records.ts";
import { CsvRecordEnds } from "../formats/csv_record_ends.ts";
import type { DataType } from "../schema/schema.ts";
import { DltError } from "../errors.ts";
import type { JobFiles } from "./job_file_format.ts";
import { ROW_ID_LENGTH, writeRandomRowId } from "./ids.ts";
import { csvHeader } from "./csv.ts";
import { stringifyItem } from "./typed_json.ts";

/** A job file being written. */
interface OpenJob {
  name: string;
  file: WritableFile;
  rows: number;
  written: number;
  longestLine: number;
}

/**
 * Copies the CSV records of the extracted file `path` into CSV job files of `table` (opened,
 * rotated and recorded through `files`) whose header names `columns` and then `_dlt_load_id`
 * and `_dlt_id`; each record gets `loadId` and a new random row id. Returns the records copied.
 * A file that ends inside a record is an error naming it.
 */
export async function appendSystemColumns(
  files: JobFiles,
  table: string,
  columns: readonly string[],
  path: string,
  loadId: string,
): Promise<number> {
  const { storage } = files;
  const encoder = new TextEncoder();
  const header = encoder.encode(csvHeader([...columns, "_dlt_load_id", "_dlt_id"]));
  // `,<load id>,` then the row id and the line feed
  const middle = encoder.encode(`,${loadId},`);
  const suffix = middle.length + ROW_ID_LENGTH + 1;
  const ends = new CsvRecordEnds();
  let job: OpenJob | undefined;
  let total = 0;
  /**
   * The start of a record the last chunks did not end, a copy of each (chunks reuse their
   * buffer), joined once the record ends: a record of many chunks costs its size, not its size
   * times the chunks.
   */
  let pending: Uint8Array[] = [];
  let pendingLength = 0;

  const open = async (): Promise<OpenJob> => {
    const name = files.newFile(table, "csv");
    const target = join(files.dir, name);
    const file = await writingJobFile(storage.locate(target), () => storage.create(target));
    const opened = { name, file, rows: 0, written: 0, longestLine: header.length };
    opened.written += await write(opened, header);
    return opened;
  };
  const write = (to: OpenJob, bytes: Uint8Array): Promise<number> =>
    writingJobFile(storage.locate(join(files.dir, to.name)), () => writeAll(to.file, bytes));
  const close = async (): Promise<void> => {
    const done = job!;
    job = undefined;
    await done.file.close();
    files.closed({
      file: done.name,
      table,
      format: "csv",
      rows: done.rows,
      columns: [...columns, "_dlt_load_id", "_dlt_id"],
      longestLine: done.longestLine,
      bytes: done.written,
    });
  };

  try {
    for await (const chunk of storage.readChunks(path)) {
      const found = ends.scan(chunk);
      if (found.length === 0) {
        pending.push(chunk.slice());
        pendingLength += chunk.length;
        continue;
      }
      // the records of the chunk, `pending` before the first, each with its suffix
      const out = new Uint8Array(pendingLength + chunk.length + found.length * suffix);
      let at = 0;
      for (const part of pending) {
        out.set(part, at);
        at += part.length;
      }
      let start = 0;
      let lineStart = 0;
      let flushed = 0;
      for (const end of found) {
        out.set(chunk.subarray(start, end), at);
        at += end - start;
        out.set(middle, at);
        writeRandomRowId(out, at + middle.length);
        at += suffix;
        out[at - 1] = 10;
        start = end + 1;
        job ??= await open();
        job.rows++;
        job.longestLine = Math.max(job.longestLine, at - lineStart);
        lineStart = at;
        if (job.rows >= files.fileMaxItems) {
          job.written += await write(job, out.subarray(flushed, at));
          flushed = at;
          await close();
        }
      }
      total += found.length;
      if (job !== undefined && at > flushed) {
        job.written += await write(job, out.subarray(flushed, at));
        if (job.written >= files.fileMaxBytes) await close();
      }
      pending = start < chunk.length ? [chunk.slice(start)] : [];
      pendingLength = chunk.length - start;
    }
    if (pendingLength > 0 || ends.quoted) {
      throw new DltError(
        `Extracted job "${storage.locate(path)}" ends inside a CSV record (after ${total} records)`,
      );
    }
    if (job !== undefined) await close();
  } finally {
    await job?.file.close();
  }
  return total;
}

const PG_TIMESTAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d{1,6})?)\+00$/;

/** How a field of `dataType` becomes the value a source would have yielded. */
function fieldValue(dataType: DataType): (text: string) => unknown {
  switch (dataType) {
    case "bigint":
      return (text) => {
        const n = Number(text);
        return Number.isSafeInteger(n) ? n : BigInt(text);
      };
    case "double":
      return Number;
    case "bool":
      return (text) => text === "true";
    case "binary":
      return (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    case "json":
      return (text) => JSON.parse(text);
    case "timestamp":
      // the UTC offset as ISO 8601 writes it
      return (text) => text.replace(PG_TIMESTAMP, "$1T$2Z");
    default:
      return (text) => text;
  }
}

/**
 * The items of the extracted CSV file `path` (records of `columns` typed `dataTypes`), as the
 * normalizer reads them from JSON lines: the values a source yields for those types.
 */
export async function* csvPageItems(
  storage: WorkingStorage,
  path: string,
  columns: readonly string[],
  dataTypes: readonly DataType[],
): AsyncGenerator<unknown> {
  const values = dataTypes.map(fieldValue);
  const stream = ReadableStream.from(storage.readChunks(path));
  for await (const batch of csvRecords(stream, storage.locate(path), { unquotedEmpty: null })) {
    for (const record of batch.records) {
      const item: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) {
        const field = record[i];
        item[columns[i]] = field === null || field === undefined ? null : values[i](field);
      }
      yield JSON.parse(stringifyItem(item)!);
    }
  }
}
