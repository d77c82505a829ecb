/**
 * The {@linkcode FileSystem} of S3 and S3-compatible stores (`s3://bucket/key` URLs), over S3's
 * REST API with `fetch`, signed by `aws4fetch` (Signature Version 4): no AWS SDK, so it runs
 * wherever `fetch` and Web Crypto do.
 *
 * - The key of `s3://bucket/a/b.csv` is `a/b.csv`, as written (not percent-decoded), as in dlt;
 *   {@linkcode S3FileSystem.list} gives URLs of that form.
 * - `write` sends content of up to one part (`partSizeBytes`) in one `PUT`; more, or a stream
 *   that outgrows one part, goes up as a multipart upload, one part at a time (one part in
 *   memory), aborted when a part fails. Either way the object appears only once it is complete.
 * - `copy` is S3's server-side copy (one request, up to 5 GiB, S3's limit for it).
 * - Requests to an `endpointUrl` address buckets by path (`http://host/bucket/key`, what
 *   S3-compatible servers expect); AWS's by virtual host (`https://bucket.s3.region.amazonaws.com`).
 * - Every request has a timeout (`timeoutMs`), and one that fails transiently (network error,
 *   timeout, HTTP 5xx or 429, S3's `SlowDown` or `RequestTimeout`) is retried a few times with
 *   exponential backoff; errors that remain carry `transient: true`.
 * - S3's errors become {@linkcode FileSystemError}s naming the URL and S3's error code, with what
 *   to check: a missing bucket, refused credentials (never shown), a bucket in another region.
 *
 * @module
 */
import { AwsClient } from "../deps/aws4fetch.ts";
import { checkOptions, integer, type OptionSpec } from "../options.ts";
import { escapeXml, xmlElements, xmlText } from "./_xml.ts";
import {
  type FileContent,
  type FileInfo,
  FileNotFound,
  type FileSystem,
  FileSystemError,
  type ReadOptions,
} from "./file_system.ts";
import { readS3Credentials, type S3Credentials } from "./s3_credentials.ts";

/** Options of {@linkcode S3FileSystem}. */
export interface S3FileSystemOptions {
  /**
   * Bytes of one part of a multipart upload; content of up to one part is sent in one request.
   * S3 requires at least 5 MiB for every part but the last: smaller sizes suit only test servers.
   * @default {8388608}
   */
  partSizeBytes?: number;
  /**
   * Milliseconds to wait for a response (and, while a file is read, for each next piece of it)
   * before the request fails as transient.
   * @default {60000}
   */
  timeoutMs?: number;
  /**
   * How many times a request that failed transiently is tried again, after 100 ms, 200 ms, …
   * @default {3}
   */
  retries?: number;
  /**
   * Keys a listing asks for per request (S3 gives at most 1000).
   * @default {1000}
   */
  listPageSize?: number;
}

const OPTIONS: OptionSpec<S3FileSystemOptions> = {
  partSizeBytes: integer({ min: 1 }),
  timeoutMs: integer({ min: 1 }),
  retries: integer({ min: 0, max: 10 }),
  listPageSize: integer({ min: 1, max: 1000 }),
};

const DEFAULTS: Required<S3FileSystemOptions> = {
  partSizeBytes: 8 * 1024 * 1024,
  timeoutMs: 60_000,
  retries: 3,
  listPageSize: 1000,
};

/** S3's limit on the parts of one upload. */
const MAX_PARTS = 10_000;

/** What an operation does, for messages. */
type Operation = "list" | "read" | "write" | "copy" | "delete";

/** An operation on a URL, as errors name it: `Cannot <operation> <subject>`. */
interface Context {
  operation: Operation;
  /** The URL the error is about. */
  url: string;
  /** What the message names: the quoted URL, or for a copy both URLs. */
  subject: string;
}

/** The context of `operation` on `url`. */
function on(operation: Operation, url: string): Context {
  return { operation, url, subject: `"${url}"` };
}

/** One request to S3, before it is signed. */
interface S3Request {
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE";
  bucket: string;
  key: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Statuses other than 2xx that the caller handles. */
  accept?: readonly number[];
  /** S3 may answer this request with 200 and an `<Error>` document (copy, completing an upload). */
  errorIn200?: boolean;
}

