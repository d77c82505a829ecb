/**
 * dlt's filesystem source: the files of a bucket (a local folder, an `s3://` bucket, or one
 * `https://` file) as file items, and transformers that read them as rows. Importable by URL;
 * it needs nothing but this package.
 *
 * - {@linkcode filesystem} lists the files whose path (relative to `bucketUrl`) matches
 *   `fileGlob` and yields pages of {@linkcode FileItem}s: `file_name`, `file_url`,
 *   `relative_path`, `size_in_bytes`, `mime_type`, `modification_date` (and `encoding` for
 *   `.gz` files, `file_content` with `extractContent`). With
 *   `incremental("modification_date")` a run yields only files new or changed since the last.
 * - {@linkcode readCsv}, {@linkcode readJsonl} and {@linkcode readParquet} read the files piped
 *   into them and yield their rows in chunks, in bounded memory: `filesystem(…).pipe(readCsv())`.
 *   `.gz` files are decompressed as they are read.
 * - {@linkcode readers} is a source with all three, as dlt's `readers`.
 *
 * The bucket URL comes from the options or from config (`sources.filesystem.bucket_url`,
 * `SOURCES__FILESYSTEM__BUCKET_URL`); S3 credentials from the options or
 * `sources.filesystem.credentials` (as the filesystem destination's).
 *
 * @example Loading every CSV file of a folder, then only new or changed ones
 * ```ts
 * import assert from "node:assert/strict";
 * import { incremental, pipeline } from "../mod.ts";
 * import { duckdb } from "../destinations/duckdb/mod.ts";
 * import { filesystem, readCsv } from "./filesystem.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/data/2024`, { recursive: true });
 * await Deno.writeTextFile(`${dir}/data/2024/orders.csv`, "id,amount\n1,9.5\n2,12\n");
 * const orders = filesystem({
 *   bucketUrl: `${dir}/data`,
 *   fileGlob: "**\/*.csv",
 *   incremental: incremental("modification_date"),
 * }).pipe(readCsv()).withName("orders");
 * const p = pipeline({
 *   pipelineName: "files",
 *   destination: duckdb({ path: `${dir}/files.duckdb` }),
 *   pipelinesDir: dir,
 * });
 * await p.run(orders);
 * assert.equal(await p.dataset().table("orders").count(), 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { config, resolveConfigSpec } from "../lib/config.ts";
import {
  type FileInfo,
  FileNotFound,
  type FileSystem,
  FileSystemError,
  type ReadOptions,
} from "../lib/filesystem/file_system.ts";
import { openFileSystem, resolveBucketUrl, schemeOf } from "../lib/filesystem/open.ts";
import type { S3Credentials, S3UrlStyle } from "../lib/filesystem/s3_credentials.ts";
import { checkCsvOptions, type CsvReadOptions, readCsvChunks } from "../lib/formats/csv_reader.ts";
import { gunzip } from "../lib/formats/decompress.ts";
import { FileFormatError } from "../lib/formats/format_error.ts";
import {
  checkJsonlOptions,
  type JsonlReadOptions,
  readJsonlChunks,
} from "../lib/formats/jsonl_reader.ts";
import {
  bytesFile,
  checkParquetOptions,
  fileSystemRanges,
  type ParquetReadOptions,
  type RandomAccessFile,
} from "../lib/formats/parquet_reader.ts";
import { globBase, globToRegExp } from "../lib/glob.ts";
import { Incremental } from "../lib/incremental.ts";
import { guessMimeType } from "../lib/mime_type.ts";
import {
  boolean,
  checkOptions,
  checkValue,
  describeValue,
  instanceOf,
  integer,
  invalidValue,
  isPlainObject,
  type OptionSpec,
  text,
} from "../lib/options.ts";
import { redactUrl } from "../lib/redact.ts";
import { type DltResource, resource, transformer } from "../lib/resource.ts";
import { type DltSource, source } from "../lib/source.ts";

export { FileFormatError } from "../lib/formats/format_error.ts";
export type {
  CsvReadOptions,
  JsonlReadOptions,
  ParquetReadOptions,
  RandomAccessFile,
  S3Credentials,
  S3UrlStyle,
};

/** Reads files by URL: a bucket's {@linkcode FileSystem}, or `fetch` for an `https://` file. */
type FileReader = Pick<FileSystem, "read">;

