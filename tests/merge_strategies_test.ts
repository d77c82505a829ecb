/**
 * dlt's `upsert` and `scd2` merge strategies.
 */
import assert from "node:assert/strict";
import { resource } from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";

Deno.test("upsert updates rows by primary key, keeping their _dlt_id, and replaces nested rows", async () => {
  const { p } = await tempPipeline("upsert");
  const users = (data: unknown[]) =>
    resource(data, {
      name: "users",
      primaryKey: "id",
      writeDisposition: "merge",
      mergeStrategy: "upsert",
    });
  await p.run(users([{ id: 1, name: "ada", roles: ["admin"] }, { id: 2, name: "bob" }]));
  const before = await p.dataset().query<{ id: number; _dlt_id: string }>(
    "SELECT id, _dlt_id FROM users ORDER BY id",
  );
  await p.run(users([{ id: 1, name: "ada l.", roles: ["owner", "admin"] }, { id: 3, name: "cy" }]));
  const after = await p.dataset().query<{ id: number; name: string; _dlt_id: string }>(
    "SELECT id, name, _dlt_id FROM users ORDER BY id",
  );
  assert.deepEqual(after.map((r) => `${r.id}:${r.name}`), ["1:ada l.", "2:bob", "3:cy"]);
  assert.equal(after[0]._dlt_id, before[0]._dlt_id);
  const roles = await p.dataset().query<{ value: string }>(
    "SELECT value FROM users__roles ORDER BY _dlt_list_idx",
  );
  assert.deepEqual(roles.map((r) => r.value), ["owner", "admin"]);
});

Deno.test("scd2 keeps every version: changed rows get a new one, missing rows are retired", async () => {
  const { p } = await tempPipeline("scd2");
  const customers = (data: unknown[]) =>
    resource(data, {
      name: "customers",
      writeDisposition: "merge",
      mergeStrategy: "scd2",
    });
  await p.run(customers([{ id: 1, city: "Oslo", tags: ["x"] }, { id: 2, city: "Rome" }]));
  await p.run(customers([{ id: 1, city: "Bergen", tags: ["y"] }, { id: 2, city: "Rome" }]));
  await p.run(customers([{ id: 2, city: "Rome" }]));
  const rows = await p.dataset().query<{ id: number; city: string; current: boolean }>(
    `SELECT id, city, _dlt_valid_to IS NULL AS current FROM customers
     ORDER BY id, _dlt_valid_from`,
  );
  assert.deepEqual(rows.map((r) => `${r.id}:${r.city}:${r.current ? "current" : "retired"}`), [
    "1:Oslo:retired",
    "1:Bergen:retired",
    "2:Rome:current",
  ]);
  // each version keeps its nested rows
  const tags = await p.dataset().query<{ city: string; value: string }>(
    `SELECT c.city, t.value FROM customers c JOIN customers__tags t ON t._dlt_root_id = c._dlt_id
     ORDER BY c._dlt_valid_from`,
  );
  assert.deepEqual(tags.map((t) => `${t.city}:${t.value}`), ["Oslo:x", "Bergen:y"]);
  // the retired Oslo row ended when Bergen began
  const [{ same }] = await p.dataset().query<{ same: boolean }>(
    `SELECT (SELECT _dlt_valid_to FROM customers WHERE city = 'Oslo') =
            (SELECT _dlt_valid_from FROM customers WHERE city = 'Bergen') AS same`,
  );
  assert.equal(same, true);
});

Deno.test("scd2 with a merge key retires rows only in the partitions that arrive; names configurable", async () => {
  const { p } = await tempPipeline("scd2_key");
  const stock = (data: unknown[]) =>
    resource(data, {
      name: "stock",
      writeDisposition: "merge",
      mergeStrategy: "scd2",
      mergeKey: "store",
      validityColumnNames: ["valid_from", "valid_to"],
    });
  await p.run(stock([{ store: "a", sku: 1 }, { store: "b", sku: 2 }]));
  await p.run(stock([{ store: "a", sku: 3 }]));
  const rows = await p.dataset().query<{ store: string; sku: number; current: boolean }>(
    "SELECT store, sku, valid_to IS NULL AS current FROM stock ORDER BY sku",
  );
  assert.deepEqual(rows.map((r) => `${r.store}${r.sku}:${r.current}`), [
    "a1:false",
    "b2:true",
    "a3:true",
  ]);
});

Deno.test("scd2 with a hardDelete column retires the flagged records within their partition", async () => {
  const { p } = await tempPipeline("scd2_delete");
  const stock = (data: unknown[]) =>
    resource(data, {
      name: "stock",
      writeDisposition: "merge",
      mergeStrategy: "scd2",
      mergeKey: "sku",
      columns: { gone: { dataType: "bool", hardDelete: true } },
    });
  await p.run(stock([{ sku: 1, qty: 5 }, { sku: 2, qty: 7 }]));
  await p.run(stock([{ sku: 1, qty: 5, gone: true }]));
  const rows = await p.dataset().query<{ sku: number; current: boolean }>(
    "SELECT sku, _dlt_valid_to IS NULL AS current FROM stock ORDER BY sku, _dlt_valid_from",
  );
  assert.deepEqual(rows.map((r) => `${r.sku}:${r.current}`), ["1:false", "2:true"]);
});
