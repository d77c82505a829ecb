/**
 * The declarative REST API source end to end: configs (camelCase and dlt's snake_case) against
 * local APIs, loaded into DuckDB. Parent/child resources, incremental cursors sent as query
 * parameters, response actions, configuration errors caught before any request, run-time errors
 * that load nothing, bounded concurrency of child requests, and a replay of PokeAPI.
 */
import assert from "node:assert/strict";
import { onLog, PipelineStepFailed } from "../mod.ts";
import {
  type ClientConfig,
  type EndpointConfig,
  type RestApiConfig,
  RestApiConfigError,
  restApiSource,
} from "../sources/rest_api.ts";
import {
  hasSharedFixture,
  type LocalServer,
  readSharedFixture,
  serve,
  tempPipeline,
} from "./_helpers.ts";
import { pokeapiMock } from "./_mock_apis.ts";

// ---------------------------------------------------------------------------------------------
// Helpers

interface Post {
  id: number;
  title: string;
}

interface Comment {
  id: number;
  post_id: number;
  body: string;
}

interface Blog {
  posts: Post[];
  comments: Comment[];
}

function sampleBlog(): Blog {
  return {
    posts: [
      { id: 1, title: "Hello" },
      { id: 2, title: "Deno" },
      { id: 3, title: "Ducks" },
      { id: 4, title: "Quiet" }, // no comments
      { id: 5, title: "Tail" },
    ],
    comments: [
      { id: 11, post_id: 1, body: "first!" },
      { id: 12, post_id: 1, body: "nice" },
      { id: 13, post_id: 1, body: "more" }, // a second page
      { id: 21, post_id: 2, body: "ok" },
      { id: 31, post_id: 3, body: "quack" },
      { id: 51, post_id: 5, body: "the end" },
    ],
  };
}

/**
 * A blog API: `/posts`, `/posts/<id>/comments` and `/comments?post_id=<id>`, in pages of two
 * (`?page=`, from 1) shaped `{ data, total_pages, next }`, where `next` is the absolute URL of
 * the next page or `null`. `special` may answer a request instead (e.g. with an error).
 */
function blogApi(blog: Blog, special?: (url: URL) => Response | undefined): LocalServer {
  return serve((url) => {
    const answer = special?.(url);
    if (answer !== undefined) return answer;
    const child = url.pathname.match(/^\/posts\/(\d+)\/comments$/);
    const rows = url.pathname === "/posts"
      ? blog.posts
      : child !== null
      ? blog.comments.filter((c) => c.post_id === Number(child[1]))
      : url.pathname === "/comments"
      ? blog.comments.filter((c) => c.post_id === Number(url.searchParams.get("post_id")))
      : undefined;
    if (rows === undefined) return Response.json({ error: "not found" }, { status: 404 });
    const page = Number(url.searchParams.get("page") ?? "1");
    const totalPages = Math.max(1, Math.ceil(rows.length / 2));
    const next = new URL(url);
    next.searchParams.set("page", String(page + 1));
    return Response.json({
      data: rows.slice((page - 1) * 2, page * 2),
      total_pages: totalPages,
      next: page < totalPages ? next.href : null,
    });
  });
}

/** What the `comments` table should hold: the API's comments with the parent's id and title. */
function expectedComments(blog: Blog, postIds = blog.posts.map((p) => p.id)) {
  return blog.comments
    .filter((c) => postIds.includes(c.post_id))
    .map((c) => ({
      ...c,
      _posts_id: c.post_id,
      _posts_title: blog.posts.find((p) => p.id === c.post_id)!.title,
    }))
    .sort((a, b) => a.id - b.id);
}

type Rows = Record<string, unknown>[];

async function posts(p: Awaited<ReturnType<typeof tempPipeline>>["p"]): Promise<Rows> {
  return await p.dataset().query("SELECT id, title FROM posts ORDER BY id");
}

async function comments(p: Awaited<ReturnType<typeof tempPipeline>>["p"]): Promise<Rows> {
  return await p.dataset().query(
    "SELECT id, post_id, body, _posts_id, _posts_title FROM comments ORDER BY id",
  );
}

/**
 * The blog as a camelCase config: json_link pagination, a child with the parent's id and title.
 * `comments` and `client` are merged into the child's endpoint and the client.
 */
