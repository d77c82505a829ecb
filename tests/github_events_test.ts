/**
 * End to end: the recorded GitHub events (100 real, deeply nested items) through extract,
 * normalize and load into DuckDB-WASM, read back with SQL.
 */
import assert from "node:assert/strict";
import { resource } from "../mod.ts";
import { hasSharedFixture, readSharedFixture, tempPipeline } from "./_helpers.ts";

const FIXTURE = "dlt-cases/github.events.load_page_1_duck.json";
const ignore = !hasSharedFixture(FIXTURE);

type Event = Record<string, unknown> & { payload: Record<string, unknown> };

function listLength(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

Deno.test({
  name: "GitHub events load into parent and child tables, and a second run appends",
  ignore,
  async fn() {
    const events = await readSharedFixture<Event[]>(FIXTURE);
    const { p } = await tempPipeline("gh_events");
    const eventsResource = () => resource(events, { name: "events" });

    const info = await p.run(eventsResource());
    assert.equal(info.loadPackages.length, 1);
    assert.equal(info.rowCounts.events, events.length);

    const data = p.dataset();
    const tables = await data.tableNames();
    for (
      const t of [
        "events",
        "events__payload__commits",
        "_dlt_loads",
        "_dlt_version",
        "_dlt_pipeline_state",
      ]
    ) {
      assert.ok(tables.includes(t), `table ${t} missing; have ${tables.join(", ")}`);
    }
    assert.equal(await data.table("events").count(), events.length);

    // child row counts equal the list lengths in the raw data
    const commits = events.reduce((n, e) => n + listLength(e.payload.commits), 0);
    assert.ok(commits > 0);
    assert.equal(await data.table("events__payload__commits").count(), commits);
    assert.equal(info.rowCounts.events__payload__commits, commits);

    // columns and their types
    const columns = await data.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
       WHERE table_schema = 'gh_events_data' AND table_name = 'events'`,
    );
    const typeOf = Object.fromEntries(columns.map((c) => [c.column_name, c.data_type]));
    assert.equal(typeOf.id, "VARCHAR");
    assert.equal(typeOf.actor__login, "VARCHAR");
    assert.equal(typeOf.actor__id, "BIGINT");
    assert.equal(typeOf.created_at, "TIMESTAMP WITH TIME ZONE");
    assert.equal(typeOf.public, "BOOLEAN");
    assert.equal(typeOf._dlt_id, "VARCHAR");
    assert.equal(typeOf._dlt_load_id, "VARCHAR");

    // values survive: compare a few fields with the raw data
    const [first] = await data.query<{ actor__login: string; created_at: Date }>(
      `SELECT actor__login, created_at FROM gh_events_data.events WHERE id = '${events[0].id}'`,
    );
    assert.equal(first.actor__login, (events[0].actor as { login: string }).login);
    assert.equal(
      first.created_at.toISOString(),
      new Date(events[0].created_at as string).toISOString(),
    );

    // every child row points at an existing parent row
    const [orphans] = await data.query<{ n: number }>(
      `SELECT count(*) AS n FROM gh_events_data.events__payload__commits c
       LEFT JOIN gh_events_data.events e ON c._dlt_parent_id = e._dlt_id WHERE e._dlt_id IS NULL`,
    );
    assert.equal(Number(orphans.n), 0);
    const [badIdx] = await data.query<{ n: number }>(
      `SELECT count(*) AS n FROM gh_events_data.events__payload__commits
       WHERE _dlt_list_idx < 0 OR _dlt_list_idx IS NULL`,
    );
    assert.equal(Number(badIdx.n), 0);

    // second run appends, under a new load id
    const second = await p.run(eventsResource());
    assert.notEqual(second.loadIds[0], info.loadIds[0]);
    assert.equal(await data.table("events").count(), 2 * events.length);
    assert.equal(await data.table("events__payload__commits").count(), 2 * commits);
    const loads = await data.table("_dlt_loads").rows<{ load_id: string; status: number }>();
    assert.deepEqual(
      loads.map((l) => l.load_id).sort(),
      [info.loadIds[0], second.loadIds[0]].sort(),
    );
    assert.ok(loads.every((l) => l.status === 0));
    const [perLoad] = await data.query<{ n: number }>(
      `SELECT count(DISTINCT _dlt_load_id) AS n FROM gh_events_data.events`,
    );
    assert.equal(Number(perLoad.n), 2);
  },
});
