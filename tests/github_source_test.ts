/**
 * The GitHub source and the leaderboard example, against local servers: recorded events paged
 * newest first (the run stops at the last loaded event), recorded issues merged by `since`,
 * comments as a child resource, and config/secrets.
 */
import assert from "node:assert/strict";
import { MissingConfigError } from "../mod.ts";
import { githubSource } from "../sources/github.ts";
import { githubPage, replayGithubEvents, runLeaderboard } from "../examples/github_leaderboard.ts";
import { hasSharedFixture, readSharedFixture, tempDir, tempPipeline } from "./_helpers.ts";
import { adminQuery, POSTGRES_URL, postgresTest } from "./_postgres.ts";
import { isolatedTest } from "./_isolated.ts";

const EVENTS = "dlt-cases/github.events.load_page_1_duck.json";
const ISSUES = "dlt-cases/github.issues.load_page_5_duck.json";

interface Event {
  id: string;
  created_at: string;
  actor: { login: string };
  repo: { name: string };
}

Deno.test({
  name: "leaderboard: events load incrementally, newest first, and the leaderboard is rebuilt",
  ignore: !hasSharedFixture(EVENTS),
  fn: async () => {
    const events = await readSharedFixture<Event[]>(EVENTS);
    const dir = await tempDir("leaderboard");
    await using replay = replayGithubEvents(events);
    const run = () =>
      runLeaderboard({
        repository: replay.repository,
        baseUrl: replay.baseUrl,
        dir,
        perPage: 30,
      });

    const first = await run();
    assert.equal(replay.requests.length, 4); // 100 events, 30 a page
    const p = first.pipeline;
    const [{ n }] = await p.dataset().query<{ n: number }>(
      "SELECT count(DISTINCT id)::INTEGER AS n FROM events",
    );
    assert.equal(n, 100);
    const [{ total }] = await p.dataset().query<{ total: number }>(
      "SELECT sum(events)::INTEGER AS total FROM daily_leaderboard",
    );
    assert.equal(total, 100);

    // nothing new: one request, and the run stops at the first (already loaded) event
    const second = await run();
    assert.equal(replay.requests.length, 5);
    assert.equal(second.info.loadPackages.length, 0);

    // new events arrive: only the first page is read, only they are loaded
    const newest = events[0];
    for (let i = 1; i <= 3; i++) {
      events.push({
        ...newest,
        id: `new-${i}`,
        actor: { ...newest.actor, login: "newcomer" },
        created_at: `2023-04-09T0${i}:00:00Z`,
      });
    }
    const third = await run();
    assert.equal(replay.requests.length, 6);
    const rows = await p.dataset().query<{ n: number }>(
      "SELECT count(*)::INTEGER AS n FROM events",
    );
    assert.equal(rows[0].n, 103);
    assert.deepEqual(
      third.top.filter((r) => r.actor === "newcomer"),
      [{ event_date: "2023-04-09", actor: "newcomer", events: 3 }],
    );
  },
});

/** The leaderboard's dataset in Postgres (the example names it). */
const DROP_LEADERBOARD =
  "DROP SCHEMA IF EXISTS github_data CASCADE; DROP SCHEMA IF EXISTS github_data_staging CASCADE";

if (hasSharedFixture(EVENTS)) {
  postgresTest(
    "leaderboard: the same example into Postgres, only the destination name changed",
    async () => {
      const events = await readSharedFixture<Event[]>(EVENTS);
      const dir = await tempDir("leaderboard_pg");
      await using replay = replayGithubEvents(events);
      await adminQuery(DROP_LEADERBOARD);
      Deno.env.set("DESTINATION__POSTGRES__CREDENTIALS", POSTGRES_URL!);
      try {
        const run = () =>
          runLeaderboard({
            repository: replay.repository,
            baseUrl: replay.baseUrl,
            dir,
            perPage: 30,
            destination: "postgres",
          });
        const first = await run();
        const second = await run();
        assert.equal(second.info.loadPackages.length, 0);
        const data = first.pipeline.dataset();
        const [{ n, ids }] = await data.query<{ n: number; ids: number }>(
          "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM events",
        );
        assert.deepEqual([Number(n), Number(ids)], [100, 100]);
        const [{ total }] = await data.query<{ total: number }>(
          "SELECT sum(events) AS total FROM daily_leaderboard",
        );
        assert.equal(Number(total), 100);
        assert.ok(second.top.length > 0);
        assert.match(String(second.top[0].event_date), /^\d{4}-\d{2}-\d{2}$/);
      } finally {
        Deno.env.delete("DESTINATION__POSTGRES__CREDENTIALS");
        await adminQuery(DROP_LEADERBOARD);
      }
    },
    { isolatedIn: import.meta.url },
  );
}

