import assert from "node:assert/strict";
import { asciiJsonLine, readLines } from "./lines.ts";
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

/** Bytes `readLines` reads at a time. */
const CHUNK = 64 * 1024;

Deno.test("readLines decodes characters cut at the 64 KiB chunk boundary", async () => {
  const encoder = new TextEncoder();
  // a 4-byte character straddles the end of the first chunk at every offset
  for (const pad of [CHUNK - 1, CHUNK - 2, CHUNK - 3]) {
    const first = "a".repeat(pad - 1);
    const text = `${first}\n😀€é\nlast`;
    assert.deepEqual(await linesOf(encoder.encode(text)), [first, "😀€é", "last"]);
  }
});

Deno.test("readLines drops a leading byte order mark and empty lines, keeps a last line without newline", async () => {
  const text = '\uFEFF{"a":1}\n\n{"b":"\uFEFF"}\n{"c":3}';
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

Deno.test("asciiJsonLine escapes what is not ASCII, and JSON.parse reads the same value back", () => {
  const value = { a: "é😀\uE000n1", b: ["日本", "plain"], "ké": "\u007f\u0080" };
  const line = asciiJsonLine(JSON.stringify(value));
  assert.ok([...line].every((c) => c.charCodeAt(0) < 0x80));
  assert.deepEqual(JSON.parse(line), value);
  assert.equal(asciiJsonLine('{"a":1}'), '{"a":1}');
});

Deno.test("readLines reads ASCII and UTF-8 chunks of one file alike", async () => {
  // an ASCII first chunk, then a line over many chunks with a character cut at the end of one
  const head = "a".repeat(CHUNK - 1);
  const tail = "b".repeat(64 * CHUNK - 3) + "€é" + "\nc\n";
  const lines = await linesOf(new TextEncoder().encode(`${head}\n${tail}`));
  assert.deepEqual(lines, [head, tail.slice(0, -3), "c"]);
});
