/**
 * Values that are hard on the load file format come back exactly as they went in.
 */
import assert from "node:assert/strict";
import { resource, source, transformer } from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";

const TRICKY = [
  "line one\r\nline two",
  "\r\nstarts with CRLF",
  'quoted "word", and a comma',
  "",
  " padded ",
  "tab\tand\nnewline",
  "ünïcødé ✓ 日本",
  "\\N",
  "NULL",
  ",,,",
  '"',
];

Deno.test("text with newlines, quotes, commas and empty strings round-trips; NULL stays NULL", async () => {
  const { p } = await tempPipeline("tricky");
  const items = TRICKY.map((text, i) => ({
    i,
    text,
    missing: null,
    sparse: i === 3 ? "only" : undefined,
  }));
  await p.run(resource(items, { name: "texts" }));
  const rows = await p.dataset().table("texts").orderBy("i").rows<
    { text: string; sparse: string | null }
  >();
  assert.deepEqual(rows.map((r) => r.text), TRICKY);
  assert.deepEqual(rows.map((r) => r.sparse), TRICKY.map((_, i) => (i === 3 ? "only" : null)));
});

Deno.test("numbers, booleans and timestamps with offsets keep their values", async () => {
  const { p } = await tempPipeline("numbers");
  await p.run(resource([
    { n: -9007199254740991, d: 1.5e-300, b: false, t: "2024-03-10T01:02:03+05:30" },
    { n: 0, d: -0.25, b: true, t: "2024-03-10T01:02:03.456Z" },
  ], { name: "nums" }));
  const rows = await p.dataset().table("nums").orderBy("n").rows<
    { n: number; d: number; b: boolean; t: Date }
  >();
  assert.deepEqual(rows.map((r) => [r.n, r.d, r.b]), [[-9007199254740991, 1.5e-300, false], [
    0,
    -0.25,
    true,
  ]]);
  assert.equal(rows[0].t.toISOString(), "2024-03-09T19:32:03.000Z");
  assert.equal(rows[1].t.toISOString(), "2024-03-10T01:02:03.456Z");
});

Deno.test("a value of several megabytes loads (longer than DuckDB's default CSV line)", async () => {
  const { p } = await tempPipeline("long_line");
  const body = "é".repeat(1_500_000) + '\n,"end';
  await p.run(resource([{ id: 1, body }, { id: 2, body: "short" }], { name: "documents" }));
  const rows = await p.dataset().table("documents").orderBy("id").rows<{ body: string }>();
  assert.equal(rows[0].body, body);
  assert.equal(rows[1].body, "short");
});

Deno.test("precision, scale and time zone hints choose the column types", async () => {
  const { p } = await tempPipeline("type_hints");
  await p.run(resource([{ small: 7, price: "12.345", sold_at: "2024-05-06T07:08:09.123+02:00" }], {
    name: "hinted",
    columns: {
      small: { dataType: "bigint", precision: 16 },
      price: { dataType: "decimal", precision: 10, scale: 2 },
      sold_at: { dataType: "timestamp", timezone: false, precision: 3 },
    },
  }));
  const types = await p.dataset().query<{ column_name: string; data_type: string }>(
    "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'hinted' AND column_name NOT LIKE '_dlt%' ORDER BY ordinal_position",
  );
  assert.deepEqual(types.map((t) => [t.column_name, t.data_type]), [
    ["small", "SMALLINT"],
    ["price", "DECIMAL(10,2)"],
    ["sold_at", "TIMESTAMP_MS"],
  ]);
  const [row] = await p.dataset().query(
    "SELECT small, price::VARCHAR AS price, strftime(sold_at, '%Y-%m-%d %H:%M:%S.%g') AS sold_at FROM hinted",
  );
  // the offset is applied: naive timestamps hold UTC
  assert.deepEqual(row, { small: 7, price: "12.35", sold_at: "2024-05-06 05:08:09.123" });
});

Deno.test("NaN and the infinities load into DOUBLE columns; inside json they are null", async () => {
  const { p } = await tempPipeline("non_finite");
  await p.run(resource([
    { i: 1, d: NaN, nested: { list: [1, NaN] } },
    { i: 2, d: Infinity, nested: { list: [-Infinity] } },
    { i: 3, d: -Infinity, nested: { list: [] } },
    { i: 4, d: 0.5, nested: { list: [2.5] } },
  ], { name: "floats", columns: { nested: { dataType: "json" } } }));
  const [type] = await p.dataset().query<{ data_type: string }>(
    "SELECT data_type FROM information_schema.columns WHERE table_name = 'floats' AND column_name = 'd'",
  );
  assert.equal(type.data_type, "DOUBLE");
  const rows = await p.dataset().query<{ d: number; nan: boolean; nested: string }>(
    "SELECT d, isnan(d) AS nan, nested FROM floats ORDER BY i",
  );
  assert.ok(Number.isNaN(rows[0].d) && rows[0].nan);
  assert.deepEqual(rows.slice(1).map((r) => r.d), [Infinity, -Infinity, 0.5]);
  assert.deepEqual(rows.map((r) => JSON.parse(r.nested)), [
    { list: [1, null] },
    { list: [null] },
    { list: [] },
    { list: [2.5] },
  ]);
});

Deno.test("Map, Set, objects with toJSON and class instances with data load as dlt converts them", async () => {
  const { p } = await tempPipeline("converted");
  class Money {
    amount = 12;
    currency = "EUR";
  }
  await p.run(resource([{
    id: 1,
    home: new URL("https://example.com/x"),
    price: new Money(),
    attrs: new Map([["color", "red"]]),
    tags: new Set(["a", "b"]),
  }], { name: "things" }));
  const [row] = await p.dataset().table("things").rows();
  assert.equal(row.home, "https://example.com/x");
  assert.equal(row.price__amount, 12);
  assert.equal(row.price__currency, "EUR");
  assert.equal(row.attrs__color, "red");
  const tags = await p.dataset().table("things__tags").orderBy("value").rows<{ value: string }>();
  assert.deepEqual(tags.map((t) => t.value), ["a", "b"]);
});

Deno.test("null and undefined items are skipped, also inside pages, as dlt skips None", async () => {
  const { p } = await tempPipeline("skipped");
  const info = await p.extract(resource(function* () {
    yield null;
    yield [{ id: 1 }, null, undefined, { id: 2 }];
    yield undefined;
    yield { id: 3 };
  }, { name: "sparse" }));
  assert.equal(info.itemCounts.sparse, 3);
  await p.normalize();
  await p.load();
  const rows = await p.dataset().table("sparse").orderBy("id").rows<{ id: number }>();
  assert.deepEqual(rows.map((r) => r.id), [1, 2, 3]);
  // a transformer gets no null either
  const seen: unknown[] = [];
  const parent = resource(function* () {
    yield null;
    yield { id: 4 };
  }, { name: "parent", selected: false });
  const child = transformer((item: unknown) => {
    seen.push(item);
    return { from: item };
  }, { name: "child", dataFrom: parent });
  await p.extract(source([parent, child], { name: "skipped" }));
  assert.deepEqual(seen, [{ id: 4 }]);
});
