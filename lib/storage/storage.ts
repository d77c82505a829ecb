/**
 * The one interface for the I/O of a pipeline's working folder (`<pipelinesDir>/<pipelineName>/`):
 * load packages, job files, manifests, schemas, state and settings all go through a
 * {@linkcode WorkingStorage}, so another runtime (a browser over OPFS) swaps one implementation.
 * `deno_storage.ts` is the default; `memory_storage.ts` keeps everything in memory, for tests.
 *
 * Outside it on purpose: the pipeline's lock file, beside the working folder rather than in it
 * (see `pipeline_lock.ts`), and the schema import and export folders, which are the user's
 * (`schema_file.ts`).
 *
 * @module
 */

/** A file opened for writing: bytes go to its end, in the order written. */
export interface WritableFile {
  /** Writes some of `bytes` (all of them, or a first part); returns how many. */
  write(bytes: Uint8Array): Promise<number>;
  /** Closes the file; what was written is then complete in it. */
  close(): Promise<void>;
}

/** An entry of a folder, as {@linkcode WorkingStorage.list} returns it. */
export interface StorageEntry {
  /** Its name in the folder. */
  name: string;
  /** Whether it is a folder. */
  isDirectory: boolean;
}

/** What {@linkcode WorkingStorage.stat} tells of a file or folder. */
export interface StorageStat {
  /** Size in bytes (of a file). */
  size: number;
  /** Whether it is a folder. */
  isDirectory: boolean;
}

/** Options of {@linkcode WorkingStorage.readChunks}. */
export interface ReadChunksOptions {
  /**
   * Byte offset to start reading at.
   * @default {0}
   */
  start?: number;
  /**
   * Largest chunk, in bytes.
   * @default {1 << 20}
   */
  chunkBytes?: number;
}

/**
 * The working folder's files. Paths are relative to the folder (its `root`), parts separated by
 * `/`; `""` is the folder itself. Every operation is asynchronous except `readTextSync`.
 *
 * Semantics every implementation keeps (the package store's crash safety rests on them):
 * - A file is created in a folder that exists (`mkdir` first); writing into a missing folder
 *   rejects.
 * - `rename` moves a file or a whole folder in one step: a reader sees it complete at the old
 *   path or complete at the new one. This is how a stage publishes a package, and how
 *   `writeAtomic` and `replace` publish a file.
 * - `writeAtomic` and `replace` leave the old content or the new one, never a mix; after a crash
 *   before their rename, a temporary `<path>.tmp` may be left beside it (nothing reads it; the
 *   next write of `path` overwrites it).
 * - Reading, statting, listing or renaming what does not exist rejects with an error for which
 *   {@linkcode isNotFound} is true; `remove` of what does not exist does nothing.
 * - Durability is what the file system gives after a process crash (a `kill -9`): no `fsync`,
 *   as before this interface existed.
 *
 * Writers: `create` returns a {@linkcode WritableFile}; the caller buffers (the job and item
 * writers write about a megabyte at a time), writes, and closes it. Readers: `readChunks` streams
 * a file; each chunk is valid until the next one is asked for.
 */
export interface WorkingStorage {
  /** Where the folder is: an absolute path (Deno), or a name for the folder (memory, OPFS). */
  readonly root: string;
  /**
   * Whether a Web Worker can open the same folder from `root` (normalize workers do): true for
   * files, false for memory, where normalize then runs in the calling thread.
   */
  readonly workersCanOpen: boolean;
  /**
   * Where `path` is, for messages and for destinations that read job files by path (for the
   * Deno storage, the absolute file path).
   */
  locate(path: string): string;
  /** Creates folder `path` and its parents; one that exists is no error. */
  mkdir(path: string): Promise<void>;
  /** The entries of folder `path`, in no particular order. */
  list(path: string): Promise<StorageEntry[]>;
  /** The size and kind of `path`. */
  stat(path: string): Promise<StorageStat>;
  /** The whole text (UTF-8) of file `path`. */
  readText(path: string): Promise<string>;
  /**
   * The whole text of file `path`, read synchronously: `pipeline()` reads its settings before it
   * returns. (A browser implementation would serve this small file from what it read when the
   * folder was opened: OPFS reads synchronously only in workers.)
   */
  readTextSync(path: string): string;
  /** The bytes of file `path` from `options.start` on, in chunks; see the interface doc. */
  readChunks(path: string, options?: ReadChunksOptions): AsyncGenerator<Uint8Array>;
  /** Creates file `path` and opens it for writing; a file already there is an error. */
  create(path: string): Promise<WritableFile>;
  /** Writes file `path` anew with `content` (text as UTF-8), atomically (see above). */
  writeAtomic(path: string, content: string | Uint8Array): Promise<void>;
  /**
   * Writes file `path` anew, atomically: `fill` writes the whole content into a temporary file,
   * which then replaces `path` in one rename. When `fill` fails, the temporary file is deleted
   * and `path` is left as it was. Returns what `fill` returns.
   */
  replace<T>(path: string, fill: (file: WritableFile) => Promise<T>): Promise<T>;
  /**
   * Moves file or folder `from` to `to` in one step. A file at `to` is replaced; a folder at `to`
   * must be removed first. The folder of `to` must exist.
   */
  rename(from: string, to: string): Promise<void>;
  /** Deletes file or folder `path` with everything in it; nothing there is no error. */
  remove(path: string): Promise<void>;
}

/**
 * A file or folder that does not exist, as implementations other than Deno's reject (the Deno
 * storage rejects with `Deno.errors.NotFound`, whose name is the same).
 */
export class StorageNotFound extends Error {
  /** The error for `path` (`where` it is, for the message). */
  constructor(where: string) {
    super(`No such file or folder "${where}"`);
    this.name = "NotFound";
  }
}

/**
 * Whether `error` says that a file or folder does not exist: a {@linkcode StorageNotFound} or
 * Deno's `NotFound`.
 *
 * @example
 * ```ts
 * import { isNotFound, StorageNotFound } from "./storage.ts";
 * if (!isNotFound(new StorageNotFound("state.json"))) throw new Error();
 * if (isNotFound(new Error("disk full"))) throw new Error();
 * ```
 */
export function isNotFound(error: unknown): boolean {
  return error instanceof Error && error.name === "NotFound";
}
