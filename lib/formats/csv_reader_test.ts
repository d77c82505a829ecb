import assert from "node:assert/strict";
import { readCsvChunks } from "./csv_reader.ts";
import type { CsvReadOptions } from "./csv_reader.ts";
import { gunzip } from "./decompress.ts";
import { FileFormatError } from "./format_error.ts";
import { streamOf } from "./_test_streams.ts";

async function rows(
  data: string | Uint8Array,
  options: CsvReadOptions = {},
  piece?: number,
): Promise<Record<string, unknown>[]> {
  return (await Array.fromAsync(readCsvChunks(streamOf(data, piece), "t.csv", options))).flat();
}

const TRICKY = 'id,text,n\r\n1,"a, ""quoted""\r\nline",2\r\n2,plain,\r\n\r\n3,"",4.5\r\n';

Deno.test("RFC 4180: quotes, escaped quotes, newlines in quotes, CRLF, empty lines", async () => {
  const expected = [
    { id: 1, text: 'a, "quoted"\r\nline', n: 2 },
    { id: 2, text: "plain", n: null },
    { id: 3, text: null, n: 4.5 },
  ];
  assert.deepEqual(await rows(TRICKY), expected);
  // the same whatever the stream's chunks: every record, quote and CRLF split somewhere
  for (const piece of [1, 2, 3, 7]) assert.deepEqual(await rows(TRICKY, {}, piece), expected);
});

Deno.test("a UTF-8 byte order mark is not part of the first column's name", async () => {
  assert.deepEqual(await rows("\uFEFFa,b\n1,2\n"), [{ a: 1, b: 2 }]);
});

Deno.test("the delimiter option, and the last line without a line end", async () => {
  assert.deepEqual(await rows("a;b\n1,5;x\n2,5;y", { delimiter: ";" }), [
    { a: "1,5", b: "x" },
    { a: "2,5", b: "y" },
  ]);
  assert.deepEqual(await rows("a||b\n1||2\n", { delimiter: "||" }), [{ a: 1, b: 2 }]);
});

Deno.test("header: false names columns 0, 1, … as pandas; names replace them", async () => {
  assert.deepEqual(await rows("1,x\n2,y\n", { header: false }), [
    { "0": 1, "1": "x" },
    { "0": 2, "1": "y" },
  ]);
  assert.deepEqual(await rows("1,x\n", { header: false, names: ["id", "v"] }), [{
    id: 1,
    v: "x",
  }]);
  assert.deepEqual(await rows("a,b\n1,x\n", { names: ["id", "v"] }), [{ id: 1, v: "x" }]);
});

Deno.test("empty and repeated column names as pandas makes them", async () => {
  assert.deepEqual(await rows("a,,a,a\n1,2,3,4\n"), [
    { a: 1, "Unnamed: 1": 2, "a.1": 3, "a.2": 4 },
  ]);
});

Deno.test("types per column: integers, floats, booleans, text, missing values", async () => {
  const csv = "i,f,b,t,big,na,mixed\n" +
    "1,1.5,True,x,9007199254740993,NA,1\n" +
    "-2,1e3,false,007,-9223372036854775808,,a\n" +
    ",inf,,NULL,12,n/a,2\n";
  assert.deepEqual(await rows(csv), [
    { i: 1, f: 1.5, b: true, t: "x", big: 9007199254740993n, na: null, mixed: "1" },
    { i: -2, f: 1000, b: false, t: "007", big: -9223372036854775808n, na: null, mixed: "a" },
    { i: null, f: Infinity, b: null, t: null, big: 12, na: null, mixed: "2" },
  ]);
  assert.deepEqual(await rows("n\n007\n", { inferTypes: false }), [{ n: "007" }]);
  assert.deepEqual(await rows("n\nNA\n-\n", { naValues: ["-"] }), [{ n: "NA" }, { n: null }]);
});

