/**
 * The GitHub leaderboard: a repository's events go into DuckDB incrementally (`created_at`
 * cursor; each run fetches only pages with new events), then a `daily_leaderboard` table
 * (actor, event_date, events) is rebuilt from all events loaded so far.
 *
 *     deno run -A examples/github_leaderboard.ts --repo denoland/deno   # real GitHub
 *     deno run -A examples/github_leaderboard.ts --fixtures             # recorded events, offline
 *
 * With real GitHub a token is optional (`SOURCES__GITHUB__TOKEN`, or `sources.github.token` in
 * `.dlt/secrets.toml`). `--fixtures` replays 100 real recorded events (`../shared/fixtures/`
 * beside the project) through a local server that pages them as GitHub does. `--dir <folder>`
 * puts the database and the pipeline's working folder there (default: the working directory
 * and `~/.dlt/pipelines/`).
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pipeline, resource } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { githubSource } from "../sources/github.ts";

/** The recorded events that `--fixtures` replays. */
export const RECORDED_EVENTS = new URL(
  "../../shared/fixtures/dlt-cases/github.events.load_page_1_duck.json",
  import.meta.url,
);

interface RecordedEvent {
  created_at: string;
  repo: { name: string };
}

/**
 * The page of `items` that `url` asks for as GitHub pages lists: `per_page` items (default
 * 30) of page `page` (from 1), with a `Link` header to the next page when there is one.
 */
export function githubPage(url: URL, items: readonly unknown[]): Response {
  const perPage = Number(url.searchParams.get("per_page") ?? 30);
  const page = Number(url.searchParams.get("page") ?? 1);
  const headers = new Headers();
  if (page * perPage < items.length) {
    const next = new URL(url);
    next.searchParams.set("page", String(page + 1));
    headers.set("link", `<${next}>; rel="next"`);
  }
  return Response.json(items.slice((page - 1) * perPage, page * perPage), { headers });
}

/**
 * Serves `events` as GitHub's `GET /repos/<owner>/<name>/events` does: newest first, `per_page`
 * at a time, with a `Link` header to the next page (events added to the list later are served
 * too). Returns the base URL, the repository and the requests seen.
 */
export function replayGithubEvents(events: RecordedEvent[]) {
  const repository = events[0].repo.name;
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const url = new URL(request.url);
    requests.push(url.pathname + url.search);
    if (url.pathname !== `/repos/${repository}/events`) {
      return Response.json({ message: "Not Found" }, { status: 404 });
    }
    return githubPage(
      url,
      events.toSorted((a, b) => b.created_at.localeCompare(a.created_at)),
    );
  });
  return {
    baseUrl: `http://127.0.0.1:${server.addr.port}`,
    repository,
    requests,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/**
 * Loads the events of `repository` and rebuilds the leaderboard; returns the load and its top.
 * The SQL is portable: `destination` may name any SQL destination (`"postgres"` takes its
 * credentials from config).
 */
export async function runLeaderboard(options: {
  repository?: string;
  baseUrl?: string;
  dir?: string;
  perPage?: number;
  destination?: "duckdb" | "postgres";
}) {
  const p = pipeline({
    pipelineName: "github_leaderboard",
    destination: options.destination ??
      (options.dir === undefined
        ? "duckdb"
        : duckdb({ path: join(options.dir, "github_leaderboard.duckdb") })),
    datasetName: "github_data",
    ...(options.dir === undefined ? {} : { pipelinesDir: join(options.dir, "pipelines") }),
  });
  const events = githubSource({
    repository: options.repository,
    baseUrl: options.baseUrl,
    perPage: options.perPage,
  }).withResources("events");
  const info = await p.run(events);

  const leaderboard = await p.dataset().query<
    { actor: string; event_date: Date; events: number }
  >(`
    SELECT actor__login AS actor, date_trunc('day', created_at) AS event_date,
           count(*)::INTEGER AS events
    FROM events GROUP BY 1, 2 ORDER BY event_date, events DESC, actor`);
  await p.run(
    resource(leaderboard, {
      name: "daily_leaderboard",
      writeDisposition: "replace",
      primaryKey: ["actor", "event_date"],
      columns: { event_date: { dataType: "date" } },
    }),
  );
  const top = await p.dataset().query(
    `SELECT CAST(event_date AS VARCHAR) AS event_date, actor, events FROM daily_leaderboard
     ORDER BY event_date DESC, events DESC, actor LIMIT 10`,
  );
  return { pipeline: p, info, top };
}

function report({ info, top }: Awaited<ReturnType<typeof runLeaderboard>>): void {
  console.log(info.toString());
  console.log("\nTop of the daily leaderboard:");
  console.table(top);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      repo: { type: "string" },
      fixtures: { type: "boolean", default: false },
      dir: { type: "string" },
    },
  });
  if (values.fixtures) {
    let events: RecordedEvent[];
    try {
      events = JSON.parse(await Deno.readTextFile(RECORDED_EVENTS));
    } catch (error) {
      console.error(`--fixtures needs ${RECORDED_EVENTS.pathname}: ${(error as Error).message}`);
      Deno.exit(1);
    }
    await using replay = replayGithubEvents(events);
    report(
      await runLeaderboard({
        repository: replay.repository,
        baseUrl: replay.baseUrl,
        dir: values.dir,
        perPage: 30,
      }),
    );
    console.log(`(replayed: ${replay.requests.length} requests to the local GitHub replay)`);
  } else {
    report(await runLeaderboard({ repository: values.repo, dir: values.dir }));
  }
}