function blogConfig(
  baseUrl: string,
  comments: EndpointConfig = {},
  client: Partial<ClientConfig> = {},
): RestApiConfig {
  return {
    client: { baseUrl, paginator: { type: "json_link", nextUrlPath: "next" }, ...client },
    resourceDefaults: {
      primaryKey: "id",
      writeDisposition: "merge",
      endpoint: { dataSelector: "data" },
    },
    resources: [
      "posts",
      {
        name: "comments",
        endpoint: { path: "posts/{resources.posts.id}/comments", ...comments },
        includeFromParent: ["id", "title"],
      },
    ],
  };
}

/** Asserts `fn` throws a {@linkcode RestApiConfigError} for `resource` and `key`. */
function assertConfigError(
  fn: () => unknown,
  resource: string | undefined,
  key: string,
  reason: RegExp,
): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof RestApiConfigError, `not a RestApiConfigError: ${error}`);
    assert.equal(error.resourceName, resource);
    assert.equal(error.key, key);
    if (resource !== undefined) assert.match(error.message, new RegExp(`"${resource}"`));
    assert.ok(error.message.includes(key), `${error.message} does not name ${key}`);
    assert.match(error.message, reason);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Loading

Deno.test("rest_api: a parent and a child resource load exactly the API's rows", async () => {
  const blog = sampleBlog();
  await using api = blogApi(blog);
  const { p } = await tempPipeline("rest_api_blog");
  await p.run(restApiSource(blogConfig(api.url)));

  assert.deepEqual(await posts(p), blog.posts);
  assert.deepEqual(await comments(p), expectedComments(blog));
  // every page was followed: three of posts, two of post 1's comments
  assert.ok(api.requests.includes("/posts?page=3"));
  assert.ok(api.requests.includes("/posts/1/comments?page=2"));
  assert.ok(api.requests.includes("/posts/4/comments"));
});

Deno.test("rest_api: a config in dlt's snake_case loads the same", async () => {
  const blog = sampleBlog();
  await using api = blogApi(blog);
  const { p } = await tempPipeline("rest_api_snake");
  await p.run(restApiSource({
    client: {
      base_url: api.url,
      paginator: { type: "page_number", base_page: 1, total_path: "total_pages" },
    },
    resource_defaults: {
      primary_key: "id",
      write_disposition: "merge",
      endpoint: { data_selector: "data" },
    },
    resources: [
      "posts",
      {
        name: "comments",
        endpoint: { path: "posts/{resources.posts.id}/comments", paginator: "json_link" },
        include_from_parent: ["id", "title"],
      },
    ],
  }));

  assert.deepEqual(await posts(p), blog.posts);
  assert.deepEqual(await comments(p), expectedComments(blog));
  // posts by page number from 1, comments by the `next` link (the first page has no `page`)
  assert.deepEqual(api.requests.filter((r) => r.startsWith("/posts?")), [
    "/posts?page=1",
    "/posts?page=2",
    "/posts?page=3",
  ]);
  assert.deepEqual(api.requests.filter((r) => r.startsWith("/posts/1/")), [
    "/posts/1/comments",
    "/posts/1/comments?page=2",
  ]);
});

Deno.test("rest_api: dlt's legacy resolve params fill a path placeholder or a query param", async () => {
  const blog = sampleBlog();
  await using api = blogApi(blog);
  const { p } = await tempPipeline("rest_api_resolve");
  await p.run(restApiSource({
    client: { base_url: api.url, paginator: "json_link" },
    resource_defaults: { endpoint: { data_selector: "data" } },
    resources: [
      "posts",
      {
        name: "comments",
        endpoint: {
          path: "posts/{post_id}/comments",
          params: { post_id: { type: "resolve", resource: "posts", field: "id" }, sort: "id" },
        },
        include_from_parent: ["id", "title"],
      },
      {
        name: "comments_by_query",
        endpoint: {
          path: "comments",
          params: { post_id: { type: "resolve", resource: "posts", field: "id" } },
        },
      },
    ],
  }));

  assert.deepEqual(await comments(p), expectedComments(blog));
  assert.deepEqual(
    await p.dataset().query("SELECT id, post_id, body FROM comments_by_query ORDER BY id"),
    blog.comments.toSorted((a, b) => a.id - b.id),
  );
  // the path param left the query; other params stayed
  assert.ok(api.requests.includes("/posts/2/comments?sort=id"));
  assert.ok(!api.requests.some((r) => r.startsWith("/posts/") && r.includes("post_id=")));
  assert.ok(api.requests.includes("/comments?post_id=3"));
});