interface Issue {
  id: number;
  number: number;
  title: string;
  updated_at: string;
  comments: number;
}

/** GitHub's issues (`since`, `per_page`, `Link`) and issue comments, served from `issues`. */
function githubIssuesApi(issues: Issue[], repository: string) {
  const requests: URL[] = [];
  const commentsOf = (issue: Issue) =>
    Array.from({ length: issue.comments }, (_, i) => ({
      id: issue.number * 1000 + i,
      body: `comment ${i} on ${issue.title}`,
      updated_at: issue.updated_at,
    }));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const url = new URL(request.url);
    requests.push(url);
    const comments = new RegExp(`^/repos/${repository}/issues/(\\d+)/comments$`).exec(
      url.pathname,
    );
    if (comments !== null) {
      const issue = issues.find((i) => i.number === Number(comments[1]));
      return issue === undefined
        ? Response.json({ message: "Not Found" }, { status: 404 })
        : Response.json(commentsOf(issue));
    }
    if (url.pathname !== `/repos/${repository}/issues`) {
      return Response.json({ message: "Not Found" }, { status: 404 });
    }
    const since = url.searchParams.get("since") ?? "";
    return githubPage(
      url,
      issues.filter((i) => i.updated_at >= since)
        .toSorted((a, b) => a.updated_at.localeCompare(b.updated_at)),
    );
  });
  return {
    baseUrl: `http://127.0.0.1:${server.addr.port}`,
    requests,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test({
  name: "github source: issues merge by `since`, comments follow their issues",
  ignore: !hasSharedFixture(ISSUES),
  fn: async () => {
    const issues = (await readSharedFixture<Issue[]>(ISSUES)).map((i) => ({
      ...i,
      comments: Math.min(i.comments, 3),
    }));
    await using api = githubIssuesApi(issues, "acme/widgets");
    const { p } = await tempPipeline("github_issues");
    const github = () =>
      githubSource({ repository: "acme/widgets", baseUrl: api.baseUrl, perPage: 40 })
        .withResources("issues", "comments");

    await p.run(github());
    const issueRequests = () => api.requests.filter((u) => u.pathname.endsWith("/issues"));
    assert.equal(issueRequests().length, 3);
    assert.equal(issueRequests()[0].searchParams.get("since"), "1970-01-01T00:00:00Z");
    const count = async (sql: string) =>
      (await p.dataset().query<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${sql}`))[0].n;
    assert.equal(await count("issues"), 100);
    const expectedComments = issues.reduce((sum, i) => sum + i.comments, 0);
    assert.equal(await count("comments"), expectedComments);
    const joined = await p.dataset().query<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM comments c JOIN issues i ON c._issues_number = i.number
       WHERE c.body LIKE '%' || i.title`,
    );
    assert.equal(joined[0].n, expectedComments);

    // one issue is edited: the next run asks only for what changed since the last run
    const latest = issues.map((i) => i.updated_at).sort().at(-1)!;
    const edited = issues.find((i) => i.comments > 0)!;
    edited.title = "edited title";
    edited.updated_at = "2030-01-01T00:00:00Z";
    const before = api.requests.length;
    await p.run(github());
    const asked = api.requests.slice(before);
    assert.equal(asked[0].searchParams.get("since"), latest);
    assert.equal(await count("issues"), 100);
    assert.deepEqual(
      await p.dataset().query(`SELECT title FROM issues WHERE id = ${edited.id}`),
      [{ title: "edited title" }],
    );
    assert.equal(await count("comments"), expectedComments);
    assert.equal(
      await count(`comments WHERE body LIKE '%edited title'`),
      edited.comments,
    );
  },
});

isolatedTest(
  import.meta.url,
  "github source: repository and token come from config; the token never shows",
  async () => {
    const env = { SOURCES__GITHUB__REPOSITORY: undefined, SOURCES__GITHUB__TOKEN: undefined };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, Deno.env.get(k)]));
    try {
      for (const k of Object.keys(env)) Deno.env.delete(k);
      let missing: unknown;
      try {
        githubSource();
      } catch (error) {
        missing = error;
      }
      assert.ok(missing instanceof MissingConfigError);
      assert.match(String(missing), /repository/);
      assert.match(String(missing), /SOURCES__GITHUB__REPOSITORY/);

      const token = "ghp_test_token_0123456789";
      Deno.env.set("SOURCES__GITHUB__REPOSITORY", "acme/widgets");
      Deno.env.set("SOURCES__GITHUB__TOKEN", token);
      const seen: string[] = [];
      const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
        seen.push(request.headers.get("authorization") ?? "");
        return Response.json({ message: `Bad credentials ${token}` }, { status: 401 });
      });
      try {
        const { p } = await tempPipeline("github_token");
        const source = githubSource({ baseUrl: `http://127.0.0.1:${server.addr.port}` })
          .withResources("events");
        const error = await p.run(source).then(() => undefined, (e: Error) => e);
        assert.ok(error instanceof Error);
        assert.deepEqual(seen, [`Bearer ${token}`]);
        assert.match(error.message, /401/);
        assert.match(error.message, /events/);
        assert.ok(!error.message.includes(token), error.message);
      } finally {
        await server.shutdown();
      }
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
      }
    }
  },
);

