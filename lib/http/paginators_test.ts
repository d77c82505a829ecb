import assert from "node:assert/strict";
import { DltError } from "../errors.ts";
import { type LogRecord, onLog } from "../log.ts";
import {
  AutoPaginator,
  createPaginator,
  CursorPaginator,
  HeaderCursorPaginator,
  HeaderLinkPaginator,
  JsonLinkPaginator,
  JsonResponseCursorPaginator,
  OffsetPaginator,
  PageNumberPaginator,
  SinglePagePaginator,
} from "./paginators/mod.ts";
import type { Paginator, RequestSpec } from "./types.ts";

const ITEMS_URL = "https://api.example.com/items";

/** A canned response: its body, its headers, and the items selected from it. */
interface Page {
  body?: unknown;
  headers?: Record<string, string>;
  /** Default: the body when it is a list, else its `items`, else none. */
  items?: unknown[];
}

/** A request as it was sent. */
interface Sent {
  url: string;
  json?: unknown;
}

/**
 * Drives a fresh copy of `paginator` over `pages` the way the client does and returns the
 * requests it made; fails if it still wants a page after the last one.
 */
function paginate(
  paginator: Paginator,
  pages: Page[],
  start: { url?: string; json?: unknown } = {},
): Sent[] {
  const active = paginator.fresh();
  const request: RequestSpec = {
    url: new URL(start.url ?? ITEMS_URL),
    method: start.json === undefined ? "GET" : "POST",
    headers: new Headers(),
    json: start.json,
  };
  active.initRequest(request);
  const sent: Sent[] = [];
  for (const page of pages) {
    sent.push(
      request.json === undefined
        ? { url: request.url.href }
        : { url: request.url.href, json: structuredClone(request.json) },
    );
    const response = new Response(null, { headers: page.headers });
    active.updateState({
      response,
      body: page.body,
      items: page.items ?? itemsOf(page.body),
      request,
    });
    if (!active.hasNextPage) return sent;
    active.updateRequest(request);
  }
  throw new Error(`Still paging after ${pages.length} pages; next request: ${request.url.href}`);
}

function itemsOf(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  const items = (body as { items?: unknown } | undefined)?.items;
  return Array.isArray(items) ? items : [];
}

/** The URLs of `sent`. */
function urls(sent: Sent[]): string[] {
  return sent.map((request) => request.url);
}

/** Runs `action` and returns what it logged. */
function logged(action: () => void): LogRecord[] {
  const records: LogRecord[] = [];
  const stop = onLog((record) => records.push(record));
  try {
    action();
  } finally {
    stop();
  }
  return records;
}

Deno.test("single_page: one request, untouched", () => {
  assert.deepEqual(paginate(new SinglePagePaginator(), [{ body: [1, 2, 3] }]), [
    { url: ITEMS_URL },
  ]);
});

Deno.test("json_link: follows absolute and relative next URLs, each replacing the query", () => {
  const paginator = new JsonLinkPaginator();
  const sent = paginate(paginator, [
    { body: { items: [1], next: "https://api.example.com/items?page=2" } },
    { body: { items: [2], next: "/items?page=3" } },
    { body: { items: [3], next: "page4?x=1" } },
    { body: { items: [4], next: null } },
  ], { url: `${ITEMS_URL}?limit=10` });
  assert.deepEqual(urls(sent), [
    `${ITEMS_URL}?limit=10`,
    `${ITEMS_URL}?page=2`,
    `${ITEMS_URL}?page=3`,
    "https://api.example.com/page4?x=1",
  ]);
});

Deno.test("json_link: a nested path; a missing or empty next URL ends it", () => {
  const paginator = new JsonLinkPaginator({ nextUrlPath: "$.paging.next" });
  const next = { paging: { next: `${ITEMS_URL}?after=abc` } };
  assert.equal(paginate(paginator, [{ body: next }, { body: { paging: {} } }]).length, 2);
  assert.equal(paginate(paginator, [{ body: next }, { body: { paging: { next: "" } } }]).length, 2);
  assert.equal(paginate(paginator, [{ body: undefined }]).length, 1);
  assert.equal(paginate(paginator, [{ body: [1, 2] }]).length, 1);
});

