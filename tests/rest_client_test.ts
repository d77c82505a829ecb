/**
 * End-to-end tests of the REST client (`@denodlt/dlt/http`) on 127.0.0.1: replays of real API
 * traffic (GitHub, Slack, Notion, PokeAPI), error bodies, retries and timeouts, bad bodies, loop
 * guards, auth and secrets, and the single-request methods.
 */
import assert from "node:assert/strict";
import {
  ApiKeyAuth,
  AuthError,
  BearerTokenAuth,
  HeaderLinkPaginator,
  HttpError,
  JsonLinkPaginator,
  JsonResponseCursorPaginator,
  OAuth2ClientCredentials,
  OffsetPaginator,
  type Page,
  ResponseFormatError,
  RESTClient,
  type RESTClientOptions,
} from "../lib/http/mod.ts";
import { type LogRecord, onLog, setLogLevel } from "../mod.ts";
import { hasSharedFixture } from "./_helpers.ts";
import { notionMock, octokitScenarioMock, pokeapiMock, slackMock } from "./_mock_apis.ts";

// expected warnings are asserted through onLog; keep them off the console
setLogLevel("ERROR");

/** A request as a test server received it. */
interface Received {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
  /** `performance.now()` when it arrived. */
  at: number;
  /** Settles when the server closes. */
  closed: Promise<void>;
}

/** A local server for one test; `await using` closes it. */
interface TestServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** Every request received, in order. */
  received: Received[];
}

/** Serves `handle(request, n)` on 127.0.0.1, `n` counting requests from 1. */
function serve(handle: (request: Received, n: number) => Response | Promise<Response>): TestServer {
  const received: Received[] = [];
  const closing = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const request = {
      method: req.method,
      url: new URL(req.url),
      headers: req.headers,
      body: await req.text(),
      at: performance.now(),
      closed: closing.promise,
    };
    received.push(request);
    return await handle(request, received.length);
  });
  const port = server.addr.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    [Symbol.asyncDispose]: () => {
      closing.resolve();
      return server.shutdown();
    },
  };
}

/** Never answers (until the server closes). */
function noAnswer(request: Received): Promise<Response> {
  return request.closed.then(() => new Response(null));
}

/** Pages of items linked by a JSON `next` URL: `/items?page=n` up to `pages`. */
function linkedPages(pages: number) {
  return ({ url }: Received) => {
    const page = Number(url.searchParams.get("page") ?? 1);
    const next = page < pages ? `${url.origin}/items?page=${page + 1}` : null;
    return Response.json({ items: [{ page }], next });
  };
}

/** Every page of `pages`, collected. */
async function collect<T>(pages: AsyncIterable<Page<T>>): Promise<Page<T>[]> {
  const all: Page<T>[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

/** The log messages of `level` while it is in scope. */
function captureLog(level: LogRecord["level"] = "WARNING") {
  const messages: string[] = [];
  const stop = onLog((record) => {
    if (record.level === level) messages.push(record.message);
  });
  return { messages, [Symbol.dispose]: stop };
}

/** A port on 127.0.0.1 that nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** The error `promise` rejects with, checked to be an instance of `type`. */
async function failure<E extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof type, `expected a ${type.name}, got ${error}`);
    return error;
  }
  assert.fail(`expected a ${type.name}, nothing was thrown`);
}

/** Fast retries for tests. */
const FAST_RETRY = { baseDelayMs: 10 };

// ---- 1. replays of real APIs ------------------------------------------------------------------

const ISSUES = "/repos/octokit-fixture-org/paginate-issues/issues";