/** The fields of a {@linkcode FileItem}, as dlt names them. */
export interface FileItemFields {
  /** The file's name, without folders. */
  file_name: string;
  /** Its path below the bucket URL, `/`-separated. */
  relative_path: string;
  /** Its full URL (`file:///…`, `s3://bucket/…`, `https://…`). */
  file_url: string;
  /** Its MIME type, guessed from its name (`text/csv`; `application/<ext>` when unknown). */
  mime_type: string;
  /** When it was last written. */
  modification_date: Date;
  /** Its size. */
  size_in_bytes: number;
  /** Its content encoding by name (`gzip` for `.gz`), when it has one. */
  encoding?: string;
  /** Its bytes, with `extractContent` (as stored: not decompressed). */
  file_content?: Uint8Array;
}

/** How {@linkcode FileItem.open} treats compression, as dlt's `FileItemDict.open`. */
export type Compression = "auto" | "enable" | "disable";

/**
 * A file listed by {@linkcode filesystem}: dlt's `FileItemDict`, its fields (which load as a
 * row) and methods to read it.
 */
export class FileItem implements FileItemFields {
  /** The file's name, without folders. */
  file_name: string;
  /** Its path below the bucket URL, `/`-separated. */
  relative_path: string;
  /** Its full URL. */
  file_url: string;
  /** Its MIME type, guessed from its name. */
  mime_type: string;
  /** When it was last written. */
  modification_date: Date;
  /** Its size. */
  size_in_bytes: number;
  /** Its content encoding by name (`gzip`), when it has one. */
  declare encoding?: string;
  /** Its bytes, with `extractContent`. */
  declare file_content?: Uint8Array;
  #reader: FileReader;

  /** Use {@linkcode filesystem} instead. */
  constructor(fields: FileItemFields, reader: FileReader) {
    this.file_name = fields.file_name;
    this.relative_path = fields.relative_path;
    this.file_url = fields.file_url;
    this.mime_type = fields.mime_type;
    this.modification_date = fields.modification_date;
    this.size_in_bytes = fields.size_in_bytes;
    if (fields.encoding !== undefined) this.encoding = fields.encoding;
    if (fields.file_content !== undefined) this.file_content = fields.file_content;
    this.#reader = reader;
  }

  /** The URL as messages show it (no credentials or tokens in a query). */
  get shownUrl(): string {
    return /^https?:/i.test(this.file_url) ? redactUrl(this.file_url) : this.file_url;
  }

  /**
   * The file's bytes as a stream. `compression: "auto"` decompresses a `.gz` file (and refuses
   * one of an encoding that cannot be read); `"enable"` decompresses gzip whatever the name;
   * `"disable"` gives the bytes as stored. A file gone since it was listed is a
   * `FileNotFound` naming it.
   */
  async open(options: { compression?: Compression } = {}): Promise<ReadableStream<Uint8Array>> {
    const { compression = "auto" } = checkOptions(options, OPEN_SPEC, "FileItem.open()", {
      snakeCase: "refuse",
    });
    const raw = this.file_content !== undefined
      ? new Blob([this.file_content as Uint8Array<ArrayBuffer>]).stream()
      : await this.#reader.read(this.file_url);
    if (compression === "disable") return raw;
    if (compression === "auto" && this.encoding === undefined) return raw;
    if (compression === "auto" && this.encoding !== "gzip") {
      await raw.cancel();
      throw new FileFormatError(
        this.shownUrl,
        `it is compressed with ${this.encoding}, which cannot be read (only gzip can)`,
      );
    }
    return gunzip(raw, this.shownUrl);
  }

