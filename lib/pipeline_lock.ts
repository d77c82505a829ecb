/**
 * One run at a time per pipeline: an exclusive file lock (see `file_lock.ts`) on
 * `.<pipelineName>.lock` beside the working folder, so that dropping the working folder never
 * deletes a lock someone holds.
 *
 * The lock does not go through the working folder's storage (`lib/storage/`): it is not a file
 * the engine reads or writes but an `flock` that the kernel releases when its process dies, even
 * by SIGKILL, and it sits outside the folder the storage covers. A storage interface has nothing
 * to say about either; a browser build would take a Web Lock (`navigator.locks.request`) of the
 * pipeline's name instead, which the browser likewise releases with its tab.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { PipelineLockTimeout } from "./errors.ts";
import { acquireFileLock, type FileLock } from "./file_lock.ts";

/** Options of {@linkcode acquirePipelineLock}. */
export interface PipelineLockOptions {
  /** The pipeline, for messages. */
  pipelineName: string;
  /** How long to wait for another holder, in milliseconds. */
  timeoutMs: number;
  /** Stops waiting. */
  signal?: AbortSignal;
}

/** The lock file of the pipeline working in `workingDir`: `.<name>.lock` beside it. */
export function pipelineLockPath(workingDir: string): string {
  return join(dirname(workingDir), `.${basename(workingDir)}.lock`);
}

/**
 * Takes the lock at `path`, waiting up to `options.timeoutMs` for its holder; then fails with a
 * {@linkcode PipelineLockTimeout} naming the holder.
 *
 * @example
 * ```ts
 * import { acquirePipelineLock } from "./pipeline_lock.ts";
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/.demo.lock`;
 * const lock = await acquirePipelineLock(path, { pipelineName: "demo", timeoutMs: 1000 });
 * const second = acquirePipelineLock(path, { pipelineName: "demo", timeoutMs: 50 });
 * const error = await second.catch((e) => e);
 * if (!String(error.message).includes(`process ${Deno.pid}`)) throw new Error("unexpected");
 * lock.release();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function acquirePipelineLock(
  path: string,
  options: PipelineLockOptions,
): Promise<FileLock> {
  await Deno.mkdir(dirname(path), { recursive: true });
  return await acquireFileLock(path, {
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    subject: `pipeline "${options.pipelineName}"`,
    timeoutError: (holder) =>
      new PipelineLockTimeout(
        options.pipelineName,
        holder && { ...holder, ownProcess: holder.pid === Deno.pid },
        options.timeoutMs,
      ),
  });
}
