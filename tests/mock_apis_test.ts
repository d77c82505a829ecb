/**
 * The mock servers of `_mock_apis.ts` replay the recorded traffic: following each API's real
 * pagination with plain `fetch` yields the recorded pages in order, errors keep status and body.
 */
import assert from "node:assert/strict";
import { hasSharedFixture, readSharedFixture } from "./_helpers.ts";
import {
  githubPaginateIssuesMock,
  notionMock,
  octokitScenarioMock,
  POKEAPI_KINDS,
  pokeapiMock,
  slackMock,
} from "./_mock_apis.ts";

/** A response and its JSON body. */
interface Fetched<T> {
  response: Response;
  body: T;
}

/** Fetches `url` and reads the JSON body. */
async function fetchJson<T>(url: string, init?: RequestInit): Promise<Fetched<T>> {
  const response = await fetch(url, init);
  return { response, body: await response.json() as T };
}

/** The `rel="next"` URL of a `Link` header. */
const nextLink = (link: string | null) => link?.match(/<([^>]+)>;\s*rel="next"/)?.[1];

Deno.test({
  name: "github paginate-issues: 5 pages linked by Link headers, URLs at the mock",
  ignore: !hasSharedFixture("github/octokit-fixtures/paginate-issues"),
  async fn() {
    await using api = await githubPaginateIssuesMock();
    const numbers: number[] = [];
    let next: string | undefined =
      `${api.url}/repos/octokit-fixture-org/paginate-issues/issues?per_page=3`;
    while (next !== undefined) {
      const { response, body }: Fetched<{ number: number; url: string }[]> = await fetchJson(next);
      assert.equal(response.status, 200);
      for (const issue of body) {
        assert.ok(issue.url.startsWith(`${api.url}/repos/octokit-fixture-org/`), issue.url);
        numbers.push(issue.number);
      }
      next = nextLink(response.headers.get("link"));
    }
    assert.deepEqual(numbers, [13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    assert.deepEqual(api.requests.map((r) => [r.path, r.status]), [
      ["/repos/octokit-fixture-org/paginate-issues/issues?per_page=3", 200],
      ...[2, 3, 4, 5].map((page) => [`/repositories/1000/issues?per_page=3&page=${page}`, 200]),
    ]);

    // query parameters in another order still match
    const { response } = await fetchJson(`${api.url}/repositories/1000/issues?page=2&per_page=3`);
    assert.equal(response.status, 200);
  },
});

Deno.test({
  name: "octokit mocks: 422 errors, labels CRUD with a 204 empty body, unmatched requests 404",
  ignore: !hasSharedFixture("github/octokit-fixtures/errors") ||
    !hasSharedFixture("github/octokit-fixtures/labels"),
  async fn() {
    const errors = await octokitScenarioMock("errors");
    try {
      const recorded = await readSharedFixture<{ response: unknown }[]>(
        "github/octokit-fixtures/errors/normalized-fixture.json",
      );
      const { response, body } = await fetchJson(
        `${errors.url}/repos/octokit-fixture-org/errors/labels`,
        { method: "POST", body: JSON.stringify({ name: "foo", color: "invalid" }) },
      );
      assert.equal(response.status, 422);
      assert.deepEqual(body, recorded[0].response);
    } finally {
      await errors.close();
    }

    await using labels = await octokitScenarioMock("labels");
    const path = "/repos/octokit-fixture-org/labels/labels";
    const list = await fetchJson<{ name: string }[]>(`${labels.url}${path}`);
    assert.equal(list.body.length, 9);
    const created = await fetchJson(`${labels.url}${path}`, { method: "POST", body: "{}" });
    assert.equal(created.response.status, 201);
    assert.equal(created.response.headers.get("location"), `${labels.url}${path}/test-label`);
    const deleted = await fetch(`${labels.url}${path}/test-label-updated`, { method: "DELETE" });
    assert.equal(deleted.status, 204);
    assert.equal(await deleted.text(), "");

    const missing = await fetchJson<{ method: string; path: string }>(
      `${labels.url}/nope?x=1`,
      { method: "PUT", body: "data" },
    );
    assert.equal(missing.response.status, 404);
    assert.equal(missing.body.method, "PUT");
    assert.equal(missing.body.path, "/nope?x=1");
    assert.deepEqual(labels.requests.at(-1), {
      method: "PUT",
      path: "/nope?x=1",
      body: "data",
      status: 404,
    });
  },
});

interface SlackPage {
  ok: boolean;
  members?: { id: string }[];
  channels?: { id: string }[];
  response_metadata: { next_cursor: string };
}

/** Follows `response_metadata.next_cursor` until "", sending the cursor as `send` does. */
async function slackPages(
  url: string,
  send: (cursor: string) => { query: string; init: RequestInit },
): Promise<SlackPage[]> {
  const pages: SlackPage[] = [];
  let cursor = "";
  do {
    const { query, init } = send(cursor);
    const { response, body } = await fetchJson<SlackPage>(`${url}${query}`, init);
    assert.equal(response.status, 200);
    pages.push(body);
    cursor = body.response_metadata.next_cursor;
  } while (cursor !== "");
  return pages;
}

Deno.test({
  name: "slack users.list: 7 pages of 5 by cursor, in a form body, a query or a JSON body",
  ignore: !hasSharedFixture("slack/paginated_users_list.exchanges.json"),
  async fn() {
    await using api = await slackMock("paginated_users_list.exchanges.json");
    const url = `${api.url}/api/users.list`;
    const form = await slackPages(url, (cursor) => ({
      query: "",
      init: {
        method: "POST",
        body: new URLSearchParams({ ...cursor ? { cursor } : {}, limit: "5", presence: "true" }),
      },
    }));
    assert.deepEqual(form.map((page) => page.members?.length), [5, 5, 5, 5, 5, 5, 5]);
    assert.equal(new Set(form.flatMap((page) => page.members!.map((m) => m.id))).size, 35);

    const query = await slackPages(url, (cursor) => ({
      query: `?${new URLSearchParams({ cursor, limit: "5" })}`,
      init: {},
    }));
    const json = await slackPages(url, (cursor) => ({
      query: "",
      init: {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ cursor, limit: 5 }),
      },
    }));
    assert.deepEqual(query, form);
    assert.deepEqual(json, form);
  },
});

