import assert from "node:assert/strict";
import { readLines } from "./lines.ts";
import { DenoStorage } from "../storage/deno_storage.ts";

async function linesOf(bytes: Uint8Array): Promise<string[]> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/file.jsonl`, bytes);
    const lines: string[] = [];
    for await (const line of readLines(new DenoStorage(dir), "file.jsonl")) lines.push(line);
    return lines;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("readLines decodes characters cut at the 4 MiB chunk boundary", async () => {
  const encoder = new TextEncoder();
  // a 4-byte character straddles the end of the first chunk at every offset
  for (const pad of [4 * 1024 * 1024 - 1, 4 * 1024 * 1024 - 2, 4 * 1024 * 1024 - 3]) {
    const first = "a".repeat(pad - 1);
    const text = `${first}\n😀€é\nlast`;
    assert.deepEqual(await linesOf(encoder.encode(text)), [first, "😀€é", "last"]);
  }
});

Deno.test("readLines drops a leading byte order mark and empty lines, keeps a last line without newline", async () => {
  const text = "\uFEFF{\"a\":1}\n\n{\"b\":\"\uFEFF\"}\n{\"c\":3}";
  assert.deepEqual(await linesOf(new TextEncoder().encode(text)), [
    '{"a":1}',
    '{"b":"\uFEFF"}',
    '{"c":3}',
  ]);
});

Deno.test("readLines replaces invalid UTF-8 with U+FFFD, as TextDecoder does", async () => {
  const bytes = new Uint8Array([0x61, 0xff, 0x62, 0x0a, 0xe2, 0x82, 0x63, 0x0a, 0xf0, 0x9f]);
  assert.deepEqual(await linesOf(bytes), new TextDecoder().decode(bytes).split("\n"));
});
