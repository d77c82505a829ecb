import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  BigIntValue,
  BinaryValue,
  decodeMarked,
  serializeItem,
  stringifyItem,
  UnsupportedValueError,
} from "./typed_json.ts";

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
  const back = readBack(stringifyItem(item)!) as Record<string, unknown>;
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

Deno.test("NaN and the infinities survive as numbers; finite numbers stay plain JSON", () => {
  const back = readBack(stringifyItem({ a: NaN, b: [Infinity, -Infinity], c: 1.5 })!);
  assert.deepEqual(back, { a: NaN, b: [Infinity, -Infinity], c: 1.5 });
  assert.equal(readBack(stringifyItem(NaN)!), NaN);
});

Deno.test("objects with toJSON are their JSON, class instances with data are objects", () => {
  class Point {
    x = 1;
    y = 2;
    norm(): number {
      return Math.hypot(this.x, this.y);
    }
  }
  const back = readBack(
    stringifyItem({
      url: new URL("https://example.com/a?b=1"),
      point: new Point(),
      // Node's Buffer has a toJSON, but it is binary data
      buffer: Buffer.from([1, 2]),
    })!,
  );
  assert.deepEqual(back, {
    url: "https://example.com/a?b=1",
    point: { x: 1, y: 2 },
    buffer: new BinaryValue("AQI="),
  });
});

Deno.test("values that are not data fail with the path of the field that holds them", () => {
  const cases: [unknown, string, RegExp][] = [
    [{ headers: new Headers({ a: "b" }) }, "headers", /an instance of Headers/],
    [{ a: [{ b: new (class Empty {})() }] }, "a[0].b", /an instance of Empty/],
    [{ pending: Promise.resolve(1) }, "pending", /an instance of Promise/],
    [{ when: new Date("x") }, "when", /an invalid Date/],
    [{ list: [new Date(NaN)] }, "list[0]", /an invalid Date/],
    [{ byId: new Map([[1, "a"]]) }, "byId", /a Map with a number key/],
    [{ m: new Map([["k", new Set([new Headers()])]]) }, "m.k[0]", /an instance of Headers/],
  ];
  for (const [item, path, reason] of cases) {
    assert.throws(
      () => stringifyItem(item),
      (e: unknown) => {
        assert.ok(e instanceof UnsupportedValueError);
        assert.equal(e.path, path);
        assert.match(e.message, reason);
        assert.match(e.message, new RegExp(`^Field "${path.replace(/[[\]]/g, "\\$&")}" holds`));
        return true;
      },
    );
  }
  assert.throws(
    () => stringifyItem(new Headers()),
    (e: unknown) =>
      e instanceof UnsupportedValueError && e.path === "" &&
      e.message.startsWith("The item is an instance of Headers"),
  );
});

Deno.test("functions, symbols and undefined as the item give no line", () => {
  assert.equal(stringifyItem(() => 1), undefined);
  assert.equal(stringifyItem(Symbol("s")), undefined);
  assert.equal(stringifyItem({ f: () => 1, s: Symbol("s"), u: undefined, k: 1 }), '{"k":1}');
});

Deno.test("an item is plain when JSON.parse of its line gives back an equal value", () => {
  const items: [unknown, boolean][] = [
    [{ a: [1, "x", null, true], b: { c: 1.5 } }, true],
    [{ n: 1n }, false],
    [{ at: new Date(0) }, false],
    [{ missing: undefined }, false],
    [{ hole: [1, , 3] }, false],
    [{ zero: -0 }, false],
    [{ nan: Number.NaN }, false],
  ];
  for (const [item, plain] of items) {
    const { line } = serializeItem(item);
    assert.equal(serializeItem(item).plain, plain, line);
    if (plain) assert.deepEqual(JSON.parse(line!), item);
  }
  // -0 is written as 0 either way
  assert.equal(serializeItem({ zero: -0 }).line, '{"zero":0}');
});
