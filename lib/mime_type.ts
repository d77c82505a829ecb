/**
 * The MIME type and content encoding of a file by its name, as dlt guesses them (Python's
 * `mimetypes.guess_type(name, strict=False)`, and `application/<extension>` when it knows none).
 *
 * @module
 */

/** Types by extension: the common part of Python's `mimetypes` table. */
const TYPES: Readonly<Record<string, string>> = {
  ".csv": "text/csv",
  ".tsv": "text/tab-separated-values",
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".html": "text/html",
  ".htm": "text/html",
  ".xml": "text/xml",
  ".css": "text/css",
  ".js": "text/javascript",
  ".py": "text/x-python",
  ".json": "application/json",
  ".pdf": "application/pdf",
  ".zip": "application/zip",
  ".tar": "application/x-tar",
  ".sh": "application/x-sh",
  ".xls": "application/vnd.ms-excel",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".doc": "application/msword",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".svg": "image/svg+xml",
  ".webp": "image/webp",
  ".mp3": "audio/mpeg",
  ".wav": "audio/x-wav",
  ".mp4": "video/mp4",
};

/** Content encodings by extension (case matters, as in Python). */
const ENCODINGS: Readonly<Record<string, string>> = {
  ".gz": "gzip",
  ".bz2": "bzip2",
  ".xz": "xz",
  ".br": "br",
  ".Z": "compress",
};

/** Extensions that stand for two. */
const SUFFIXES: Readonly<Record<string, string>> = {
  ".tgz": ".tar.gz",
  ".taz": ".tar.gz",
  ".tz": ".tar.gz",
  ".tbz2": ".tar.bz2",
  ".txz": ".tar.xz",
};

/** What {@linkcode guessMimeType} finds. */
export interface MimeType {
  /** The MIME type. */
  mimeType: string;
  /** The content encoding (`gzip`…), when the name has one. */
  encoding?: string;
}

/**
 * The MIME type and encoding of file `name` (a name or `/`-separated path).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { guessMimeType } from "./mime_type.ts";
 * assert.deepEqual(guessMimeType("a/b.csv.gz"), { mimeType: "text/csv", encoding: "gzip" });
 * assert.deepEqual(guessMimeType("b.parquet"), { mimeType: "application/parquet" });
 * assert.deepEqual(guessMimeType("README"), { mimeType: "application/octet-stream" });
 * ```
 */
export function guessMimeType(name: string): MimeType {
  const base = name.slice(name.lastIndexOf("/") + 1);
  let [root, ext] = splitExtension(base);
  while (ext in SUFFIXES) [root, ext] = splitExtension(root + SUFFIXES[ext]);
  let encoding: string | undefined;
  if (ext in ENCODINGS) {
    encoding = ENCODINGS[ext];
    [root, ext] = splitExtension(root);
  }
  const known = TYPES[ext] ?? TYPES[ext.toLowerCase()];
  // dlt's fallback takes the name's last extension, the encoding's included
  const mimeType = known ?? `application/${splitExtension(base)[1].slice(1) || "octet-stream"}`;
  return encoding === undefined ? { mimeType } : { mimeType, encoding };
}

/** `name` split before its last `.` (a leading dot starts no extension), as `splitext`. */
function splitExtension(name: string): [string, string] {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || /^\.+$/.test(name.slice(0, dot + 1))) return [name, ""];
  return [name.slice(0, dot), name.slice(dot)];
}
