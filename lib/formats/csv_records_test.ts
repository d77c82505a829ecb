import assert from "node:assert/strict";
import { csvRecords, type CsvRecordsOptions } from "./csv_records.ts";
import { FileFormatError } from "./format_error.ts";
import { streamOf } from "./_test_streams.ts";

/** The records of `text`, read in pieces of `piece` bytes, and the lines they start on. */
async function read(text: string, options: CsvRecordsOptions = {}, piece?: number) {
  const batches = await Array.fromAsync(csvRecords(streamOf(text, piece), "t.csv", options));
  return {
    records: batches.flatMap((batch) => batch.records),
    lines: batches.flatMap((batch) => batch.lines),
  };
}

const records = async (text: string, options: CsvRecordsOptions = {}, piece?: number) =>
  (await read(text, options, piece)).records;

Deno.test("fields split across pieces anywhere, quotes and line breaks inside them", async () => {
  const text = 'a,b\r\n"x ""q"" y","multi\r\nline"\r\n,""\n';
  const expected = [["a", "b"], ['x "q" y', "multi\r\nline"], [null, ""]];
  for (const piece of [1, 2, 3, 5, 1 << 16]) {
    const { records, lines } = await read(text, { unquotedEmpty: null }, piece);
    assert.deepEqual(records, expected, `pieces of ${piece}`);
    assert.deepEqual(lines, [1, 2, 4]);
  }
});

Deno.test("a quoted field of a megabyte over many pieces, and the records after it, keep their lines", async () => {
  const field = 'a ""quote"", a, comma\r\nand a line\n'.repeat(30_000);
  const text = `id,text\n1,"${field}"\n2,short\n`;
  const value = field.replaceAll('""', '"');
  for (const piece of [4099, 1 << 16]) {
    const { records, lines } = await read(text, {}, piece);
    assert.deepEqual(records, [["id", "text"], ["1", value], ["2", "short"]], `pieces of ${piece}`);
    assert.deepEqual(lines, [1, 2, 60_003]);
  }
});

Deno.test("bytes that do not decode after a record parsed again name the line reached, after its records", async () => {
  const chunks = ['"aaaa', '"\n1\n', "\xff"].map((c) =>
    Uint8Array.from(c, (ch) => ch.charCodeAt(0))
  );
  const seen: (string | null)[][] = [];
  await assert.rejects(async () => {
    for await (const batch of csvRecords(ReadableStream.from(chunks), "t.csv")) {
      seen.push(...batch.records);
    }
  }, /^FileFormatError: Cannot read "t\.csv", line 3: it is not valid utf-8 text/);
  assert.deepEqual(seen, [["aaaa"], ["1"]]);
});

Deno.test("a last line without a line break is a record; empty lines are none", async () => {
  assert.deepEqual(await records("\n1,2\n\r\n\n3,4"), [["1", "2"], ["3", "4"]]);
  assert.deepEqual(await records('"a"'), [["a"]]);
  assert.deepEqual(await records(""), []);
  // a lone CR does not end a line
  assert.deepEqual(await records("a\rb,c\n"), [["a\rb", "c"]]);
});

Deno.test("an unquoted empty field is an empty string by default, or null", async () => {
  assert.deepEqual(await records(',""\n'), [["", ""]]);
  assert.deepEqual(await records(',"",\n', { unquotedEmpty: null }), [[null, "", null]]);
  assert.deepEqual(await records('"",\r\n', { unquotedEmpty: null }), [["", null]]);
});

Deno.test("other delimiters; a quote inside an unquoted field, or after a closing one, is kept", async () => {
  assert.deepEqual(await records('a;b"c;"d;e"\n', { delimiter: ";" }), [["a", 'b"c', "d;e"]]);
  assert.deepEqual(await records("1||2||\n", { delimiter: "||" }), [["1", "2", ""]]);
  assert.deepEqual(await records('"a"b,"c""d"e\n'), [["ab", 'c"de']]);
  for (const delimiter of ['"', "", "\n", ";\r"]) {
    await assert.rejects(() => records("a", { delimiter }), RangeError);
  }
  await assert.rejects(() => records("a", { encoding: "klingon" }), RangeError);
});

Deno.test("a quote open at the end, or bytes of another encoding, name the file and line", async () => {
  await assert.rejects(() => records('a\n"b\n\nc'), (error: unknown) => {
    assert.ok(error instanceof FileFormatError);
    assert.equal(error.line, 2);
    assert.equal(
      error.message,
      'Cannot read "t.csv", line 2: a quoted field is not closed before the end of the file',
    );
    return true;
  });
  const latin1 = Uint8Array.from([...new TextEncoder().encode("a\nb\n"), 0xfc, 10]);
  await assert.rejects(
    () => Array.fromAsync(csvRecords(streamOf(latin1, 2), "t.csv")),
    /^FileFormatError: Cannot read "t\.csv", line 3: it is not valid utf-8 text at or after this line/,
  );
});