Deno.test({
  name: "slack conversations.list: 100 + 56 channels by cursor, then setTopic",
  ignore: !hasSharedFixture("slack/conversations_setTopic_paginated.exchanges.json"),
  async fn() {
    const api = await slackMock("conversations_setTopic_paginated.exchanges.json");
    try {
      const pages = await slackPages(`${api.url}/api/conversations.list`, (cursor) => ({
        query: "",
        init: { method: "POST", body: new URLSearchParams({ cursor, limit: "100" }) },
      }));
      assert.deepEqual(pages.map((page) => page.channels?.length), [100, 56]);
      const { body } = await fetchJson<{ ok: boolean; channel: { topic: { value: string } } }>(
        `${api.url}/api/conversations.setTopic`,
        {
          method: "POST",
          body: new URLSearchParams({ channel: "C019CV63UTC", topic: "new topic" }),
        },
      );
      assert.equal(body.channel.topic.value, "new topic");
    } finally {
      await api.close();
    }
  },
});

Deno.test({
  name: "slack auth.test: HTTP 200 with ok false, replayed as is",
  ignore: !hasSharedFixture("slack/auth_test_error.exchanges.json"),
  async fn() {
    await using api = await slackMock("auth_test_error.exchanges.json");
    const response = await fetch(`${api.url}/api/auth.test`, { method: "POST" });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-encoding"), null);
    assert.equal(await response.text(), '{"ok":false,"error":"not_authed"}');
  },
});

interface NotionList {
  results: { id: string }[];
  has_more: boolean;
  next_cursor: string | null;
}

