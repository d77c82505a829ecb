import assert from "node:assert/strict";
import { BigIntValue, BinaryValue, decodeMarked, stringifyItem } from "./typed_json.ts";

/** Parses a line as normalize does, marked strings decoded. */
function readBack(line: string): unknown {
  return JSON.parse(line, (_key, value) => typeof value === "string" ? decodeMarked(value) : value);
}

Deno.test("special values nested anywhere are kept, plain items are plain JSON", () => {
  const deep: Record<string, unknown> = { leaf: 1n };
  let nested = deep;
  for (let i = 0; i < 100; i++) nested = { inner: nested };
  const item = {
    plain: { a: [1, "two", null, true] },
    when: new Date("2024-05-06T07:08:09.010Z"),
    tags: new Set(["x"]),
    byName: new Map([["k", 3n]]),
    list: [{ bytes: new Uint16Array([1]) }],
    marked: "\uE000looks like a marker",
    nested,
  };
  const back = readBack(stringifyItem(item)) as Record<string, unknown>;
  assert.deepEqual(back.plain, { a: [1, "two", null, true] });
  assert.equal(back.when, "2024-05-06T07:08:09.010Z");
  assert.deepEqual(back.tags, ["x"]);
  assert.deepEqual(back.byName, { k: new BigIntValue("3") });
  assert.deepEqual(back.list, [{ bytes: new BinaryValue("AQA=") }]);
  assert.equal(back.marked, "\uE000looks like a marker");
  let inner = back.nested as Record<string, unknown>;
  for (let i = 0; i < 100; i++) inner = inner.inner as Record<string, unknown>;
  assert.deepEqual(inner, { leaf: new BigIntValue("1") });
  const plain = { a: [1, { b: "c" }], d: null };
  assert.equal(stringifyItem(plain), JSON.stringify(plain));
});

Deno.test("a cyclic item is reported by JSON.stringify, not as a stack overflow", () => {
  const item: Record<string, unknown> = { a: 1 };
  item.self = { back: item };
  assert.throws(() => stringifyItem(item), TypeError);
});