/** A response whose body was read. */
interface S3Response {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * The files of an S3 (or S3-compatible) store by `s3://bucket/key` URL; see the module doc.
 *
 * @example
 * ```ts
 * import { S3FileSystem } from "./s3.ts";
 * const fs = new S3FileSystem(
 *   { awsAccessKeyId: "S3RVER", awsSecretAccessKey: "S3RVER", endpointUrl: "http://127.0.0.1:4568" },
 *   { partSizeBytes: 16 * 1024 * 1024 },
 * );
 * if (fs.scheme !== "s3") throw new Error();
 * // await fs.write("s3://bucket/data/items.jsonl", '{"id":1}\n');
 * ```
 */
export class S3FileSystem implements FileSystem {
  /** Serves `s3://` URLs. */
  readonly scheme = "s3";
  readonly #client: AwsClient;
  readonly #region: string;
  readonly #endpoint: URL | undefined;
  readonly #style: "path" | "vhost" | undefined;
  readonly #options: Required<S3FileSystemOptions>;

  /**
   * A file system signing with `credentials` (`resolveS3Credentials` of `s3_credentials.ts` reads
   * them from config). Bad credentials fields or options are a `TypeError` or `RangeError` naming them.
   */
  constructor(credentials: S3Credentials, options: S3FileSystemOptions = {}) {
    const checked = readS3Credentials(credentials, "S3FileSystem");
    if (checked.awsAccessKeyId === undefined || checked.awsSecretAccessKey === undefined) {
      throw new TypeError("S3FileSystem needs awsAccessKeyId and awsSecretAccessKey");
    }
    this.#options = {
      ...DEFAULTS,
      ...checkOptions(options, OPTIONS, "S3FileSystem", { snakeCase: "refuse" }),
    };
    this.#region = checked.regionName ?? "us-east-1";
    this.#endpoint = checked.endpointUrl === undefined ? undefined : new URL(checked.endpointUrl);
    this.#style = checked.s3UrlStyle;
    this.#client = new AwsClient({
      accessKeyId: checked.awsAccessKeyId,
      secretAccessKey: checked.awsSecretAccessKey,
      sessionToken: checked.awsSessionToken,
      service: "s3",
      region: this.#region,
      retries: 0,
    });
  }

  /** Every file under folder `url`, page by page (ListObjectsV2 with continuation tokens). */
  async *list(url: string): AsyncIterable<FileInfo> {
    const { bucket, key } = locate(url);
    const prefix = key === "" || key.endsWith("/") ? key : `${key}/`;
    let token: string | undefined;
    do {
      const query: Record<string, string> = {
        "list-type": "2",
        "max-keys": String(this.#options.listPageSize),
        prefix,
      };
      if (token !== undefined) query["continuation-token"] = token;
      const { text } = await this.#call(on("list", url), { method: "GET", bucket, key: "", query });
      for (const entry of xmlElements(text, "Contents")) {
        const found = xmlText(entry, "Key") ?? "";
        // a "folder" made by a console is an empty object whose key ends in "/"
        if (found === "" || found.endsWith("/")) continue;
        yield {
          url: `s3://${bucket}/${found}`,
          size: Number(xmlText(entry, "Size") ?? 0),
          modified: new Date(xmlText(entry, "LastModified") ?? 0),
        };
      }
      const truncated = xmlText(text, "IsTruncated") === "true";
      token = truncated ? xmlText(text, "NextContinuationToken") : undefined;
      if (truncated && token === undefined) {
        throw new FileSystemError(
          url,
          `Cannot list "${url}": the store said the listing goes on but gave no continuation token`,
        );
      }
    } while (token !== undefined);
  }

  /** The size and modification time of file `url` (a `HEAD` request). */
  async stat(url: string): Promise<FileInfo> {
    const { bucket, key } = locateFile(url);
    const { headers } = await this.#call(on("read", url), { method: "HEAD", bucket, key });
    return {
      url,
      size: Number(headers.get("content-length") ?? 0),
      modified: new Date(headers.get("last-modified") ?? 0),
    };
  }

  /** The bytes of file `url` from `options.start` to `options.end`, streamed (a ranged `GET`). */
  async read(url: string, options: ReadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const { bucket, key } = locateFile(url);
    const start = options.start ?? 0;
    const end = options.end;
    if (end !== undefined && end <= start) {
      // nothing to read, but the file must exist
      await this.stat(url);
      return new Blob([]).stream();
    }
    const ranged = start > 0 || end !== undefined;
    const headers: Record<string, string> = ranged
      ? { range: `bytes=${start}-${end === undefined ? "" : end - 1}` }
      : {};
    const request: S3Request = { method: "GET", bucket, key, headers, accept: [416] };
    const context = on("read", url);
    return await this.#attempts(context, request, options.signal, async (response, deadline) => {
      if (response.status === 416 || (ranged && response.status !== 206)) {
        deadline.clear();
        await response.body?.cancel();
        // a range that starts past the end of the file has nothing in it
        if (response.status === 416) return new Blob([]).stream();
        throw new FileSystemError(url, `Cannot read "${url}": the store ignored the byte range`);
      }
      return streamBody(response, deadline, (error) => this.#failure(context, error, deadline));
    });
  }

  /**
   * Writes file `url` anew with `content`: one `PUT` for up to a part, else a multipart upload;
   * the object appears whole once the upload completes. Returns the bytes written.
   */
  async write(url: string, content: FileContent): Promise<number> {
    const { bucket, key } = locateFile(url);
    const context = on("write", url);
    const size = this.#options.partSizeBytes;
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    const parts = bytes instanceof Uint8Array ? slices(bytes, size) : partsOf(bytes, size);
    try {
      const first = await parts.next();
      if (first.done) throw new Error("unreachable: parts always yields a last part");
      if (first.value.last) {
        await this.#call(context, { method: "PUT", bucket, key, body: first.value.bytes });
        return first.value.bytes.length;
      }
      return await this.#multipart(context, bucket, key, first.value, parts);
    } catch (error) {
      if (error instanceof FileSystemError) throw error;
      // the content stream failed
      const reason = error instanceof Error ? error.message : String(error);
      throw new FileSystemError(
        url,
        `Cannot write "${url}": reading its content failed: ${reason}`,
        {
          cause: error,
        },
      );
    } finally {
      // a content stream not read to its end (the upload failed) is cancelled
      await parts.return(undefined);
    }
  }

  /** Copies file `from` to `to` on the store's side (`x-amz-copy-source`), replacing `to`. */
  async copy(from: string, to: string): Promise<void> {
    const source = locateFile(from);
    const { bucket, key } = locateFile(to);
    const context: Context = { operation: "copy", url: to, subject: `"${from}" to "${to}"` };
    try {
      await this.#call(context, {
        method: "PUT",
        bucket,
        key,
        headers: { "x-amz-copy-source": `/${source.bucket}/${encodeKey(source.key)}` },
        errorIn200: true,
      });
    } catch (error) {
      // the store's 404 on a copy is about the source
      if (error instanceof FileNotFound) throw new FileNotFound(from, { cause: error.cause });
      throw error;
    }
  }

  /** Deletes file `url` (a `DELETE`); one that does not exist is no error. */
  async delete(url: string): Promise<void> {
    const { bucket, key } = locateFile(url);
    try {
      await this.#call(on("delete", url), { method: "DELETE", bucket, key });
    } catch (error) {
      if (!(error instanceof FileNotFound)) throw error;
    }
  }

  /** Uploads `first` and the rest of `parts` as one multipart upload; aborts it on failure. */
  async #multipart(
    context: Context,
    bucket: string,
    key: string,
    first: Part,
    parts: AsyncGenerator<Part> | Generator<Part>,
  ): Promise<number> {
    const url = context.url;
    const created = await this.#call(context, {
      method: "POST",
      bucket,
      key,
      query: { uploads: "" },
    });
    const uploadId = xmlText(created.text, "UploadId");
    if (uploadId === undefined) {
      throw new FileSystemError(url, `Cannot write "${url}": the store gave no upload id`);
    }
    const etags: string[] = [];
    let written = 0;
    try {
      for (let part: Part | undefined = first; part !== undefined;) {
        const number = etags.length + 1;
        if (number > MAX_PARTS) {
          throw new FileSystemError(
            url,
            `Cannot write "${url}": it needs more than ${MAX_PARTS} parts (S3's limit) of ${this.#options.partSizeBytes} bytes; raise the option "partSizeBytes"`,
          );
        }
        const { headers } = await this.#call(context, {
          method: "PUT",
          bucket,
          key,
          query: { partNumber: String(number), uploadId },
          body: part.bytes,
        });
        const etag = headers.get("etag");
        if (etag === null) {
          throw new FileSystemError(
            url,
            `Cannot write "${url}": the store gave no ETag for part ${number}`,
          );
        }
        etags.push(etag);
        written += part.bytes.length;
        const next: IteratorResult<Part> = part.last
          ? { done: true, value: undefined }
          : await parts.next();
        part = next.done ? undefined : next.value;
      }
      const list = etags.map((etag, i) =>
        `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeXml(etag)}</ETag></Part>`
      );
      await this.#call(context, {
        method: "POST",
        bucket,
        key,
        query: { uploadId },
        body: new TextEncoder().encode(
          `<CompleteMultipartUpload>${list.join("")}</CompleteMultipartUpload>`,
        ),
        errorIn200: true,
      });
      return written;
    } catch (error) {
      // free the parts uploaded so far (best effort: a store that cannot abort an upload keeps
      // them until its lifecycle rules remove them)
      await this.#call(context, { method: "DELETE", bucket, key, query: { uploadId } })
        .catch(() => {});
      throw error;
    }
  }

  /** Sends `request`, retrying transient failures, and reads the whole response. */
  #call(context: Context, request: S3Request): Promise<S3Response> {
    return this.#attempts(context, request, undefined, async (response, deadline) => {
      try {
        const text = await response.text();
        if (request.errorIn200 && /^\s*(<\?xml[^>]*\?>)?\s*<Error>/.test(text)) {
          throw this.#s3Error(context, response.status, response.headers, text);
        }
        return { status: response.status, headers: response.headers, text };
      } finally {
        deadline.clear();
      }
    });
  }

  /**
   * Sends `request` (signed anew each time) and hands a successful response to `use`; a
   * transient failure, in either, is tried again up to `retries` times.
   */
  async #attempts<T>(
    context: Context,
    request: S3Request,
    signal: AbortSignal | undefined,
    use: (response: Response, deadline: Deadline) => Promise<T>,
  ): Promise<T> {
    const target = this.#httpUrl(request);
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) {
      // S3 checks the body against its hash: no corrupted upload is stored
      headers["x-amz-content-sha256"] = await sha256Hex(request.body);
    }
    for (let attempt = 0;; attempt++) {
      const deadline = new Deadline(this.#options.timeoutMs, signal);
      try {
        const signed = await this.#client.sign(target, {
          method: request.method,
          headers,
          body: request.body as Uint8Array<ArrayBuffer> | undefined,
        });
        const response = await fetch(signed, { signal: deadline.signal });
        if (!response.ok && !request.accept?.includes(response.status)) {
          const text = await response.text();
          throw this.#s3Error(context, response.status, response.headers, text);
        }
        return await use(response, deadline);
      } catch (error) {
        deadline.clear();
        const failure = this.#failure(context, error, deadline);
        if (!failure.transient || attempt >= this.#options.retries || signal?.aborted) {
          throw !failure.transient || attempt === 0 ? failure : new FileSystemError(
            failure.url,
            `${failure.message} (tried ${attempt + 1} times)`,
            { cause: failure.cause, transient: true },
          );
        }
        await delay(100 * 2 ** attempt);
      }
    }
  }

  /** `error` (thrown by `fetch`, a timeout, or already ours) as a {@linkcode FileSystemError}. */
  #failure(context: Context, error: unknown, deadline: Deadline): FileSystemError {
    if (error instanceof FileSystemError) return error;
    const { url } = context;
    const what = `Cannot ${context.operation} ${context.subject}`;
    if (deadline.timedOut) {
      return new FileSystemError(
        url,
        `${what}: no answer from the store within ${this.#options.timeoutMs} ms (the option "timeoutMs")`,
        { cause: error, transient: true },
      );
    }
    if (deadline.cancelled) {
      return new FileSystemError(url, `${what}: cancelled`, { cause: error });
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new FileSystemError(url, `${what}: cannot reach the store: ${reason}`, {
      cause: error,
      transient: true,
    });
  }

  /**
   * S3's error response (`<Error><Code>…`, or only a status for `HEAD`) as a
   * {@linkcode FileSystemError}: a missing file is a {@linkcode FileNotFound}.
   */
  #s3Error(
    context: Context,
    status: number,
    headers: Headers,
    text: string,
  ): FileSystemError {
    const { operation, url } = context;
    const code = xmlText(text, "Code");
    if (code === "NoSuchKey" || (code === undefined && status === 404 && operation !== "list")) {
      return new FileNotFound(url);
    }
    const message = xmlText(text, "Message")?.replace(/\.$/, "");
    const said = code === undefined
      ? `HTTP ${status}`
      : `S3 error ${code}${message ? `: ${message}` : ""}`;
    const transient = status >= 500 || status === 429 || TRANSIENT_CODES.has(code ?? "");
    const region = xmlText(text, "Region") ?? headers.get("x-amz-bucket-region") ?? undefined;
    let reason: string;
    if (code === "NoSuchBucket") {
      const bucket = xmlText(text, "BucketName") ?? locate(url).bucket;
      reason = `bucket "${bucket}" does not exist (${said})`;
    } else if (
      region !== undefined && region !== this.#region &&
      (status === 301 || REGION_CODES.has(code ?? ""))
    ) {
      reason =
        `the bucket is in region "${region}", not "${this.#region}": set region_name (${said})`;
    } else if (CREDENTIAL_CODES.has(code ?? "")) {
      reason = `the store refused the credentials (${said}): ${CHECK_CREDENTIALS}`;
    } else if (code === "AccessDenied") {
      reason = `access denied (${said}): check that the credentials may ${operation} there`;
    } else if (code === undefined && status === 403) {
      // a HEAD request's error has no body to tell which
      reason =
        `access denied (${said}): ${CHECK_CREDENTIALS}, and that they may ${operation} there`;
    } else {
      reason = code === undefined ? said : `${said} (HTTP ${status})`;
    }
    return new FileSystemError(url, `Cannot ${operation} ${context.subject}: ${reason}`, {
      transient,
    });
  }

  /** The HTTP URL of `request`: path-style for an endpoint, virtual-hosted for AWS. */
  #httpUrl(request: S3Request): string {
    const { bucket, key, query = {} } = request;
    const style = this.#style ??
      (this.#endpoint !== undefined || bucket.includes(".") ? "path" : "vhost");
    const base = this.#endpoint ?? new URL(`https://s3.${this.#region}.amazonaws.com`);
    const root = base.pathname.replace(/\/+$/, "");
    const host = style === "vhost" ? `${bucket}.${base.host}` : base.host;
    const path = style === "vhost"
      ? `${root}/${encodeKey(key)}`
      : `${root}/${bucket}${key === "" ? "" : `/${encodeKey(key)}`}`;
    const search = Object.entries(query).map(([name, value]) => `${encode(name)}=${encode(value)}`)
      .join("&");
    return `${base.protocol}//${host}${path}${search === "" ? "" : `?${search}`}`;
  }
}

