import assert from "node:assert/strict";
import { countJsonlValues, readJsonlChunks } from "./jsonl_reader.ts";
import { FileFormatError } from "./format_error.ts";
import { streamOf } from "./_test_streams.ts";

const LINES = '{"id":1,"name":"Zoë"}\r\n\n  \n{"id":2,"big":12345678901234567890}\n[1,2]\n"text"';

Deno.test("values of every line, blank lines skipped, across any chunking", async () => {
  for (const piece of [1, 3, 1000]) {
    const chunks = await Array.fromAsync(readJsonlChunks(streamOf(LINES, piece), "a.jsonl"));
    assert.deepEqual(chunks.flat(), [
      { id: 1, name: "Zoë" },
      { id: 2, big: 12345678901234567890n },
      [1, 2],
      "text",
    ]);
  }
});

Deno.test("a line of a megabyte over many pieces is one value, its CRLF cut between two", async () => {
  const long = { text: "é😀".repeat(100_000) + "x".repeat(700_000) };
  const line = JSON.stringify(long);
  const bytes = new TextEncoder().encode(line);
  // pieces of 4,099 bytes end the long line with its CR, and cut characters
  const piece = 4099;
  const text = line + "\r\n".padStart(piece - (bytes.length % piece) + 1, " ") + '{"id":2}';
  for (const size of [piece, 1 << 16]) {
    const chunks = await Array.fromAsync(readJsonlChunks(streamOf(text, size), "a.jsonl"));
    assert.deepEqual(chunks.flat(), [long, { id: 2 }], `pieces of ${size}`);
  }
});

Deno.test("countJsonlValues counts the lines that are not blank, across any chunking", async () => {
  for (const piece of [1, 3, 1000]) {
    assert.equal(await countJsonlValues(streamOf(LINES, piece), "a.jsonl"), 4);
  }
  assert.equal(await countJsonlValues(streamOf(""), "a.jsonl"), 0);
  assert.equal(await countJsonlValues(streamOf("1\n2\n"), "a.jsonl"), 2);
});

Deno.test("bytes that are not UTF-8 are an error naming the file and the line", async () => {
  const bytes = Uint8Array.from([...new TextEncoder().encode('1\n\n"'), 0xfc, 0x22, 10]);
  const invalid =
    /Cannot read "a\.jsonl", line 3: it is not valid utf-8 text at or after this line/;
  await assert.rejects(
    () => Array.fromAsync(readJsonlChunks(streamOf(bytes, 2), "a.jsonl")),
    invalid,
  );
  await assert.rejects(() => countJsonlValues(streamOf(bytes, 2), "a.jsonl"), invalid);
});

Deno.test("chunkSize values per chunk", async () => {
  const text = Array.from({ length: 5 }, (_, i) => JSON.stringify({ i })).join("\n");
  const chunks = await Array.fromAsync(
    readJsonlChunks(streamOf(text, 4), "a.jsonl", { chunkSize: 2 }),
  );
  assert.deepEqual(chunks.map((c) => c.length), [2, 2, 1]);
});

Deno.test("a line that is not JSON is an error naming the file and the line", async () => {
  const text = '{"id":1}\n\n{"id":2}\n{"id": 3,\n{"id":4}\n';
  await assert.rejects(
    () => Array.fromAsync(readJsonlChunks(streamOf(text, 5), "data/a.jsonl")),
    (error: unknown) => {
      assert.ok(error instanceof FileFormatError);
      assert.equal(error.line, 4);
      assert.match(error.message, /^Cannot read "data\/a\.jsonl", line 4: it is not JSON \(/);
      return true;
    },
  );
});

Deno.test("chunksize, as dlt spells it, is refused with the option to write", async () => {
  await assert.rejects(
    () => Array.fromAsync(readJsonlChunks(streamOf("1", 1), "a.jsonl", { chunksize: 1 } as never)),
    /write "chunkSize"/,
  );
});
