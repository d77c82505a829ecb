/**
 * Conformance: values of every data type come back as they went in, compared in a
 * destination-neutral way. Every SQL destination returns rows in one shape (`dataset().query`,
 * `table().rows()`):
 *
 * | data type  | comes back as |
 * | ---------- | ------------- |
 * | text       | string (`""` stays `""`, NULL is `null`) |
 * | bigint     | number when `Number.isSafeInteger`, else `bigint` (beyond 2^53) |
 * | double     | number (`NaN`, `±Infinity` too) |
 * | bool       | boolean |
 * | timestamp  | `Date` (milliseconds; with time zone, or UTC for `timezone: false`) |
 * | date       | `Date` at UTC midnight |
 * | decimal    | number when the number is the same decimal, else the exact text |
 * | binary     | `Uint8Array` |
 * | json       | the JSON text (key order and spacing are the destination's) |
 */
import assert from "node:assert/strict";
import { resource } from "../../mod.ts";
import { conformanceTest } from "./_destinations.ts";

const TRICKY = [
  "line one\r\nline two",
  "\r\nstarts with CRLF",
  'quoted "word", and a comma',
  "",
  " padded ",
  "tab\tand\nnewline",
  "ünïcødé ✓ 日本 😀",
  "\\N",
  "NULL",
  ",,,",
  '"',
  "it's",
];

conformanceTest(
  "text with quotes, commas, newlines and unicode round-trips; empty string is not NULL",
  { needsSql: true },
  async (ctx) => {
    const p = ctx.pipeline();
    await p.run(resource(
      TRICKY.map((text, i) => ({ i, text, sparse: i === 3 ? "only" : null })),
      { name: "texts" },
    ));
    const rows = await p.dataset().table("texts").orderBy("i").rows<
      { text: string; sparse: string | null }
    >();
    assert.deepEqual(rows.map((r) => r.text), TRICKY);
    assert.deepEqual(rows.map((r) => r.sparse), TRICKY.map((_, i) => (i === 3 ? "only" : null)));
    const [{ empty, nulls }] = await p.dataset().query<{ empty: number; nulls: number }>(
      `SELECT sum(CASE WHEN text = '' THEN 1 ELSE 0 END) AS empty,
              sum(CASE WHEN sparse IS NULL THEN 1 ELSE 0 END) AS nulls FROM texts`,
    );
    assert.deepEqual([Number(empty), Number(nulls)], [1, TRICKY.length - 1]);
  },
);

conformanceTest(
  "bigint beyond 2^53 comes back exact as a bigint; safe integers as numbers",
  { needsSql: true },
  async (ctx) => {
    const p = ctx.pipeline();
    const values = [2n ** 60n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 42n, -7n];
    await p.run(resource(values.map((n, i) => ({ i, n })), { name: "ints" }));
    assert.equal(p.schemas.get("conformance")!.tables.ints.columns.n.dataType, "bigint");
    const rows = await p.dataset().table("ints").orderBy("i").rows<{ n: number | bigint }>();
    assert.deepEqual(rows.map((r) => r.n), [
      2n ** 60n,
      2n ** 53n + 1n,
      -(2n ** 63n),
      2n ** 63n - 1n,
      42,
      -7,
    ]);
    // the database compares them exactly too
    const [{ n }] = await p.dataset().query<{ n: number }>(
      "SELECT count(*) AS n FROM ints WHERE n = 9007199254740993",
    );
    assert.equal(Number(n), 1);
  },
);

conformanceTest(
  "double and bool keep their values, NaN and the infinities included",
  { needsSql: true },
  async (ctx) => {
    const p = ctx.pipeline();
    const doubles = [1.5e-300, -0.25, 0.1, 1e300, NaN, Infinity, -Infinity];
    await p.run(resource(
      doubles.map((d, i) => ({ i, d, b: i % 2 === 0 })),
      { name: "floats" },
    ));
    const rows = await p.dataset().table("floats").orderBy("i").rows<{ d: number; b: boolean }>();
    assert.deepEqual(rows.map((r) => r.d), doubles);
    assert.deepEqual(rows.map((r) => r.b), doubles.map((_, i) => i % 2 === 0));
  },
);