Deno.test("json_link: a next value that is not a string is an error naming the path", () => {
  const paginator = new JsonLinkPaginator({ nextUrlPath: "links.next" });
  assert.throws(
    () => paginate(paginator, [{ body: { links: { next: { href: "/x" } } } }]),
    (e: unknown) =>
      e instanceof DltError && /expected a URL at "links.next".*found an object/.test(e.message),
  );
  assert.throws(() => new JsonLinkPaginator({ nextUrlPath: "a..b" }), /"nextUrlPath"/);
});

Deno.test("fresh: paginations from one configured paginator do not share state", () => {
  const configured = new JsonLinkPaginator();
  const first = configured.fresh();
  const request: RequestSpec = { url: new URL(ITEMS_URL), method: "GET", headers: new Headers() };
  first.updateState({ response: new Response(), body: { next: null }, items: [], request });
  assert.equal(first.hasNextPage, false);
  assert.equal(configured.fresh().hasNextPage, true);
  assert.equal(configured.hasNextPage, true);
  const offset = new OffsetPaginator({ limit: 5, totalPath: null });
  const pages = [{ items: [1] }, { items: [2] }, { items: [] }];
  assert.deepEqual(paginate(offset, pages), paginate(offset, pages));
});

Deno.test("header_link: follows rel=next of a GitHub-style Link header", () => {
  const link = (page: number) =>
    `<https://api.github.com/repositories/1/issues?page=${page}>; rel="next", ` +
    `<https://api.github.com/repositories/1/issues?page=3>; rel="last"`;
  const sent = paginate(new HeaderLinkPaginator(), [
    { headers: { link: link(2) } },
    { headers: { link: link(3) } },
    { headers: { link: '<https://api.github.com/repositories/1/issues?page=1>; rel="first"' } },
  ], { url: "https://api.github.com/repositories/1/issues" });
  assert.deepEqual(urls(sent), [
    "https://api.github.com/repositories/1/issues",
    "https://api.github.com/repositories/1/issues?page=2",
    "https://api.github.com/repositories/1/issues?page=3",
  ]);
});

Deno.test("header_link: parses RFC 8288 links however they are written", () => {
  const nextOf = (link: string, options = {}) =>
    paginate(new HeaderLinkPaginator(options), [{ headers: { link } }, {}])[1].url;
  assert.equal(nextOf("</items?page=2>; rel=next"), `${ITEMS_URL}?page=2`);
  assert.equal(
    nextOf('</items?page=9>; rel="last", </items?page=2>; REL="Next"'),
    `${ITEMS_URL}?page=2`,
  );
  assert.equal(nextOf('</items?page=2>; rel="next last"'), `${ITEMS_URL}?page=2`);
  assert.equal(
    nextOf('</items?a=1,2;b=3>; title="first, then; more"; rel="next"'),
    `${ITEMS_URL}?a=1,2;b=3`,
  );
  assert.equal(
    nextOf('</p?x=1>; title="a <b>, c"; rel="prev", </p?x=2>; rel="next"'),
    "https://api.example.com/p?x=2",
  );
  assert.equal(
    nextOf('</items?page=2>; rel="forward"', { linksNextKey: "forward" }),
    `${ITEMS_URL}?page=2`,
  );
});

Deno.test("header_link: no Link header, or none with the relation, ends it", () => {
  assert.equal(paginate(new HeaderLinkPaginator(), [{}]).length, 1);
  const prevOnly = { headers: { link: '</items?page=1>; rel="prev"' } };
  assert.equal(paginate(new HeaderLinkPaginator(), [prevOnly]).length, 1);
  const nextly = { headers: { link: '</items?page=2>; rel="nextly"' } };
  assert.equal(paginate(new HeaderLinkPaginator(), [nextly]).length, 1);
});

Deno.test("offset: moves by the limit until the offset reaches the total", () => {
  const page = { body: { total: 25 }, items: [1] };
  const sent = paginate(new OffsetPaginator({ limit: 10 }), [page, page, page]);
  assert.deepEqual(urls(sent), [
    `${ITEMS_URL}?offset=0&limit=10`,
    `${ITEMS_URL}?offset=10&limit=10`,
    `${ITEMS_URL}?offset=20&limit=10`,
  ]);
});

