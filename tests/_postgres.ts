/**
 * The PostgreSQL server of the tests: its URL comes from `DLT_TEST_POSTGRES_URL` (start one with
 * `tests/_scripts/postgres_server.sh start DIR`). Without it, Postgres tests are ignored, and
 * said so once; under `CI=true` its absence fails them instead.
 */
import { pg } from "../lib/deps/pg.ts";
import {
  readPostgresCredentials,
  resolvePostgresCredentials,
} from "../destinations/postgres/_credentials.ts";
import type { PostgresCredentials } from "../destinations/postgres/_credentials.ts";
import { isolatedTest } from "./_isolated.ts";

/** The URL of the test server's database, when there is one. */
export const POSTGRES_URL: string | undefined = Deno.env.get("DLT_TEST_POSTGRES_URL") || undefined;

const MISSING = "DLT_TEST_POSTGRES_URL is not set: start a server with " +
  '`tests/_scripts/postgres_server.sh start DIR` and export the URL it prints (the README\'s "Tests")';

let warned = false;

/** What a Postgres test gets: a schema name of its own, dropped when the test ends. */
export interface PostgresTestContext {
  /** The server's URL (with the test user's password). */
  url: string;
  /** The credentials of {@linkcode PostgresTestContext.url}. */
  credentials: PostgresCredentials;
  /** A dataset (schema) name no other test uses; it and its `_staging` schema are dropped after. */
  dataset: string;
  /** The Deno test context. */
  t: Deno.TestContext;
}

/** Options of {@linkcode postgresTest}. */
export interface PostgresTestOptions {
  /**
   * The `import.meta.url` of a test that sets environment variables: it runs in a child process
   * of its own (see `_isolated.ts`).
   */
  isolatedIn?: string;
}

/**
 * Registers a test that needs the Postgres server: run when `DLT_TEST_POSTGRES_URL` is set,
 * failing under `CI=true` when it is not, ignored (visibly) otherwise.
 */
export function postgresTest(
  name: string,
  fn: (context: PostgresTestContext) => Promise<void>,
  options: PostgresTestOptions = {},
): void {
  if (POSTGRES_URL === undefined) {
    if (Deno.env.get("CI") === "true") {
      Deno.test(name, () => {
        throw new Error(`${MISSING}; CI runs the Postgres tests`);
      });
      return;
    }
    if (!warned) {
      warned = true;
      console.warn(`Postgres tests are ignored: ${MISSING}`);
    }
    Deno.test({ name, ignore: true, fn: () => {} });
    return;
  }
  const url = POSTGRES_URL;
  const { isolatedIn } = options;
  const register = isolatedIn === undefined
    ? Deno.test
    : (name: string, fn: (t: Deno.TestContext) => Promise<void>) =>
      isolatedTest(isolatedIn, name, fn);
  register(name, async (t) => {
    const dataset = `dlt_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    const credentials = resolvePostgresCredentials(
      readPostgresCredentials(url, "DLT_TEST_POSTGRES_URL"),
      { env: () => undefined, configDirs: [] },
    );
    try {
      await fn({ url, credentials, dataset, t });
    } finally {
      await adminQuery(
        `DROP SCHEMA IF EXISTS "${dataset}" CASCADE; DROP SCHEMA IF EXISTS "${dataset}_staging" CASCADE`,
      );
    }
  });
}

/**
 * Runs `sql` on the test server with a plain `pg` client (an independent reader: values come back
 * as the server's text) and returns the rows of the last statement.
 */
export async function adminQuery(
  sql: string,
  params?: unknown[],
): Promise<Record<string, string | null>[]> {
  const client = new pg.Client({
    connectionString: POSTGRES_URL,
    types: { getTypeParser: () => (text: string) => text },
  });
  await client.connect();
  try {
    const result = await client.query(sql, params);
    return (Array.isArray(result) ? result.at(-1) : result).rows;
  } finally {
    await client.end();
  }
}
