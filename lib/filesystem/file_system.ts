/**
 * One small interface for the files of a bucket — a local folder or an object store — addressed
 * by URL: the `filesystem` destination writes through it and the `filesystem` source reads
 * through it. `local.ts` serves `file://` URLs (and plain paths); `s3.ts` serves `s3://`. Another
 * store (GCS, Azure) is one more implementation of {@linkcode FileSystem}.
 *
 * Semantics every implementation keeps:
 * - URLs are absolute (`file:///abs/path/file`, `s3://bucket/key`); a "folder" is a URL prefix
 *   ending in `/`. Object stores have no folders: writing `a/b/c` needs no `mkdir`.
 * - `write` publishes a whole file or nothing: a reader never sees it half written (local files
 *   go through a temporary file and a rename; S3 objects appear when their upload completes).
 * - Reading or statting what does not exist rejects with a {@linkcode FileNotFound};
 *   `delete` of what does not exist does nothing.
 * - Other failures are a {@linkcode FileSystemError} naming the URL (never credentials).
 *
 * @module
 */
import { DltError, type DltErrorOptions } from "../errors.ts";

// the base of the errors here, public with them
export { DltError, type DltErrorOptions };

/** A file as {@linkcode FileSystem.list} and {@linkcode FileSystem.stat} describe it. */
export interface FileInfo {
  /** Its absolute URL. */
  url: string;
  /** Size in bytes. */
  size: number;
  /** When it was last written. */
  modified: Date;
}

/** Options of {@linkcode FileSystem.read}. */
export interface ReadOptions {
  /**
   * First byte to read.
   * @default {0}
   */
  start?: number;
  /**
   * Byte after the last one to read.
   * @default {the file's size}
   */
  end?: number;
  /** Cancels the read. */
  signal?: AbortSignal;
}

/** The content {@linkcode FileSystem.write} takes: bytes, text (UTF-8) or a stream of bytes. */
export type FileContent = Uint8Array | string | ReadableStream<Uint8Array>;

/** The files of one kind of store, by URL; see the module doc for the semantics. */
export interface FileSystem {
  /** The URL scheme it serves, e.g. `file` or `s3`. */
  readonly scheme: string;
  /**
   * Every file under folder `url` (a prefix ending in `/`), recursively, in no particular
   * order; a folder that does not exist has none.
   */
  list(url: string): AsyncIterable<FileInfo>;
  /** The size and modification time of file `url`. */
  stat(url: string): Promise<FileInfo>;
  /** The bytes of file `url` (or a range of them) as a stream. */
  read(url: string, options?: ReadOptions): Promise<ReadableStream<Uint8Array>>;
  /** Writes file `url` anew with `content`, whole or not at all; returns the bytes written. */
  write(url: string, content: FileContent): Promise<number>;
  /** Copies file `from` to `to` (same store), replacing `to`. */
  copy(from: string, to: string): Promise<void>;
  /** Deletes file `url`; one that does not exist is no error. */
  delete(url: string): Promise<void>;
}

/** A file system operation failed; the message names the URL, the cause is the store's error. */
export class FileSystemError extends DltError {
  /** The URL the operation was on. */
  readonly url: string;

  /** The error of an operation on `url`. */
  constructor(url: string, message: string, options: DltErrorOptions = {}) {
    super(message, options);
    this.url = url;
  }
}

/** A file that does not exist (or disappeared between listing and reading). */
export class FileNotFound extends FileSystemError {
  /** The error for `url`. */
  constructor(url: string, options: DltErrorOptions = {}) {
    super(url, `File "${url}" does not exist`, options);
  }
}

/**
 * Reads the whole of file `url` of `fs` into memory (small files: state, schemas, markers).
 *
 * @example
 * ```ts
 * import { readBytes } from "./file_system.ts";
 * import { LocalFileSystem } from "./local.ts";
 * const fs = new LocalFileSystem();
 * const path = await Deno.makeTempFile();
 * const url = new URL(path, "file:").href;
 * await fs.write(url, "hi");
 * if (new TextDecoder().decode(await readBytes(fs, url)) !== "hi") throw new Error();
 * await Deno.remove(path);
 * ```
 */
export async function readBytes(fs: FileSystem, url: string): Promise<Uint8Array> {
  return new Uint8Array(await new Response(await fs.read(url)).arrayBuffer());
}

/** Reads the whole of file `url` of `fs` as UTF-8 text. */
export async function readText(fs: FileSystem, url: string): Promise<string> {
  return new TextDecoder().decode(await readBytes(fs, url));
}

/**
 * Moves file `from` to `to` in a store without renames: a copy, then a delete of `from`.
 */
export async function move(fs: FileSystem, from: string, to: string): Promise<void> {
  await fs.copy(from, to);
  await fs.delete(from);
}

/**
 * `base` (a folder URL, with or without its final `/`) joined with the `/`-separated `parts`.
 *
 * @example
 * ```ts
 * import { joinUrl } from "./file_system.ts";
 * if (joinUrl("s3://b/data", "ds", "t/x.jsonl") !== "s3://b/data/ds/t/x.jsonl") throw new Error();
 * if (joinUrl("file:///tmp/b/", "ds") !== "file:///tmp/b/ds") throw new Error();
 * ```
 */
export function joinUrl(base: string, ...parts: string[]): string {
  const trimmed = base.replace(/\/+$/, "");
  const rest = parts.map((part) => part.replace(/^\/+|\/+$/g, "")).filter((part) => part !== "");
  return [trimmed, ...rest].join("/");
}
