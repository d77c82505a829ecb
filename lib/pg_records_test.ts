import assert from "node:assert/strict";
import { RecordReader } from "./pg_records.ts";

const text = (value: string) => value;

Deno.test("record texts: NULL, empty, quoted and escaped values", () => {
  const reader = new RecordReader(["a", "b", "c", "d"], [text, text, text, text]);
  assert.deepEqual(reader.rows(['(1,,"",x)', "(,,,)", '("a ""b""","c\\\\d","(1,2)"," ")']), [
    { a: "1", b: null, c: "", d: "x" },
    { a: null, b: null, c: null, d: null },
    // the last value is NULL: nothing before the parenthesis
    { a: 'a "b"', b: "c\\d", c: "(1,2)", d: " " },
  ]);
  // a quote alone, a backslash alone, tabs and new lines as they are
  assert.deepEqual(reader.row('("""","\\\\","a\tb\nc","x,y")'), {
    a: '"',
    b: "\\",
    c: "a\tb\nc",
    d: "x,y",
  });
  // characters beyond ASCII, and a value that looks like NULL
  assert.deepEqual(reader.row("(é,🦕,NULL,\\N)"), { a: "é", b: "🦕", c: "NULL", d: "\\N" });
});

Deno.test("record texts: nested records stay their text; repeated names keep the last value", () => {
  const reader = new RecordReader(["r", "r", "n"], [text, text, Number]);
  assert.deepEqual(reader.row('("(1,""a b"")","(2,x)",3)'), { r: "(2,x)", n: 3 });
  const single = new RecordReader(["r"], [text]);
  assert.deepEqual(single.row('("(1,""a b"")")'), { r: '(1,"a b")' });
});

Deno.test("record texts: no columns, and texts that are not a record of the columns", () => {
  assert.deepEqual(new RecordReader([], []).rows(["()", "()"]), [{}, {}]);
  assert.throws(() => new RecordReader([], []).row("(1)"), /not a record of 0 values/);
  const reader = new RecordReader(["a", "b"], [text, text]);
  for (const bad of ["(1)", "(1,2,3)", "1,2", "(1,2", '("a,2)', '("a"x,2)', null]) {
    assert.throws(() => reader.row(bad), /A row's text is not a record of 2 values/, String(bad));
  }
  assert.throws(
    () => new RecordReader(["a"], []),
    (e: Error) => e instanceof RangeError && /one converter per column/.test(e.message),
  );
});

Deno.test("record texts: converters get the value's text, never NULL", () => {
  const seen: string[] = [];
  const reader = new RecordReader(["n", "s"], [(t) => (seen.push(t), Number(t)), text]);
  assert.deepEqual(reader.rows(["(12,a)", "(,b)"]), [{ n: 12, s: "a" }, { n: null, s: "b" }]);
  assert.deepEqual(seen, ["12"]);
});
