/**
 * GitHub: a repository's events, issues and issue comments, built on the
 * {@linkcode restApiSource}. Importable by URL; it needs nothing but this package.
 *
 * - `events`: the repository's public events, newest first. The `created_at` cursor with
 *   `rowOrder: "desc"` stops paging at the first event loaded before, so a run fetches only
 *   the new pages. (GitHub keeps the last 300 events or 90 days.)
 * - `issues`: all issues and pull requests, merged on `id`; only those updated since the last
 *   run are requested (`since=<updated_at cursor>`).
 * - `comments`: the comments of every issue fetched, merged on `id`, with the issue's number in
 *   `_issues_number`.
 *
 * The repository comes from the options or from config (`sources.github.repository`,
 * `SOURCES__GITHUB__REPOSITORY`), the token likewise (`sources.github.token` in
 * `.dlt/secrets.toml`, `SOURCES__GITHUB__TOKEN`). Without a token GitHub's anonymous rate
 * limit (60 requests an hour) applies.
 *
 * @example
 * ```ts ignore
 * import { pipeline } from "@denodlt/dlt";
 * import { githubSource } from "@denodlt/dlt/sources/github";
 *
 * const p = pipeline({ pipelineName: "github", destination: "duckdb" });
 * console.log((await p.run(githubSource({ repository: "denoland/deno" }))).toString());
 * ```
 *
 * @module
 */
import { config, resolveConfigSpec, secret } from "../lib/config.ts";
import { RestApiConfigError, restApiSource } from "./rest_api.ts";
import type { RESTClientOptions } from "../lib/http/mod.ts";
import type { DltSource } from "../lib/source.ts";

/** Options of {@linkcode githubSource}. */
export interface GithubSourceOptions {
  /** `owner/name`. @default {config `sources.github.repository`} */
  repository?: string;
  /** Access token. @default {secret `sources.github.token`, else none} */
  token?: string;
  /** The API's base URL (GitHub Enterprise, or a local replay). @default {"https://api.github.com"} */
  baseUrl?: string;
  /** Items per page (GitHub allows up to 100). @default {100} */
  perPage?: number;
  /** Issues updated before this are not loaded by the first run. @default {"1970-01-01T00:00:00Z"} */
  issuesSince?: string;
  /** Comment requests (one per issue) run at once. @default {5} */
  maxConcurrency?: number;
  /** Source name, also the dataset's schema name. @default {"github"} */
  name?: string;
  /** Client settings: retries, timeout, a custom `fetch`. */
  client?: Pick<RESTClientOptions, "retry" | "timeoutMs" | "fetch">;
}

/**
 * The GitHub source of one repository, with the resources `events`, `issues` and `comments`.
 * Config and secrets are resolved here, so a missing repository fails at once, listing every
 * key and environment variable tried.
 */
export function githubSource(options: GithubSourceOptions = {}): DltSource {
  const { repository, token } = resolveConfigSpec({
    repository: config(),
    token: secret<string | undefined>({ default: undefined }),
  }, { sections: ["sources", "github"], explicit: options });
  const match = /^([\w.-]+)\/([\w.-]+)$/.exec(repository);
  if (match === null) {
    throw new RestApiConfigError(undefined, "repository", `"${repository}" is not "owner/name"`);
  }
  const repo = `repos/${match[1]}/${match[2]}`;
  const perPage = options.perPage ?? 100;
  return restApiSource({
    client: {
      baseUrl: options.baseUrl ?? "https://api.github.com",
      headers: { accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" },
      ...(token ? { auth: { type: "bearer", token } } : {}),
      paginator: "header_link",
      ...options.client,
    },
    resources: [
      {
        name: "events",
        primaryKey: "id",
        endpoint: {
          path: `${repo}/events`,
          params: { per_page: perPage },
          incremental: { cursorPath: "created_at", rowOrder: "desc" },
        },
      },
      {
        name: "issues",
        primaryKey: "id",
        writeDisposition: "merge",
        endpoint: {
          path: `${repo}/issues`,
          params: { state: "all", sort: "updated", direction: "asc", per_page: perPage },
          incremental: {
            cursorPath: "updated_at",
            startParam: "since",
            initialValue: options.issuesSince ?? "1970-01-01T00:00:00Z",
          },
        },
      },
      {
        name: "comments",
        primaryKey: "id",
        writeDisposition: "merge",
        includeFromParent: ["number"],
        endpoint: {
          path: `${repo}/issues/{resources.issues.number}/comments`,
          params: { per_page: perPage },
          // an issue deleted or transferred since it was listed has no comments to fetch
          responseActions: [{ statusCode: 404, action: "ignore" }, {
            statusCode: 410,
            action: "ignore",
          }],
        },
      },
    ],
  }, { name: options.name ?? "github", maxConcurrency: options.maxConcurrency });
}
