/**
 * End to end into a real PostgreSQL server, the destination named only by `"postgres"` and its
 * credentials taken from `DESTINATION__POSTGRES__CREDENTIALS`: nested data with child tables,
 * every write disposition and merge strategy run twice, state restored from the database into an
 * empty working folder, data read back through `dataset()`, and bad input: values the server
 * refuses, a dataset name Postgres would cut, a connection killed mid-load.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type DltResource, type Pipeline, pipeline, resource } from "../mod.ts";
import { DltError, PendingPackageFailed, PipelineStepFailed } from "../lib/errors.ts";
import { pg } from "../lib/deps/pg.ts";
import { adminQuery, POSTGRES_URL, postgresTest } from "./_postgres.ts";
import { tempDir } from "./_helpers.ts";

const CREDENTIALS_VARIABLE = "DESTINATION__POSTGRES__CREDENTIALS";

/** Runs `fn` with the test server's URL in `DESTINATION__POSTGRES__CREDENTIALS`. */
async function withConfiguredServer(fn: () => Promise<void>): Promise<void> {
  Deno.env.set(CREDENTIALS_VARIABLE, POSTGRES_URL!);
  try {
    await fn();
  } finally {
    Deno.env.delete(CREDENTIALS_VARIABLE);
  }
}

/** A pipeline loading into `dataset` of the server named by config, working in `dir`. */
function postgresPipeline(name: string, dataset: string, dir: string): Pipeline {
  return pipeline({
    pipelineName: name,
    destination: "postgres",
    datasetName: dataset,
    pipelinesDir: join(dir, "pipelines"),
  });
}

/** GitHub-like events: nested objects, lists (child tables), timestamps, counting its runs. */
function events(run: number): DltResource {
  return resource(function* ({ state }) {
    state.runs = ((state.runs as number | undefined) ?? 0) + 1;
    for (let id = 1; id <= 3; id++) {
      yield {
        id,
        type: run === 1 ? "PushEvent" : "IssuesEvent",
        created_at: `2024-05-0${id}T10:00:00+02:00`,
        actor: { login: `user${id}`, site_admin: id === 1 },
        payload: { commits: Array.from({ length: id }, (_, i) => ({ sha: `${run}-${id}-${i}` })) },
        labels: ["bug", `run-${run}`],
        score: 1.5 * id,
        raw: new Uint8Array([id, 0, 255]),
      };
    }
  }, { name: "events", primaryKey: "id", writeDisposition: "merge" });
}

/** Rows of `sql`, read through the pipeline's dataset. */
function rows(p: Pipeline, sql: string, params?: unknown[]) {
  return p.dataset().query(sql, params);
}