Deno.test("offset: custom parameters, start offset, a total given as a string", () => {
  const paginator = new OffsetPaginator({
    limit: 50,
    offset: 100,
    offsetParam: "skip",
    limitParam: "take",
    totalPath: "meta.count",
  });
  const page = { body: { meta: { count: "200" } }, items: [1] };
  assert.deepEqual(urls(paginate(paginator, [page, page], { url: `${ITEMS_URL}?skip=7&q=x` })), [
    `${ITEMS_URL}?skip=100&q=x&take=50`,
    `${ITEMS_URL}?skip=150&q=x&take=50`,
  ]);
});

Deno.test("offset: stops at an empty page when no total is reported", () => {
  const paginator = new OffsetPaginator({ limit: 2 });
  const sent = paginate(paginator, [{ body: [1, 2] }, { body: [3, 4] }, { body: [] }]);
  assert.deepEqual(urls(sent), [
    `${ITEMS_URL}?offset=0&limit=2`,
    `${ITEMS_URL}?offset=2&limit=2`,
    `${ITEMS_URL}?offset=4&limit=2`,
  ]);
});

Deno.test("offset: maximumOffset and hasMorePath end it", () => {
  const capped = new OffsetPaginator({
    limit: 10,
    totalPath: null,
    maximumOffset: 20,
    stopAfterEmptyPage: false,
  });
  assert.equal(paginate(capped, [{ body: [] }, { body: [] }]).length, 2);
  const flagged = new OffsetPaginator({ limit: 10, totalPath: null, hasMorePath: "has_more" });
  const more = { body: { has_more: true }, items: [1] };
  const last = { body: { has_more: false }, items: [1] };
  assert.equal(paginate(flagged, [more, more, last]).length, 3);
  // the first rule that says stop wins: a total reached ends it whatever has_more says
  const both = new OffsetPaginator({ limit: 10, hasMorePath: "has_more" });
  assert.equal(paginate(both, [{ body: { total: 10, has_more: true }, items: [1] }]).length, 1);
});

Deno.test("offset: offset and limit in the JSON body, the caller's body left alone", () => {
  const original = { filter: { status: "open" } };
  const paginator = new OffsetPaginator({
    limit: 100,
    offsetBodyPath: "paging.offset",
    limitBodyPath: "paging.limit",
  });
  const page = { body: { total: 150 }, items: [1] };
  const sent = paginate(paginator, [page, page], { json: original });
  assert.deepEqual(sent, [
    { url: ITEMS_URL, json: { filter: { status: "open" }, paging: { offset: 0, limit: 100 } } },
    { url: ITEMS_URL, json: { filter: { status: "open" }, paging: { offset: 100, limit: 100 } } },
  ]);
  assert.deepEqual(original, { filter: { status: "open" } });
});

Deno.test("offset: limit is required and must be a positive integer", () => {
  for (const limit of [undefined, 0, -5, 2.5, "abc"]) {
    assert.throws(
      () => new OffsetPaginator({ limit } as unknown as { limit: number }),
      (e: unknown) => e instanceof RangeError && /"limit", a positive integer/.test(e.message),
    );
  }
});

Deno.test("offset: a missing total is an error when nothing else can stop it", () => {
  const paginator = new OffsetPaginator({
    limit: 10,
    totalPath: "meta.total",
    stopAfterEmptyPage: false,
  });
  assert.throws(
    () => paginate(paginator, [{ body: { meta: {} }, items: [1] }]),
    (e: unknown) =>
      e instanceof DltError && /no total items at "meta.total"/.test(e.message) &&
      /"maximumOffset"/.test(e.message),
  );
});

Deno.test("offset: a total that is not an integer is an error", () => {
  for (const total of ["many", 2.5, { n: 3 }]) {
    assert.throws(
      () => paginate(new OffsetPaginator({ limit: 10 }), [{ body: { total }, items: [1] }]),
      (e: unknown) =>
        e instanceof DltError && /expected an integer total items at "total"/.test(e.message),
    );
  }
});

