/**
 * Counting the rows of a job file, which is all the dummy destination does with its data.
 *
 * @module
 */
import type { LoadJob } from "../../lib/destination.ts";

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const CHUNK_BYTES = 1 << 20;

/**
 * The rows in `job`'s file, read through: a JSON line is a row; a CSV record is a row (a quoted
 * field may hold newlines), except a first record that names the job's columns, a header. Fails
 * with the file system's error when the file cannot be read.
 */
export async function countJobRows(job: Pick<LoadJob, "path" | "format" | "columns">): Promise<
  number
> {
  const csv = job.format === "csv";
  using file = await Deno.open(job.path, { read: true });
  const buffer = new Uint8Array(CHUNK_BYTES);
  let records = 0;
  let quoted = false;
  let pending = false; // bytes after the last record's end
  const first: Uint8Array[] = []; // the first record, to tell a header
  for (let n = await file.read(buffer); n !== null; n = await file.read(buffer)) {
    let start = 0;
    for (let i = 0; i < n; i++) {
      const byte = buffer[i];
      if (csv && byte === QUOTE) quoted = !quoted;
      if (byte !== NEWLINE || quoted) continue;
      if (records === 0) first.push(buffer.slice(start, i));
      records++;
      start = i + 1;
    }
    if (records === 0 && start < n) first.push(buffer.slice(start, n));
    pending = start < n;
  }
  if (pending) records++;
  if (csv && records > 0 && isHeader(new TextDecoder().decode(concat(first)), job.columns)) {
    records--;
  }
  return records;
}

/** Whether CSV record `line` is a header naming `columns`, in order. */
function isHeader(line: string, columns: readonly string[]): boolean {
  const fields = csvFields(line.replace(/\r$/, ""));
  return fields.length === columns.length && fields.every((field, i) => field === columns[i]);
}

/** The fields of one CSV record, unquoted. */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ",") {
      fields.push(field);
      field = "";
    } else {
      field += char;
    }
  }
  fields.push(field);
  return fields;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