  /** The file's bytes as stored (not decompressed), as dlt's `read_bytes`. */
  async readBytes(): Promise<Uint8Array> {
    if (this.file_content !== undefined) return this.file_content;
    return new Uint8Array(
      await new Response(await this.open({ compression: "disable" })).arrayBuffer(),
    );
  }

  /**
   * The file read by byte ranges (Parquet reads its footer first): the stored bytes, so not for
   * a compressed file.
   */
  randomAccess(): RandomAccessFile {
    if (this.file_content !== undefined) return bytesFile(this.file_content);
    return fileSystemRanges(this.#reader, this.file_url, this.size_in_bytes);
  }
}

const OPEN_SPEC: OptionSpec<{ compression?: Compression }> = {
  compression: (value) =>
    value === "auto" || value === "enable" || value === "disable"
      ? value
      : invalidValue('one of "auto", "enable", "disable"', true),
};

/** Options of {@linkcode filesystem}. */
export interface FilesystemOptions {
  /**
   * The bucket: a local folder (a path or `file://` URL), `s3://bucket/path`, or the
   * `https://` URL of one file.
   * @default {config `sources.filesystem.bucket_url`}
   */
  bucketUrl?: string;
  /**
   * Which files, by their path below the bucket URL: `*` any characters but `/`, `**` any
   * folders, `?`, `[abc]`, `{csv,tsv}` (see `lib/glob.ts`). With an `https://` bucket URL it
   * names the file below it (no wildcards: a web server lists nothing).
   * @default {"*": the files directly in the bucket URL; config `sources.filesystem.file_glob`}
   */
  fileGlob?: string;
  /**
   * Files per page (per item the resource yields).
   * @default {100}
   */
  filesPerPage?: number;
  /**
   * Whether each file's bytes are read into `file_content` while it is listed.
   * @default {false}
   */
  extractContent?: boolean;
  /**
   * S3 credentials (`{ awsAccessKeyId, awsSecretAccessKey, endpointUrl, … }`); those missing
   * come from config `sources.filesystem.credentials`. A local folder takes none.
   */
  credentials?: Partial<S3Credentials>;
  /** An incremental cursor on the file items, e.g. `incremental("modification_date")`. */
  incremental?: Incremental;
}

const FILESYSTEM_SPEC: OptionSpec<FilesystemOptions> = {
  bucketUrl: text(),
  fileGlob: text(),
  filesPerPage: integer({ min: 1 }),
  extractContent: boolean(),
  credentials: (value) =>
    isPlainObject(value) ? value as Partial<S3Credentials> : invalidValue("an object"),
  incremental: instanceOf(Incremental, "an incremental() cursor"),
};

/** dlt options this source does not take, with what to do instead. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  kwargs: "fsspec arguments do not apply: give S3 settings in credentials (endpointUrl, …)",
  clientKwargs: "fsspec arguments do not apply: give S3 settings in credentials (endpointUrl, …)",
};

/**
 * The files of a bucket as a resource named `filesystem` (primary key `file_url`), yielding
 * pages of {@linkcode FileItem}s, as dlt's `filesystem`. The bucket URL and glob are resolved
 * (from the options, else config) and the bucket's credentials read when it is called; the
 * listing happens when the resource runs.
 *
 * With an incremental cursor that has a `rowOrder`, files are sorted by the cursor before they
 * are paged, as in dlt.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FileItem, filesystem } from "./filesystem.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.csv.gz`, "");
 * const files = filesystem({ bucketUrl: dir, fileGlob: "*.csv.gz" });
 * const [file] = await files.toArray() as FileItem[];
 * assert.equal(file.relative_path, "a.csv.gz");
 * assert.deepEqual([file.mime_type, file.encoding], ["text/csv", "gzip"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function filesystem(options: FilesystemOptions = {}): DltResource {
  const given = checkOptions(options, FILESYSTEM_SPEC, "filesystem()", {
    snakeCase: "refuse",
    unsupported: UNSUPPORTED,
  });
  const settings = resolveConfigSpec({
    bucketUrl: config(),
    fileGlob: config<string | undefined>({ default: undefined }),
    filesPerPage: config<number>({ type: "integer", default: 100 }),
    extractContent: config<boolean>({ type: "boolean", default: false }),
  }, {
    sections: ["sources", "filesystem", "filesystem"],
    explicit: {
      bucketUrl: given.bucketUrl,
      fileGlob: given.fileGlob,
      filesPerPage: given.filesPerPage,
      extractContent: given.extractContent,
    },
  });
  const bucketUrl = resolveBucketUrl(checkValue(text(), settings.bucketUrl, "bucketUrl"));
  const filesPerPage = checkValue(integer({ min: 1 }), settings.filesPerPage, "filesPerPage");
  const fileGlob = settings.fileGlob === undefined
    ? undefined
    : checkValue(text(), settings.fileGlob, "fileGlob");
  const web = /^https?$/.test(schemeOf(bucketUrl));
  const list = web ? webFile(bucketUrl, fileGlob, given.credentials) : bucketFiles(
    bucketUrl,
    fileGlob ?? "*",
    openFileSystem(bucketUrl, {
      credentials: given.credentials,
      configSection: "sources.filesystem.credentials",
    }),
  );
  const listed: DltResource = resource(async function* () {
    let files = list();
    const cursor = listed.incremental;
    const order = cursor?.options.rowOrder;
    if (cursor !== undefined && order !== undefined) {
      const all = await Array.fromAsync(files);
      const func = cursor.options.lastValueFunc;
      const reverse = (order === "asc" && func === "min") ||
        (order === "desc" && (func ?? "max") === "max");
      all.sort((a, b) => compareBy(a, b, cursor.cursorPath) * (reverse ? -1 : 1));
      files = toAsync(all);
    }
    let page: FileItem[] = [];
    for await (const item of files) {
      if (settings.extractContent) item.file_content = await item.readBytes();
      page.push(item);
      if (page.length >= filesPerPage) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }, { name: "filesystem", primaryKey: "file_url", incremental: given.incremental });
  return listed;
}

/** Lists the files of `bucketUrl` whose relative path matches `glob`, as file items. */
function bucketFiles(
  bucketUrl: string,
  glob: string,
  fs: FileSystem,
): () => AsyncGenerator<FileItem> {
  const pattern = globToRegExp(glob);
  const local = schemeOf(bucketUrl) === "file";
  return async function* () {
    const root = `${bucketUrl}/`;
    for await (const info of fs.list(root + globBase(glob))) {
      const relative = relativePath(info, root, local);
      if (relative === undefined || !pattern.test(relative)) continue;
      yield new FileItem(fieldsOf(info.url, relative, info), fs);
    }
  };
}

/** `info`'s path below `root` (`/`-separated, percent-decoded for local files). */
function relativePath(info: FileInfo, root: string, local: boolean): string | undefined {
  if (!info.url.startsWith(root)) return undefined;
  const path = info.url.slice(root.length);
  return local ? decodeURIComponent(path) : path;
}

function fieldsOf(
  url: string,
  relative: string,
  info: Pick<FileInfo, "size" | "modified">,
): FileItemFields {
  const { mimeType, encoding } = guessMimeType(relative);
  const fields: FileItemFields = {
    file_name: relative.slice(relative.lastIndexOf("/") + 1),
    relative_path: relative,
    file_url: url,
    mime_type: mimeType,
    modification_date: info.modified,
    size_in_bytes: info.size,
  };
  if (encoding !== undefined) fields.encoding = encoding;
  return fields;
}

/** The one file of an `https://` bucket URL (joined with a glob without wildcards). */
function webFile(
  bucketUrl: string,
  glob: string | undefined,
  credentials: Partial<S3Credentials> | undefined,
): () => AsyncGenerator<FileItem> {
  if (credentials !== undefined) {
    throw new TypeError(
      `Bucket URL "${redactUrl(bucketUrl)}" is a web file: it takes no credentials`,
    );
  }
  if (glob !== undefined && /[*?[{]/.test(glob)) {
    throw new RangeError(
      `fileGlob "${glob}" has wildcards, but files of "${
        redactUrl(bucketUrl)
      }" cannot be listed: name one file, or give its URL as the bucketUrl`,
    );
  }
  const url = glob === undefined ? bucketUrl : `${bucketUrl}/${glob.replace(/^\/+/, "")}`;
  const web = new WebFiles();
  return async function* () {
    const info = await web.stat(url);
    const path = new URL(url).pathname;
    const name = decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
    const relative = glob === undefined ? name : glob.replace(/^\/+/, "");
    yield new FileItem(fieldsOf(url, relative, info), web);
  };
}

/**
 * Files on a web server, read with `fetch`: `stat` asks with `HEAD`, `read` with `GET` (a range
 * with a `Range` header, cut out of the whole body when the server ignores it).
 */
class WebFiles implements FileReader {
  async stat(url: string): Promise<Pick<FileInfo, "size" | "modified">> {
    const response = await this.#fetch(url, "HEAD", {});
    await response.body?.cancel();
    const length = response.headers.get("content-length");
    const modified = response.headers.get("last-modified");
    return {
      // a server that does not say: dlt's fsspec has no size either
      size: length === null ? 0 : Number(length),
      modified: modified === null ? new Date() : new Date(modified),
    };
  }

  async read(url: string, options: ReadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const { start = 0, end } = options;
    const ranged = start > 0 || end !== undefined;
    const headers: Record<string, string> = ranged
      ? { range: `bytes=${start}-${end === undefined ? "" : end - 1}` }
      : {};
    const response = await this.#fetch(url, "GET", headers, options.signal);
    const body = response.body ?? new Blob([]).stream();
    return ranged && response.status !== 206 ? sliced(body, start, end) : body;
  }

  async #fetch(
    url: string,
    method: string,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<Response> {
    const shown = redactUrl(url);
    let response: Response;
    try {
      response = await fetch(url, { method, headers, signal });
    } catch (error) {
      throw new FileSystemError(shown, `File "${shown}" cannot be read: ${describeError(error)}`, {
        cause: error,
        transient: true,
      });
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      throw new FileNotFound(shown);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new FileSystemError(
        shown,
        `File "${shown}" cannot be read: HTTP ${response.status} ${response.statusText}`,
        { transient: response.status === 429 || response.status >= 500 },
      );
    }
    return response;
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : describeValue(error);
}

/** Bytes `start` to `end` of `stream`. */
function sliced(
  stream: ReadableStream<Uint8Array>,
  start: number,
  end: number | undefined,
): ReadableStream<Uint8Array> {
  let at = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const from = Math.max(0, start - at);
        const to = end === undefined ? chunk.length : Math.min(chunk.length, end - at);
        at += chunk.length;
        if (to > from) controller.enqueue(chunk.subarray(from, to));
        if (end !== undefined && at >= end) controller.terminate();
      },
    }),
  );
}

