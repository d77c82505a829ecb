/**
 * Local mock servers replaying real recorded API traffic from `../shared/fixtures/` (GitHub, Slack,
 * Notion) or serving a real data dump page by page (PokeAPI), for tests of the REST client.
 */
import { hasSharedFixture, readSharedFixture } from "./_helpers.ts";

/** A request as a mock server received it, with the status it answered. */
export interface LoggedRequest {
  method: string;
  /** Path and query, e.g. `/api/v2/pokemon/?offset=20&limit=20`. */
  path: string;
  body: string;
  status: number;
}

/** A running mock server; `close()` (or `await using`) stops it. */
export interface MockServer extends AsyncDisposable {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  /** Every request received, in order, unmatched ones included (answered 404). */
  requests: LoggedRequest[];
  close(): Promise<void>;
}

/** An incoming or recorded request, as the matching key of a replay server sees it. */
export interface MockRequest {
  method: string;
  url: URL;
  body: string;
}

/** One recorded HTTP exchange; `url` is absolute at the real host. */
export interface RecordedExchange extends MockRequest {
  status: number;
  headers: [string, string][];
  responseBody: string;
}

/** How a replay server matches requests to recorded exchanges. */
export interface ReplayOptions {
  /** Requests (recorded or incoming) with equal keys match. */
  key(request: MockRequest): string;
}

/** Recorded headers that no longer describe the served body or connection. */
const DROPPED_HEADERS = new Set([
  "content-encoding",
  "content-length",
  "transfer-encoding",
  "connection",
]);

