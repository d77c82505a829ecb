/**
 * `RESTClient`: requests to one API with its auth, retries, timeouts and pagination, as dlt's
 * `RESTClient`. Built on `fetch`.
 *
 * @module
 */
import { parseJson } from "../json.ts";
import { log } from "../log.ts";
import { redactUrl } from "../redact.ts";
import { selectItems } from "./data_selector.ts";
import { DltError } from "../errors.ts";
import { AuthError } from "./auth.ts";
import { HttpError, ResponseFormatError } from "./errors.ts";
import { AutoPaginator } from "./paginators/auto.ts";
import { retryDelay, type RetryOptions, type RetryPolicy, retryPolicy, sleep } from "./retry.ts";
import type { Auth, Paginator, RequestSpec } from "./types.ts";

/** A query parameter value; `undefined` and `null` leave the parameter out, lists repeat it. */
export type QueryValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | readonly (
    | string
    | number
    | bigint
    | boolean
  )[];

/** Options of {@linkcode RESTClient}. */
export interface RESTClientOptions {
  /** Prepended to every relative path. */
  baseUrl?: string | URL;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Adds credentials to every request. */
  auth?: Auth;
  /** How `paginate` moves through pages. @default {new AutoPaginator()} */
  paginator?: Paginator;
  /** JSON path of the items in a page; found by looking at the page when not given. */
  dataSelector?: string;
  /** Retries of 429, 5xx, network errors and timeouts. */
  retry?: RetryOptions;
  /**
   * Timeout of one request (each attempt), the auth's token request and the body included.
   * @default {60000}
   */
  timeoutMs?: number;
  /** Pages after which a pagination stops with a warning. @default {Infinity} */
  maxPages?: number;
  /**
   * Hosts (`api.example.com`, or with a port) a pagination may follow next-page links to
   * besides the host of its first request. A next page elsewhere is refused: it may be an
   * attempt to send credentials to another host. So is a next page leaving https for http.
   */
  allowedHosts?: readonly string[];
  /** The `fetch` to use. @default {globalThis.fetch} */
  fetch?: typeof fetch;
}

/** Options of one request. */
export interface RequestOptions {
  /** HTTP method. @default {"GET"} */
  method?: string;
  /** Query parameters, added to those in the path. */
  params?: Record<string, QueryValue>;
  /** JSON body. */
  json?: unknown;
  /** Headers on top of the client's. */
  headers?: Record<string, string>;
  /** Auth for this request instead of the client's; `null` sends none. */
  auth?: Auth | null;
  /** Aborts the request (and its retries). */
  signal?: AbortSignal;
}

/** What a response hook sees: the response with its body already read. */
export interface ResponseContext {
  /** The response (its body is in `text`). */
  response: Response;
  /** The body. */
  text: string;
  /** The request as sent, without credentials. */
  request: RequestSpec;
  /** The page of the pagination, from 1. */
  pageNumber: number;
}

/**
 * Called with every response of a pagination before its status is checked. Returning `"ignore"`
 * ends the pagination without this page (e.g. a 404 for a deleted parent); throwing fails it.
 */
export type ResponseHook = (
  context: ResponseContext,
) => "ignore" | void | Promise<"ignore" | void>;

/** Options of {@linkcode RESTClient.paginate}. */
export interface PaginateOptions extends RequestOptions {
  /** Paginator for this call instead of the client's. */
  paginator?: Paginator;
  /** Data selector for this call instead of the client's. */
  dataSelector?: string;
  /** Page limit for this call instead of the client's. */
  maxPages?: number;
  /** Response hooks, as in dlt. */
  hooks?: { response?: readonly ResponseHook[] };
}

/** A page of items, with the response and request that produced it. */
export type Page<T = unknown> = T[] & {
  /** The response (its body has been read). */
  readonly response: Response;
  /** The request of this page, without credentials. */
  readonly request: RequestSpec;
  /** The page's number in its pagination, from 1. */
  readonly pageNumber: number;
};

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A client for one REST API.
 *
 * @example Reading every page of a paginated endpoint
 * ```ts ignore
 * import { BearerTokenAuth, HeaderLinkPaginator, RESTClient } from "@denodlt/dlt/http";
 * const github = new RESTClient({
 *   baseUrl: "https://api.github.com",
 *   auth: new BearerTokenAuth({ token: Deno.env.get("GITHUB_TOKEN")! }),
 *   paginator: new HeaderLinkPaginator(),
 * });
 * for await (const page of github.paginate("/repos/denoland/deno/issues", { params: { per_page: 100 } })) {
 *   console.log(page.pageNumber, page.length);
 * }
 * ```
 */