conformanceTest(
  "timestamps (with and without time zone) and dates come back as Date",
  { needsSql: true },
  async (ctx) => {
    const p = ctx.pipeline();
    await p.run(resource([
      {
        i: 1,
        happened: "2024-03-10T01:02:03+05:30",
        naive: "2024-03-10T01:02:03.456Z",
        day: "2024-02-29",
      },
      {
        i: 2,
        happened: "2024-03-10T01:02:03.456Z",
        naive: "2024-05-06T07:08:09+02:00",
        day: "1999-12-31",
      },
      { i: 3, happened: new Date("1970-01-01T00:00:00Z"), naive: null, day: null },
    ], {
      name: "times",
      columns: { naive: { dataType: "timestamp", timezone: false }, day: { dataType: "date" } },
    }));
    const rows = await p.dataset().table("times").orderBy("i").rows<
      { happened: Date; naive: Date | null; day: Date | null }
    >();
    const iso = (d: Date | null) => {
      if (d === null) return null;
      assert.ok(d instanceof Date, `${d} is a Date`);
      return d.toISOString();
    };
    assert.deepEqual(rows.map((r) => [iso(r.happened), iso(r.naive), iso(r.day)]), [
      ["2024-03-09T19:32:03.000Z", "2024-03-10T01:02:03.456Z", "2024-02-29T00:00:00.000Z"],
      ["2024-03-10T01:02:03.456Z", "2024-05-06T05:08:09.000Z", "1999-12-31T00:00:00.000Z"],
      ["1970-01-01T00:00:00.000Z", null, null],
    ]);
    // compared by the database as points in time
    const [{ n }] = await p.dataset().query<{ n: number }>(
      "SELECT count(*) AS n FROM times WHERE happened < CAST('2024-03-10T00:00:00Z' AS TIMESTAMP WITH TIME ZONE)",
    );
    assert.equal(Number(n), 2);
  },
);

conformanceTest(
  "decimal, binary and json round-trip",
  { needsSql: true },
  async (ctx) => {
    const p = ctx.pipeline();
    await p.run(resource([
      {
        i: 1,
        price: "12.345",
        amount: "12345678901234567890.123456789",
        blob: new Uint8Array([0, 1, 127, 128, 254, 255]),
        doc: { a: 1, b: [true, null, "x"], "c d": { e: 'é"\n' } },
      },
      { i: 2, price: "-0.5", amount: "0.1", blob: new Uint8Array([]), doc: [1, 2.5, "three"] },
      { i: 3, price: null, amount: "-7", blob: null, doc: null },
    ], {
      name: "exact",
      columns: {
        price: { dataType: "decimal", precision: 10, scale: 2 },
        amount: { dataType: "decimal" },
        doc: { dataType: "json" },
      },
    }));
    const rows = await p.dataset().table("exact").orderBy("i").rows<
      { price: unknown; amount: unknown; blob: Uint8Array | null; doc: string | null }
    >();
    // decimals: rounded to the column's scale; a number when the number is that decimal
    assert.deepEqual(rows.map((r) => r.price), [12.35, -0.5, null]);
    assert.deepEqual(rows.map((r) => r.amount), ["12345678901234567890.123456789", 0.1, -7]);
    assert.deepEqual(rows.map((r) => r.blob && [r.blob instanceof Uint8Array, ...r.blob]), [
      [true, 0, 1, 127, 128, 254, 255],
      [true],
      null,
    ]);
    assert.deepEqual(rows.map((r) => r.doc === null ? null : JSON.parse(r.doc)), [
      { a: 1, b: [true, null, "x"], "c d": { e: 'é"\n' } },
      [1, 2.5, "three"],
      null,
    ]);
  },
);
