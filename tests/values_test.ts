/**
 * Values that are hard on the load file format come back exactly as they went in.
 */
import assert from "node:assert/strict";
import { resource } from "../mod.ts";
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
