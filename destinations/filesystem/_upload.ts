/**
 * Uploading a job file of a load package to a bucket: as it is, or gzip-compressed on the way.
 *
 * @module
 */
import type { LoadJob } from "../../lib/destination.ts";
import { basename } from "node:path";
import { DestinationError, DltError } from "../../lib/errors.ts";
import type { DatasetFolder } from "./_dataset_folder.ts";

/**
 * Writes job file `job` to `path` of `folder`, gzip-compressed when `gzip`. The bucket publishes
 * the file whole or not at all, so uploading it again (a resumed package) replaces it. A job
 * file that cannot be read, or written, is a `DestinationError` naming it and its table (and the
 * file system's error, naming the target).
 */
export async function uploadJob(
  folder: DatasetFolder,
  job: LoadJob,
  path: string,
  gzip: boolean,
): Promise<void> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(job.path, { read: true });
  } catch (error) {
    throw new DestinationError(
      `Cannot read job file "${job.path}" of table "${job.table}": ${(error as Error).message}`,
      { cause: error },
    );
  }
  const content = gzip
    ? (file.readable as ReadableStream<BufferSource>).pipeThrough(new CompressionStream("gzip"))
    : file.readable;
  try {
    await folder.write(path, content);
  } catch (error) {
    // a write that failed before it read the file to its end leaves the file open
    await content.cancel().catch(() => {});
    throw new DestinationError(
      `Cannot write job file "${basename(job.path)}" of table "${job.table}": ${
        (error as Error).message
      }`,
      { cause: error, transient: error instanceof DltError && error.transient },
    );
  }
}
