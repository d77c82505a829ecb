/**
 * dlt's schema rules end to end: kept ids, columns that only appear with values, nesting caps on
 * sources and resources, and types across runs.
 */
import assert from "node:assert/strict";
import { resource, source } from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";

Deno.test("an _dlt_id in the data is kept, on root and nested rows", async () => {
  const { p } = await tempPipeline("own_ids");
  await p.run(resource([{ _dlt_id: "root-1", items: [{ _dlt_id: "child-1", n: 1 }, { n: 2 }] }], {
    name: "docs",
  }));
  assert.deepEqual(await p.dataset().query("SELECT _dlt_id FROM docs"), [{ _dlt_id: "root-1" }]);
  const children = await p.dataset().query<{ _dlt_id: string; _dlt_parent_id: string }>(
    "SELECT _dlt_id, _dlt_parent_id FROM docs__items ORDER BY _dlt_list_idx",
  );
  assert.equal(children[0]._dlt_id, "child-1");
  assert.notEqual(children[1]._dlt_id, "child-1");
  assert.deepEqual(children.map((c) => c._dlt_parent_id), ["root-1", "root-1"]);
});

Deno.test("a column null in every row appears only once a value arrives", async () => {
  const { p } = await tempPipeline("null_columns");
  await p.run(resource([{ id: 1, later: null }, { id: 2 }], { name: "rows" }));
  const schema = () => [...p.schemas.values()][0].tables.rows.columns;
  assert.equal(schema().later, undefined);
  await p.run(resource([{ id: 3, later: "now" }], { name: "rows" }));
  assert.equal(schema().later.dataType, "text");
  assert.deepEqual(await p.dataset().query("SELECT id, later FROM rows ORDER BY id"), [
    { id: 1, later: null },
    { id: 2, later: null },
    { id: 3, later: "now" },
  ]);
});

Deno.test("maxTableNesting on a source caps its resources; a resource's own cap wins", async () => {
  const { p } = await tempPipeline("nesting");
  const item = { id: 1, a: { b: { c: 1 } }, list: [{ inner: [1, 2] }] };
  await p.run(source([
    resource([item], { name: "capped" }),
    resource([item], { name: "deeper", maxTableNesting: 2 }),
  ], { name: "nesting", maxTableNesting: 1 }));
  const tables = [...p.schemas.values()][0].tables;
  // one level, as in dlt for objects and lists alike: `a` flattens, `a.b` stays json; the list
  // becomes a table, its inner list stays json
  assert.equal(tables.capped.columns.a__b.dataType, "json");
  assert.equal(tables.capped__list.columns.inner.dataType, "json");
  assert.equal(tables.capped__list__inner, undefined);
  assert.equal(tables.deeper.columns.a__b__c.dataType, "bigint");
  assert.equal(tables.deeper__list__inner.columns.value.dataType, "bigint");
});

Deno.test("types across runs: an integer fits a double column, a fraction opens a variant", async () => {
  const { p } = await tempPipeline("types_across_runs");
  await p.run(resource([{ id: 1, ratio: 0.5, count: 3 }], { name: "m" }));
  await p.run(resource([{ id: 2, ratio: 2, count: 3.5 }], { name: "m" }));
  const columns = [...p.schemas.values()][0].tables.m.columns;
  assert.equal(columns.ratio.dataType, "double");
  assert.equal(columns.ratio__v_bigint, undefined);
  assert.equal(columns.count.dataType, "bigint");
  assert.equal(columns.count__v_double.dataType, "double");
  assert.deepEqual(
    await p.dataset().query("SELECT id, ratio, count, count__v_double FROM m ORDER BY id"),
    [{ id: 1, ratio: 0.5, count: 3, count__v_double: null }, {
      id: 2,
      ratio: 2,
      count: null,
      count__v_double: 3.5,
    }],
  );
});