Deno.test("rest_api: incremental cursors are sent as query params and merged by primary key", async () => {
  interface Event {
    id: number;
    title: string;
    updated_at: string;
  }
  const at = (minute: number) => `2024-02-01T00:${String(minute).padStart(2, "0")}:00Z`;
  const initial = "2024-01-01T00:00:00Z";
  const events = new Map<number, Event>();
  const put = (id: number, minute: number, title: string) =>
    events.set(id, { id, title, updated_at: at(minute) });
  for (let id = 1; id <= 3; id++) put(id, id, `event ${id}`);
  // the same events at three paths, one per way of binding the cursor: `?since=` filters them
  await using api = serve((url) => {
    const since = url.searchParams.get("since") ?? "";
    return Response.json([...events.values()].filter((e) => e.updated_at >= since));
  });
  const source = () =>
    restApiSource({
      client: { baseUrl: api.url, paginator: "single_page" },
      resourceDefaults: { primaryKey: "id", writeDisposition: "merge" },
      resources: [
        {
          name: "by_placeholder",
          endpoint: {
            path: "a/events",
            params: { since: "{incremental.start_value}" },
            incremental: { cursorPath: "updated_at", initialValue: initial },
          },
        },
        {
          name: "by_start_param",
          endpoint: {
            path: "b/events",
            incremental: { startParam: "since", cursorPath: "updated_at", initialValue: initial },
          },
        },
        {
          name: "by_legacy_param",
          endpoint: {
            path: "c/events",
            params: {
              since: { type: "incremental", cursor_path: "updated_at", initial_value: initial },
            },
          },
        },
      ],
    });
  const tables = ["by_placeholder", "by_start_param", "by_legacy_param"];
  const sinceSent = (from: number) =>
    api.requests.slice(from).map((r) => new URL(r, api.url)).map((u) => [
      u.pathname,
      u.searchParams.get("since"),
    ]).sort();
  const { p } = await tempPipeline("rest_api_incremental");
  const check = async () => {
    const live = [...events.values()].sort((a, b) => a.id - b.id);
    for (const table of tables) {
      assert.deepEqual(
        await p.dataset().query(`SELECT id, title FROM ${table} ORDER BY id`),
        live.map(({ id, title }) => ({ id, title })),
        table,
      );
    }
  };

  await p.run(source());
  assert.deepEqual(sinceSent(0), [
    ["/a/events", initial],
    ["/b/events", initial],
    ["/c/events", initial],
  ]);
  await check();

  put(2, 10, "event 2, edited");
  put(4, 11, "event 4");
  const before = api.requests.length;
  await p.run(source());
  // the second run starts at the largest cursor of the first
  assert.deepEqual(sinceSent(before), [
    ["/a/events", at(3)],
    ["/b/events", at(3)],
    ["/c/events", at(3)],
  ]);
  await check();
});

// ---------------------------------------------------------------------------------------------
// Response actions

Deno.test("rest_api: response actions ignore a deleted parent's 404 and call functions", async () => {
  const blog = sampleBlog();
  const gone: string[] = [];
  let pagesWithData = 0;
  await using api = blogApi(blog, (url) => {
    if (url.pathname === "/posts/3/comments") {
      return Response.json({ error: "post 3 was deleted" }, { status: 404 });
    }
    if (url.pathname === "/posts/5/comments") {
      return Response.json({ error: "post 5 is archived" }, { status: 410 });
    }
    return undefined;
  });
  const config = blogConfig(api.url, {
    responseActions: [
      { statusCode: 404, action: "ignore" },
      {
        statusCode: 410,
        action: ({ request, response }) => {
          gone.push(`${response.status} ${request.url.pathname}`);
          return "ignore";
        },
      },
      // a function that returns nothing lets the response through
      { content: '"data"', action: () => void pagesWithData++ },
    ],
  });
  const { p } = await tempPipeline("rest_api_actions");
  await p.run(restApiSource(config));

  assert.deepEqual(await posts(p), blog.posts);
  assert.deepEqual(await comments(p), expectedComments(blog, [1, 2, 4]));
  assert.deepEqual(gone, ["410 /posts/5/comments"]);
  assert.equal(pagesWithData, 4); // post 1: two pages, posts 2 and 4: one each
});

