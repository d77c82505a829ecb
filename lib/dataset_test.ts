import assert from "node:assert/strict";
import { Dataset } from "./dataset.ts";
import type { DestinationClient, TableReader } from "./destination.ts";
import { DestinationError } from "./errors.ts";
import type { ColumnSchema } from "./schema/schema.ts";

/** Tables of a reader without SQL: their columns and rows. */
const TABLES: Record<string, { columns: ColumnSchema[]; rows: Record<string, unknown>[] }> = {
  t: {
    columns: [
      { name: "id", dataType: "bigint" },
      { name: "name", dataType: "text" },
      { name: "at", dataType: "timestamp" },
      { name: "_dlt_id", dataType: "text" },
    ],
    rows: [
      { id: 3, name: "c", at: new Date("2024-01-03T00:00:00Z"), _dlt_id: "r3" },
      { id: 1, name: null, at: new Date("2024-01-01T00:00:00Z"), _dlt_id: "r1" },
      { id: 2n ** 60n, name: "a", at: null, _dlt_id: "r9" },
      { id: 2, name: "a", at: new Date("2024-01-02T00:00:00Z"), _dlt_id: "r2" },
    ],
  },
  t__kids: {
    columns: [
      { name: "v", dataType: "text" },
      { name: "_dlt_parent_id", dataType: "text" },
      { name: "_dlt_id", dataType: "text" },
    ],
    rows: [
      { v: "x", _dlt_parent_id: "r1", _dlt_id: "k1" },
      { v: "y", _dlt_parent_id: "r1", _dlt_id: "k2" },
      { v: "z", _dlt_parent_id: "gone", _dlt_id: "k3" },
    ],
  },
};

/** A reader of {@linkcode TABLES}, counting the rows it hands out. */
function reader(): TableReader & { read: number } {
  const table = (name: string) => {
    const found = TABLES[name];
    if (found === undefined) throw new DestinationError(`Table "${name}" is not there`);
    return found;
  };
  const state = {
    read: 0,
    tableNames: () => Promise.resolve(Object.keys(TABLES).sort()),
    columns: (name: string) => Promise.resolve(table(name).columns),
    async *rows(name: string, names?: readonly string[]) {
      const { columns, rows } = table(name);
      for (const row of rows) {
        state.read++;
        yield Object.fromEntries((names ?? columns.map((c) => c.name)).map((n) => [n, row[n]]));
      }
    },
    count: (name: string) => Promise.resolve(table(name).rows.length),
  };
  return state;
}

/** A dataset of a destination that reads tables without SQL. */
function dataset(tables = reader()) {
  const client = { tables, close: () => Promise.resolve() } as unknown as DestinationClient;
  return { tables, dataset: new Dataset(() => Promise.resolve(client), "d") };
}

Deno.test("without SQL, where() compares as SQL does: NULL meets no comparison", async () => {
  const t = dataset().dataset.table("t");
  const ids = async (r: ReturnType<typeof t.where>) =>
    (await r.select("id").rows()).map((row) => row.id);
  assert.deepEqual(await ids(t.where("name", "eq", "a")), [2n ** 60n, 2]);
  assert.deepEqual(await ids(t.where("name", "ne", "a")), [3]);
  assert.deepEqual(await ids(t.where("name", "eq", null)), [1]);
  assert.deepEqual(await ids(t.where("name", "ne", null)), [3, 2n ** 60n, 2]);
  assert.deepEqual(await ids(t.where("name", "not_in", ["c"])), [2n ** 60n, 2]);
  assert.deepEqual(await ids(t.where("id", "gt", 2)), [3, 2n ** 60n]);
  assert.deepEqual(await ids(t.where("id", "in", [2n ** 60n, 1])), [1, 2n ** 60n]);
  // a Date compares with a timestamp, and so does its ISO text
  assert.deepEqual(await ids(t.where("at", ">=", new Date("2024-01-02T00:00:00Z"))), [3, 2]);
  assert.deepEqual(await ids(t.where("at", "lt", "2024-01-02T00:00:00Z")), [1]);
});

Deno.test("without SQL, orders put NULLs last both ways; limit stops reading", async () => {
  const { tables, dataset: ds } = dataset();
  const t = ds.table("t");
  const names = async (r: typeof t) => (await r.rows()).map((row) => row.name);
  assert.deepEqual(await names(t.orderBy("name", "desc").orderBy("id")), ["c", "a", "a", null]);
  assert.deepEqual(await names(t.orderBy("name")), ["a", "a", "c", null]);
  assert.deepEqual(await t.orderBy("at", "desc").select("id").offset(1).limit(2).rows(), [
    { id: 2 },
    { id: 1 },
  ]);
  tables.read = 0;
  assert.equal((await t.limit(2).rows()).length, 2);
  assert.equal(tables.read, 2);
  assert.equal(
    await t.max("at").scalar<Date>().then((d) => d?.toISOString()),
    "2024-01-03T00:00:00.000Z",
  );
  assert.equal(await t.where("id", "gt", 100).min("id").scalar(), 2n ** 60n);
  assert.equal(await t.where("id", "gt", 2n ** 61n).min("id").scalar(), null);
  const chunks = [];
  for await (const chunk of t.iterRows({ chunkSize: 3 })) chunks.push(chunk.length);
  assert.deepEqual(chunks, [3, 1]);
  const arrows = [];
  for await (const chunk of t.select("id").iterArrow({ chunkSize: 3 })) arrows.push(chunk.numRows);
  assert.deepEqual(arrows, [3, 1]);
});

Deno.test("without SQL, joins follow _dlt_id and _dlt_parent_id, outer ones too", async () => {
  const t = dataset().dataset.table("t");
  const pairs = async (kind: "inner" | "left" | "right" | "full") =>
    (await t.join("t__kids", { kind, alias: "k" }).rows()).map((r) => `${r.id}:${r.k__v}`).sort();
  assert.deepEqual(await pairs("inner"), ["1:x", "1:y"]);
  assert.deepEqual(await pairs("left"), [
    "1152921504606846976:null",
    "1:x",
    "1:y",
    "2:null",
    "3:null",
  ]);
  assert.deepEqual(await pairs("right"), ["1:x", "1:y", "null:z"]);
  assert.equal((await pairs("full")).length, 6);
});

Deno.test("without SQL, a query or a raw SQL condition is an error that says what to write", async () => {
  const { dataset: ds } = dataset();
  await assert.rejects(ds.table("t").where("id = 1").rows(), {
    name: "DestinationError",
    message:
      /needs SQL .*it reads tables from their files; compare columns with where\(column, operator, value\) instead/,
  });
  await assert.rejects(ds.query("SELECT 1"), /needs SQL/);
  await assert.rejects(ds.table("t").where("nope", "eq", 1).rows(), {
    name: "DestinationError",
    message: 'Table "t" has no column "nope"; its columns: id, name, at, _dlt_id',
  });
  assert.deepEqual(await ds.rowCounts(), { t: 4, t__kids: 3 });
  assert.deepEqual(await ds.rowCounts({ loadId: "1" }), {});
});

Deno.test("join() refuses a table joined twice and an alias given twice", () => {
  const dataset = new Dataset(() => Promise.reject(new Error("not opened")), "shop");
  const items = dataset.table("items");
  assert.throws(
    () => items.join("items__tags").join("items__tags"),
    /Table "items__tags" is joined already/,
  );
  assert.throws(
    () => items.join("items__tags", { alias: "x" }).join("items__parts", { alias: "x" }),
    /Alias "x" of join\(\) names table "items__tags" already: give "items__parts" another alias/,
  );
});
