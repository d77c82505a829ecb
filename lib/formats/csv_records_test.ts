import assert from "node:assert/strict";
import { csvRecords } from "./csv_records.ts";

const records = (chunks: string[], options = {}) => Array.fromAsync(csvRecords(chunks, options));

Deno.test("fields split across chunks anywhere, quotes and line breaks inside them", async () => {
  const text = 'a,b\r\n"x ""q"" y","multi\r\nline"\r\n,""\n';
  const expected = [["a", "b"], ['x "q" y', "multi\r\nline"], [null, ""]];
  // every way of cutting the text in two
  for (let i = 0; i <= text.length; i++) {
    assert.deepEqual(await records([text.slice(0, i), text.slice(i)]), expected, `cut at ${i}`);
  }
  // one character at a time
  assert.deepEqual(await records([...text]), expected);
});

Deno.test("a last line without a line break is a record; empty lines are none", async () => {
  assert.deepEqual(await records(["\n1,2\n\n3,4"]), [["1", "2"], ["3", "4"]]);
  assert.deepEqual(await records(['"a"']), [["a"]]);
  assert.deepEqual(await records([""]), []);
  assert.deepEqual(await records(["a\r"]), [["a\r"]]);
});

Deno.test("an unquoted empty field is null by default, or an empty string", async () => {
  assert.deepEqual(await records([",\n"]), [[null, null]]);
  assert.deepEqual(await records([',""\n'], { unquotedEmpty: "" }), [["", ""]]);
});

Deno.test("another delimiter; a quote inside an unquoted field is kept", async () => {
  assert.deepEqual(await records(['a;b"c;"d;e"\n'], { delimiter: ";" }), [["a", 'b"c', "d;e"]]);
  await assert.rejects(records(["a"], { delimiter: '"' }), RangeError);
});

Deno.test("malformed quoting is a SyntaxError naming the record", async () => {
  await assert.rejects(records(['a\n"b"c\n']), {
    name: "SyntaxError",
    message: "CSV record 2 has text after the closing quote of field 1",
  });
  await assert.rejects(records(['a\n"open']), {
    name: "SyntaxError",
    message: "CSV record 2 ends inside a quoted field",
  });
});