Deno.test({
  name: "notion blocks children: 3 pages by has_more/start_cursor, repeated keys in recorded order",
  ignore: !hasSharedFixture("notion/test_iterate_paginated_api.exchanges.json"),
  async fn() {
    await using api = await notionMock("test_iterate_paginated_api.exchanges.json");
    const url = `${api.url}/v1/blocks/393abc1e-edcd-814b-aee5-cf69471e5a43/children`;
    const pages: NotionList[] = [];
    let cursor: string | null = null;
    do {
      const query: URLSearchParams = new URLSearchParams({
        page_size: "2",
        ...cursor ? { start_cursor: cursor } : {},
      });
      const { response, body }: Fetched<NotionList> = await fetchJson(`${url}?${query}`);
      assert.equal(response.status, 200);
      pages.push(body);
      cursor = body.has_more ? body.next_cursor : null;
    } while (cursor !== null);
    assert.deepEqual(pages.map((page) => page.results.length), [2, 2, 1]);
    assert.equal(new Set(pages.flatMap((page) => page.results.map((block) => block.id))).size, 5);

    // the recording asks for the first page again after deleting the blocks: served next, then kept
    for (let i = 0; i < 2; i++) {
      const { body } = await fetchJson<NotionList>(`${url}?page_size=2`);
      assert.deepEqual(body.results, []);
    }
  },
});

Deno.test({
  name: "notion errors: 400 and 401 bodies replayed",
  ignore: !hasSharedFixture("notion/test_api_response_error.exchanges.json"),
  async fn() {
    await using api = await notionMock("test_api_response_error.exchanges.json");
    const invalid = await fetchJson<{ object: string; status: number; code: string }>(
      `${api.url}/v1/invalid`,
    );
    assert.equal(invalid.response.status, 400);
    assert.equal(invalid.body.code, "invalid_request_url");
    const users = await fetchJson<{ object: string; status: number; code: string }>(
      `${api.url}/v1/users`,
    );
    assert.equal(users.response.status, 401);
    assert.deepEqual(users.body, {
      object: "error",
      status: 401,
      code: "unauthorized",
      message: "API token is invalid.",
      request_id: "17359c46-ca0d-4156-be70-12a5eebc3346",
    });
  },
});

interface PokeList {
  count: number;
  next: string | null;
  previous: string | null;
  results: { name: string; url: string }[];
}

Deno.test({
  name: "pokeapi: offset/limit pages linked by next until null, detail documents, 404",
  ignore: !hasSharedFixture("pokeapi"),
  async fn() {
    await using api = await pokeapiMock();
    for (const kind of POKEAPI_KINDS) {
      const names: string[] = [];
      let count = -1;
      let next: string | null = `${api.url}/api/v2/${kind}/`;
      while (next !== null) {
        const { body }: Fetched<PokeList> = await fetchJson(next);
        assert.equal(body.previous === null, names.length === 0);
        assert.ok(body.results.length <= 20);
        for (const item of body.results) {
          assert.ok(item.url.startsWith(`${api.url}/api/v2/${kind}/`), item.url);
          names.push(item.name);
        }
        count = body.count;
        next = body.next;
      }
      assert.equal(names.length, count, kind);
      assert.equal(new Set(names).size, count, kind);
    }

    const big = await fetchJson<PokeList>(`${api.url}/api/v2/pokemon?offset=1340&limit=100`);
    assert.equal(big.body.results.length, 11);
    assert.equal(big.body.next, null);
    assert.equal(big.body.previous, `${api.url}/api/v2/pokemon/?offset=1240&limit=100`);

    const pikachu = await fetchJson<{ name: string; species: { url: string } }>(
      `${api.url}/api/v2/pokemon/25/`,
    );
    assert.equal(pikachu.body.name, "pikachu");
    assert.equal(pikachu.body.species.url, `${api.url}/api/v2/pokemon-species/25/`);
    const missing = await fetchJson(`${api.url}/api/v2/pokemon/2/`);
    assert.equal(missing.response.status, 404);
  },
});