/** Error codes worth retrying whatever their status. */
const TRANSIENT_CODES = new Set([
  "RequestTimeout",
  "SlowDown",
  "InternalError",
  "ServiceUnavailable",
  "RequestTimeTooSkewed",
]);

/** Error codes that mean the credentials are wrong. */
const CREDENTIAL_CODES = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidToken",
  "ExpiredToken",
  "TokenRefreshRequired",
  "InvalidSecurity",
  "AuthorizationHeaderMalformed",
]);

/** Error codes of a request sent to the wrong region (they name the right one). */
const REGION_CODES = new Set([
  "AuthorizationHeaderMalformed",
  "PermanentRedirect",
  "IllegalLocationConstraintException",
  "AuthorizationQueryParametersError",
]);

/** What to check when the store refuses the credentials (never showing them). */
const CHECK_CREDENTIALS = "check aws_access_key_id, aws_secret_access_key and aws_session_token";

/** The bucket and key of `url` (`s3://bucket/key`); the key may be empty. */
function locate(url: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]*)\/?(.*)$/is.exec(url);
  if (match === null || match[1] === "") {
    throw new TypeError(`Not an S3 URL: "${url}" (expected s3://bucket/key)`);
  }
  const key = match[2];
  if (key.split("/").some((segment) => segment === "." || segment === "..")) {
    throw new TypeError(`S3 URL "${url}" has a "." or ".." in its path, which HTTP cannot carry`);
  }
  return { bucket: match[1], key };
}

