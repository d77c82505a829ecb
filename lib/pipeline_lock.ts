/**
 * One run at a time per pipeline: an exclusive file lock (`flock`, through `Deno.FsFile.lock`)
 * on `.<pipelineName>.lock` beside the working folder, so that dropping the working folder never
 * deletes a lock someone holds. The kernel releases the lock when its holder exits, however it
 * exits (SIGKILL included), so a killed run never wedges the pipeline. Locks belong to the open
 * file, not to the process: two runs in one process exclude each other as well.
 *
 * The holder writes its pid and start time into the file for the error of whoever times out
 * waiting; a clean release empties it, so a non-empty file found by the next holder tells of a
 * run that died holding it.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { PipelineLockTimeout } from "./errors.ts";
import { log } from "./log.ts";

/** The process that holds (or held) a pipeline lock. */
export interface LockHolder {
  /** Its process id. */
  pid: number;
  /** When it took the lock (ISO). */
  since: string;
}

/** Options of {@linkcode acquirePipelineLock}. */
export interface PipelineLockOptions {
  /** The pipeline, for messages. */
  pipelineName: string;
  /** How long to wait for another holder, in milliseconds. */
  timeoutMs: number;
  /** Stops waiting. */
  signal?: AbortSignal;
}

/** Longest pause between two attempts while another run holds the lock, in milliseconds. */
const MAX_POLL_MS = 100;

/** The lock file of the pipeline working in `workingDir`: `.<name>.lock` beside it. */
export function pipelineLockPath(workingDir: string): string {
  return join(dirname(workingDir), `.${basename(workingDir)}.lock`);
}

/** A held pipeline lock; {@linkcode PipelineLock.release} (or `await using`) lets it go. */
export class PipelineLock implements AsyncDisposable {
  #file: Deno.FsFile | undefined;

  /** Use {@linkcode acquirePipelineLock}. */
  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /** Releases the lock (once; later calls do nothing). */
  async release(): Promise<void> {
    const file = this.#file;
    if (file === undefined) return;
    this.#file = undefined;
    try {
      await file.truncate(0);
    } finally {
      file.close(); // releases the lock
    }
  }

  /** Same as {@linkcode PipelineLock.release}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }
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
 * await lock.release();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function acquirePipelineLock(
  path: string,
  options: PipelineLockOptions,
): Promise<PipelineLock> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const file = await Deno.open(path, { read: true, write: true, create: true });
  try {
    const deadline = Date.now() + options.timeoutMs;
    let pause = 5;
    while (!(await file.tryLock(true))) {
      options.signal?.throwIfAborted();
      const left = deadline - Date.now();
      if (left <= 0) {
        const holder = await readHolder(path);
        throw new PipelineLockTimeout(
          options.pipelineName,
          holder && { ...holder, ownProcess: holder.pid === Deno.pid },
          options.timeoutMs,
        );
      }
      await new Promise((done) => setTimeout(done, Math.min(pause, left)));
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
    const previous = await readHolder(path);
    if (previous !== undefined) {
      log.info(
        `Pipeline "${options.pipelineName}": taking over the lock of process ${previous.pid} (since "${previous.since}"), which ended without releasing it`,
      );
    }
    const holder: LockHolder = { pid: Deno.pid, since: new Date().toISOString() };
    await file.truncate(0);
    await file.seek(0, Deno.SeekMode.Start);
    const bytes = new TextEncoder().encode(JSON.stringify(holder));
    for (let written = 0; written < bytes.length;) {
      written += await file.write(bytes.subarray(written));
    }
    return new PipelineLock(file);
  } catch (error) {
    file.close();
    throw error;
  }
}

/** The holder written in the lock file; `undefined` when it is empty or unreadable. */
async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    const holder = JSON.parse(await Deno.readTextFile(path));
    return typeof holder?.pid === "number" && typeof holder.since === "string" ? holder : undefined;
  } catch {
    return undefined; // empty (released cleanly), or being written
  }
}