Deno.test("rest_api: a raise response action fails the run naming the resource and the URL", async () => {
  const blog = sampleBlog();
  await using api = blogApi(blog, (url) => {
    if (url.pathname === "/posts/2/comments") {
      return Response.json({ ok: false, error: "rate_limited" });
    }
    return undefined;
  });
  const config = blogConfig(api.url, {
    responseActions: [{ content: '"ok":false', action: "raise" }],
  });
  const { p } = await tempPipeline("rest_api_raise");
  await assert.rejects(() => p.run(restApiSource(config)), (error: Error) => {
    assert.ok(error instanceof PipelineStepFailed);
    assert.equal(error.step, "extract");
    assert.match(error.message, /Resource "comments"/);
    assert.ok(error.message.includes(`${api.url}/posts/2/comments`), error.message);
    assert.match(error.message, /rate_limited/);
    return true;
  });
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
});

// ---------------------------------------------------------------------------------------------
// Errors

Deno.test("rest_api: configuration errors are found before any request", async () => {
  await using api = blogApi(sampleBlog());
  const base = blogConfig(api.url);
  const child = (endpoint: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
    ...base,
    resources: ["posts", { name: "comments", endpoint, ...more }],
  });
  const path = "posts/{resources.posts.id}/comments";

  // unknown keys, in camelCase and in snake_case
  assertConfigError(
    () => restApiSource(child({ path }, { primaryKy: "id" })),
    "comments",
    "resources[1].primaryKy",
    /Unknown option/,
  );
  assertConfigError(
    () => restApiSource(child({ path, data_selecter: "data" })),
    "comments",
    "endpoint.data_selecter",
    /Unknown option/,
  );
  // paginators and auth
  assertConfigError(
    () => restApiSource(child({ path, paginator: "fancy" })),
    "comments",
    "endpoint.paginator",
    /Unknown paginator type "fancy"/,
  );
  assertConfigError(
    () => restApiSource(child({ path, paginator: { type: "offset", limit: "100" } })),
    "comments",
    "endpoint.paginator",
    /"limit" must be an integer/,
  );
  assertConfigError(
    () => restApiSource(child({ path, paginator: { type: "json_link", next_url: "next" } })),
    "comments",
    "endpoint.paginator",
    /Unknown option "next_url"/,
  );
  assertConfigError(
    () => restApiSource(child({ path, auth: { type: "kerberos" } })),
    "comments",
    "endpoint.auth",
    /Unknown auth type "kerberos"/,
  );
  assertConfigError(
    () => restApiSource({ ...base, client: { ...base.client, auth: { type: "kerberos" } } }),
    undefined,
    "client.auth",
    /Unknown auth type "kerberos"/,
  );
  // placeholders that cannot be filled
  assertConfigError(
    () => restApiSource(child({ path: "posts/{resources.nope.id}/comments" })),
    "comments",
    "endpoint.path",
    /"nope", which is not in the config/,
  );
  assertConfigError(
    () => restApiSource(child({ path: "posts/{foo}/comments" })),
    "comments",
    "endpoint.path",
    /\{foo\}/,
  );
  assertConfigError(
    () => restApiSource(child({ path, params: { since: "{incremental.start_value}" } })),
    "comments",
    "endpoint.params.since",
    /needs endpoint.incremental/,
  );
  assertConfigError(
    () =>
      restApiSource({
        ...base,
        resources: [{ name: "posts", includeFromParent: ["id"] }],
      }),
    "posts",
    "includeFromParent",
    /no parent/,
  );
  assertConfigError(
    () => restApiSource(child({ path, params: { parent: "{resources.posts}" } })),
    "comments",
    "endpoint.params.parent",
    /is not \{resources.<parent>.<field>\}/,
  );
  assertConfigError(
    () => restApiSource(child({ path, headers: { "x-since": "{incremental.someday}" } })),
    "comments",
    "endpoint.headers.x-since",
    /unknown placeholder \{incremental.someday\}/,
  );
  // incremental options, data selectors, bodies
  const inc = (incremental: Record<string, unknown>) =>
    restApiSource(child({ path, incremental: { cursorPath: "updated_at", ...incremental } }));
  assertConfigError(
    () => inc({ rowOrder: "sideways" }),
    "comments",
    "endpoint.incremental.rowOrder",
    /"sideways" is not one of "asc", "desc"/,
  );
  assertConfigError(
    () => inc({ cursorPath: "a..b" }),
    "comments",
    "endpoint.incremental",
    /cursor path "a..b"/,
  );
  assertConfigError(
    () => inc({ initialValue: 10, endValue: 5 }),
    "comments",
    "endpoint.incremental",
    /comes before initialValue/,
  );
  assertConfigError(
    () => restApiSource(child({ path, dataSelector: "data[x]" })),
    "comments",
    "endpoint.dataSelector",
    /Invalid JSON path/,
  );
  assertConfigError(
    () => restApiSource(child({ path, json: { query: "x" } })),
    "comments",
    "endpoint.json",
    /needs method POST/,
  );
  assertConfigError(
    () =>
      restApiSource(child({ path, responseActions: [{ statusCode: "4o4", action: "ignore" }] })),
    "comments",
    "endpoint.responseActions[0].statusCode",
    /no HTTP status/,
  );
  // the client and the resource list
  assertConfigError(
    () => restApiSource({ ...base, client: { paginator: "json_link" } }),
    undefined,
    "client.baseUrl",
    /is missing/,
  );
  assertConfigError(
    () => restApiSource({ ...base, resources: ["posts", { name: "posts", endpoint: "posts" }] }),
    "posts",
    "name",
    /two resources/,
  );

  assert.deepEqual(api.requests, []);
});