function compareBy(a: FileItem, b: FileItem, path: string): number {
  const x = (a as unknown as Record<string, unknown>)[path];
  const y = (b as unknown as Record<string, unknown>)[path];
  const [p, q] = [x instanceof Date ? x.getTime() : x, y instanceof Date ? y.getTime() : y];
  return (p as number) < (q as number) ? -1 : (p as number) > (q as number) ? 1 : 0;
}

async function* toAsync<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

/** The file items of one unit a transformer got: a page of them, or one. */
function fileItemsOf(unit: unknown, reader: string): FileItem[] {
  const items = Array.isArray(unit) ? unit : [unit];
  for (const item of items) {
    if (!(item instanceof FileItem)) {
      throw new TypeError(
        `${reader} reads the file items of filesystem(); it got ${describeValue(item)}`,
      );
    }
  }
  return items;
}

/**
 * A transformer named `read_csv` that reads each file piped into it as CSV (pandas' defaults,
 * see `lib/formats/csv_reader.ts`) and yields its rows in chunks of `chunkSize` (10,000), as
 * dlt's `read_csv`. Options are checked now: pandas' names (`sep`, `chunksize`) are errors
 * that say what to write. A malformed line is an error naming the file and line.
 *
 * @example
 * ```ts
 * import { filesystem, readCsv } from "./filesystem.ts";
 * const dir = await Deno.makeTempDir();
 * const rows = filesystem({ bucketUrl: dir, fileGlob: "**\/*.csv" })
 *   .pipe(readCsv({ delimiter: ";", encoding: "latin1" }));
 * if (rows.name !== "read_csv") throw new Error();
 * await Deno.remove(dir);
 * ```
 */
