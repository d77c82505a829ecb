/**
 * Job files of packages normalized before job formats were recorded (a manifest job without
 * `format`): CSV without a header, whose lines end after their last value, which only DuckDB's
 * `null_padding` read. Such a package may wait in the normalized stage across an upgrade; the
 * load stage gives the destination a copy in today's CSV format instead (a header, every field
 * on every line), so destinations know one CSV format.
 *
 * @module
 */
import { basename, join } from "node:path";
import { LoadPackageError } from "../errors.ts";
import { CSV_FORMAT } from "../normalize/csv.ts";
import { replaceJobFile } from "./job_files.ts";
import type { PackageJob } from "./package_store.ts";
import { writeAll } from "./write_all.ts";
import type { WorkingStorage } from "../storage/storage.ts";

const QUOTE = 0x22;
const COMMA = 0x2c;
const NEWLINE = 0x0a;

/**
 * Writes the header-less CSV job `job` of the package in folder `dir` of `storage` again, with a
 * header naming its columns and every line padded to all of them, as `<file>.with_header.csv`
 * beside it (the original stays, so a load that is retried does the same); returns the job of
 * the new file.
 * A line with more fields than the job has columns is a `LoadPackageError` naming the package,
 * the file and the line.
 */
export async function withHeader(
  storage: WorkingStorage,
  dir: string,
  job: PackageJob,
): Promise<PackageJob> {
  const columns = job.columns ?? [];
  const width = Math.max(columns.length, 1);
  const source = join(dir, job.file);
  const file = job.file.replace(/(\.csv)?$/, ".with_header.csv");
  const header = new TextEncoder().encode(CSV_FORMAT.header(columns.map(CSV_FORMAT.label)));
  const commas = new Uint8Array(width).fill(COMMA);
  const newline = Uint8Array.of(NEWLINE);
  let longestLine = header.length;
  const bytes = await replaceJobFile(storage, join(dir, file), async (target) => {
    let written = await writeAll(target, header);
    let quoted = false;
    let fields = 1;
    let line = 1;
    /** Bytes of the current line read so far in earlier chunks. */
    let carried = 0;
    for await (const buffer of storage.readChunks(source)) {
      const n = buffer.length;
      const out: Uint8Array[] = [];
      let start = 0;
      for (let i = 0; i < n; i++) {
        const byte = buffer[i];
        if (byte === QUOTE) quoted = !quoted;
        else if (quoted) continue;
        else if (byte === COMMA) fields++;
        else if (byte === NEWLINE) {
          if (fields > width) {
            throw new LoadPackageError(
              `Load package "${basename(dir)}": job file "${
                storage.locate(source)
              }" has ${fields} fields at line ${line} where its manifest lists ${width} columns`,
            );
          }
          out.push(buffer.subarray(start, i), commas.subarray(0, width - fields), newline);
          longestLine = Math.max(longestLine, carried + i - start + width - fields + 1);
          start = i + 1;
          carried = 0;
          fields = 1;
          line++;
        }
      }
      out.push(buffer.subarray(start, n));
      carried += n - start;
      for (const part of out) written += await writeAll(target, part);
    }
    return written;
  });
  return { ...job, file, format: "csv", bytes, longestLine };
}
