import assert from "node:assert/strict";
import { normalizeItem } from "./relational.ts";
import type { NormalizedValue } from "./inference.ts";

/** A row as the tests read it. */
type Row = Record<string, NormalizedValue>;
import { snakeCaseNaming } from "./naming.ts";
import { NormalizeError } from "../errors.ts";
import { BigIntValue, BinaryValue, stringifyItem } from "./typed_json.ts";

function normalize(item: unknown, maxNesting = 1000) {
  const rows: { table: string; parent: string | undefined; row: Row }[] = [];
  normalizeItem(item, "t", {
    naming: snakeCaseNaming(),
    loadId: "123.4",
    maxNesting,
    emit: (table, parent, row) => rows.push({ table, parent, row: row.toRecord() }),
  });
  return rows;
}

Deno.test("nested objects flatten into __ columns; root rows get _dlt_id and _dlt_load_id", () => {
  const [root, ...rest] = normalize({
    id: 1,
    userInfo: { firstName: "Ada", address: { zip: "1" } },
  });
  assert.equal(rest.length, 0);
  assert.equal(root.table, "t");
  assert.equal(root.parent, undefined);
  assert.equal(root.row.id, 1);
  assert.equal(root.row.user_info__first_name, "Ada");
  assert.equal(root.row.user_info__address__zip, "1");
  assert.equal(root.row._dlt_load_id, "123.4");
  assert.match(root.row._dlt_id as string, /^[A-Za-z0-9_-]{14}$/);
});

Deno.test("lists become child tables linked by _dlt_parent_id and _dlt_list_idx", () => {
  const rows = normalize({ id: 1, tags: ["a", "b"], items: [{ sku: "x", parts: [{ n: 1 }] }] });
  const root = rows[0].row;
  const tags = rows.filter((r) => r.table === "t__tags");
  assert.deepEqual(tags.map((r) => r.row.value), ["a", "b"]);
  assert.deepEqual(tags.map((r) => r.row._dlt_list_idx), [0, 1]);
  assert.ok(tags.every((r) => r.row._dlt_parent_id === root._dlt_id && r.parent === "t"));
  const item = rows.find((r) => r.table === "t__items")!;
  assert.equal(item.row.sku, "x");
  const part = rows.find((r) => r.table === "t__items__parts")!;
  assert.equal(part.parent, "t__items");
  assert.equal(part.row._dlt_parent_id, item.row._dlt_id);
  assert.equal(part.row.n, 1);
  assert.ok(!("_dlt_load_id" in part.row));
  // parents come before their children
  const order = rows.map((r) => r.table);
  assert.ok(order.indexOf("t__items") < order.indexOf("t__items__parts"));
});

Deno.test("child row ids are deterministic; root ids are unique", () => {
  const item = { id: "k", _dlt_id: "fixedrootid000", tags: ["a"] };
  const a = normalize(item);
  const b = normalize(item);
  assert.equal(a[0].row._dlt_id, "fixedrootid000");
  assert.equal(a[1].row._dlt_id, b[1].row._dlt_id);
  assert.notEqual(normalize({ x: 1 })[0].row._dlt_id, normalize({ x: 1 })[0].row._dlt_id);
});

Deno.test("scalars become a value column; nulls are left out", () => {
  assert.equal(normalize(42)[0].row.value, 42);
  assert.equal(normalize("text")[0].row.value, "text");
  const [root] = normalize({ a: null, b: 1 });
  assert.ok(!("a" in root.row));
});

Deno.test("lists of lists go to a __list table below the outer list", () => {
  const rows = normalize({ matrix: [[1, 2], [3]] });
  const outer = rows.filter((r) => r.table === "t__matrix");
  const inner = rows.filter((r) => r.table === "t__matrix__list");
  assert.equal(outer.length, 2);
  assert.deepEqual(inner.map((r) => r.row.value), [1, 2, 3]);
  assert.equal(inner[2].row._dlt_parent_id, outer[1].row._dlt_id);
});

Deno.test("maxNesting keeps deeper values whole as json", () => {
  const [root, ...children] = normalize({ a: { b: { c: 1 } }, list: [1] }, 1);
  assert.deepEqual(root.row.a__b, { c: 1 });
  assert.equal(children.length, 1);
  const [flat] = normalize({ a: { b: 1 }, list: [1] }, 0);
  assert.deepEqual(flat.row.a, { b: 1 });
  assert.deepEqual(flat.row.list, [1]);
});

Deno.test("very deep nesting does not overflow and ends as json", () => {
  let deep: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < 3000; i++) deep = { n: deep };
  const [root] = normalize(deep, 50);
  const keys = Object.keys(root.row).filter((k) => !k.startsWith("_dlt"));
  assert.equal(keys.length, 1);
  // 50 flattened levels plus the key that holds the rest as json
  assert.equal(keys[0].split("__").length, 51);
  assert.equal(typeof root.row[keys[0]], "object");
});

Deno.test("keys that collide after normalization raise a NormalizeError naming the column", () => {
  assert.throws(
    () => normalize({ userId: 1, user_id: 2 }),
    (e: unknown) =>
      e instanceof NormalizeError && e.columnName === "user_id" && e.tableName === "t",
  );
  // the same value under both keys loses nothing: one column
  const [root] = normalize({ blockHash: "0x1", block_hash: "0x1", big: 1n, Big: 1n });
  assert.equal(root.row.block_hash, "0x1");
});

