/**
 * The Postgres-to-DuckDB example against the test server: a table with a primary key and the
 * cursor is merged incrementally, one without a key appended whole.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPostgresToDuckdb } from "../examples/postgres_to_duckdb.ts";
import { adminQuery, postgresTest } from "./_postgres.ts";
import { tempDir } from "./_helpers.ts";

postgresTest(
  "postgres_to_duckdb: a rerun merges only the changed rows",
  async ({ url, dataset }) => {
    const src = `${dataset}_src`;
    await adminQuery(
      `CREATE SCHEMA "${src}";
     CREATE TABLE "${src}".customers (id int PRIMARY KEY, name text, updated_at timestamptz NOT NULL);
     INSERT INTO "${src}".customers SELECT i, 'c' || i, '2024-01-01Z'::timestamptz + i * INTERVAL '1 hour'
       FROM generate_series(1, 100) i;
     CREATE TABLE "${src}".notes (body text);
     INSERT INTO "${src}".notes VALUES ('hello');`,
    );
    try {
      const dir = await tempDir("pg_to_duckdb");
      const options = {
        credentials: url,
        schema: src,
        duckdbPath: join(dir, "copy.duckdb"),
        pipelinesDir: join(dir, "pipelines"),
      };
      assert.deepEqual((await runPostgresToDuckdb(options)).rowCounts, {
        customers: 100,
        notes: 1,
      });
      await adminQuery(
        `UPDATE "${src}".customers SET name = 'renamed', updated_at = now() WHERE id <= 3;
       INSERT INTO "${src}".customers VALUES (101, 'new', now());`,
      );
      assert.deepEqual((await runPostgresToDuckdb(options)).rowCounts, { customers: 4, notes: 1 });
    } finally {
      await adminQuery(`DROP SCHEMA IF EXISTS "${src}" CASCADE`);
    }
  },
);
