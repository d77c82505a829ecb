/**
 * Conformance: state committed with the data comes back to an empty working folder, and a
 * package whose load fails stays pending until the next run completes it exactly once.
 */
import assert from "node:assert/strict";
import { incremental, type Pipeline, PipelineStepFailed, resource, source } from "../../mod.ts";
import { dummy } from "../../destinations/dummy/mod.ts";
import { conformanceTest } from "./_destinations.ts";

/** Events of `days` (id = day), loaded incrementally on `at`, each with one tag. */
const events = (...days: number[]) =>
  resource(days.map((day) => ({ id: day, at: `2024-01-0${day}T00:00:00Z`, tags: ["t"] })), {
    name: "events",
    incremental: incremental("at"),
  });

/** The cursor of `events` in `p`'s state. */
function cursor(p: Pipeline): unknown {
  const resources = p.state.sources.conformance?.resources as
    | Record<string, { incremental: Record<string, { last_value: unknown }> }>
    | undefined;
  return resources?.events.incremental.at.last_value;
}

conformanceTest(
  "incremental state is restored from the destination into an empty working folder",
  {},
  async (ctx) => {
    const first = ctx.pipeline();
    await first.run(events(1, 2, 3));
    assert.equal(cursor(first), "2024-01-03T00:00:00Z");
    // another machine: the same pipeline and dataset, a new working folder
    const second = ctx.pipeline();
    assert.notEqual(second.workingDir, first.workingDir);
    const info = await second.run(events(1, 2, 3, 4, 5));
    assert.deepEqual(info.loadPackages.map((pkg) => pkg.rowCounts.events), [2]);
    assert.equal(cursor(second), "2024-01-05T00:00:00Z");
    assert.deepEqual(await ctx.rowCounts(second), { events: 5, events__tags: 5 });
    if (!ctx.sql) return;
    const rows = await second.dataset().query<{ id: number; loads: number }>(
      "SELECT id, count(DISTINCT _dlt_load_id) AS loads FROM events GROUP BY id ORDER BY id",
    );
    assert.deepEqual(rows.map((r) => [r.id, Number(r.loads)]), [
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 1],
    ]);
  },
);

/** Items with two tags each: a root table and a nested one, loaded in one table chain. */
const items = (...ids: number[]) =>
  resource(ids.map((id) => ({ id, tags: ["a", "b"] })), { name: "items" });

conformanceTest(
  "a failed load leaves the package pending; the next run completes it exactly once",
  {},
  async (ctx) => {
    // a destination that can be blocked from outside (the filesystem) is; the dummy fails the
    // items chain once; an SQL destination refuses it while a column the data lacks is NOT NULL
    const destination = ctx.blockTable !== undefined || ctx.sql
      ? ctx.destination
      : dummy({ failTables: ["items"], failAttempts: 1 });
    const p = ctx.pipeline({ destination });
    await p.run(resource([{ id: 0 }], { name: "others" }));
    let unblock = () => Promise.resolve();
    if (ctx.blockTable !== undefined) {
      unblock = await ctx.blockTable("items");
    } else if (ctx.sql) {
      const client = await p.sqlClient();
      const table = client.qualifiedName("items");
      await client.execute(`CREATE TABLE ${table} (id BIGINT, blocker VARCHAR(10) NOT NULL)`);
      await client.close();
      unblock = async () => {
        await using client = await p.sqlClient();
        await client.execute(`ALTER TABLE ${table} ALTER COLUMN blocker DROP NOT NULL`);
      };
    }
    const data = () =>
      source([resource([{ id: 1 }, { id: 2 }], { name: "alpha" }), items(1, 2, 3)], {
        name: "conformance",
      });
    const error = await p.run(data()).catch((e) => e);
    assert.ok(error instanceof PipelineStepFailed, String(error));
    assert.equal(error.step, "load");
    assert.match(error.message, /table "items"/);
    assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 1 });
    // the failing chain committed nothing, not even its nested table
    const failed = await ctx.rowCounts(p);
    assert.equal(failed.items ?? 0, 0);
    assert.equal(failed.items__tags ?? 0, 0);
    assert.equal(failed.others, 1);

    await unblock();
    const info = await p.run(items(4));
    assert.equal(info.loadPackages.length, 2);
    assert.equal(info.loadPackages[0].loadId, error.loadId);
    assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
    assert.deepEqual(await ctx.rowCounts(p), {
      others: 1,
      alpha: 2,
      items: 4,
      items__tags: 8,
    });
    // a run with nothing new loads nothing again
    assert.equal((await p.run(resource([], { name: "items" }))).loadPackages.length, 0);
    assert.equal((await ctx.rowCounts(p)).items, 4);
    if (!ctx.sql) return;
    const ids = await p.dataset().table("items").orderBy("id").rows<{ id: number }>();
    assert.deepEqual(ids.map((r) => r.id), [1, 2, 3, 4]);
  },
);
