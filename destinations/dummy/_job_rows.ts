/**
 * Counting the rows of a job file, which is all the dummy destination does with its data.
 *
 * @module
 */
import type { LoadJob } from "../../lib/destination.ts";
import { parquetRowCount } from "../../lib/formats/parquet_reader.ts";

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const CHUNK_BYTES = 1 << 20;

/** The rows of Parquet file `path`, as its footer records them (no row group is read). */
async function parquetRows(path: string): Promise<number> {
  using file = await Deno.open(path, { read: true });
  const { size } = await file.stat();
  const read = async (start: number, end: number) => {
    const bytes = new Uint8Array(end - start);
    await file.seek(start, Deno.SeekMode.Start);
    let at = 0;
    while (at < bytes.length) {
      const n = await file.read(bytes.subarray(at));
      if (n === null) break;
      at += n;
    }
    return bytes.subarray(0, at);
  };
  return await parquetRowCount({ size, read }, path);
}

/**
 * The rows in `job`'s file, read through: a JSON line or an INSERT VALUES tuple is a row; a CSV
 * record is a row (a quoted field may hold newlines), except the first, the header; a Parquet
 * file has the rows its footer records. Fails with the file system's error when the file cannot
 * be read, and one naming the file for a Parquet file that is not whole.
 */
export async function countJobRows(job: Pick<LoadJob, "path" | "format">): Promise<number> {
  if (job.format === "parquet") return await parquetRows(job.path);
  const csv = job.format === "csv";
  using file = await Deno.open(job.path, { read: true });
  const buffer = new Uint8Array(CHUNK_BYTES);
  let records = 0;
  let quoted = false;
  let pending = false; // bytes after the last record's end
  for (let n = await file.read(buffer); n !== null; n = await file.read(buffer)) {
    let start = 0;
    for (let i = 0; i < n; i++) {
      const byte = buffer[i];
      if (csv && byte === QUOTE) quoted = !quoted;
      if (byte !== NEWLINE || quoted) continue;
      records++;
      start = i + 1;
    }
    pending = start < n;
  }
  if (pending) records++;
  return csv && records > 0 ? records - 1 : records;
}
