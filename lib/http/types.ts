/**
 * The shapes shared by the REST client, its paginators and its authenticators.
 *
 * @module
 */

/** A request about to be sent. Paginators and authenticators edit it in place. */
export interface RequestSpec {
  /** Absolute URL, query parameters included. */
  url: URL;
  /** HTTP method, upper case. */
  method: string;
  /** Request headers. */
  headers: Headers;
  /** JSON body, sent with `Content-Type: application/json`; `undefined` sends none. */
  json?: unknown;
}

/** One response of a paginated endpoint, as a paginator sees it. */
export interface PageResponse {
  /** The response; its body has been read already (use `body`), its headers are there. */
  response: Response;
  /** The parsed JSON body (`undefined` for an empty body). */
  body: unknown;
  /** The items selected from the body. */
  items: unknown[];
  /** The request that produced it. */
  request: RequestSpec;
}

/**
 * Moves through the pages of an endpoint. A paginator keeps the state of one pagination; the
 * client calls {@linkcode Paginator.fresh} before each, so one instance serves many calls.
 *
 * The client calls `initRequest` on the first request, then after each page `updateState`, and
 * if `hasNextPage` is still true, `updateRequest` to turn the previous request into the next.
 */
export interface Paginator {
  /** dlt's name of this kind of paginator, e.g. `json_link`. */
  readonly type: string;
  /** Whether another page is to be fetched. */
  readonly hasNextPage: boolean;
  /** A paginator with the same settings in its initial state. */
  fresh(): Paginator;
  /** Prepares the first request (e.g. sets `limit` and `offset`). */
  initRequest(request: RequestSpec): void;
  /** Reads what the page says about the next one; sets `hasNextPage`. */
  updateState(page: PageResponse): void;
  /** Turns the request of the page just read into the request of the next page. */
  updateRequest(request: RequestSpec): void;
}

/** What an authenticator may use while it authenticates a request. */
export interface AuthContext {
  /** The client's `fetch`, for authenticators that fetch a token first. */
  fetch: typeof fetch;
  /** Aborts a token request with the request it serves. */
  signal?: AbortSignal;
}

/** Adds credentials to requests. */
export interface Auth {
  /** Adds credentials to `request` (a header, a query parameter or a cookie). */
  authenticate(request: RequestSpec, context: AuthContext): void | Promise<void>;
  /**
   * Called when a request was answered 401; returns whether retrying with fresh credentials may
   * help (e.g. an OAuth2 token that expired early). Absent means no.
   */
  refresh?(): boolean;
}
