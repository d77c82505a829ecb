/**
 * Bucket URLs as dlt takes them, and the {@linkcode FileSystem} that serves one.
 *
 * Supported schemes: `file://` (and plain absolute or relative paths, which become `file://`
 * URLs). Another scheme is a `RangeError` naming the supported ones.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { FileSystem } from "./file_system.ts";
import { LocalFileSystem } from "./local.ts";

/** URL schemes {@linkcode openFileSystem} serves. */
export const SUPPORTED_SCHEMES: readonly string[] = ["file"];

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

/**
 * The file system serving `url`. A scheme it does not serve is a `RangeError` listing the
 * supported ones.
 */
export function openFileSystem(url: string): FileSystem {
  const scheme = schemeOf(url);
  if (scheme === "file") return new LocalFileSystem();
  throw new RangeError(
    `Bucket URL "${url}" has scheme "${scheme}"; supported: ${
      SUPPORTED_SCHEMES.map((s) => `"${s}://"`).join(", ")
    }`,
  );
}