const ISSUE_PAGINATORS: [string, HeaderLinkPaginator | undefined][] = [
  ["header_link", new HeaderLinkPaginator()],
  ["auto", undefined],
];
for (const [how, paginator] of ISSUE_PAGINATORS) {
  Deno.test({
    name: `github issues: 5 pages linked by Link headers, with the ${how} paginator`,
    ignore: !hasSharedFixture("github/octokit-fixtures/paginate-issues"),
    async fn() {
      await using api = await octokitScenarioMock("paginate-issues");
      const client = new RESTClient({ baseUrl: api.url, paginator });
      using info = captureLog("INFO");
      const pages = await collect(
        client.paginate<{ number: number }>(ISSUES, { params: { per_page: 3 } }),
      );
      assert.deepEqual(pages.map((page) => page.pageNumber), [1, 2, 3, 4, 5]);
      assert.deepEqual(
        pages.flat().map((issue) => issue.number),
        [13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
      );
      assert.deepEqual(api.requests.map((r) => [r.path, r.status]), [
        [`${ISSUES}?per_page=3`, 200],
        ...[2, 3, 4, 5].map((page) => [`/repositories/1000/issues?per_page=3&page=${page}`, 200]),
      ]);
      assert.equal(
        pages[4].request.url.href,
        `${api.url}/repositories/1000/issues?per_page=3&page=5`,
      );
      if (paginator === undefined) {
        assert.ok(info.messages.some((m) => m.includes("header_link")), String(info.messages));
      }
    },
  });
}

Deno.test({
  name: "slack users.list: 35 users over 7 pages by response_metadata.next_cursor",
  ignore: !hasSharedFixture("slack/paginated_users_list.exchanges.json"),
  async fn() {
    await using api = await slackMock("paginated_users_list.exchanges.json");
    const client = new RESTClient({
      baseUrl: `${api.url}/api`,
      paginator: new JsonResponseCursorPaginator({
        cursorPath: "response_metadata.next_cursor",
        cursorParam: "cursor",
      }),
      dataSelector: "members",
    });
    const pages = await collect(
      client.paginate<{ id: string }>("users.list", { params: { limit: 5 } }),
    );
    assert.deepEqual(pages.map((page) => page.length), [5, 5, 5, 5, 5, 5, 5]);
    assert.equal(new Set(pages.flat().map((user) => user.id)).size, 35);
    assert.deepEqual(api.requests.map((r) => r.status), Array(7).fill(200));
    assert.equal(api.requests[0].path, "/api/users.list?limit=5");
    assert.equal(
      api.requests[6].path,
      `/api/users.list?limit=5&cursor=${encodeURIComponent("dXNlcjpVMDEyU0E5S1c0Ug==")}`,
    );
  },
});

Deno.test({
  name: "slack conversations.list: 156 channels over 2 pages, the cursor in a POSTed JSON body",
  ignore: !hasSharedFixture("slack/conversations_setTopic_paginated.exchanges.json"),
  async fn() {
    await using api = await slackMock("conversations_setTopic_paginated.exchanges.json");
    const client = new RESTClient({ baseUrl: `${api.url}/api` });
    const pages = await collect(client.paginate<{ id: string }>("conversations.list", {
      method: "POST",
      json: { limit: 100 },
      paginator: new JsonResponseCursorPaginator({
        cursorPath: "response_metadata.next_cursor",
        cursorBodyPath: "cursor",
      }),
      dataSelector: "channels",
    }));
    assert.deepEqual(pages.map((page) => page.length), [100, 56]);
    assert.equal(new Set(pages.flat().map((channel) => channel.id)).size, 156);
    assert.deepEqual(api.requests.map((r) => [r.method, JSON.parse(r.body)]), [
      ["POST", { limit: 100 }],
      ["POST", { limit: 100, cursor: "dGVhbTpDMDE5Q1Y1RFdNUQ==" }],
    ]);
  },
});

Deno.test({
  name: "notion blocks children: 5 blocks over 3 pages by has_more, next_cursor and start_cursor",
  ignore: !hasSharedFixture("notion/test_iterate_paginated_api.exchanges.json"),
  async fn() {
    await using api = await notionMock("test_iterate_paginated_api.exchanges.json");
    const client = new RESTClient({
      baseUrl: `${api.url}/v1`,
      auth: new BearerTokenAuth({ token: "secret_notion_integration" }),
      paginator: new JsonResponseCursorPaginator({
        cursorPath: "next_cursor",
        cursorParam: "start_cursor",
        hasMorePath: "has_more",
      }),
    });
    const path = "blocks/393abc1e-edcd-814b-aee5-cf69471e5a43/children";
    const pages = await collect(
      client.paginate<{ id: string }>(path, { params: { page_size: 2 } }),
    );
    assert.deepEqual(pages.map((page) => page.length), [2, 2, 1]);
    assert.equal(new Set(pages.flat().map((block) => block.id)).size, 5);
    assert.deepEqual(api.requests.map((r) => r.status), [200, 200, 200]);
    // notion's cursor is the id of the next page's first block
    assert.equal(pages[2].request.url.searchParams.get("start_cursor"), pages[2][0].id);
  },
});

interface PokeList {
  count: number;
  results: { name: string }[];
}

Deno.test({
  name: "pokeapi: offset/limit up to count, and the json next link found by auto detection",
  ignore: !hasSharedFixture("pokeapi"),
  async fn() {
    await using api = await pokeapiMock();
    const client = new RESTClient({ baseUrl: `${api.url}/api/v2` });
    const { count } = await (await client.get("pokemon/", { params: { limit: 1 } }))
      .json() as PokeList;
    assert.ok(count > 1000, String(count));

    const byOffset = await collect(client.paginate<{ name: string }>("pokemon/", {
      paginator: new OffsetPaginator({ limit: 100, totalPath: "count" }),
    }));
    assert.equal(byOffset.length, Math.ceil(count / 100));
    assert.equal(byOffset.flat().length, count);
    assert.equal(new Set(byOffset.flat().map((p) => p.name)).size, count);
    assert.equal(
      byOffset.at(-1)!.request.url.search,
      `?offset=${(byOffset.length - 1) * 100}&limit=100`,
    );

    const requestsBefore = api.requests.length;
    using info = captureLog("INFO");
    const byNext = await collect(client.paginate<{ name: string }>("pokemon/"));
    assert.ok(info.messages.some((m) => m.includes('json_link with nextUrlPath "next"')));
    assert.equal(byNext.length, Math.ceil(count / 20));
    assert.equal(api.requests.length - requestsBefore, byNext.length);
    assert.deepEqual(byNext.flat(), byOffset.flat());
  },
});

// ---- 2. error bodies ----------------------------------------------------------------------------

Deno.test({
  name: "github 422 on a POST with JSON: HttpError with status, URL and the body's message",
  ignore: !hasSharedFixture("github/octokit-fixtures/errors"),
  async fn() {
    await using api = await octokitScenarioMock("errors");
    const client = new RESTClient({ baseUrl: api.url });
    const path = "/repos/octokit-fixture-org/errors/labels";
    const error = await failure(
      collect(client.paginate(path, { method: "POST", json: { name: "foo", color: "invalid" } })),
      HttpError,
    );
    assert.equal(error.status, 422);
    assert.equal(error.transient, false);
    assert.equal(error.method, "POST");
    assert.equal(error.url, `${api.url}${path}`);
    assert.equal(error.pageNumber, 1);
    assert.match(error.bodyExcerpt!, /"message":"Validation Failed"/);
    assert.match(error.message, new RegExp(`^HTTP 422 .*: POST ${api.url}${path} \\(page 1\\)`));
    assert.match(error.message, /Validation Failed/);
    assert.equal(api.requests.length, 1, "a 422 is not retried");
    assert.deepEqual(JSON.parse(api.requests[0].body), { name: "foo", color: "invalid" });
  },
});

Deno.test({
  name: "notion 400 and 401: HttpError with the status and the body's message",
  ignore: !hasSharedFixture("notion/test_api_response_error.exchanges.json"),
  async fn() {
    await using api = await notionMock("test_api_response_error.exchanges.json");
    const client = new RESTClient({
      baseUrl: `${api.url}/v1`,
      auth: new BearerTokenAuth({ token: "secret_invalid_notion_token" }),
    });
    const invalid = await failure(collect(client.paginate("invalid")), HttpError);
    assert.equal(invalid.status, 400);
    assert.match(invalid.message, /Invalid request URL\./);
    const users = await failure(collect(client.paginate("users")), HttpError);
    assert.equal(users.status, 401);
    assert.match(users.message, /API token is invalid\./);
    assert.equal(api.requests.length, 2, "neither is retried");
  },
});

Deno.test({
  name: "slack auth.test: HTTP 200 with ok false made an error by a response hook",
  ignore: !hasSharedFixture("slack/auth_test_error.exchanges.json"),
  async fn() {
    await using api = await slackMock("auth_test_error.exchanges.json");
    const client = new RESTClient({ baseUrl: `${api.url}/api` });
    const seen: number[] = [];
    const pages = client.paginate("auth.test", {
      method: "POST",
      hooks: {
        response: [({ response, text, pageNumber }) => {
          seen.push(response.status, pageNumber);
          const body = JSON.parse(text) as { ok: boolean; error?: string };
          if (!body.ok) throw new Error(`Slack API error: ${body.error}`);
        }],
      },
    });
    await assert.rejects(collect(pages), { message: "Slack API error: not_authed" });
    assert.deepEqual(seen, [200, 1]);
  },
});

Deno.test("a response hook returning ignore for a 404 ends the pagination without error", async () => {
  await using server = serve((request) =>
    request.url.searchParams.get("page") === "3"
      ? Response.json({ message: "Not Found" }, { status: 404 })
      : linkedPages(5)(request)
  );
  const client = new RESTClient({ baseUrl: server.url });
  const statuses: number[] = [];
  const pages = await collect(client.paginate("/items", {
    hooks: {
      response: [({ response }) => {
        statuses.push(response.status);
        return response.status === 404 ? "ignore" : undefined;
      }],
    },
  }));
  assert.deepEqual(pages.flat(), [{ page: 1 }, { page: 2 }]);
  assert.deepEqual(statuses, [200, 200, 404]);
  assert.equal(server.received.length, 3);
});

// ---- 3. retries and timeouts ------------------------------------------------------------------

Deno.test("429 with Retry-After: 1 waits a second, then the retry succeeds", async () => {
  await using server = serve((_, n) =>
    n === 1
      ? new Response("slow down", { status: 429, headers: { "retry-after": "1" } })
      : Response.json([{ id: 1 }])
  );
  const client = new RESTClient({ baseUrl: server.url, retry: FAST_RETRY });
  const started = performance.now();
  const pages = await collect(client.paginate("/items"));
  assert.ok(performance.now() - started >= 900);
  assert.deepEqual(pages.flat(), [{ id: 1 }]);
  assert.equal(server.received.length, 2);
  const gap = server.received[1].at - server.received[0].at;
  assert.ok(gap >= 900, `the retry came ${gap} ms after the 429`);
});

Deno.test("503 twice, then success: three requests and the page", async () => {
  await using server = serve((_, n) =>
    n <= 2 ? new Response("unavailable", { status: 503 }) : Response.json([{ id: 1 }])
  );
  const client = new RESTClient({ baseUrl: server.url, retry: FAST_RETRY });
  const pages = await collect(client.paginate("/items"));
  assert.deepEqual(pages.flat(), [{ id: 1 }]);
  assert.equal(server.received.length, 3);
});

Deno.test("503 forever: a transient HttpError after maxAttempts requests", async () => {
  await using server = serve(() => new Response("down for maintenance", { status: 503 }));
  const client = new RESTClient({
    baseUrl: server.url,
    retry: { ...FAST_RETRY, maxAttempts: 4 },
  });
  const error = await failure(collect(client.paginate("/items")), HttpError);
  assert.equal(error.status, 503);
  assert.equal(error.transient, true);
  assert.match(error.message, /^HTTP 503 .*down for maintenance$/);
  assert.equal(server.received.length, 4);
});

Deno.test("a 400 is not retried", async () => {
  await using server = serve(() => Response.json({ error: "bad filter" }, { status: 400 }));
  const client = new RESTClient({ baseUrl: server.url, retry: FAST_RETRY });
  const error = await failure(collect(client.paginate("/items")), HttpError);
  assert.equal(error.status, 400);
  assert.equal(error.transient, false);
  assert.equal(server.received.length, 1);
});

Deno.test("a network error is retried, then a transient HttpError without status", async () => {
  let attempts = 0;
  const client = new RESTClient({
    baseUrl: `http://127.0.0.1:${closedPort()}`,
    retry: { ...FAST_RETRY, maxAttempts: 3 },
    fetch: (input, init) => {
      attempts++;
      return fetch(input, init);
    },
  });
  const error = await failure(collect(client.paginate("/items")), HttpError);
  assert.equal(attempts, 3);
  assert.equal(error.status, undefined);
  assert.equal(error.transient, true);
  assert.match(error.message, /^Request failed .*, 3 attempt\(s\): GET http:\/\/127\.0\.0\.1:/);
  assert.ok(error.cause instanceof Error);
});

Deno.test("a server that never answers: each attempt times out, then a transient HttpError", async () => {
  await using server = serve(noAnswer);
  const client = new RESTClient({
    baseUrl: server.url,
    timeoutMs: 200,
    retry: { ...FAST_RETRY, maxAttempts: 3 },
  });
  const started = performance.now();
  const error = await failure(collect(client.paginate("/items")), HttpError);
  assert.ok(performance.now() - started >= 3 * 200);
  assert.match(error.message, /^Timed out after 200 ms, 3 attempt\(s\)/);
  assert.equal(error.transient, true);
  assert.equal(server.received.length, 3);
});

Deno.test("a user AbortSignal aborts at once, without retries", async () => {
  await using hanging = serve(noAnswer);
  const client = new RESTClient({ baseUrl: hanging.url, timeoutMs: 10_000 });
  let controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  let started = performance.now();
  await assert.rejects(
    collect(client.paginate("/items", { signal: controller.signal })),
    { name: "AbortError" },
  );
  assert.ok(performance.now() - started < 2000);
  assert.equal(hanging.received.length, 1);

  // aborted while waiting to retry a 503
  await using failing = serve(() => new Response(null, { status: 503 }));
  const slowRetries = new RESTClient({ baseUrl: failing.url, retry: { baseDelayMs: 10_000 } });
  controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  started = performance.now();
  await assert.rejects(slowRetries.get("/items", { signal: controller.signal }), {
    name: "AbortError",
  });
  assert.ok(performance.now() - started < 2000);
  assert.equal(failing.received.length, 1);

  // aborted before it starts: nothing is sent
  await assert.rejects(slowRetries.get("/items", { signal: AbortSignal.abort() }), {
    name: "AbortError",
  });
  assert.equal(failing.received.length, 1);
});

// ---- 4. bad bodies ------------------------------------------------------------------------------

Deno.test("truncated JSON: ResponseFormatError naming the URL and the page", async () => {
  await using server = serve(({ url }) =>
    url.searchParams.has("page")
      ? new Response('{"items": [{"id": 3}, {"id"', {
        headers: { "content-type": "application/json" },
      })
      : Response.json({ items: [{ id: 1 }], next: "/items?page=2" })
  );
  const client = new RESTClient({ baseUrl: server.url });
  const seen: unknown[] = [];
  const error = await failure(
    (async () => {
      for await (const page of client.paginate("/items")) seen.push(...page);
    })(),
    ResponseFormatError,
  );
  assert.deepEqual(seen, [{ id: 1 }]);
  assert.equal(error.pageNumber, 2);
  assert.equal(error.url, `${server.url}/items?page=2`);
  assert.match(
    error.message,
    new RegExp(
      `^The response is not valid JSON \\(application/json\\): .*: GET ${server.url}/items\\?page=2 \\(page 2\\)`,
    ),
  );
  assert.ok(error.cause instanceof SyntaxError);
});

Deno.test("an HTML page with status 200: an error saying it is HTML", async () => {
  await using server = serve(() =>
    new Response("<!DOCTYPE html><html><body><h1>Down for maintenance</h1></body></html>", {
      headers: { "content-type": "text/html; charset=utf-8" },
    })
  );
  const client = new RESTClient({ baseUrl: server.url });
  const error = await failure(collect(client.paginate("/items")), ResponseFormatError);
  assert.match(error.message, /^The response is an HTML page/);
  assert.match(error.message, /Down for maintenance/);
  assert.equal(error.status, 200);
});

Deno.test("an explicit dataSelector that is missing from the page: ResponseFormatError", async () => {
  await using server = serve(() => Response.json({ data: [{ id: 1 }] }));
  const client = new RESTClient({ baseUrl: server.url, dataSelector: "results.items" });
  const error = await failure(collect(client.paginate("/items")), ResponseFormatError);
  assert.match(error.message, /^No data at dataSelector "results\.items"/);
  assert.equal(error.pageNumber, 1);
});

Deno.test("an object page where a list was expected, with a next page: ResponseFormatError", async () => {
  await using server = serve(() => Response.json({ id: 1, next: "/items?page=2" }));
  const client = new RESTClient({ baseUrl: server.url, paginator: new JsonLinkPaginator() });
  const error = await failure(collect(client.paginate("/items")), ResponseFormatError);
  assert.match(error.message, /object where a list of items was expected; set dataSelector/);
  assert.equal(server.received.length, 1);

  // the same object with no next page is one item
  await using single = serve(() => Response.json({ id: 1, next: null }));
  const pages = await collect(client.paginate(`${single.url}/items`));
  assert.deepEqual(pages.flat(), [{ id: 1, next: null }]);
});

Deno.test("a page the paginator cannot read fails naming the paginator, URL and page", async () => {
  // page 2 says there is more but carries no cursor; the offset API sends no total
  await using server = serve(({ url }) =>
    url.pathname === "/cursor"
      ? Response.json(
        url.searchParams.has("cursor")
          ? { items: [2], has_more: true }
          : { items: [1], has_more: true, next: "c2" },
      )
      : Response.json({ items: [1, 2] })
  );
  const client = new RESTClient({ baseUrl: server.url, dataSelector: "items" });
  const cursor = new JsonResponseCursorPaginator({ cursorPath: "next", hasMorePath: "has_more" });
  const error = await failure(
    collect(client.paginate("/cursor", { paginator: cursor })),
    ResponseFormatError,
  );
  assert.match(
    error.message,
    /^cursor paginator: .*"has_more" says there are more pages, but there is no cursor at "next"/,
  );
  assert.equal(error.pageNumber, 2);
  assert.ok(error.url.endsWith("/cursor?cursor=c2"), error.url);

  const offset = new OffsetPaginator({ limit: 2, stopAfterEmptyPage: false });
  const noTotal = await failure(
    collect(client.paginate("/offset", { paginator: offset })),
    ResponseFormatError,
  );
  assert.match(noTotal.message, /^offset paginator: .*total/);
  assert.equal(noTotal.pageNumber, 1);
});

Deno.test("a 204 or an empty body is an empty page", async () => {
  await using server = serve(({ url }) =>
    url.pathname === "/no-content" ? new Response(null, { status: 204 }) : new Response("")
  );
  const client = new RESTClient({ baseUrl: server.url, dataSelector: "items" });
  for (const path of ["/no-content", "/empty"]) {
    const pages = await collect(client.paginate(path));
    assert.equal(pages.length, 1, path);
    assert.equal(pages[0].length, 0, path);
  }
});

// ---- 5. loop guards -----------------------------------------------------------------------------

Deno.test("a next link that always points at the same URL stops with a warning", async () => {
  await using server = serve(({ url }) =>
    Response.json({ items: [{ at: url.search }], next: `${url.origin}/items?page=2` })
  );
  const client = new RESTClient({ baseUrl: server.url });
  using warnings = captureLog();
  const pages = await collect(client.paginate("/items"));
  assert.deepEqual(pages.flat(), [{ at: "" }, { at: "?page=2" }]);
  assert.equal(server.received.length, 2);
  assert.equal(warnings.messages.length, 1);
  assert.match(
    warnings.messages[0],
    /stopped at page 3: the auto paginator asked for a page already fetched/,
  );
});

Deno.test("a cursor that never changes stops with a warning", async () => {
  await using server = serve(({ url }) => Response.json({ items: [url.search], cursor: "same" }));
  const client = new RESTClient({
    baseUrl: server.url,
    paginator: new JsonResponseCursorPaginator({ cursorPath: "cursor" }),
  });
  using warnings = captureLog();
  const pages = await collect(client.paginate("/items"));
  assert.equal(pages.length, 2);
  assert.deepEqual(server.received.map((r) => r.url.search), ["", "?cursor=same"]);
  assert.equal(warnings.messages.length, 1);
  assert.match(warnings.messages[0], /the cursor paginator asked for a page already fetched/);
});

Deno.test("an API that ignores the paginator's parameters stops with a warning", async () => {
  // the offset moves on, but every page is the first one again
  await using server = serve(() => Response.json({ items: [1, 2], total: 1000 }));
  const client = new RESTClient({
    baseUrl: server.url,
    paginator: new OffsetPaginator({ limit: 2 }),
  });
  using warnings = captureLog();
  const pages = await collect(client.paginate("/items"));
  assert.equal(pages.length, 1);
  assert.equal(server.received.length, 2);
  assert.equal(warnings.messages.length, 1);
  assert.match(warnings.messages[0], /stopped at page 2: it is the same as the page before/);
});

Deno.test("maxPages stops an endless pagination with a warning", async () => {
  await using server = serve(linkedPages(Infinity));
  const client = new RESTClient({ baseUrl: server.url, maxPages: 10 });
  using warnings = captureLog();
  const pages = await collect(client.paginate("/items", { maxPages: 3 }));
  assert.deepEqual(pages.flat(), [{ page: 1 }, { page: 2 }, { page: 3 }]);
  assert.equal(server.received.length, 3);
  assert.deepEqual(warnings.messages, [
    `Pagination of ${server.url}/items?page=3 stopped after 3 pages (maxPages)`,
  ]);
});

Deno.test("a next link to another host is refused unless allowedHosts has it", async () => {
  await using server = serve(({ url }) =>
    url.searchParams.has("page")
      ? Response.json({ items: [2], next: null })
      : Response.json({ items: [1], next: `http://localhost:${url.port}/items?page=2` })
  );
  const client = new RESTClient({
    baseUrl: server.url,
    auth: new BearerTokenAuth({ token: "tok-host" }),
  });
  const error = await failure(collect(client.paginate("/items")), HttpError);
  assert.match(error.message, new RegExp(`another host \\(localhost:${server.port}\\)`));
  assert.equal(error.pageNumber, 2);
  assert.equal(server.received.length, 1, "nothing was sent to the other host");

  const allowing = new RESTClient({
    baseUrl: server.url,
    allowedHosts: [`localhost:${server.port}`],
  });
  const pages = await collect(allowing.paginate("/items"));
  assert.deepEqual(pages.flat(), [1, 2]);
  assert.equal(server.received.at(-1)!.headers.get("host"), `localhost:${server.port}`);
});

// ---- 6. auth and secrets ------------------------------------------------------------------------

Deno.test("redirects on the same host are followed with credentials; to another host refused", async () => {
  await using other = serve(() => Response.json([{ stolen: true }]));
  await using server = serve(({ url }) =>
    url.pathname === "/old"
      ? new Response(null, { status: 301, headers: { location: "/new" } })
      : url.pathname === "/away"
      ? new Response(null, { status: 302, headers: { location: `${other.url}/x` } })
      : Response.json([{ at: url.pathname }])
  );
  const client = new RESTClient({
    baseUrl: server.url,
    auth: new ApiKeyAuth({ name: "x-api-key", apiKey: "key-redirect-123" }),
  });
  const pages = await collect(client.paginate("/old"));
  assert.deepEqual(pages.flat(), [{ at: "/new" }]);
  assert.deepEqual(
    server.received.map((r) => [r.url.pathname, r.headers.get("x-api-key")]),
    [["/old", "key-redirect-123"], ["/new", "key-redirect-123"]],
  );

  const error = await failure(collect(client.paginate("/away")), HttpError);
  assert.match(error.message, /Refused to follow a redirect to another host/);
  assert.equal(error.transient, false);
  assert.equal(other.received.length, 0, "the key never went to the other host");
});

Deno.test("a 303 after a POST is followed with a GET", async () => {
  await using server = serve(({ url, method }) =>
    url.pathname === "/jobs"
      ? new Response(null, { status: 303, headers: { location: "/jobs/1" } })
      : Response.json({ id: 1, method })
  );
  const client = new RESTClient({ baseUrl: server.url });
  const response = await client.post("/jobs", { json: { name: "x" } });
  assert.deepEqual(await response.json(), { id: 1, method: "GET" });
});

Deno.test("a JSON body on a GET is refused at once, not retried", async () => {
  await using server = serve(() => Response.json([]));
  const client = new RESTClient({ baseUrl: server.url });
  await assert.rejects(() => client.get("/x", { json: { a: 1 } }), /cannot have a JSON body/);
  assert.equal(server.received.length, 0);
});

Deno.test("an authenticator's unexpected failure is an AuthError without the credential", async () => {
  await using server = serve(() => Response.json([]));
  // a header value with a newline is refused by Headers, quoting the value
  const client = new RESTClient({
    baseUrl: server.url,
    auth: new ApiKeyAuth({ name: "x-key", apiKey: "bad\nkey-with-newline" }),
  });
  const error = await failure(collect(client.paginate("/x")), AuthError);
  assert.ok(!error.message.includes("key-with-newline"), error.message);
  assert.ok(!Deno.inspect(error).includes("key-with-newline"), Deno.inspect(error));
  assert.equal(server.received.length, 0);
});

Deno.test("a bearer token arrives with every page", async () => {
  await using server = serve(linkedPages(2));
  const client = new RESTClient({
    baseUrl: server.url,
    auth: new BearerTokenAuth({ token: "bearer-token-e2e" }),
  });
  const pages = await collect(client.paginate("/items"));
  assert.equal(pages.length, 2);
  assert.deepEqual(
    server.received.map((r) => r.headers.get("authorization")),
    ["Bearer bearer-token-e2e", "Bearer bearer-token-e2e"],
  );
  assert.equal(
    pages[0].request.headers.get("authorization"),
    null,
    "pages do not hold credentials",
  );
});

Deno.test("an API key in the query is sent, but shows as *** in the error of a failing request", async () => {
  const key = "query-key-0123456789";
  await using server = serve(({ url }) =>
    // the API echoes the key: once well inside the excerpt of 300 characters, once across its end
    new Response(
      `Key ${url.searchParams.get("k")} is revoked. ${"-".repeat(250)} key=${
        url.searchParams.get("k")
      }`,
      {
        status: 403,
      },
    )
  );
  const client = new RESTClient({
    baseUrl: server.url,
    auth: new ApiKeyAuth({ name: "k", apiKey: key, location: "query" }),
  });
  const error = await failure(
    collect(client.paginate("/items", { params: { q: "x" } })),
    HttpError,
  );
  assert.equal(server.received[0].url.searchParams.get("k"), key);
  assert.equal(error.status, 403);
  assert.match(error.message, /Key \*\*\* is revoked/);
  for (const shown of [error.message, error.url, error.bodyExcerpt!, String(error.stack)]) {
    assert.ok(!shown.includes(key.slice(0, 8)), shown);
  }
});

/** A client of `server` that gets OAuth2 client-credentials tokens from `<server>/token`. */
function oauthClient(server: TestServer, options: RESTClientOptions = {}): RESTClient {
  return new RESTClient({
    baseUrl: server.url,
    ...options,
    auth: new OAuth2ClientCredentials({
      accessTokenUrl: `${server.url}/token`,
      clientId: "client-e2e",
      clientSecret: "client-secret-e2e",
    }),
  });
}

Deno.test("OAuth2 client credentials: a 401 refreshes the token once and the retry succeeds", async () => {
  let tokens = 0;
  await using server = serve(({ url, headers }) => {
    if (url.pathname === "/token") {
      tokens++;
      return Response.json({ access_token: `access-${tokens}`, expires_in: 3600 });
    }
    return headers.get("authorization") === "Bearer access-1"
      ? Response.json({ message: "token revoked" }, { status: 401 })
      : Response.json([{ id: 1 }]);
  });
  const client = oauthClient(server);
  const pages = await collect(client.paginate("/items"));
  assert.deepEqual(pages.flat(), [{ id: 1 }]);
  assert.deepEqual(server.received.map((r) => [r.url.pathname, r.headers.get("authorization")]), [
    ["/token", null],
    ["/items", "Bearer access-1"],
    ["/token", null],
    ["/items", "Bearer access-2"],
  ]);

  // the new token is kept
  assert.equal((await client.get("/items")).status, 200);
  assert.equal(tokens, 2);
});

Deno.test("OAuth2 client credentials: a 401 that persists after one refresh is an HttpError", async () => {
  let tokens = 0;
  await using server = serve(({ url }) => {
    if (url.pathname !== "/token") return Response.json({ message: "no" }, { status: 401 });
    tokens++;
    return Response.json({ access_token: `access-${tokens}` });
  });
  const client = oauthClient(server, { retry: FAST_RETRY });
  const error = await failure(collect(client.paginate("/items")), HttpError);
  assert.equal(error.status, 401);
  assert.equal(tokens, 2);
  assert.equal(server.received.filter((r) => r.url.pathname === "/items").length, 2);
});

Deno.test("OAuth2: a token endpoint that never answers times out like a request", async () => {
  await using server = serve(noAnswer);
  const client = oauthClient(server, { timeoutMs: 200, retry: { ...FAST_RETRY, maxAttempts: 2 } });
  const error = await failure(collect(client.paginate("/items")), HttpError);
  assert.match(error.message, /^Timed out after 200 ms, 2 attempt\(s\): GET /);
  assert.equal(error.transient, true);
  assert.deepEqual(server.received.map((r) => r.url.pathname), ["/token", "/token"]);
});

Deno.test("OAuth2: a token endpoint refusing the client is an AuthError, not retried", async () => {
  await using server = serve(() => Response.json({ error: "invalid_client" }, { status: 401 }));
  const client = oauthClient(server, { retry: FAST_RETRY });
  const error = await failure(collect(client.paginate("/items")), AuthError);
  assert.equal(error.status, 401);
  assert.match(error.message, /invalid_client/);
  assert.deepEqual(server.received.map((r) => r.url.pathname), ["/token"]);
});

// ---- 7. get, post, request ----------------------------------------------------------------------

Deno.test("post sends its JSON body with a JSON content type; get sends none", async () => {
  await using server = serve(({ method, headers, body, url }) =>
    Response.json({
      method,
      query: url.search,
      contentType: headers.get("content-type"),
      accept: headers.get("accept"),
      body,
    }, { status: 201 })
  );
  const client = new RESTClient({ baseUrl: server.url, headers: { accept: "application/json" } });
  const posted = await client.post("/things", {
    json: { name: "thing", tags: ["a", "b"] },
    params: { dry_run: true },
  });
  assert.equal(posted.status, 201);
  assert.deepEqual(await posted.json(), {
    method: "POST",
    query: "?dry_run=true",
    contentType: "application/json",
    accept: "application/json",
    body: '{"name":"thing","tags":["a","b"]}',
  });

  const got = await client.get("/things", { headers: { accept: "text/plain" } });
  assert.deepEqual(await got.json(), {
    method: "GET",
    query: "",
    contentType: null,
    accept: "text/plain",
    body: "",
  });
});

Deno.test("request returns error statuses without throwing", async () => {
  await using server = serve(({ url }) =>
    url.pathname === "/missing"
      ? Response.json({ message: "Not Found" }, { status: 404 })
      : url.pathname === "/gone"
      ? new Response(null, { status: 204 })
      : new Response("boom", { status: 500 })
  );
  const client = new RESTClient({
    baseUrl: server.url,
    retry: { ...FAST_RETRY, maxAttempts: 2 },
  });
  const missing = await client.get("/missing");
  assert.equal(missing.ok, false);
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { message: "Not Found" });

  const broken = await client.request("/broken", { method: "delete" });
  assert.equal(broken.status, 500);
  assert.equal(await broken.text(), "boom");
  assert.deepEqual(server.received.slice(1).map((r) => r.method), ["DELETE", "DELETE"]);

  const gone = await client.request("/gone", { method: "DELETE" });
  assert.equal(gone.status, 204);
  assert.equal(await gone.text(), "");
});
