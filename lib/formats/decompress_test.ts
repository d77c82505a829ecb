import assert from "node:assert/strict";
import { gunzip, maybeGunzip } from "./decompress.ts";
import { FileFormatError } from "./format_error.ts";
import { streamOf } from "./_test_streams.ts";

async function gzipped(text: string): Promise<Uint8Array> {
  const packed = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(packed).arrayBuffer());
}

const textOf = (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

Deno.test("maybeGunzip tells gzip by its first bytes, however the stream is cut", async () => {
  const packed = await gzipped("a,b\n1,2\n");
  for (const piece of [1, 2, 3, 1 << 16]) {
    assert.equal(await textOf(await maybeGunzip(streamOf(packed, piece), "t.csv")), "a,b\n1,2\n");
    assert.equal(await textOf(await maybeGunzip(streamOf("plain", piece), "t.csv")), "plain");
  }
  assert.equal(await textOf(await maybeGunzip(streamOf(""), "t.jsonl")), "");
  assert.equal(await textOf(await maybeGunzip(streamOf("\x1f"), "t.jsonl")), "\x1f");
});

Deno.test("a corrupt gzip stream is an error naming the file", async () => {
  const packed = await gzipped("a,b\n1,2\n".repeat(100));
  const corrupt = packed.slice(0, packed.length - 6);
  for (const open of [gunzip, maybeGunzip]) {
    await assert.rejects(
      async () => await textOf(await open(streamOf(corrupt, 16), "t.csv.gz")),
      (error: unknown) => {
        assert.ok(error instanceof FileFormatError);
        assert.match(error.message, /^Cannot read "t\.csv\.gz": it is not valid gzip \(/);
        return true;
      },
    );
  }
});
