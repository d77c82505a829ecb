/**
 * Write dispositions `append`, `replace` and `skip`, including child tables.
 */
import assert from "node:assert/strict";
import { resource } from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";

const orders = (ids: number[]) =>
  resource(ids.map((id) => ({ id, lines: [{ sku: `a${id}` }, { sku: `b${id}` }] })), {
    name: "orders",
    writeDisposition: "replace",
  });

Deno.test("replace swaps the content of the table and of its child tables", async () => {
  const { p } = await tempPipeline("replace");
  await p.run(orders([1, 2, 3]));
  assert.equal(await p.dataset().table("orders").count(), 3);
  assert.equal(await p.dataset().table("orders__lines").count(), 6);
  await p.run(orders([7]));
  const ids = await p.dataset().table("orders").select("id").rows<{ id: number }>();
  assert.deepEqual(ids.map((r) => r.id), [7]);
  const lines = await p.dataset().table("orders__lines").orderBy("sku").rows<{ sku: string }>();
  assert.deepEqual(lines.map((r) => r.sku), ["a7", "b7"]);
});

Deno.test("replace with no items empties the tables", async () => {
  const { p } = await tempPipeline("replace_empty");
  await p.run(orders([1, 2]));
  const info = await p.run(orders([]));
  assert.equal(info.loadPackages.length, 1);
  assert.equal(await p.dataset().table("orders").count(), 0);
  assert.equal(await p.dataset().table("orders__lines").count(), 0);
});

Deno.test("append adds; the run option overrides the resource's disposition", async () => {
  const { p } = await tempPipeline("append");
  const events = () => resource([{ id: 1 }, { id: 2 }], { name: "events" });
  await p.run(events());
  await p.run(events());
  assert.equal(await p.dataset().table("events").count(), 4);
  await p.run(events(), { writeDisposition: "replace" });
  assert.equal(await p.dataset().table("events").count(), 2);
});

Deno.test("skip extracts nothing into the destination", async () => {
  const { p } = await tempPipeline("skip");
  await p.run(resource([{ id: 1 }], { name: "kept" }));
  await p.run(resource([{ id: 1 }], { name: "skipped", writeDisposition: "skip" }));
  const tables = await p.dataset().tableNames();
  assert.ok(tables.includes("kept"));
  assert.ok(!tables.includes("skipped"));
});

Deno.test("run options left undefined keep the resource's own hints", async () => {
  const { p } = await tempPipeline("undefined_hints");
  await p.run(orders([1, 2]));
  await p.run(orders([3]), { writeDisposition: undefined, tableName: undefined });
  const ids = await p.dataset().table("orders").select("id").rows<{ id: number }>();
  assert.deepEqual(ids.map((r) => r.id), [3]);
});