Deno.test("rest_api: a parent item without the placeholder's field fails naming it", async () => {
  await using api = blogApi(sampleBlog());
  const config = blogConfig(api.url, { path: "posts/{resources.posts.author_id}/comments" });
  const { p } = await tempPipeline("rest_api_missing_field");
  await assert.rejects(() => p.run(restApiSource(config)), (error: Error) => {
    assert.ok(error instanceof PipelineStepFailed);
    assert.match(
      error.message,
      /: Resource "comments": the item of parent resource "posts" has no field "author_id"/,
    );
    assert.equal(error.message.split('Resource "comments"').length, 2, error.message);
    return true;
  });
  // found at run time, on the parent's first item: no child request was sent (the parent's
  // next page may have been asked for meanwhile: resources run concurrently, as in dlt)
  assert.equal(api.requests[0], "/posts");
  assert.deepEqual(api.requests.filter((r) => r.includes("comments")), []);
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
});

Deno.test("rest_api: a page failing after retries fails the run and loads nothing of it", async () => {
  const blog = sampleBlog();
  let failing = false;
  await using api = blogApi(blog, (url) => {
    if (failing && url.pathname === "/posts" && url.searchParams.get("page") === "2") {
      return Response.json({ error: "boom" }, { status: 500 });
    }
    return undefined;
  });
  const config = blogConfig(api.url, {}, { retry: { maxAttempts: 2, baseDelayMs: 5 } });
  const { p } = await tempPipeline("rest_api_failing_page");
  await p.run(restApiSource(config));
  const firstPosts = await posts(p);
  const firstComments = await comments(p);
  assert.deepEqual(firstPosts, blog.posts);

  // edits on the first page, whose comments are fetched before page 2 fails
  blog.posts[0].title = "Hello, edited";
  blog.comments.push({ id: 14, post_id: 1, body: "new" });
  failing = true;
  const before = api.requests.length;
  await assert.rejects(() => p.run(restApiSource(config)), (error: Error) => {
    assert.ok(error instanceof PipelineStepFailed);
    assert.match(error.message, /Resource "posts"/);
    assert.match(error.message, /HTTP 500/);
    assert.ok(error.message.includes(`${api.url}/posts?page=2`), error.message);
    return true;
  });
  const tried = api.requests.slice(before);
  assert.equal(tried.filter((r) => r === "/posts?page=2").length, 2); // two attempts
  assert.ok(tried.includes("/posts/1/comments?page=2")); // the run got past page 1

  assert.deepEqual(await posts(p), firstPosts);
  assert.deepEqual(await comments(p), firstComments);
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
});