Deno.test("offset: options that cannot work are RangeErrors", () => {
  assert.throws(
    () => new OffsetPaginator({ limit: 1, totalPath: null, stopAfterEmptyPage: false }),
    /needs a way to stop: "totalPath", "maximumOffset", "hasMorePath" or "stopAfterEmptyPage"/,
  );
  assert.throws(
    () => new OffsetPaginator({ limit: 1, offsetParam: "o", offsetBodyPath: "o" }),
    /either "offsetParam" or "offsetBodyPath", not both/,
  );
  assert.throws(() => new OffsetPaginator({ limit: 1, limitParam: "" }), /"limitParam" is empty/);
  assert.throws(() => new OffsetPaginator({ limit: 1, totalPath: "a[x]" }), /"totalPath"/);
});

Deno.test("page_number: counts pages from basePage up to the total", () => {
  const page = { body: { total: 3 }, items: [1] };
  const fromOne = paginate(new PageNumberPaginator({ basePage: 1 }), [page, page, page]);
  assert.deepEqual(urls(fromOne), [1, 2, 3].map((n) => `${ITEMS_URL}?page=${n}`));
  const fromZero = paginate(new PageNumberPaginator(), [page, page, page]);
  assert.deepEqual(urls(fromZero), [0, 1, 2].map((n) => `${ITEMS_URL}?page=${n}`));
});

Deno.test("page_number: a start page, another parameter, an empty page", () => {
  const paginator = new PageNumberPaginator({ basePage: 1, page: 3, pageParam: "p" });
  const sent = paginate(paginator, [{ body: [1] }, { body: [2] }, { body: [] }]);
  assert.deepEqual(urls(sent), [3, 4, 5].map((n) => `${ITEMS_URL}?p=${n}`));
});

Deno.test("page_number: maximumPage is not requested", () => {
  const paginator = new PageNumberPaginator({ basePage: 1, maximumPage: 3, totalPath: null });
  const sent = paginate(paginator, [{ body: [1] }, { body: [2] }]);
  assert.deepEqual(urls(sent), [1, 2].map((n) => `${ITEMS_URL}?page=${n}`));
});

Deno.test("page_number: hasMorePath reads booleans and dlt's boolean words", () => {
  const paginator = new PageNumberPaginator({ totalPath: null, hasMorePath: "meta.more" });
  const pages = ["true", "yes", true, "False"].map((more) => ({
    body: { meta: { more } },
    items: [1],
  }));
  assert.equal(paginate(paginator, pages).length, 4);
  assert.throws(
    () => paginate(paginator, [{ body: { meta: {} }, items: [1] }]),
    (e: unknown) =>
      e instanceof DltError && /expected a boolean at "meta.more".*found nothing/.test(e.message),
  );
  assert.throws(
    () => paginate(paginator, [{ body: { meta: { more: "perhaps" } }, items: [1] }]),
    /found "perhaps"/,
  );
});

Deno.test("page_number: the page number in the JSON body", () => {
  const paginator = new PageNumberPaginator({ basePage: 1, pageBodyPath: "page.number" });
  const page = { body: { total: 2 }, items: [1] };
  const sent = paginate(paginator, [page, page], { json: { page: { size: 50 } } });
  assert.deepEqual(sent.map((request) => request.json), [
    { page: { size: 50, number: 1 } },
    { page: { size: 50, number: 2 } },
  ]);
  assert.equal(sent[1].url, ITEMS_URL);
});

Deno.test("page_number: the total counts pages; a missing one with no fallback is an error", () => {
  const paginator = new PageNumberPaginator({ totalPath: "pages", stopAfterEmptyPage: false });
  assert.throws(
    () => paginate(paginator, [{ body: {}, items: [1] }]),
    /PageNumberPaginator found no total pages at "pages"/,
  );
});

Deno.test("cursor: sends the cursor from cursors.next as ?cursor= until there is none", () => {
  const sent = paginate(new JsonResponseCursorPaginator(), [
    { body: { items: [1], cursors: { next: "c2" } } },
    { body: { items: [2], cursors: { next: 3 } } },
    { body: { items: [3], cursors: { next: null } } },
  ], { url: `${ITEMS_URL}?limit=2` });
  assert.deepEqual(urls(sent), [
    `${ITEMS_URL}?limit=2`,
    `${ITEMS_URL}?limit=2&cursor=c2`,
    `${ITEMS_URL}?limit=2&cursor=3`,
  ]);
});

