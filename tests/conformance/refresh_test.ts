/**
 * Conformance: `refresh` (`drop_sources`, `drop_resources`, `drop_data`), `pipeline.drop()`, and
 * `dataset()` on a destination without SQL.
 */
import assert from "node:assert/strict";
import {
  DestinationError,
  incremental,
  type Pipeline,
  PipelineStepFailed,
  resource,
  source,
} from "../../mod.ts";
import { dummy } from "../../destinations/dummy/mod.ts";
import { conformanceTest } from "./_destinations.ts";

/** Events of `days` (id = day), loaded incrementally on `at`, each with one tag. */
const events = (...days: number[]) =>
  resource(days.map((day) => ({ id: day, at: `2024-01-0${day}T00:00:00Z`, tags: ["t"] })), {
    name: "events",
    incremental: incremental("at"),
  });

const users = (...rows: Record<string, unknown>[]) => resource(rows, { name: "users" });

/** A source of `resources`, named as the pipeline. */
const data = (...resources: ReturnType<typeof resource>[]) =>
  source(resources, { name: "conformance" });

/** The resources' state of the source in `p`. */
const resourceState = (p: Pipeline) =>
  p.state.sources.conformance?.resources as Record<string, Record<string, unknown>> | undefined;

conformanceTest(
  "drop_data empties the resource's tables and resets its cursor; other tables stay",
  {},
  async (ctx) => {
    const p = ctx.pipeline();
    await p.run(data(events(1, 2), users({ id: 1 })));
    await p.run(data(events(1, 2, 3)), { refresh: "drop_data" });
    // all of it again, once, from a cursor that started over
    assert.deepEqual(await ctx.rowCounts(p), { events: 3, events__tags: 3, users: 1 });
    const cursor = resourceState(p)!.events.incremental as Record<string, { last_value: string }>;
    assert.equal(cursor.at.last_value, "2024-01-03T00:00:00Z");
  },
);

conformanceTest(
  "drop_resources drops the resource's tables, so their columns are inferred anew",
  {},
  async (ctx) => {
    const p = ctx.pipeline();
    await p.run(data(users({ id: 1, code: 7 }), events(1)));
    await p.run(data(users({ id: 2, code: "seven" })), { refresh: "drop_resources" });
    const columns = p.schemas.get("conformance")!.tables.users.columns;
    assert.equal(columns.code.dataType, "text");
    assert.equal(columns.code__v_text, undefined);
    assert.deepEqual(await ctx.rowCounts(p), { users: 1, events: 1, events__tags: 1 });
    if (!ctx.sql) return;
    assert.deepEqual(await p.dataset().table("users").select("id", "code").rows(), [
      { id: 2, code: "seven" },
    ]);
  },
);

conformanceTest(
  "drop_sources drops every table of the source and its whole state",
  {},
  async (ctx) => {
    const p = ctx.pipeline();
    await p.run(data(users({ id: 1 }), events(1, 2)));
    await p.run(data(users({ id: 3 })), { refresh: "drop_sources" });
    assert.deepEqual(await ctx.rowCounts(p), { users: 1 });
    assert.deepEqual(p.state.sources.conformance, { resources: { users: {} } });
    if (ctx.sql) {
      const tables = await p.dataset().tableNames();
      assert.ok(!tables.includes("events") && !tables.includes("events__tags"), String(tables));
      assert.deepEqual(await p.dataset().table("users").select("id").rows(), [{ id: 3 }]);
    }
    // the events cursor went with the state: the next run loads from the beginning
    await p.run(data(events(1, 2)));
    assert.deepEqual(await ctx.rowCounts(p), { users: 1, events: 2, events__tags: 2 });
  },
);

