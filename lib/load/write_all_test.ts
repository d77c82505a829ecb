import assert from "node:assert/strict";
import { join } from "node:path";
import { TextWriter } from "./write_all.ts";

Deno.test("TextWriter writes texts longer than its buffer, characters split at no boundary", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "text.txt");
    // 3- and 4-byte characters at every offset around the 4 MiB buffer's end
    const text = "a" + "€😀".repeat(1_100_000) + "end";
    const writer = new TextWriter();
    using file = await Deno.open(path, { write: true, create: true });
    const written = await writer.write(file, text);
    await writer.write(file, "\nsecond");
    const expected = text + "\nsecond";
    assert.equal(written, new TextEncoder().encode(text).length);
    assert.equal(await Deno.readTextFile(path), expected);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TextWriter writes lone surrogates as U+FFFD, as TextEncoder does", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "text.txt");
    const text = "a\uD800b\uDC00c\uD83D";
    using file = await Deno.open(path, { write: true, create: true });
    await new TextWriter().write(file, text);
    assert.deepEqual(await Deno.readFile(path), new TextEncoder().encode(text));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TextWriter.writeLines writes each line and its end, lines of any size", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "lines.txt");
    const lines = ["plain", "é😀", "", "x".repeat(2_000_000), "€".repeat(1_500_000), "last"];
    using file = await Deno.open(path, { write: true, create: true });
    const written = await new TextWriter().writeLines(file, lines, ",\n");
    const expected = lines.map((line) => `${line},\n`).join("");
    assert.equal(written, new TextEncoder().encode(expected).length);
    assert.equal(await Deno.readTextFile(path), expected);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A file that keeps what is written to it, and the text of all of it. */
function recordingFile() {
  const written: Uint8Array[] = [];
  return {
    write(bytes: Uint8Array): Promise<number> {
      written.push(bytes.slice());
      return Promise.resolve(bytes.length);
    },
    text: () => new TextDecoder().decode(new Uint8Array(written.flatMap((bytes) => [...bytes]))),
  };
}

Deno.test("TextWriter grows its buffer as texts get longer: short and long writes in any order", async () => {
  const file = recordingFile();
  const writer = new TextWriter();
  const long = "x".repeat(300_000);
  const wide = "€".repeat(700_000);
  assert.equal(await writer.write(file, "short;"), 6);
  assert.equal(await writer.writeLines(file, ["a", long, "é"], "\n"), long.length + 6);
  assert.equal(await writer.write(file, wide), wide.length * 3);
  assert.equal(await writer.writeLines(file, ["b", wide], "\n"), wide.length * 3 + 3);
  assert.equal(await writer.write(file, ";end"), 4);
  assert.equal(file.text(), `short;a\n${long}\né\n${wide}b\n${wide}\n;end`);
});

Deno.test("TextWriter.writeLines with toAscii writes ASCII lines as they are and the others through it, short or long", async () => {
  const file = recordingFile();
  const writer = new TextWriter();
  const escape = (line: string) => line.replace(/[\u0080-\uffff]/g, "?");
  const long = "x".repeat(3_000_000);
  const longWide = "é" + "x".repeat(2_000_000);
  const lines = ["ab", "é€", long, "c", "\u0080", longWide, "\ud800", ""];
  const expected = ["ab", "??", long, "c", "?", escape(longWide), "?", ""].join(";\n") + ";\n";
  assert.equal(await writer.writeLines(file, lines, ";\n", escape), expected.length);
  assert.equal(file.text(), expected);
});