/** Starts a server on 127.0.0.1 answering with `handle` (given the server's base URL) and logging. */
function startServer(
  handle: (request: MockRequest, base: string) => Response | Promise<Response>,
): MockServer {
  const requests: LoggedRequest[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const request = { method: req.method, url: new URL(req.url), body: await req.text() };
    const response = await handle(request, base);
    const { pathname, search } = request.url;
    requests.push({
      method: req.method,
      path: pathname + search,
      body: request.body,
      status: response.status,
    });
    return response;
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const close = () => server.shutdown();
  return { url: base, requests, close, [Symbol.asyncDispose]: close };
}

/** The 404 answer to a request the mock cannot serve, naming it. */
function notFound(request: MockRequest, detail: Record<string, unknown> = {}): Response {
  const { method, url, body } = request;
  return Response.json({
    error: "mock server: no response for this request",
    method,
    path: url.pathname + url.search,
    body,
    ...detail,
  }, { status: 404 });
}

/**
 * Serves `exchanges` by `options.key`. Exchanges sharing a key are served in recorded order, the last
 * one again once they are used up. Absolute URLs of the recorded hosts in headers and bodies are
 * rewritten to the mock's base URL.
 */
export function replayServer(exchanges: RecordedExchange[], options: ReplayOptions): MockServer {
  const byKey = new Map<string, RecordedExchange[]>();
  for (const exchange of exchanges) {
    const key = options.key(exchange);
    byKey.set(key, [...byKey.get(key) ?? [], exchange]);
  }
  const served = new Map<string, number>();
  const origins = new Set(exchanges.map((exchange) => exchange.url.origin));
  return startServer((request, base) => {
    const key = options.key(request);
    const candidates = byKey.get(key);
    if (candidates === undefined) return notFound(request, { key, known: [...byKey.keys()] });
    const count = served.get(key) ?? 0;
    served.set(key, count + 1);
    const exchange = candidates[Math.min(count, candidates.length - 1)];
    const rewrite = (text: string) =>
      [...origins].reduce((result, origin) => result.replaceAll(origin, base), text);
    const headers = exchange.headers
      .filter(([name]) => !DROPPED_HEADERS.has(name.toLowerCase()))
      .map(([name, value]): [string, string] => [name, rewrite(value)]);
    const body = exchange.responseBody === "" ? null : rewrite(exchange.responseBody);
    return new Response(body, { status: exchange.status, headers });
  });
}

/** `name` from the query, else from a JSON or form-encoded body; "" when absent. */
function requestParam({ url, body }: MockRequest, name: string): string {
  const fromQuery = url.searchParams.get(name);
  if (fromQuery) return fromQuery;
  if (!body.trimStart().startsWith("{")) return new URLSearchParams(body).get(name) ?? "";
  try {
    const value = (JSON.parse(body) as Record<string, unknown>)[name];
    return typeof value === "string" ? value : "";
  } catch {
    return "";
  }
}

/** An exchange of octokit/fixtures' `normalized-fixture.json`. */
interface OctokitExchange {
  scope: string;
  method: string;
  path: string;
  body: unknown;
  status: number;
  response: unknown;
  headers: Record<string, string | number>;
}

/** `body` as sent or served: strings as they are, anything else as JSON. */
const asText = (body: unknown) => typeof body === "string" ? body : JSON.stringify(body);

/**
 * Replays `github/octokit-fixtures/<scenario>/normalized-fixture.json` (e.g. `paginate-issues`,
 * `errors`, `labels`), matching method + path + query (query parameters in any order).
 */
export async function octokitScenarioMock(scenario: string): Promise<MockServer> {
  const recorded = await readSharedFixture<OctokitExchange[]>(
    `github/octokit-fixtures/${scenario}/normalized-fixture.json`,
  );
  const exchanges = recorded.map((exchange): RecordedExchange => ({
    method: exchange.method.toUpperCase(),
    url: new URL(exchange.path, exchange.scope),
    body: asText(exchange.body),
    status: exchange.status,
    headers: Object.entries(exchange.headers).map(([name, value]) => [name, String(value)]),
    responseBody: asText(exchange.response),
  }));
  return replayServer(exchanges, {
    key: ({ method, url }) =>
      `${method} ${url.pathname}?${new URLSearchParams([...url.searchParams].sort())}`,
  });
}

/** The GitHub `paginate-issues` recording: 13 issues in 5 pages linked by `Link` headers. */
export function githubPaginateIssuesMock(): Promise<MockServer> {
  return octokitScenarioMock("paginate-issues");
}

/** An exchange of the `slack/` and `notion/` recordings. */
interface CapturedExchange {
  method: string;
  url: string;
  request_body: string | null;
  status: number;
  headers: [string, string][];
  body_text: string | null;
}

/** Reads `<folder>/<file>` of the shared fixtures as exchanges. */
async function capturedExchanges(folder: string, file: string): Promise<RecordedExchange[]> {
  const recorded = await readSharedFixture<CapturedExchange[]>(`${folder}/${file}`);
  return recorded.map((exchange) => ({
    method: exchange.method,
    url: new URL(exchange.url),
    body: exchange.request_body ?? "",
    status: exchange.status,
    headers: exchange.headers,
    responseBody: exchange.body_text ?? "",
  }));
}

/**
 * Replays `slack/<file>` (e.g. `paginated_users_list.exchanges.json`), matching path + `cursor`
 * taken from the query, a form body or a JSON body. Slack's Web API takes GET and POST alike, so
 * the method is not part of the match.
 */
export async function slackMock(file: string): Promise<MockServer> {
  return replayServer(await capturedExchanges("slack", file), {
    key: (request) => `${request.url.pathname} cursor=${requestParam(request, "cursor")}`,
  });
}

/**
 * Replays `notion/<file>` (e.g. `test_iterate_paginated_api.exchanges.json`), matching method + path
 * + `start_cursor` taken from the query or a JSON body.
 */
export async function notionMock(file: string): Promise<MockServer> {
  return replayServer(await capturedExchanges("notion", file), {
    key: (request) =>
      `${request.method} ${request.url.pathname} start_cursor=${
        requestParam(request, "start_cursor")
      }`,
  });
}

/** The PokeAPI resource kinds whose full lists are in `pokeapi/<kind>/index.json`. */
export const POKEAPI_KINDS = ["pokemon", "berry", "ability", "type"] as const;

/** An entry of a PokeAPI list; the dump's `url` is relative (`/api/v2/pokemon/1/`). */
interface NamedResource {
  name: string;
  url: string;
}

/** `text` with the dump's relative `/api/v2/` URLs made absolute at `base`, as PokeAPI serves them. */
const absolutize = (text: string, base: string) => text.replaceAll('"/api/v2/', `"${base}/api/v2/`);

/** A 200 response with the JSON `text`. */
const json = (text: string) =>
  new Response(text, { headers: { "content-type": "application/json; charset=utf-8" } });

/** The query parameter `name` as a non-negative integer, undefined when absent or malformed. */
function queryInt(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  return raw !== null && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/**
 * PokeAPI from the `pokeapi/` dump: `/api/v2/<kind>/?offset=&limit=` (kinds of `POKEAPI_KINDS`,
 * offset 0 and limit 20 by default) answers `{count, next, previous, results}` with absolute URLs
 * at the mock; `/api/v2/<kind>/<id>/` serves the detail documents of the dump, 404 for others.
 */
export async function pokeapiMock(): Promise<MockServer> {
  const lists = new Map<string, NamedResource[]>();
  for (const kind of POKEAPI_KINDS) {
    const index = await readSharedFixture<{ results: NamedResource[] }>(
      `pokeapi/${kind}/index.json`,
    );
    lists.set(kind, index.results);
  }
  return startServer(async (request, base) => {
    const [, kind, id] = request.url.pathname.match(/^\/api\/v2\/([a-z]+)(?:\/(\d+))?\/?$/) ?? [];
    const list = lists.get(kind);
    if (request.method !== "GET" || list === undefined) return notFound(request);
    if (id !== undefined) {
      const detail = `pokeapi/${kind}/${id}/index.json`;
      if (!hasSharedFixture(detail)) return notFound(request);
      return json(absolutize(JSON.stringify(await readSharedFixture(detail)), base));
    }
    const offset = queryInt(request.url, "offset") ?? 0;
    const limit = queryInt(request.url, "limit") || 20;
    const page = (at: number) => `${base}/api/v2/${kind}/?offset=${at}&limit=${limit}`;
    const body = {
      count: list.length,
      next: offset + limit < list.length ? page(offset + limit) : null,
      previous: offset > 0 ? page(Math.max(0, offset - limit)) : null,
      results: list.slice(offset, offset + limit),
    };
    return json(absolutize(JSON.stringify(body), base));
  });
}