conformanceTest(
  "a refresh resumed after a failed load drops its tables once: what it loaded stays",
  {},
  async (ctx) => {
    // a destination that can be blocked from outside (the filesystem) is; the dummy fails the
    // visits chain once; an SQL destination refuses it while a column the data lacks is NOT
    // NULL (visits is new to the schema, so the refresh does not drop it)
    const destination = ctx.blockTable !== undefined || ctx.sql
      ? ctx.destination
      : dummy({ failTables: ["visits"], failAttempts: 1 });
    const p = ctx.pipeline({ destination });
    await p.run(data(users({ id: 1 }, { id: 2 })));
    let unblock = () => Promise.resolve();
    if (ctx.blockTable !== undefined) {
      unblock = await ctx.blockTable("visits");
    } else if (ctx.sql) {
      const client = await p.sqlClient();
      const table = client.qualifiedName("visits");
      await client.execute(`CREATE TABLE ${table} (id BIGINT, blocker VARCHAR(10) NOT NULL)`);
      await client.close();
      unblock = async () => {
        await using client = await p.sqlClient();
        await client.execute(`ALTER TABLE ${table} ALTER COLUMN blocker DROP NOT NULL`);
      };
    }
    const visits = resource([{ id: 7 }], { name: "visits" });
    const error = await p.run(data(users({ id: 3 }), visits), { refresh: "drop_resources" })
      .catch((e) => e);
    assert.ok(error instanceof PipelineStepFailed, String(error));
    // users was dropped and loaded anew before visits failed; where readers see a package
    // whole, nothing of it shows yet
    assert.deepEqual(
      await ctx.rowCounts(p),
      ctx.wholePackages ? { users: 2 } : ctx.sql ? { users: 1, visits: 0 } : { users: 1 },
    );

    await unblock();
    await p.load();
    assert.deepEqual(await ctx.rowCounts(p), { users: 1, visits: 1 });
    if (!ctx.sql) return;
    assert.deepEqual(await p.dataset().table("users").select("id").rows(), [{ id: 3 }]);
  },
);

conformanceTest(
  "drop({ resources }) drops their tables and state; drop() the working folder only",
  {},
  async (ctx) => {
    const p = ctx.pipeline();
    await p.run(data(users({ id: 1 }), events(1, 2)));
    await p.drop({ resources: ["events"] });
    assert.deepEqual(await ctx.rowCounts(p), { users: 1 });
    assert.equal(p.schemas.get("conformance")!.tables.events, undefined);
    assert.equal(resourceState(p)?.events?.incremental, undefined);
    // the cursor went with the tables
    await p.run(data(events(1, 2)));
    assert.deepEqual(await ctx.rowCounts(p), { users: 1, events: 2, events__tags: 2 });

    await p.drop();
    assert.equal(await Deno.stat(p.workingDir).then(() => true, () => false), false);
    // the data stays; the next run restores state and schema from the destination
    assert.deepEqual(await ctx.rowCounts(p), { users: 1, events: 2, events__tags: 2 });
    await p.run(data(events(1, 2, 3)));
    assert.deepEqual(await ctx.rowCounts(p), { users: 1, events: 3, events__tags: 3 });
    assert.ok(p.schemas.get("conformance")!.tables.users !== undefined);
  },
);

conformanceTest(
  "dataset() and sqlClient() on a destination without SQL are a DestinationError",
  { destinations: ["dummy"] },
  async (ctx) => {
    const p = ctx.pipeline();
    await p.run(users({ id: 1 }));
    assert.deepEqual(await ctx.rowCounts(p), { users: 1 });
    const noSql = /has no SQL client: dataset\(\) and sqlClient\(\) read data back through SQL/;
    await assert.rejects(p.dataset().table("users").rows(), DestinationError);
    await assert.rejects(p.dataset().table("users").count(), noSql);
    await assert.rejects(p.dataset().query("SELECT 1"), noSql);
    await assert.rejects(p.dataset().tableNames(), noSql);
    await assert.rejects(p.dataset().rowCounts(), noSql);
    await assert.rejects(p.sqlClient(), (error) => {
      assert.ok(error instanceof DestinationError);
      assert.match(error.message, /^Destination "dummy" has no SQL client/);
      return true;
    });
  },
);