Deno.test("keys collide through their parents' names too, within one row only", () => {
  // "a" and "A" both flatten their "b" into a__b
  assert.throws(
    () => normalize({ a: { b: 1 }, A: { b: 2 } }),
    (e: unknown) => e instanceof NormalizeError && e.columnName === "a__b",
  );
  const [root] = normalize({ a: { b: 1 }, A: { b: 1 } });
  assert.deepEqual(Object.keys(root.row).filter((k) => !k.startsWith("_dlt_")), ["a__b"]);
  // each row of a list has its own columns, as has each item
  const rows = normalize({ list: [{ x: 1, X: 1 }, { x: 2 }] });
  assert.deepEqual(rows.slice(1).map((r) => r.row.x), [1, 2]);
  assert.equal(normalize({ a: { b: 3 } })[0].row.a__b, 3);
});

Deno.test("dlt's columns an item gives are kept in their place or replaced", () => {
  const [root, nested, value] = normalize({
    _dlt_id: "givenrootid000",
    _dlt_load_id: "old",
    objects: [{ _dlt_id: "givennestedid0", _dlt_parent_id: "other", n: 1 }],
    values: [7],
  });
  assert.deepEqual(Object.entries(root.row), [
    ["_dlt_id", "givenrootid000"],
    ["_dlt_load_id", "123.4"],
  ]);
  assert.deepEqual(Object.entries(nested.row), [
    ["_dlt_id", "givennestedid0"],
    ["_dlt_parent_id", "givenrootid000"],
    ["n", 1],
    ["_dlt_list_idx", 0],
  ]);
  assert.deepEqual(Object.keys(value.row), ["value", "_dlt_id", "_dlt_parent_id", "_dlt_list_idx"]);
  // an id that is not text is replaced by the row's own
  const [numbered] = normalize({ _dlt_id: 5, x: 1 });
  assert.match(numbered.row._dlt_id as string, /^[A-Za-z0-9_-]{14}$/);
  assert.deepEqual(Object.keys(numbered.row), ["_dlt_id", "x", "_dlt_load_id"]);
});

Deno.test("bigint and binary survive extract encoding", () => {
  const line = stringifyItem({ big: 2n ** 70n, bytes: new Uint8Array([1, 2, 255]), s: "\uE000x" });
  const [root] = normalize(JSON.parse(line!));
  assert.ok(root.row.big instanceof BigIntValue);
  assert.equal((root.row.big as BigIntValue).digits, (2n ** 70n).toString());
  assert.ok(root.row.bytes instanceof BinaryValue);
  assert.equal((root.row.bytes as BinaryValue).base64, btoa(String.fromCharCode(1, 2, 255)));
  assert.equal(root.row.s, "\uE000x");
});

Deno.test("with rootKey, nested rows at any depth carry their root row's _dlt_id", () => {
  const rows: { table: string; row: Row }[] = [];
  normalizeItem({ id: 1, orders: [{ lines: [{ sku: "a" }], tags: ["x"] }], grid: [[1]] }, "t", {
    naming: snakeCaseNaming(),
    loadId: "123.4",
    maxNesting: 1000,
    rootKey: true,
    emit: (table, _parent, row) => rows.push({ table, row: row.toRecord() }),
  });
  const rootId = rows[0].row._dlt_id;
  assert.equal(rows[0].row._dlt_root_id, undefined);
  const nested = rows.slice(1);
  assert.deepEqual(nested.map((r) => r.table), [
    "t__orders",
    "t__orders__lines",
    "t__orders__tags",
    "t__grid",
    "t__grid__list",
  ]);
  for (const { row } of nested) assert.equal(row._dlt_root_id, rootId);
  // dlt's column order for nested objects: data, root id, link to the parent, own id
  assert.deepEqual(Object.keys(nested[1].row), [
    "sku",
    "_dlt_root_id",
    "_dlt_parent_id",
    "_dlt_list_idx",
    "_dlt_id",
  ]);
});

Deno.test("a nested table of its own gets root rows: load id, own id, no parent link", () => {
  const rows: { table: string; parent: string | undefined; row: Row }[] = [];
  normalizeItem({ id: 1, orders: [{ n: 1, lines: [{ sku: "a" }] }, 7, [2]] }, "t", {
    naming: snakeCaseNaming(),
    loadId: "123.4",
    maxNesting: 1000,
    rootKey: true,
    ownTable: (table, parent) =>
      table === "t__orders" && parent === "t"
        ? { rootKey: true, rowId: (row) => `order-${row.get("n") ?? row.get("value") ?? "list"}` }
        : undefined,
    emit: (table, parent, row) => rows.push({ table, parent, row: row.toRecord() }),
  });
  const rootId = rows[0].row._dlt_id;
  assert.deepEqual(rows.map((r) => [r.table, r.parent]), [
    ["t", undefined],
    ["t__orders", undefined],
    ["t__orders__lines", "t__orders"],
    ["t__orders", undefined],
    ["t__orders", undefined],
    ["t__orders__list", "t__orders"],
  ]);
  const [, order, line, scalar, linking, element] = rows.map((r) => r.row);
  // the own table's rows keep the root row's id, and carry the load id and their own id
  assert.deepEqual(order, {
    n: 1,
    _dlt_root_id: rootId,
    _dlt_load_id: "123.4",
    _dlt_id: "order-1",
  });
  assert.deepEqual(scalar, {
    value: 7,
    _dlt_root_id: rootId,
    _dlt_load_id: "123.4",
    _dlt_id: "order-7",
  });
  assert.deepEqual(Object.keys(linking), ["_dlt_root_id", "_dlt_load_id", "_dlt_id"]);
  // rows nested in it are linked to it and take its rows as their root
  assert.equal(line._dlt_parent_id, "order-1");
  assert.equal(line._dlt_root_id, "order-1");
  assert.equal(element._dlt_parent_id, "order-list");
  assert.equal(element._dlt_root_id, "order-list");
});