/** The bucket and key of the file `url`: a key is required. */
function locateFile(url: string): { bucket: string; key: string } {
  const located = locate(url);
  if (located.key === "" || located.key.endsWith("/")) {
    throw new TypeError(`S3 URL "${url}" names no file (expected s3://bucket/key)`);
  }
  return located;
}

/** `text` percent-encoded as SigV4 wants it (RFC 3986: only `A-Za-z0-9-_.~` kept). */
function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A key in a URL path: each `/`-separated segment encoded. */
function encodeKey(key: string): string {
  return key.split("/").map(encode).join("/");
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms * (1 + Math.random() / 2)));
}

/**
 * The time limit of one request: aborts {@linkcode Deadline.signal} when it runs out while armed
 * (from creation, and again from each {@linkcode Deadline.arm}), or when `outer` aborts.
 */
class Deadline {
  readonly #controller = new AbortController();
  readonly #ms: number;
  readonly #outer: AbortSignal | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Whether the time ran out. */
  timedOut = false;

  constructor(ms: number, outer: AbortSignal | undefined) {
    this.#ms = ms;
    this.#outer = outer;
    this.signal = outer === undefined
      ? this.#controller.signal
      : AbortSignal.any([this.#controller.signal, outer]);
    this.arm();
  }

  /** Aborts when the time runs out or the caller cancels. */
  readonly signal: AbortSignal;

  /** Whether the caller cancelled. */
  get cancelled(): boolean {
    return this.#outer?.aborted ?? false;
  }

  /** Starts the time limit anew. */
  arm(): void {
    this.clear();
    this.#timer = setTimeout(() => {
      this.timedOut = true;
      this.#controller.abort(new DOMException("The store did not answer in time", "TimeoutError"));
    }, this.#ms);
  }

  /** Stops the time limit (the response is read, or waits for its reader). */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * The body of `response` as a stream whose every read has the deadline's time limit (none while
 * the reader does not ask); a failure becomes `fail(error)`.
 */
function streamBody(
  response: Response,
  deadline: Deadline,
  fail: (error: unknown) => Error,
): ReadableStream<Uint8Array> {
  deadline.clear();
  const body = response.body;
  if (body === null) return new Blob([]).stream();
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        deadline.arm();
        const { done, value } = await reader.read();
        deadline.clear();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        deadline.clear();
        controller.error(fail(error));
      }
    },
    async cancel(reason) {
      deadline.clear();
      await reader.cancel(reason);
    },
  });
}

