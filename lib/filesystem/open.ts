/**
 * Bucket URLs as dlt takes them, and the {@linkcode FileSystem} that serves one.
 *
 * Supported schemes:
 * - `file://` (and plain absolute or relative paths, which become `file://` URLs): local files,
 *   {@linkcode LocalFileSystem};
 * - `s3://bucket/path`: S3 and S3-compatible stores (MinIO, R2, s3rver, …), `S3FileSystem` of
 *   `s3.ts`, with credentials from code or config (see `s3_credentials.ts`). Its code (and its
 *   npm dependency) is loaded when an `s3://` file is first used.
 *
 * Another scheme is a `RangeError` naming the supported ones. To add one (`gs`, `az`): implement
 * {@linkcode FileSystem} in a module of its own, with its credentials read as `s3_credentials.ts`
 * reads S3's, and add a case to {@linkcode openFileSystem} and its name to
 * {@linkcode SUPPORTED_SCHEMES}.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ResolveConfigOptions } from "../config.ts";
import type { FileContent, FileInfo, FileSystem, ReadOptions } from "./file_system.ts";
import { LocalFileSystem } from "./local.ts";
import { resolveS3Credentials, type S3Credentials } from "./s3_credentials.ts";

/** URL schemes {@linkcode openFileSystem} serves. */
export const SUPPORTED_SCHEMES: readonly string[] = ["file", "s3"];

/**
 * `bucketUrl` as an absolute URL without a final `/`: a URL is kept, a plain path (absolute, or
 * relative to `baseDir`) becomes a `file://` URL.
 *
 * @example
 * ```ts
 * import { resolveBucketUrl } from "./open.ts";
 * if (resolveBucketUrl("data", "/tmp/project") !== "file:///tmp/project/data") throw new Error();
 * if (resolveBucketUrl("s3://bucket/path/") !== "s3://bucket/path") throw new Error();
 * ```
 */
export function resolveBucketUrl(bucketUrl: string, baseDir: string = Deno.cwd()): string {
  if (bucketUrl.trim() === "") throw new RangeError("bucketUrl is empty");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(bucketUrl)) return bucketUrl.replace(/\/+$/, "");
  const path = isAbsolute(bucketUrl) ? bucketUrl : resolve(baseDir, bucketUrl);
  return pathToFileURL(path).href.replace(/\/+$/, "");
}

/** The URL scheme of `url` (`file`, `s3`). */
export function schemeOf(url: string): string {
  return url.slice(0, url.indexOf(":")).toLowerCase();
}

/** Options of {@linkcode openFileSystem}: credentials, and where config has them. */
export interface OpenFileSystemOptions extends ResolveConfigOptions {
  /**
   * Credentials given in code (for `s3://`: `{ awsAccessKeyId, awsSecretAccessKey, … }`); the
   * fields they lack come from config. A `file://` URL takes none.
   */
  credentials?: Partial<S3Credentials>;
  /**
   * The config section of the credentials: `destination.filesystem.credentials` for the
   * destination, `sources.filesystem.credentials` for the source; without one, only the
   * credentials given and the store's own environment variables (`AWS_ACCESS_KEY_ID`, …) are used.
   */
  configSection?: string;
}

/**
 * The file system serving `url`, with its credentials resolved now: missing ones are a
 * `ConfigError` listing every key and variable tried. A scheme it does not serve is a
 * `RangeError` listing the supported ones.
 *
 * @example
 * ```ts
 * import { openFileSystem } from "./open.ts";
 * const fs = openFileSystem("s3://bucket/data", {
 *   credentials: { awsAccessKeyId: "AKIAEXAMPLE", awsSecretAccessKey: "example-secret-key" },
 * });
 * if (fs.scheme !== "s3") throw new Error();
 * ```
 */
export function openFileSystem(url: string, options: OpenFileSystemOptions = {}): FileSystem {
  const { credentials, configSection, ...lookup } = options;
  const scheme = schemeOf(url);
  if (scheme === "file") {
    if (credentials !== undefined) {
      throw new TypeError(`Bucket URL "${url}" is a local folder: it takes no credentials`);
    }
    return new LocalFileSystem();
  }
  if (scheme === "s3") {
    const resolved = resolveS3Credentials(credentials, { ...lookup, configSection });
    return new LazyFileSystem(
      "s3",
      async () => new (await import("./s3.ts")).S3FileSystem(resolved),
    );
  }
  throw new RangeError(
    `Bucket URL "${url}" has scheme "${scheme}"; supported: ${
      SUPPORTED_SCHEMES.map((s) => `"${s}://"`).join(", ")
    }`,
  );
}

/** A file system whose module is imported when it is first used. */
class LazyFileSystem implements FileSystem {
  readonly scheme: string;
  readonly #open: () => Promise<FileSystem>;
  #opened: Promise<FileSystem> | undefined;

  constructor(scheme: string, open: () => Promise<FileSystem>) {
    this.scheme = scheme;
    this.#open = open;
  }

  #fs(): Promise<FileSystem> {
    return this.#opened ??= this.#open();
  }

  async *list(url: string): AsyncIterable<FileInfo> {
    yield* (await this.#fs()).list(url);
  }

  async stat(url: string): Promise<FileInfo> {
    return await (await this.#fs()).stat(url);
  }

  async read(url: string, options?: ReadOptions): Promise<ReadableStream<Uint8Array>> {
    return await (await this.#fs()).read(url, options);
  }

  async write(url: string, content: FileContent): Promise<number> {
    return await (await this.#fs()).write(url, content);
  }

  async copy(from: string, to: string): Promise<void> {
    await (await this.#fs()).copy(from, to);
  }

  async delete(url: string): Promise<void> {
    await (await this.#fs()).delete(url);
  }
}