export function readCsv(options: CsvReadOptions = {}): DltResource {
  const checked = checkCsvOptions(options, "readCsv()");
  return transformer(async function* (unit: unknown) {
    for (const item of fileItemsOf(unit, "readCsv()")) {
      yield* readCsvChunks(await item.open(), item.shownUrl, checked);
    }
  }, { name: "read_csv" });
}

/**
 * A transformer named `read_jsonl` that reads each file piped into it as JSON lines and yields
 * their values in chunks of `chunkSize` (1,000), as dlt's `read_jsonl`. A line that is not JSON
 * is an error naming the file and line.
 */
export function readJsonl(options: JsonlReadOptions = {}): DltResource {
  const checked = checkJsonlOptions(options, "readJsonl()");
  return transformer(async function* (unit: unknown) {
    for (const item of fileItemsOf(unit, "readJsonl()")) {
      yield* readJsonlChunks(await item.open(), item.shownUrl, checked);
    }
  }, { name: "read_jsonl" });
}

/**
 * A transformer named `read_parquet` that reads each Parquet file piped into it one row group
 * at a time (by byte ranges: the footer, then each group) and yields its rows in chunks of
 * `chunkSize` (1,000), as dlt's `read_parquet`; columns take the Parquet schema's types. A
 * truncated file or a damaged row group is an error naming the file (and the row group). A
 * `.gz` Parquet file is decompressed into memory whole.
 */
