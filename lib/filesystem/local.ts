/**
 * The {@linkcode FileSystem} of local files (`file://` URLs), through Deno's file API.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  type FileContent,
  type FileInfo,
  FileNotFound,
  type FileSystem,
  FileSystemError,
  type ReadOptions,
} from "./file_system.ts";

/**
 * Local files by `file://` URL. `write` writes a temporary file beside the target and renames it
 * into place, creating the folders it needs.
 *
 * @example
 * ```ts
 * import { LocalFileSystem } from "./local.ts";
 * const fs = new LocalFileSystem();
 * const dir = await Deno.makeTempDir();
 * const folder = new URL(`${dir}/`, "file:").href;
 * await fs.write(`${folder}a/b.txt`, "hello");
 * const found = await Array.fromAsync(fs.list(folder));
 * if (found.length !== 1 || found[0].size !== 5) throw new Error();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class LocalFileSystem implements FileSystem {
  /** Serves `file://` URLs. */
  readonly scheme = "file";

  /** Every file under folder `url`, recursively. */
  async *list(url: string): AsyncIterable<FileInfo> {
    const root = pathOf(url);
    const folders = [root];
    while (folders.length > 0) {
      const folder = folders.pop()!;
      let entries: Deno.DirEntry[];
      try {
        entries = await Array.fromAsync(Deno.readDir(folder));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue;
        throw failed(urlOf(folder), "cannot be listed", error);
      }
      for (const entry of entries) {
        const path = join(folder, entry.name);
        if (entry.isDirectory) folders.push(path);
        // a temporary file of a write in progress is not a file yet
        else if (entry.isFile && !entry.name.endsWith(TEMPORARY)) {
          try {
            yield infoOf(path, await Deno.stat(path));
          } catch (error) {
            // deleted between listing and statting: not there any more
            if (!(error instanceof Deno.errors.NotFound)) throw failed(urlOf(path), "", error);
          }
        }
      }
    }
  }

  /** The size and modification time of file `url`. */
  async stat(url: string): Promise<FileInfo> {
    const path = pathOf(url);
    try {
      return infoOf(path, await Deno.stat(path));
    } catch (error) {
      throw failed(url, "cannot be read", error);
    }
  }

  /** The bytes of file `url` from `options.start` to `options.end`, as a stream. */
  async read(url: string, options: ReadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    let file: Deno.FsFile;
    let size: number;
    try {
      file = await Deno.open(pathOf(url), { read: true });
    } catch (error) {
      throw failed(url, "cannot be read", error);
    }
    try {
      size = (await file.stat()).size;
    } catch (error) {
      file.close();
      throw failed(url, "cannot be read", error);
    }
    const start = options.start ?? 0;
    if (start > 0) await file.seek(start, Deno.SeekMode.Start);
    // the bytes as the file is when opened: a buffer of a small file's size, not a whole chunk
    let left = Math.min(options.end ?? Infinity, size) - start;
    const signal = options.signal;
    return new ReadableStream<Uint8Array>({
      type: "bytes",
      async pull(controller) {
        try {
          signal?.throwIfAborted();
          const buffer = new Uint8Array(Math.min(CHUNK_BYTES, left));
          const read = left <= 0 ? null : await file.read(buffer);
          if (read === null) {
            file.close();
            controller.close();
            return;
          }
          left -= read;
          controller.enqueue(buffer.subarray(0, read));
        } catch (error) {
          file.close();
          controller.error(failed(url, "cannot be read", error));
        }
      },
      cancel() {
        file.close();
      },
    });
  }

  /** Writes file `url` anew with `content`, through a temporary file and a rename. */
  async write(url: string, content: FileContent): Promise<number> {
    const path = pathOf(url);
    const temporary = `${path}.${crypto.randomUUID().slice(0, 8)}${TEMPORARY}`;
    try {
      await Deno.mkdir(dirname(path), { recursive: true });
      let bytes: number;
      if (content instanceof ReadableStream) {
        const file = await Deno.open(temporary, { write: true, createNew: true });
        bytes = 0;
        const counted = content.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              bytes += chunk.length;
              controller.enqueue(chunk);
            },
          }),
        );
        await counted.pipeTo(file.writable);
      } else {
        const data = typeof content === "string" ? new TextEncoder().encode(content) : content;
        await Deno.writeFile(temporary, data, { createNew: true });
        bytes = data.length;
      }
      await Deno.rename(temporary, path);
      return bytes;
    } catch (error) {
      await Deno.remove(temporary).catch(() => {});
      throw failed(url, "cannot be written", error);
    }
  }

  /** Copies file `from` to `to`, replacing `to` whole. */
  async copy(from: string, to: string): Promise<void> {
    await this.write(to, await this.read(from));
  }

  /** Deletes file `url`; one that does not exist is no error. */
  async delete(url: string): Promise<void> {
    try {
      await Deno.remove(pathOf(url));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw failed(url, "cannot be deleted", error);
    }
  }
}

/** Suffix of the temporary file of a write in progress (listing skips them). */
const TEMPORARY = ".dlt-tmp";
/** The most bytes a read takes at a time. */
const CHUNK_BYTES = 1 << 20;

/** The local path of `file://` URL `url`. */
function pathOf(url: string): string {
  if (!url.startsWith("file://")) {
    throw new TypeError(`Not a local file URL: "${url}" (expected file:///absolute/path)`);
  }
  return fileURLToPath(url);
}

function urlOf(path: string): string {
  return pathToFileURL(path).href;
}

function infoOf(path: string, stat: Deno.FileInfo): FileInfo {
  if (stat.isDirectory) throw new FileSystemError(urlOf(path), `"${urlOf(path)}" is a folder`);
  return { url: urlOf(path), size: stat.size, modified: stat.mtime ?? new Date(0) };
}

/** The error of an operation on `url` that failed with `error` (a missing file: FileNotFound). */
function failed(url: string, what: string, error: unknown): Error {
  if (error instanceof FileSystemError) return error;
  if (error instanceof Deno.errors.NotFound) return new FileNotFound(url, { cause: error });
  const reason = error instanceof Error ? error.message : String(error);
  return new FileSystemError(url, `File "${url}" ${what || "failed"}: ${reason}`, {
    cause: error,
  });
}
