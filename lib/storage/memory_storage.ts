/**
 * A working folder kept in memory: a {@linkcode WorkingStorage} for tests, and the reference for
 * what another implementation must do (it keeps the interface's rules strictly: a missing folder,
 * a file created twice, a folder renamed onto a folder are errors).
 *
 * @module
 */
import {
  type ReadChunksOptions,
  type StorageEntry,
  StorageNotFound,
  type StorageStat,
  type WorkingStorage,
  type WritableFile,
} from "./storage.ts";

/**
 * A working folder in memory. Normalize workers cannot open it: with it, normalize runs in the
 * calling thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryStorage } from "./memory_storage.ts";
 * const storage = new MemoryStorage();
 * await storage.mkdir("load/normalized");
 * const file = await storage.create("load/normalized/a.csv");
 * await file.write(new TextEncoder().encode("id\n1\n"));
 * await file.close();
 * assert.equal(await storage.readText("load/normalized/a.csv"), "id\n1\n");
 * assert.deepEqual(await storage.list("load"), [{ name: "normalized", isDirectory: true }]);
 * ```
 */
export class MemoryStorage implements WorkingStorage {
  /** The name the folder goes by in messages. */
  readonly root: string;
  /** Workers cannot reach this memory. */
  readonly workersCanOpen = false;
  #folders = new Set<string>([""]);
  #files = new Map<string, Uint8Array[]>();
  #encoder = new TextEncoder();
  #decoder = new TextDecoder();

  /** An empty folder, named `root` in messages. */
  constructor(root = "memory:") {
    this.root = root;
  }

  /** `<root>/<path>`. */
  locate(path: string): string {
    const key = keyOf(path);
    return key === "" ? this.root : `${this.root}/${key}`;
  }