export function readParquet(options: ParquetReadOptions = {}): DltResource {
  const checked = checkParquetOptions(options, "readParquet()");
  return transformer(async function* (unit: unknown) {
    const { readParquetChunks } = await import("../lib/formats/parquet_reader.ts");
    for (const item of fileItemsOf(unit, "readParquet()")) {
      const file = item.encoding === undefined
        ? item.randomAccess()
        : bytesFile(new Uint8Array(await new Response(await item.open()).arrayBuffer()));
      yield* readParquetChunks(file, item.shownUrl, checked);
    }
  }, { name: "read_parquet" });
}

/** Options of {@linkcode readers}: those of {@linkcode filesystem} but paging. */
export type ReadersOptions = Omit<FilesystemOptions, "filesPerPage" | "extractContent">;

/**
 * dlt's `readers` source, named `filesystem`: the resources `read_csv`, `read_jsonl` and
 * `read_parquet`, each reading the files `bucketUrl` and `fileGlob` select. Select the one that
 * fits the files: `readers({ … }).withResources("read_csv")`.
 */
export function readers(options: ReadersOptions = {}): DltSource {
  const given = checkOptions(
    options,
    {
      bucketUrl: FILESYSTEM_SPEC.bucketUrl,
      fileGlob: FILESYSTEM_SPEC.fileGlob,
      credentials: FILESYSTEM_SPEC.credentials,
      incremental: FILESYSTEM_SPEC.incremental,
    },
    "readers()",
    { snakeCase: "refuse", unsupported: UNSUPPORTED },
  );
  // one listing feeds the readers, as in dlt: it runs once, and its cursor is one
  const files = filesystem(given);
  return source([
    files.pipe(readCsv()),
    files.pipe(readJsonl()),
    files.pipe(readParquet()),
  ], { name: "filesystem" });
}