/** A part of an upload: its bytes, and whether it is the last. */
interface Part {
  bytes: Uint8Array;
  last: boolean;
}

/** `bytes` in parts of `size` (views, not copies); the last may be shorter, or empty. */
function* slices(bytes: Uint8Array, size: number): Generator<Part> {
  let start = 0;
  while (bytes.length - start > size) {
    yield { bytes: bytes.subarray(start, start + size), last: false };
    start += size;
  }
  yield { bytes: bytes.subarray(start), last: true };
}

/**
 * The content of `stream` in parts of `size` bytes: a full part is given once more content
 * follows, so the last part (shorter, full, or empty for an empty stream) says it is the last.
 * Holds one part in memory. Ended early, it cancels the stream.
 */
async function* partsOf(stream: ReadableStream<Uint8Array>, size: number): AsyncGenerator<Part> {
  const reader = stream.getReader();
  let ended = false;
  try {
    let part = new Uint8Array(size);
    let filled = 0;
    for (;;) {
      const read = await reader.read();
      if (read.done) break;
      let chunk = read.value;
      while (chunk.length > 0) {
        if (filled === size) {
          yield { bytes: part, last: false };
          part = new Uint8Array(size);
          filled = 0;
        }
        const n = Math.min(size - filled, chunk.length);
        part.set(chunk.subarray(0, n), filled);
        filled += n;
        chunk = chunk.subarray(n);
      }
    }
    ended = true;
    yield { bytes: part.subarray(0, filled), last: true };
  } finally {
    if (!ended) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