Deno.test("the sources import nothing through the import map, so they load by URL", async () => {
  for (const file of ["../sources/github.ts", "../sources/rest_api.ts"]) {
    // without the project's config a bare specifier does not resolve, as for a URL import
    const { stdout, success } = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--no-config", new URL(file, import.meta.url).pathname],
      stdout: "piped",
      stderr: "null",
    }).output();
    assert.ok(success, `deno info ${file}`);
    const graph = JSON.parse(new TextDecoder().decode(stdout)) as {
      modules: {
        specifier: string;
        dependencies?: { specifier: string; code?: { error?: string } }[];
      }[];
    };
    const unresolved = graph.modules.flatMap((m) =>
      (m.dependencies ?? []).filter((d) => d.code?.error !== undefined)
        .map((d) => `${m.specifier}: ${d.specifier}`)
    );
    assert.deepEqual(unresolved, []);
    assert.ok(graph.modules.some((m) => m.specifier.endsWith("/lib/config.ts")));
  }
});

isolatedTest(
  import.meta.url,
  "github source: config under the active pipeline's name wins, as in dlt",
  async () => {
    const names = ["GH_ACTIVE__SOURCES__GITHUB__REPOSITORY", "SOURCES__GITHUB__REPOSITORY"];
    const saved = names.map((name) => Deno.env.get(name));
    const paths: string[] = [];
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
      paths.push(new URL(request.url).pathname);
      return Response.json([]);
    });
    try {
      Deno.env.set("SOURCES__GITHUB__REPOSITORY", "acme/plain");
      Deno.env.set("GH_ACTIVE__SOURCES__GITHUB__REPOSITORY", "acme/prefixed");
      const { p } = await tempPipeline("gh_active"); // the pipeline made last is the active one
      const source = githubSource({ baseUrl: `http://127.0.0.1:${server.addr.port}` })
        .withResources("events");
      await p.run(source);
      assert.deepEqual(paths, ["/repos/acme/prefixed/events"]);
    } finally {
      await server.shutdown();
      names.forEach((name, i) =>
        saved[i] === undefined ? Deno.env.delete(name) : Deno.env.set(name, saved[i]!)
      );
    }
  },
);
