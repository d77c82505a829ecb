/**
 * Conformance on real data: the 100 recorded GitHub events (deeply nested, many types) merged
 * twice into each SQL destination give the same tables as DuckDB, no duplicates, linked child
 * tables and a time-zone-aware `created_at`.
 */
import assert from "node:assert/strict";
import { pipeline, resource } from "../../mod.ts";
import { duckdb } from "../../destinations/duckdb/mod.ts";
import { hasSharedFixture, readSharedFixture, tempDir } from "../_helpers.ts";
import { conformanceTest } from "./_destinations.ts";

const FIXTURE = "dlt-cases/github.events.load_page_1_duck.json";

/** The recorded events as a merge resource keyed by `id`. */
function githubEvents(events: Record<string, unknown>[]) {
  return resource(events, { name: "events", writeDisposition: "merge", primaryKey: "id" });
}

/**
 * The tables of the events run into DuckDB, the reference every destination's are compared to:
 * made once for the tests of this module (it is the same for each).
 */
let referenceTables: Promise<string[]> | undefined;

function duckDbTables(events: Record<string, unknown>[]): Promise<string[]> {
  return referenceTables ??= (async () => {
    const reference = pipeline({
      pipelineName: "github",
      destination: duckdb({ credentials: ":memory:" }),
      datasetName: "reference",
      pipelinesDir: await tempDir("github_reference"),
    });
    await reference.run(githubEvents(events));
    return await reference.dataset().tableNames();
  })();
}

if (!hasSharedFixture(FIXTURE)) {
  Deno.test({
    name: "GitHub events merge into every destination (needs ../shared/fixtures)",
    ignore: true,
    fn() {},
  });
} else {
  conformanceTest(
    "the recorded GitHub events merged twice: DuckDB's tables, no duplicates, linked children",
    { needsSql: true, needsMerge: true },
    async (ctx) => {
      const events = await readSharedFixture<Record<string, unknown>[]>(FIXTURE);
      const p = ctx.pipeline({ pipelineName: "github" });
      await p.run(githubEvents(events));
      const second = await p.run(githubEvents(events));
      assert.equal(second.rowCounts.events, events.length);

      const data = p.dataset();
      const [{ rows, ids }] = await data.query<{ rows: number; ids: number }>(
        "SELECT count(*) AS rows, count(DISTINCT id) AS ids FROM events",
      );
      assert.deepEqual([Number(rows), Number(ids)], [events.length, events.length]);

      // the table set of the same run into DuckDB
      const tables = await data.tableNames();
      assert.deepEqual(tables, await duckDbTables(events));

      // every child row belongs to a row of its parent table
      const schema = p.schemas.get("github")!;
      for (const table of Object.values(schema.tables)) {
        if (table.parent === undefined || !tables.includes(table.name)) continue;
        const [{ orphans }] = await data.query<{ orphans: number }>(
          `SELECT count(*) AS orphans FROM ${table.name} c LEFT JOIN ${table.parent} p
           ON c._dlt_parent_id = p._dlt_id WHERE p._dlt_id IS NULL`,
        );
        assert.equal(Number(orphans), 0, `orphans in ${table.name}`);
      }
      const [{ data_type }] = await data.query<{ data_type: string }>(
        `SELECT data_type FROM information_schema.columns
         WHERE table_schema = '${ctx.datasetName}' AND table_name = 'events' AND column_name = 'created_at'`,
      );
      assert.equal(data_type.toLowerCase(), "timestamp with time zone");
      const [{ created_at }] = await data.query<{ created_at: Date }>(
        "SELECT created_at FROM events WHERE id = ?",
        [events[0].id],
      );
      assert.equal(
        created_at.toISOString(),
        new Date(events[0].created_at as string).toISOString(),
      );
    },
  );
}