Deno.test("cursor: another parameter; an empty or missing cursor ends it", () => {
  const paginator = new JsonResponseCursorPaginator({
    cursorPath: "response_metadata.next_cursor",
    cursorParam: "after",
  });
  const next = { body: { response_metadata: { next_cursor: "dXNlcg==" } } };
  const sent = paginate(paginator, [next, { body: { response_metadata: { next_cursor: "" } } }]);
  assert.deepEqual(urls(sent), [ITEMS_URL, `${ITEMS_URL}?after=dXNlcg%3D%3D`]);
  assert.equal(paginate(paginator, [{ body: {} }]).length, 1);
});

Deno.test("cursor: hasMorePath false or an empty page (when asked) ends it despite a cursor", () => {
  const flagged = new JsonResponseCursorPaginator({ cursorPath: "next", hasMorePath: "more" });
  const pages = [
    { body: { next: "a", more: true }, items: [1] },
    { body: { next: "b", more: false }, items: [1] },
  ];
  assert.equal(paginate(flagged, pages).length, 2);
  const emptyStops = new JsonResponseCursorPaginator({
    cursorPath: "next",
    stopAfterEmptyPage: true,
  });
  assert.equal(paginate(emptyStops, [{ body: { next: "a" }, items: [] }]).length, 1);
  const emptyGoesOn = new JsonResponseCursorPaginator({ cursorPath: "next" });
  assert.equal(
    paginate(emptyGoesOn, [{ body: { next: "a" }, items: [] }, { body: {} }]).length,
    2,
  );
});

Deno.test("cursor: the cursor in the JSON body, objects created as needed", () => {
  const paginator = new CursorPaginator({ cursorPath: "next", cursorBodyPath: "query.page.after" });
  const sent = paginate(paginator, [{ body: { next: "x1" } }, { body: { next: null } }], {
    json: { query: { text: "deno" } },
  });
  assert.deepEqual(sent.map((request) => request.json), [
    { query: { text: "deno" } },
    { query: { text: "deno", page: { after: "x1" } } },
  ]);
  assert.equal(sent[1].url, ITEMS_URL);
  assert.throws(
    () => paginate(paginator, [{ body: { next: "x1" } }, {}], { json: { query: "deno" } }),
    (e: unknown) =>
      e instanceof DltError && /a string is where an object should be/.test(e.message),
  );
});

Deno.test("cursor: CursorPaginator is JsonResponseCursorPaginator; bad cursors and options", () => {
  assert.equal(CursorPaginator, JsonResponseCursorPaginator);
  assert.throws(
    () => paginate(new CursorPaginator(), [{ body: { cursors: { next: ["a"] } } }]),
    /expected a cursor at "cursors.next" in the response, found a list/,
  );
  assert.throws(
    () => new CursorPaginator({ cursorParam: "after", cursorBodyPath: "after" }),
    /either "cursorParam" or "cursorBodyPath"/,
  );
});

Deno.test("header_cursor: sends the header's cursor until the header is gone", () => {
  const paginator = new HeaderCursorPaginator({ cursorKey: "X-Next", cursorParam: "token" });
  const sent = paginate(paginator, [
    { headers: { "x-next": "t1" } },
    { headers: { "x-next": "t2" } },
    {},
  ]);
  assert.deepEqual(urls(sent), [ITEMS_URL, `${ITEMS_URL}?token=t1`, `${ITEMS_URL}?token=t2`]);
  const defaults = paginate(new HeaderCursorPaginator(), [{ headers: { next: "n1" } }, {}]);
  assert.equal(defaults[1].url, `${ITEMS_URL}?cursor=n1`);
});

Deno.test("auto: a Link header with rel=next means header_link", () => {
  const auto = new AutoPaginator();
  const records = logged(() => {
    const sent = paginate(auto, [
      { headers: { link: '</items?page=2>; rel="next"' }, body: [1] },
      { headers: { link: '</items?page=3>; rel="next"' }, body: [2] },
      { body: [3] },
    ]);
    assert.deepEqual(urls(sent), [ITEMS_URL, `${ITEMS_URL}?page=2`, `${ITEMS_URL}?page=3`]);
  });
  assert.ok(records.some((r) => r.level === "INFO" && /header_link/.test(r.message)));
  assert.equal(auto.chosen, undefined, "the configured paginator stays undetermined");
});