Deno.test("rest_api: with keepPagesOnError the pages before a failing one are loaded", async () => {
  const blog = sampleBlog();
  await using api = blogApi(blog, (url) => {
    const failing = (url.pathname === "/posts" && url.searchParams.get("page") === "2") ||
      url.pathname === "/posts/2/comments";
    return failing ? Response.json({ error: "boom" }, { status: 500 }) : undefined;
  });
  const config = blogConfig(api.url, {}, { retry: { maxAttempts: 1 } });
  config.resources = config.resources.map((r) =>
    typeof r === "string" ? { name: r, keepPagesOnError: true } : { ...r, keepPagesOnError: true }
  );
  const warnings: string[] = [];
  const stop = onLog((record) => record.level === "WARNING" && warnings.push(record.message));
  const { p } = await tempPipeline("rest_api_keep_pages");
  try {
    await p.run(restApiSource(config));
  } finally {
    stop();
  }
  // page 1 of posts (posts 1 and 2) is loaded, and the comments of post 1 but not of post 2
  assert.deepEqual(await posts(p), blog.posts.slice(0, 2));
  assert.deepEqual(await comments(p), expectedComments(blog, [1]));
  assert.equal(warnings.length, 2);
  assert.ok(
    warnings.every((w) => /HTTP 500/.test(w) && /keepPagesOnError/.test(w)),
    warnings.join("\n"),
  );
});

Deno.test("rest_api: placeholders fill paths (slashes kept), params, headers and incremental values", async () => {
  const seen: { path: string; since: string | null; header: string | null }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const url = new URL(request.url);
    seen.push({
      path: url.pathname,
      since: url.searchParams.get("q"),
      header: request.headers.get("x-last"),
    });
    if (url.pathname === "/repos") {
      return Response.json([{ full_name: "acme/widgets", updated_at: "2024-05-01T00:00:00Z" }]);
    }
    return Response.json([{ id: 1, tag: "v1" }]);
  });
  try {
    const config = {
      client: { baseUrl: `http://127.0.0.1:${server.addr.port}`, paginator: "single_page" },
      resources: [
        {
          name: "repos",
          endpoint: {
            path: "repos",
            params: { q: "updated>{incremental.start_value}" },
            headers: { "x-last": "{incremental.last_value}" },
            incremental: { cursorPath: "updated_at", initialValue: "2024-01-01T00:00:00Z" },
          },
        },
        {
          name: "tags",
          endpoint: {
            path: "repos/{resources.repos.full_name}/tags",
            responseActions: [
              (context: { response: Response }) => void context.response.status,
              { statusCode: "404", action: "ignore" },
            ],
          },
          includeFromParent: ["full_name"],
        },
      ],
    };
    const { p } = await tempPipeline("rest_api_placeholders");
    await p.run(restApiSource(config));
    assert.deepEqual(seen, [
      { path: "/repos", since: "updated>2024-01-01T00:00:00Z", header: "2024-01-01T00:00:00Z" },
      { path: "/repos/acme/widgets/tags", since: null, header: null },
    ]);
    assert.deepEqual(
      await p.dataset().query("SELECT id, tag, _repos_full_name FROM tags"),
      [{ id: 1, tag: "v1", _repos_full_name: "acme/widgets" }],
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("rest_api: a placeholder without a value, or a parent field missing, fails naming it", async () => {
  await using api = blogApi(sampleBlog());
  const { p } = await tempPipeline("rest_api_no_value");
  const noStart = restApiSource({
    client: { baseUrl: api.url },
    resources: [{
      name: "posts",
      endpoint: {
        path: "posts",
        params: { q: "after:{incremental.start_value}" },
        incremental: { cursorPath: "id" },
      },
    }],
  });
  await assert.rejects(
    () => p.run(noStart),
    /\{incremental.start_value\} has no value in this run/,
  );
  assert.deepEqual(api.requests, []);

  const config = blogConfig(api.url);
  (config.resources[1] as { includeFromParent: string[] }).includeFromParent = ["author"];
  await assert.rejects(
    () => p.run(restApiSource(config)),
    /Resource "comments": includeFromParent: the item of parent resource "posts" has no field "author"/,
  );
});

// ---------------------------------------------------------------------------------------------
// Concurrency

Deno.test("rest_api: child requests run at most maxConcurrency at a time", async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  await using api = serve(async (url) => {
    if (url.pathname === "/items") {
      return Response.json(Array.from({ length: 20 }, (_, i) => ({ id: i + 1 })));
    }
    const id = Number(url.pathname.split("/")[2]);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 50));
    inFlight--;
    return Response.json({ id, square: id * id });
  });
  const config = {
    client: { baseUrl: api.url, paginator: "single_page" },
    resourceDefaults: { writeDisposition: "replace" },
    resources: [
      "items",
      // a path ending in a placeholder is one object per request
      { name: "details", endpoint: "items/{resources.items.id}", includeFromParent: ["id"] },
    ],
  };
  const expected = Array.from({ length: 20 }, (_, i) => ({
    id: i + 1,
    square: (i + 1) ** 2,
    _items_id: i + 1,
  }));
  const { p } = await tempPipeline("rest_api_concurrency");
  const details = () => p.dataset().query("SELECT id, square, _items_id FROM details ORDER BY id");

  await p.run(restApiSource(config, { maxConcurrency: 5 }));
  assert.ok(maxInFlight > 1 && maxInFlight <= 5, `max in flight: ${maxInFlight}`);
  assert.deepEqual(await details(), expected);

  maxInFlight = 0;
  await p.run(restApiSource(config, { maxConcurrency: 1 }));
  assert.equal(maxInFlight, 1);
  assert.deepEqual(await details(), expected);
});

