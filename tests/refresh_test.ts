/**
 * `refresh` as in dlt: `drop_sources`, `drop_resources` and `drop_data`, with the state they
 * reset, applied in the load of the run's package.
 */
import assert from "node:assert/strict";
import { incremental, resource, source } from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";

const at = (day: number) => `2024-01-0${day}T00:00:00Z`;

function events(days: number[]) {
  return resource(days.map((day) => ({ id: day, at: at(day), tags: ["t"] })), {
    name: "events",
    incremental: incremental("at"),
  });
}

function users(data: unknown[]) {
  return resource(data, { name: "users" });
}

Deno.test("drop_data empties the resource's tables and resets its cursor, keeping the schema", async () => {
  const { p } = await tempPipeline("refresh_data");
  await p.run(source([events([1, 2]), users([{ id: 1 }])], { name: "refresh_data" }));
  await p.run(source([events([1, 2, 3])], { name: "refresh_data" }), { refresh: "drop_data" });
  // all of it again, once, and the cursor moved to day 3 from scratch
  assert.equal(await p.dataset().table("events").count(), 3);
  assert.equal(await p.dataset().table("events__tags").count(), 3);
  // another resource's table is untouched
  assert.equal(await p.dataset().table("users").count(), 1);
  const resources = p.state.sources.refresh_data.resources as Record<
    string,
    Record<string, unknown>
  >;
  const cursor = (resources.events.incremental as Record<string, { last_value: string }>).at;
  assert.equal(cursor.last_value, at(3));
});

Deno.test("drop_resources drops the resource's tables, so their columns are inferred anew", async () => {
  const { p } = await tempPipeline("refresh_resources");
  await p.run(source([users([{ id: 1, code: 7 }]), events([1])], { name: "refresh_resources" }));
  await p.run(source([users([{ id: 2, code: "seven" }])], { name: "refresh_resources" }), {
    refresh: "drop_resources",
  });
  const schema = p.schemas.get("refresh_resources")!;
  assert.equal(schema.tables.users.columns.code.dataType, "text");
  assert.equal(schema.tables.users.columns.code__v_text, undefined);
  assert.deepEqual(await p.dataset().query("SELECT id, code FROM users"), [{
    id: 2,
    code: "seven",
  }]);
  assert.equal(await p.dataset().table("events").count(), 1);
});

Deno.test("drop_sources drops every table of the source and its whole state", async () => {
  const { p } = await tempPipeline("refresh_sources");
  await p.run(source([users([{ id: 1 }]), events([1, 2])], { name: "refresh_sources" }));
  await p.run(source([users([{ id: 3 }])], { name: "refresh_sources" }), {
    refresh: "drop_sources",
  });
  const tables = await p.dataset().tableNames();
  assert.ok(!tables.includes("events") && !tables.includes("events__tags"));
  assert.deepEqual(await p.dataset().query("SELECT id FROM users"), [{ id: 3 }]);
  // what the run left is only what this run's resources created afresh
  assert.deepEqual(p.state.sources.refresh_sources, { resources: { users: {} } });
  // the events cursor is gone: the next run starts from the beginning
  await p.run(source([events([1, 2])], { name: "refresh_sources" }));
  assert.equal(await p.dataset().table("events").count(), 2);
});

Deno.test("drop() drops resources' tables and state, or the whole working folder", async () => {
  const { p } = await tempPipeline("drop_resources_api");
  await p.run(source([users([{ id: 1 }]), events([1, 2])], { name: "drop_resources_api" }));
  await p.drop({ resources: ["events"] });
  const tables = await p.dataset().tableNames();
  assert.ok(!tables.includes("events") && !tables.includes("events__tags"));
  assert.ok(tables.includes("users"));
  assert.equal(p.schemas.get("drop_resources_api")!.tables.events, undefined);
  // the cursor is gone with the table
  await p.run(source([events([1, 2])], { name: "drop_resources_api" }));
  assert.equal(await p.dataset().table("events").count(), 2);

  await p.drop();
  assert.equal(await Deno.stat(p.workingDir).then(() => true, () => false), false);
  // the next run restores state and schema from the destination and goes on incrementally
  await p.run(source([events([1, 2, 3])], { name: "drop_resources_api" }));
  assert.equal(await p.dataset().table("events").count(), 3);
});