Deno.test("auto: a next URL in the body means json_link with its path", () => {
  const choose = (body: unknown) => {
    const auto = new AutoPaginator().fresh();
    const request: RequestSpec = { url: new URL(ITEMS_URL), method: "GET", headers: new Headers() };
    auto.initRequest(request);
    auto.updateState({ response: new Response(), body, items: [1, 2], request });
    if (auto.hasNextPage) auto.updateRequest(request);
    return { type: auto.chosen?.type, url: request.url.href };
  };
  assert.deepEqual(choose({ data: [1, 2], next: `${ITEMS_URL}?page=2` }), {
    type: "json_link",
    url: `${ITEMS_URL}?page=2`,
  });
  assert.deepEqual(choose({ data: [], links: { next: { href: "/items?page=2" } } }), {
    type: "json_link",
    url: `${ITEMS_URL}?page=2`,
  });
  assert.deepEqual(choose({ meta: { next_cursor: "abc", nextPageUrl: "/items?p=2" } }), {
    type: "json_link",
    url: "https://api.example.com/items?p=2",
  });
  const records = logged(() => choose({ pagination: { next: { url: "/items?page=2" } } }));
  assert.ok(
    records.some((r) => r.level === "INFO" && /nextUrlPath "pagination.next.url"/.test(r.message)),
  );
});

Deno.test("auto: a plain list, or a next value that is no URL, is a single page", () => {
  const records = logged(() => {
    assert.equal(paginate(new AutoPaginator(), [{ body: [1, 2, 3] }]).length, 1);
    assert.equal(
      paginate(new AutoPaginator(), [{ body: { id: 1 }, items: [{ id: 1 }] }]).length,
      1,
    );
    const cursorOnly = { body: { items: [1, 2], next: "abc123", has_next: true } };
    assert.equal(paginate(new AutoPaginator(), [cursorOnly]).length, 1);
  });
  assert.deepEqual(records.map((r) => r.level), ["WARNING", "INFO", "WARNING"]);
  assert.match(records[0].message, /single_page/);
});

Deno.test("auto: the chosen paginator carries on after the first page", () => {
  const sent = paginate(new AutoPaginator(), [
    { body: { items: [1], next: "/items?page=2" } },
    { body: { items: [2], next: "/items?page=3" } },
    { body: { items: [3], next: null } },
  ]);
  assert.deepEqual(urls(sent), [ITEMS_URL, `${ITEMS_URL}?page=2`, `${ITEMS_URL}?page=3`]);
});

Deno.test("createPaginator: type names", () => {
  const types = [
    "json_link",
    "header_link",
    "page_number",
    "cursor",
    "header_cursor",
    "single_page",
  ];
  for (const type of types) {
    assert.equal(createPaginator(type as "json_link")?.type, type);
  }
  assert.ok(createPaginator("auto") instanceof AutoPaginator);
  assert.ok(createPaginator({}) instanceof AutoPaginator, "dlt's default type is auto");
  assert.equal(createPaginator(undefined), undefined);
  const own = new SinglePagePaginator();
  assert.equal(createPaginator(own), own);
});

Deno.test("createPaginator: snake_case and camelCase build the same paginator", () => {
  const python = createPaginator({
    type: "offset",
    limit: 10,
    offset_param: "skip",
    limit_param: "take",
    total_path: null,
    maximum_offset: 20,
    stop_after_empty_page: false,
  })!;
  const typescript = createPaginator({
    type: "offset",
    limit: 10,
    offsetParam: "skip",
    limitParam: "take",
    totalPath: null,
    maximumOffset: 20,
    stopAfterEmptyPage: false,
  })!;
  const pages = [{ body: [] }, { body: [] }];
  const expected = [`${ITEMS_URL}?skip=0&take=10`, `${ITEMS_URL}?skip=10&take=10`];
  assert.deepEqual(urls(paginate(python, pages)), expected);
  assert.deepEqual(urls(paginate(typescript, pages)), expected);
});