postgresTest(
  "loads nested data, merges twice without duplicates, restores state",
  ({ dataset }) =>
    withConfiguredServer(async () => {
      const dir = await tempDir("pg_e2e");
      const p = postgresPipeline("pg_events", dataset, dir);
      const first = await p.run(events(1));
      assert.equal(first.destinationName, "postgres");
      assert.deepEqual(first.rowCounts, {
        events: 3,
        events__payload__commits: 6,
        events__labels: 6,
      });
      await p.run(events(2));

      // merged by primary key: three events, the second run's, with their own child rows only
      assert.deepEqual(
        await rows(p, "SELECT id, type, actor__login, score FROM events ORDER BY id"),
        [1, 2, 3].map((id) => ({
          id,
          type: "IssuesEvent",
          actor__login: `user${id}`,
          score: 1.5 * id,
        })),
      );
      assert.equal(await p.dataset().table("events__payload__commits").count(), 6);
      assert.deepEqual(
        await rows(
          p,
          "SELECT c.sha FROM events__payload__commits c JOIN events e ON c._dlt_parent_id = e._dlt_id WHERE e.id = ? ORDER BY c._dlt_list_idx",
          [3],
        ),
        [{ sha: "2-3-0" }, { sha: "2-3-1" }, { sha: "2-3-2" }],
      );
      const orphans = await rows(
        p,
        "SELECT count(*) AS n FROM events__labels l LEFT JOIN events e ON l._dlt_parent_id = e._dlt_id WHERE e._dlt_id IS NULL",
      );
      assert.deepEqual(orphans, [{ n: 0 }]);
      const [event] = await rows(p, "SELECT * FROM events WHERE id = ?", [1]);
      assert.deepEqual(event.created_at, new Date("2024-05-01T08:00:00Z"));
      assert.deepEqual(event.raw, new Uint8Array([1, 0, 255]));
      assert.equal(event.actor__site_admin, true);

      // dlt's types, as Postgres reports them
      const types = await adminQuery(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'events' ORDER BY column_name`,
        [dataset],
      );
      assert.deepEqual(Object.fromEntries(types.map((t) => [t.column_name, t.data_type])), {
        _dlt_id: "character varying",
        _dlt_load_id: "character varying",
        actor__login: "character varying",
        actor__site_admin: "boolean",
        created_at: "timestamp with time zone",
        id: "bigint",
        raw: "bytea",
        score: "double precision",
        type: "character varying",
      });
      // the same table set as DuckDB's, system tables included
      const tables = await adminQuery(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
        [dataset],
      );
      assert.deepEqual(tables.map((t) => t.table_name), [
        "_dlt_load_jobs",
        "_dlt_loads",
        "_dlt_pipeline_state",
        "_dlt_version",
        "events",
        "events__labels",
        "events__payload__commits",
      ]);
      // merge staged its rows in <dataset>_staging, and left no table there
      assert.deepEqual(
        await adminQuery(
          "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1",
          [`${dataset}_staging`],
        ),
        [{ n: "0" }],
      );

      // an empty working folder takes the state back from the database
      const fresh = postgresPipeline("pg_events", dataset, await tempDir("pg_e2e_fresh"));
      await fresh.run(events(3));
      assert.deepEqual(fresh.state.sources, { pg_events: { resources: { events: { runs: 3 } } } });
      assert.equal(await fresh.dataset().table("events").count(), 3);
      assert.deepEqual(await rows(fresh, "SELECT count(*) AS n FROM _dlt_loads"), [{ n: 3 }]);
    }),
  { isolatedIn: import.meta.url },
);

/** Two rows with ids 1 and 2 and value `value`, a child list each, written by `disposition`. */
function keyed(name: string, value: number, writeDisposition: unknown): DltResource {
  return resource(function* () {
    for (const id of [1, 2]) yield { id, value, items: [value, value + 1] };
    // an id only the first run has
    if (value === 1) yield { id: 3, value, items: [] };
  }, { name, primaryKey: "id", writeDisposition: writeDisposition as "merge" });
}

postgresTest(
  "every write disposition and merge strategy, run twice",
  ({ dataset }) =>
    withConfiguredServer(async () => {
      const p = postgresPipeline("pg_dispositions", dataset, await tempDir("pg_dispositions"));
      const cases: [string, unknown][] = [
        ["appended", "append"],
        ["replaced", "replace"],
        ["delete_insert", { disposition: "merge", strategy: "delete-insert" }],
        ["upserted", { disposition: "merge", strategy: "upsert" }],
        ["insert_only", { disposition: "merge", strategy: "insert-only" }],
        ["versioned", { disposition: "merge", strategy: "scd2" }],
      ];
      for (const value of [1, 2]) {
        await p.run(cases.map(([name, disposition]) => keyed(name, value, disposition)));
      }
      const valuesOf = async (table: string) =>
        (await rows(p, `SELECT id, value FROM ${table} ORDER BY id, value`)).map((r) =>
          `${r.id}:${r.value}`
        );
      assert.deepEqual(await valuesOf("appended"), ["1:1", "1:2", "2:1", "2:2", "3:1"]);
      assert.deepEqual(await valuesOf("replaced"), ["1:2", "2:2"]);
      assert.deepEqual(await valuesOf("delete_insert"), ["1:2", "2:2", "3:1"]);
      assert.deepEqual(await valuesOf("upserted"), ["1:2", "2:2", "3:1"]);
      assert.deepEqual(await valuesOf("insert_only"), ["1:1", "2:1", "3:1"]);
      // scd2: the first versions retired, id 3 (gone from the second extract) retired too
      assert.deepEqual(
        await rows(
          p,
          "SELECT id, value, _dlt_valid_to IS NULL AS current FROM versioned ORDER BY id, value",
        ),
        [
          { id: 1, value: 1, current: false },
          { id: 1, value: 2, current: true },
          { id: 2, value: 1, current: false },
          { id: 2, value: 2, current: true },
          { id: 3, value: 1, current: false },
        ],
      );
      // child rows follow their parents: ids 1 and 2 have two each, id 3 none; no orphans
      const children = {
        appended: 8,
        replaced: 4,
        delete_insert: 4,
        upserted: 4,
        insert_only: 4,
        versioned: 8,
      };
      for (const [name, count] of Object.entries(children)) {
        assert.deepEqual(
          await rows(
            p,
            `SELECT (SELECT count(*) FROM ${name}__items) AS children, (SELECT count(*) FROM ${name}__items c WHERE c._dlt_parent_id NOT IN (SELECT _dlt_id FROM ${name})) AS orphans`,
          ),
          [{ children: count, orphans: 0 }],
          name,
        );
      }
      assert.deepEqual(await rows(p, "SELECT value FROM delete_insert__items ORDER BY value"), [
        { value: 2 },
        { value: 2 },
        { value: 3 },
        { value: 3 },
      ]);
    }),
  { isolatedIn: import.meta.url },
);

postgresTest(
  "values the server refuses fail the load and leave the package pending",
  ({ dataset }) =>
    withConfiguredServer(async () => {
      const p = postgresPipeline("pg_refused", dataset, await tempDir("pg_refused"));
      const bad = resource([{ code: "abcd", small: 1 }, { code: "ok", small: 40000 }], {
        name: "codes",
        columns: {
          code: { dataType: "text", precision: 3 },
          small: { dataType: "bigint", precision: 16 },
        },
      });
      await assert.rejects(p.run(bad), (error: Error) => {
        assert.ok(error instanceof PendingPackageFailed, String(error));
        assert.match(
          String((error.cause as Error).message),
          /Cannot load job file "codes\.[^"]+" into table "codes": value too long for type character varying\(3\)[^]*line 2, column code/,
        );
        return true;
      });
      assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 1 });
      assert.deepEqual(
        await adminQuery(
          `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'codes'`,
          [dataset],
        ),
        [{ n: "0" }],
      );
      await p.dropPendingPackages();
      // a value out of range for a smallint column
      await assert.rejects(
        p.run(resource([{ code: "ok", small: 40000 }], { name: "codes" })),
        (error: Error) => {
          assert.ok(error instanceof PendingPackageFailed, String(error));
          assert.match(
            String((error.cause as Error).message),
            /value "40000" is out of range for type smallint[^]*line 2, column small/,
          );
          return true;
        },
      );
    }),
  { isolatedIn: import.meta.url },
);

postgresTest(
  "a dataset name Postgres would cut fails before anything is extracted",
  ({ dataset }) =>
    withConfiguredServer(async () => {
      const name = `${dataset}_${"x".repeat(60)}`;
      const p = postgresPipeline("pg_long", name, await tempDir("pg_long"));
      await assert.rejects(p.run([{ a: 1 }], { tableName: "t" }), (error: Error) => {
        assert.ok(error instanceof PipelineStepFailed);
        assert.equal(error.step, "sync");
        assert.match(error.message, /cannot be a Postgres schema name: it has \d+ bytes/);
        return true;
      });
      assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
      // long table and column names are shortened to 63 bytes, distinct ones kept distinct
      const short = postgresPipeline("pg_short", dataset, await tempDir("pg_short"));
      const long = "a_very_long_name_".repeat(5);
      await short.run([{ [`${long}1`]: 1, [`${long}2`]: 2 }], { tableName: `${long}table` });
      const [table] = await adminQuery(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'a_very%'",
        [dataset],
      );
      assert.equal(table.table_name!.length, 63);
      const columns = await adminQuery(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name LIKE 'a_very%'",
        [dataset, table.table_name],
      );
      assert.equal(columns.length, 2);
      assert.ok(columns.every((c) => c.column_name!.length === 63));
    }),
  { isolatedIn: import.meta.url },
);

postgresTest(
  "a connection killed mid-load fails transiently; the next run loads it once",
  ({ dataset }) =>
    withConfiguredServer(async () => {
      const p = postgresPipeline("pg_killed", dataset, await tempDir("pg_killed"));
      const data = (run: number) => [
        resource([{ id: run }], { name: "alpha" }),
        resource([{ id: run }], { name: "omega" }),
      ];
      await p.run(data(1));
      // another session holds omega: the next load commits alpha, then waits for the lock
      const holder = new pg.Client({ connectionString: POSTGRES_URL });
      await holder.connect();
      try {
        await holder.query("BEGIN");
        await holder.query(`LOCK TABLE "${dataset}".omega IN ACCESS EXCLUSIVE MODE`);
        // settled at once, so that its rejection is never unhandled while the lock is watched
        const outcome = p.run(data(2)).then(() => new Error("The run succeeded"), (error) => error);
        let killed = false;
        for (let i = 0; i < 200 && !killed; i++) {
          const [waiting] = await adminQuery(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'denodlt' AND wait_event_type = 'Lock'",
          );
          if (waiting !== undefined) {
            await adminQuery("SELECT pg_terminate_backend($1)", [Number(waiting.pid)]);
            killed = true;
          } else {
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
        assert.ok(killed, "the load never waited for the lock");
        const error = await outcome;
        assert.ok(error instanceof PipelineStepFailed && !(error instanceof PendingPackageFailed));
        assert.ok(error instanceof DltError && error.transient, error.message);
        assert.match(error.message, /Lost the connection to Postgres at/);
        await holder.query("ROLLBACK");
      } finally {
        await holder.end();
      }
      assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 1 });
      // the next run loads the pending package first: only omega's chain, alpha's was committed
      await p.run(data(3));
      assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
      for (const table of ["alpha", "omega"]) {
        const ids = await rows(p, `SELECT id FROM ${table} ORDER BY id`);
        assert.deepEqual(ids.map((r) => r.id), [1, 2, 3], table);
      }
    }),
  { isolatedIn: import.meta.url },
);

postgresTest(
  "a table wider than Postgres allows fails before loading, naming the table and its width",
  ({ dataset }) =>
    withConfiguredServer(async () => {
      const p = postgresPipeline("pg_wide", dataset, await tempDir("pg_wide"));
      const wide = Object.fromEntries(Array.from({ length: 1700 }, (_, i) => [`field_${i}`, i]));
      const error = await p.run(resource([wide], { name: "payloads" })).then(
        () => assert.fail("a 1,702-column table loaded"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof PendingPackageFailed);
      assert.match(
        String((error as Error).message),
        /Table "payloads" has 1702 columns, more than the 1600 this destination allows: .*maxTableNesting/,
      );
      assert.equal((await p.pendingPackages()).normalized, 1);
      const tables = await adminQuery(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'payloads'",
        [dataset],
      );
      assert.equal(tables.length, 0);
    }),
  { isolatedIn: import.meta.url },
);