  /** Creates folder `path` and its parents. */
  mkdir(path: string): Promise<void> {
    const key = keyOf(path);
    const missing: string[] = [];
    for (let at = key; !this.#folders.has(at); at = parentOf(at)) {
      if (this.#files.has(at)) return this.#fail(at, "is a file");
      missing.push(at);
      if (at === "") break;
    }
    for (const at of missing) this.#folders.add(at);
    return Promise.resolve();
  }

  /** The entries of folder `path`. */
  list(path: string): Promise<StorageEntry[]> {
    const key = keyOf(path);
    if (!this.#folders.has(key)) return this.#missing(path);
    const entries: StorageEntry[] = [];
    for (const folder of this.#folders) {
      if (folder !== "" && parentOf(folder) === key) {
        entries.push({ name: nameOf(folder), isDirectory: true });
      }
    }
    for (const file of this.#files.keys()) {
      if (parentOf(file) === key) entries.push({ name: nameOf(file), isDirectory: false });
    }
    return Promise.resolve(entries);
  }

  /** The size and kind of `path`. */
  stat(path: string): Promise<StorageStat> {
    const key = keyOf(path);
    if (this.#folders.has(key)) return Promise.resolve({ size: 0, isDirectory: true });
    const chunks = this.#files.get(key);
    if (chunks === undefined) return this.#missing(path);
    return Promise.resolve({ size: sizeOf(chunks), isDirectory: false });
  }

  /** The text of file `path`. */
  readText(path: string): Promise<string> {
    try {
      return Promise.resolve(this.readTextSync(path));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The text of file `path`. */
  readTextSync(path: string): string {
    return this.#decoder.decode(this.#content(path));
  }

  /** The bytes of file `path` from `options.start` on, in chunks. */
  async *readChunks(path: string, options: ReadChunksOptions = {}): AsyncGenerator<Uint8Array> {
    const { start = 0, chunkBytes = 1 << 20 } = options;
    const content = this.#content(path);
    for (let at = start; at < content.length; at += chunkBytes) {
      yield content.subarray(at, at + chunkBytes);
    }
  }

  /** Creates file `path`; an existing file is an error. */
  create(path: string): Promise<WritableFile> {
    const key = keyOf(path);
    if (this.#files.has(key) || this.#folders.has(key)) return this.#fail(path, "exists");
    if (!this.#folders.has(parentOf(key))) return this.#missing(parentOf(key));
    const chunks: Uint8Array[] = [];
    this.#files.set(key, chunks);
    return Promise.resolve(appender(chunks));
  }

  /** Sets the content of file `path` in one step. */
  writeAtomic(path: string, content: string | Uint8Array): Promise<void> {
    const bytes = typeof content === "string" ? this.#encoder.encode(content) : content.slice();
    return this.#publish(path, [bytes]);
  }

  /** Collects what `fill` writes, then sets it as the content of `path` in one step. */
  async replace<T>(path: string, fill: (file: WritableFile) => Promise<T>): Promise<T> {
    const chunks: Uint8Array[] = [];
    const result = await fill(appender(chunks));
    await this.#publish(path, chunks);
    return result;
  }

  /** Moves `from` (a file, or a folder with everything in it) to `to`. */
  rename(from: string, to: string): Promise<void> {
    const source = keyOf(from);
    const target = keyOf(to);
    if (!this.#folders.has(parentOf(target))) return this.#missing(parentOf(target));
    if (this.#folders.has(target)) return this.#fail(to, "is a folder: remove it first");
    const file = this.#files.get(source);
    if (file !== undefined) {
      this.#files.delete(source);
      this.#files.set(target, file);
      return Promise.resolve();
    }
    if (!this.#folders.has(source)) return this.#missing(from);
    if (this.#files.has(target)) return this.#fail(to, "is a file");
    if (source === "" || isInside(target, source)) return this.#fail(to, "is inside the folder");
    const moved = (key: string) => target + key.slice(source.length);
    for (const folder of [...this.#folders]) {
      if (!isInside(folder, source)) continue;
      this.#folders.delete(folder);
      this.#folders.add(moved(folder));
    }
    for (const [key, chunks] of [...this.#files]) {
      if (!isInside(key, source)) continue;
      this.#files.delete(key);
      this.#files.set(moved(key), chunks);
    }
    return Promise.resolve();
  }

  /** Deletes `path` with everything in it. */
  remove(path: string): Promise<void> {
    const key = keyOf(path);
    this.#files.delete(key);
    for (const folder of [...this.#folders]) {
      if (isInside(folder, key)) this.#folders.delete(folder);
    }
    for (const file of [...this.#files.keys()]) if (isInside(file, key)) this.#files.delete(file);
    return Promise.resolve();
  }

  #publish(path: string, chunks: Uint8Array[]): Promise<void> {
    const key = keyOf(path);
    if (this.#folders.has(key)) return this.#fail(path, "is a folder");
    if (!this.#folders.has(parentOf(key))) return this.#missing(parentOf(key));
    this.#files.set(key, chunks);
    return Promise.resolve();
  }

  #content(path: string): Uint8Array {
    const chunks = this.#files.get(keyOf(path));
    if (chunks === undefined) throw new StorageNotFound(this.locate(path));
    if (chunks.length > 1) chunks.splice(0, chunks.length, concat(chunks));
    return chunks[0] ?? new Uint8Array();
  }

  #missing(path: string): Promise<never> {
    return Promise.reject(new StorageNotFound(this.locate(path)));
  }

  #fail(path: string, reason: string): Promise<never> {
    return Promise.reject(new Error(`"${this.locate(path)}" ${reason}`));
  }
}

/** A file that appends copies of what is written to `chunks` (callers reuse their buffers). */
function appender(chunks: Uint8Array[]): WritableFile {
  let closed = false;
  return {
    write(bytes) {
      if (closed) return Promise.reject(new Error("The file is closed"));
      chunks.push(bytes.slice());
      return Promise.resolve(bytes.length);
    },
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}

/** `path` without empty and `.` parts; `..` may not leave the folder. */
function keyOf(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") parts.push(part);
    else if (parts.pop() === undefined) throw new RangeError(`Path "${path}" leaves the storage`);
  }
  return parts.join("/");
}

function parentOf(key: string): string {
  return key.slice(0, Math.max(key.lastIndexOf("/"), 0));
}

function nameOf(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}

/** Whether `key` is `folder` or inside it. */
function isInside(key: string, folder: string): boolean {
  return folder === "" || key === folder || key.startsWith(`${folder}/`);
}

function sizeOf(chunks: readonly Uint8Array[]): number {
  return chunks.reduce((n, chunk) => n + chunk.length, 0);
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(sizeOf(chunks));
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}