Deno.test("createPaginator: every dlt option spelling is understood", () => {
  const specs = [
    { type: "json_link", next_url_path: "paging.next" },
    { type: "header_link", links_next_key: "next" },
    {
      type: "offset",
      limit: 5,
      offset: 10,
      has_more_path: "more",
      offset_body_path: "o",
      limit_body_path: "l",
    },
    {
      type: "page_number",
      base_page: 1,
      page: 2,
      page_param: "p",
      total_path: "pages",
      maximum_page: 9,
      stop_after_empty_page: true,
    },
    { type: "page_number", page_body_path: "page" },
    { type: "cursor", cursor_path: "next", cursor_param: "after" },
    { type: "cursor", cursor_body_path: "after", has_more_path: "more" },
    { type: "header_cursor", cursor_key: "x-next", cursor_param: "token" },
  ] as const;
  for (const spec of specs) assert.equal(createPaginator(spec)?.type, spec.type);
  const cursor = createPaginator({
    type: "cursor",
    cursor_path: "n",
    cursor_body_path: "q.after",
  })!;
  const sent = paginate(cursor, [{ body: { n: "c" } }, {}], { json: {} });
  assert.deepEqual(sent[1].json, { q: { after: "c" } });
});

Deno.test("createPaginator: an unknown type lists the valid ones", () => {
  for (const spec of ["json_response", { type: "links" }]) {
    assert.throws(
      () => createPaginator(spec as "json_link"),
      (e: unknown) =>
        e instanceof RangeError &&
        /Unknown paginator type "(json_response|links)"/.test(e.message) &&
        e.message.includes("json_link, header_link, offset, page_number, cursor, header_cursor"),
    );
  }
  assert.throws(() => createPaginator(42 as unknown as "auto"), RangeError);
});

Deno.test("createPaginator: an unknown option is named with the valid ones", () => {
  assert.throws(
    () => createPaginator({ type: "offset", limit: 10, initial_limit: 10 }),
    (e: unknown) =>
      e instanceof RangeError &&
      /Unknown option "initial_limit" for paginator "offset"/.test(e.message) &&
      /valid options: limit, offset, offsetParam, .*limitBodyPath \(or in snake_case\)/.test(
        e.message,
      ),
  );
  assert.throws(
    () => createPaginator({ type: "single_page", limit: 1 }),
    /Unknown option "limit" for paginator "single_page"; it takes none/,
  );
  assert.throws(
    () => createPaginator({ type: "json_link", nextUrlPath: "a", next_url_path: "b" }),
    new RangeError(
      'Option "nextUrlPath" for paginator "json_link" is given twice, ' +
        'as "nextUrlPath" and as "next_url_path"',
    ),
  );
});

Deno.test("createPaginator: a value of the wrong kind names the key as given", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ type: "offset", limit: "abc" }, /option "limit" must be an integer, got "abc"/],
    [{ type: "offset", limit: 1, maximum_offset: 1.5 }, /"maximum_offset" must be an integer/],
    [
      { type: "page_number", stop_after_empty_page: "yes" },
      /"stop_after_empty_page" must be a boolean/,
    ],
    [{ type: "page_number", total_path: 5 }, /"total_path" must be a JSON path/],
    [{ type: "json_link", next_url_path: "a..b" }, /"next_url_path" must be a JSON path/],
    [{ type: "header_cursor", cursorParam: "" }, /"cursorParam" must be a non-empty string/],
  ];
  for (const [spec, message] of cases) {
    assert.throws(
      () => createPaginator(spec as { type: "offset" }),
      (e: unknown) => e instanceof RangeError && message.test(e.message),
    );
  }
});

Deno.test("createPaginator: a required option missing is named", () => {
  for (const spec of ["offset", { type: "offset", offset: 5 }, { type: "offset", limit: null }]) {
    assert.throws(
      () => createPaginator(spec as "offset"),
      (e: unknown) =>
        e instanceof RangeError && /Paginator "offset" requires the option "limit"/.test(e.message),
    );
  }
});

Deno.test("createPaginator: null means not given, except for totalPath where it disables", () => {
  const paginator = createPaginator({ type: "page_number", page_param: null, total_path: null })!;
  const sent = paginate(paginator, [{ body: { total: 1, items: [1] } }, { body: [] }]);
  assert.deepEqual(urls(sent), [`${ITEMS_URL}?page=0`, `${ITEMS_URL}?page=1`]);
});