// ---------------------------------------------------------------------------------------------
// Recorded API

Deno.test({
  name: "rest_api: PokeAPI list → filtered children → deeply nested detail tables",
  ignore: !hasSharedFixture("pokeapi/pokemon/index.json"),
  async fn() {
    await using api = await pokeapiMock();
    const wanted = [1, 6, 25]; // the dump's detail documents
    const { p } = await tempPipeline("rest_api_pokeapi");
    await p.run(restApiSource({
      client: { baseUrl: `${api.url}/api/v2/` },
      resources: [
        {
          name: "pokemon_list",
          endpoint: {
            path: "pokemon/",
            paginator: { type: "offset", limit: 100, totalPath: "count" },
            maxPages: 1,
          },
          processingSteps: [
            { map: (p) => ({ ...p, id: Number(p.url.match(/\/(\d+)\/$/)[1]) }) },
            { filter: (p) => wanted.includes(p.id) },
          ],
        },
        {
          name: "pokemon_details",
          primaryKey: "id",
          endpoint: "pokemon/{resources.pokemon_list.id}/",
        },
      ],
    }));

    interface Detail {
      id: number;
      name: string;
      abilities: { ability: { name: string } }[];
      moves: { version_group_details: unknown[] }[];
    }
    const docs = await Promise.all(
      wanted.map((id) => readSharedFixture<Detail>(`pokeapi/pokemon/${id}/index.json`)),
    );
    assert.deepEqual(
      await p.dataset().query("SELECT id, name FROM pokemon_list ORDER BY id"),
      docs.map(({ id, name }) => ({ id, name })),
    );
    assert.deepEqual(
      await p.dataset().query("SELECT id, name FROM pokemon_details ORDER BY id"),
      docs.map(({ id, name }) => ({ id, name })),
    );
    assert.deepEqual(
      await p.dataset().query(
        `SELECT d.name, a.ability__name AS ability FROM pokemon_details d
         JOIN pokemon_details__abilities a ON a._dlt_parent_id = d._dlt_id
         ORDER BY d.id, a._dlt_list_idx`,
      ),
      docs.flatMap((d) => d.abilities.map((a) => ({ name: d.name, ability: a.ability.name }))),
    );
    const [{ n }] = await p.dataset().query<{ n: number }>(
      "SELECT count(*)::INTEGER AS n FROM pokemon_details__moves__version_group_details",
    );
    assert.equal(
      n,
      docs.flatMap((d) => d.moves.flatMap((m) => m.version_group_details)).length,
    );
    // the list first, then the details, requested concurrently (in any order)
    const [list, ...details] = api.requests.map((r) => r.path);
    assert.equal(list, "/api/v2/pokemon/?offset=0&limit=100");
    assert.deepEqual(details.sort(), wanted.map((id) => `/api/v2/pokemon/${id}/`).sort());
  },
});