export class RESTClient {
  /** The base URL of relative paths. */
  readonly baseUrl: string | undefined;
  /** Default headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** Default auth. */
  readonly auth: Auth | undefined;
  /** Default paginator. */
  readonly paginator: Paginator | undefined;
  /** Default data selector. */
  readonly dataSelector: string | undefined;
  readonly #retry: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #maxPages: number;
  readonly #allowedHosts: ReadonlySet<string>;
  readonly #fetch: typeof fetch;
  /** The paginator used when none is given; one per client, so it warns once per endpoint. */
  readonly #autoPaginator = new AutoPaginator();

  /** Creates a client; nothing is requested yet. */
  constructor(options: RESTClientOptions = {}) {
    this.baseUrl = options.baseUrl === undefined ? undefined : String(options.baseUrl);
    this.headers = { ...options.headers };
    this.auth = options.auth;
    this.paginator = options.paginator;
    this.dataSelector = options.dataSelector;
    this.#retry = retryPolicy(options.retry);
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#maxPages = options.maxPages ?? Infinity;
    this.#allowedHosts = new Set(options.allowedHosts ?? []);
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Sends a GET request (with retries); the returned response's body has been received. */
  get(path: string, options: Omit<RequestOptions, "method"> = {}): Promise<Response> {
    return this.request(path, { ...options, method: "GET" });
  }

  /** Sends a POST request with `json` as its body (with retries). */
  post(path: string, options: Omit<RequestOptions, "method"> = {}): Promise<Response> {
    return this.request(path, { ...options, method: "POST" });
  }

  /**
   * Sends one request, retrying 429, 5xx, network errors and timeouts. Error statuses are
   * returned, not thrown: check `response.ok`.
   */
  async request(path: string, options: RequestOptions = {}): Promise<Response> {
    const request = this.#newRequest(path, options);
    const { response, text } = await this.#send(request, options, undefined);
    return new Response(NULL_BODY_STATUSES.has(response.status) ? null : text, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }

  /**
   * Requests `path` page after page, as the paginator says, and yields each page's items.
   * Stops with a warning when a request would repeat one already sent (a paginator that does
   * not advance) or after `maxPages`. A 4xx or 5xx (after retries) throws an
   * {@linkcode HttpError}; a body that is not JSON, or has no items where they should be, a
   * {@linkcode ResponseFormatError}.
   */
  async *paginate<T = unknown>(
    path: string,
    options: PaginateOptions = {},
  ): AsyncGenerator<Page<T>, void, undefined> {
    const paginator = (options.paginator ?? this.paginator ?? this.#autoPaginator).fresh();
    const dataSelector = options.dataSelector ?? this.dataSelector;
    const maxPages = options.maxPages ?? this.#maxPages;
    const request = this.#newRequest(path, options);
    paginator.initRequest(request);
    const first = new URL(request.url);
    const sent = new Set<string>();
    let previousText: string | undefined;
    for (let pageNumber = 1;; pageNumber++) {
      const fingerprint = requestFingerprint(request);
      if (sent.has(fingerprint)) {
        log.warn(
          `Pagination of ${
            redactUrl(request.url)
          } stopped at page ${pageNumber}: the ${paginator.type} paginator asked for a page already fetched`,
        );
        return;
      }
      sent.add(fingerprint);
      const refusal = this.#refusal(first, request.url, "the next page");
      if (refusal !== undefined) {
        throw new HttpError(refusal, {
          method: request.method,
          url: request.url,
          pageNumber,
          transient: false,
        });
      }
      const { response, text } = await this.#send(request, options, pageNumber);
      const shown = snapshot(request);
      for (const hook of options.hooks?.response ?? []) {
        const action = await hook({ response, text, request: shown, pageNumber });
        if (action === "ignore") return;
      }
      if (!response.ok) {
        throw new HttpError(`HTTP ${response.status} ${response.statusText}`.trim(), {
          method: request.method,
          url: request.url,
          pageNumber,
          status: response.status,
          body: text,
        });
      }
      if (text === previousText && text.trim() !== "") {
        log.warn(
          `Pagination of ${
            redactUrl(request.url)
          } stopped at page ${pageNumber}: it is the same as the page before (does the API ignore the ${paginator.type} paginator's parameters?)`,
        );
        return;
      }
      previousText = text;
      const body = parseBody(text, response, request, pageNumber);
      const formatError = (reason: string, cause?: unknown) =>
        new ResponseFormatError(reason, {
          method: request.method,
          url: request.url,
          pageNumber,
          status: response.status,
          body: text,
          cause,
        });
      let items: unknown[] = [];
      let single = false;
      if (body !== undefined && body !== null) {
        const selection = selectItems(body, dataSelector);
        if (selection.kind === "missing") {
          throw formatError(`No data at dataSelector "${selection.path}"`);
        }
        single = selection.kind === "object";
        if (selection.kind === "list") items = selection.items;
        else if (selection.item !== null) items = [selection.item];
      }
      try {
        paginator.updateState({ response, body, items, request: shown });
      } catch (error) {
        // the paginator cannot read the page (no total, a malformed cursor): say where
        if (error instanceof HttpError) throw error;
        throw formatError(`${paginator.type} paginator: ${(error as Error).message}`, error);
      }
      if (single && dataSelector === undefined && paginator.hasNextPage) {
        throw formatError(
          "The page is an object where a list of items was expected; set dataSelector",
        );
      }
      yield Object.assign(items as T[], { response, request: shown, pageNumber });
      if (!paginator.hasNextPage) return;
      if (pageNumber >= maxPages) {
        log.warn(
          `Pagination of ${redactUrl(request.url)} stopped after ${maxPages} pages (maxPages)`,
        );
        return;
      }
      paginator.updateRequest(request);
    }
  }

  /**
   * Why a next page at `next` must not be fetched, after a first page at `first`: another host
   * (unless allowed) might receive the credentials; leaving https for http would expose them.
   */
  #refusal(first: URL, next: URL, what: string): string | undefined {
    if (first.protocol === "https:" && next.protocol !== "https:") {
      return `Refused to follow ${what} from https to an insecure URL`;
    }
    const allowed = next.host === first.host || this.#allowedHosts.has(next.host) ||
      this.#allowedHosts.has(next.hostname);
    return allowed
      ? undefined
      : `Refused to follow ${what} to another host (${next.host}); add it to allowedHosts to allow it`;
  }

  #newRequest(path: string, options: RequestOptions): RequestSpec {
    const url = new URL(this.#resolve(path));
    for (const [name, value] of Object.entries(options.params ?? {})) {
      if (value === undefined || value === null) continue;
      url.searchParams.delete(name);
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, `${v}`);
    }
    return {
      url,
      method: (options.method ?? "GET").toUpperCase(),
      headers: new Headers({ ...this.headers, ...options.headers }),
      json: options.json,
    };
  }

  #resolve(path: string): string {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return path;
    if (this.baseUrl === undefined) {
      throw new TypeError(`"${path}" is not an absolute URL and the client has no baseUrl`);
    }
    return `${this.baseUrl.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
  }

  /** Sends `request` with auth, timeout and retries; returns the final response and its body. */
  async #send(
    request: RequestSpec,
    options: RequestOptions,
    pageNumber: number | undefined,
  ): Promise<{ response: Response; text: string }> {
    const auth = options.auth === null ? undefined : options.auth ?? this.auth;
    const where = { method: request.method, url: request.url, pageNumber };
    if (request.json !== undefined && (request.method === "GET" || request.method === "HEAD")) {
      throw new TypeError(`A ${request.method} request cannot have a JSON body; use POST`);
    }
    let refreshed = false;
    for (let attempt = 1;; attempt++) {
      options.signal?.throwIfAborted();
      const timeout = AbortSignal.timeout(this.#timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      let response: Response;
      let text: string;
      try {
        response = await this.#fetchFollowing(request, auth, signal, pageNumber);
        text = await response.text();
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        // refusals and an authenticator's own failures are not worth retrying
        if (error instanceof DltError && !timeout.aborted) throw error;
        const reason = timeout.aborted
          ? `Timed out after ${this.#timeoutMs} ms`
          : `Request failed (${(error as Error).message})`;
        if (attempt >= this.#retry.maxAttempts) {
          throw new HttpError(`${reason}, ${attempt} attempt(s)`, { ...where, cause: error });
        }
        const wait = retryDelay(this.#retry, attempt);
        log.info(`${reason}: ${request.method} ${redactUrl(request.url)}; retrying in ${wait} ms`);
        await sleep(wait, options.signal);
        continue;
      }
      if (response.status === 401 && !refreshed && auth?.refresh?.()) {
        refreshed = true;
        continue;
      }
      if (this.#retry.statuses.includes(response.status) && attempt < this.#retry.maxAttempts) {
        const wait = retryDelay(this.#retry, attempt, response.headers);
        log.info(
          `HTTP ${response.status}: ${request.method} ${
            redactUrl(request.url)
          }; retrying in ${wait} ms`,
        );
        await sleep(wait, options.signal);
        continue;
      }
      return { response, text };
    }
  }

  /**
   * Authenticates and sends `request`, following redirects itself so that credentials go only
   * where a next page may go: the same host (or an allowed one), never from https to http.
   */
  async #fetchFollowing(
    request: RequestSpec,
    auth: Auth | undefined,
    signal: AbortSignal,
    pageNumber: number | undefined,
  ): Promise<Response> {
    let current = snapshot(request);
    for (let redirects = 0;; redirects++) {
      await this.#authenticate(auth, current, signal);
      const response = await this.#fetch(current.url, {
        ...fetchInit(current, signal),
        redirect: "manual",
      });
      const location = response.headers.get("location");
      if (!REDIRECT_STATUSES.has(response.status) || location === null) return response;
      await response.body?.cancel();
      const next = new URL(location, current.url);
      const where = { method: current.method, url: next, pageNumber, transient: false };
      if (redirects >= MAX_REDIRECTS) {
        throw new HttpError(`More than ${MAX_REDIRECTS} redirects`, where);
      }
      const refusal = this.#refusal(current.url, next, "a redirect");
      if (refusal !== undefined) throw new HttpError(refusal, where);
      // 303 (and 301/302 after a POST, as browsers do) turn the request into a GET
      const toGet = response.status === 303 ||
        (current.method === "POST" && (response.status === 301 || response.status === 302));
      current = {
        url: next,
        method: toGet ? "GET" : current.method,
        headers: new Headers(request.headers),
        json: toGet ? undefined : current.json,
      };
    }
  }

  /** Lets `auth` add credentials; its unexpected failures become {@linkcode AuthError}s. */
  async #authenticate(auth: Auth | undefined, request: RequestSpec, signal: AbortSignal) {
    try {
      await auth?.authenticate(request, { fetch: this.#fetch, signal });
    } catch (error) {
      if (error instanceof DltError || signal.aborted) throw error;
      throw new AuthError(
        `Could not authenticate the request: ${(error as Error).message}`,
        undefined,
        {
          cause: error,
        },
      );
    }
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

function fetchInit(request: RequestSpec, signal: AbortSignal): RequestInit {
  if (request.json === undefined) {
    return { method: request.method, headers: request.headers, signal };
  }
  const headers = new Headers(request.headers);
  if (!headers.has("content-type")) headers.set("content-type", "application/json");
  return { method: request.method, headers, body: stringifyJson(request.json), signal };
}

function stringifyJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => typeof v === "bigint" ? v.toString() : v);
}

/** A copy of `request` that later edits of either do not affect. */
function snapshot(request: RequestSpec): RequestSpec {
  return {
    url: new URL(request.url),
    method: request.method,
    headers: new Headers(request.headers),
    json: request.json === undefined ? undefined : structuredClone(request.json),
  };
}

function requestFingerprint(request: RequestSpec): string {
  return `${request.method} ${request.url.href} ${
    request.json === undefined ? "" : stringifyJson(request.json)
  }`;
}

function parseBody(
  text: string,
  response: Response,
  request: RequestSpec,
  pageNumber: number,
): unknown {
  if (text.trim() === "") return undefined;
  try {
    return parseJson(text);
  } catch (error) {
    const type = response.headers.get("content-type") ?? "no content type";
    const what = /html/i.test(type) ? "an HTML page" : `not valid JSON (${type})`;
    throw new ResponseFormatError(`The response is ${what}: ${(error as Error).message}`, {
      method: request.method,
      url: request.url,
      pageNumber,
      status: response.status,
      body: text,
      cause: error,
    });
  }
}