Deno.test("a short record is filled with nulls; characters after a closing quote are kept", async () => {
  assert.deepEqual(await rows('a,b,c\n1\n"x"y,2,3\n'), [
    { a: "1", b: null, c: null },
    { a: "xy", b: 2, c: 3 },
  ]);
});

Deno.test("chunkSize rows per chunk, types inferred per chunk as pandas does", async () => {
  const csv = "n\n" + Array.from({ length: 5 }, (_, i) => i).join("\n") + "\nx\n";
  const chunks = await Array.fromAsync(
    readCsvChunks(streamOf(csv, 3), "t.csv", { chunkSize: 2 }),
  );
  assert.deepEqual(chunks, [
    [{ n: 0 }, { n: 1 }],
    [{ n: 2 }, { n: 3 }],
    [{ n: "4" }, { n: "x" }],
  ]);
});

Deno.test("a record with too many fields is an error naming the file and its line", async () => {
  const csv = 'a,b\n1,2\n"multi\nline",2\n3,4,5\n';
  await assert.rejects(
    () => rows(csv, {}, 4),
    (error: unknown) => {
      assert.ok(error instanceof FileFormatError);
      assert.equal(error.line, 5);
      assert.equal(error.message, 'Cannot read "t.csv", line 5: Expected 2 fields, saw 3');
      return true;
    },
  );
});

Deno.test("a quote still open at the end of the file names the line it opened on", async () => {
  await assert.rejects(
    () => rows('a,b\n1,2\n3,"open\n\nmore\n'),
    /Cannot read "t\.csv", line 3: a quoted field is not closed before the end of the file/,
  );
});

Deno.test("encoding: latin1 text, invalid bytes and unknown labels", async () => {
  const latin1 = Uint8Array.from([...new TextEncoder().encode("name\n"), 0x4a, 0xfc, 0x72, 10]);
  assert.deepEqual(await rows(latin1, { encoding: "latin1" }), [{ name: "Jür" }]);
  await assert.rejects(
    () => rows(latin1),
    /Cannot read "t\.csv", line 1: it is not valid utf-8 text/,
  );
  await assert.rejects(() => rows("a\n", { encoding: "klingon" }), RangeError);
});

Deno.test("UTF-16 with a byte order mark", async () => {
  const text = "a,b\n1,ü\n";
  const bytes = new Uint8Array(2 + text.length * 2);
  bytes.set([0xff, 0xfe]);
  for (let i = 0; i < text.length; i++) bytes[2 + 2 * i] = text.charCodeAt(i);
  assert.deepEqual(await rows(bytes, { encoding: "utf-16le" }, 3), [{ a: 1, b: "ü" }]);
});

Deno.test("gzip-compressed CSV through gunzip; a corrupt one names the file", async () => {
  const packed = new Uint8Array(
    await new Response(new Blob([TRICKY]).stream().pipeThrough(new CompressionStream("gzip")))
      .arrayBuffer(),
  );
  const read = (bytes: Uint8Array) =>
    Array.fromAsync(readCsvChunks(gunzip(streamOf(bytes, 5), "t.csv.gz"), "t.csv.gz"));
  assert.equal((await read(packed)).flat().length, 3);
  const corrupt = packed.slice(0, packed.length - 6);
  await assert.rejects(() => read(corrupt), /Cannot read "t\.csv\.gz": it is not valid gzip/);
});

Deno.test("pandas options are refused with what to write instead", async () => {
  const read = (options: unknown) => rows("a\n1\n", options as CsvReadOptions);
  await assert.rejects(() => read({ sep: ";" }), /"sep" is not supported .*write "delimiter"/);
  await assert.rejects(() => read({ chunksize: 5 }), /write "chunkSize"/);
  await assert.rejects(() => read({ chunk_size: 5 }), /write "chunkSize"/);
  await assert.rejects(() => read({ delimiter: '"' }), TypeError);
  await assert.rejects(() => read({ chunkSize: 0 }), RangeError);
});
