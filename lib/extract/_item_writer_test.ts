import assert from "node:assert/strict";
import { join } from "node:path";
import { LoadPackageError } from "../errors.ts";
import { ItemWriter } from "./_item_writer.ts";
import { DenoStorage } from "../storage/deno_storage.ts";
import { MemoryStorage } from "../storage/memory_storage.ts";

/** A file that takes `room` bytes, then fails as a full disk does; records whether it closed. */
function fullDiskFile(room: number) {
  const file = {
    closed: false,
    written: 0,
    write(bytes: Uint8Array): Promise<number> {
      if (file.written >= room) {
        return Promise.reject(new Error("No space left on device (os error 28)"));
      }
      const n = Math.min(bytes.length, room - file.written);
      file.written += n;
      return Promise.resolve(n);
    },
    close() {
      file.closed = true;
      return Promise.resolve();
    },
  };
  return file;
}

Deno.test("a full disk while extracting names the job file and the package", async () => {
  const storage = new MemoryStorage("/pipelines/p");
  const dir = "normalize/extracting/1712.5";
  const file = fullDiskFile(100);
  const opened: string[] = [];
  storage.create = (path) => {
    opened.push(path);
    return Promise.resolve(file);
  };
  const writer = new ItemWriter(storage, dir);
  const line = JSON.stringify({ text: "x".repeat(1000) });
  await assert.rejects(
    (async () => {
      for (let i = 0; i < 2000; i++) await writer.write("items", line);
      await writer.close();
    })(),
    (e: unknown) => {
      assert.ok(e instanceof LoadPackageError);
      assert.equal(
        e.message,
        `Cannot write job file "${
          join("/pipelines/p", dir, "items.1.jsonl")
        }" of load package "1712.5": No space left on device (os error 28)`,
      );
      assert.match(String((e.cause as Error).message), /os error 28/);
      return true;
    },
  );
  await writer.close().catch(() => {});
  assert.deepEqual(opened, [join(dir, "items.1.jsonl")]);
  assert.ok(file.closed);
});

Deno.test("job files of all tables share one sequence and record their sizes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const writer = new ItemWriter(new DenoStorage(dir), "");
    await writer.write("a", '{"id":1}');
    await writer.write("b", '{"id":2}');
    await writer.write("a", '{"id":3}');
    const jobs = await writer.close();
    assert.deepEqual(jobs, [
      { file: "a.1.jsonl", table: "a", rows: 2, bytes: 18 },
      { file: "b.2.jsonl", table: "b", rows: 1, bytes: 9 },
    ]);
    assert.equal(await Deno.readTextFile(join(dir, "a.1.jsonl")), '{"id":1}\n{"id":3}\n');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fileMaxItems and fileMaxBytes rotate extracted files; bufferMaxItems writes as items come", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denodlt_item_writer_test_" });
  try {
    const storage = new DenoStorage(dir);
    const byItems = new ItemWriter(storage, "a", { fileMaxItems: 3 });
    await storage.mkdir("a");
    for (let i = 0; i < 7; i++) await byItems.write("t", `{"i":${i}}`);
    assert.deepEqual((await byItems.close()).map((j) => [j.file, j.rows]), [
      ["t.1.jsonl", 3],
      ["t.2.jsonl", 3],
      ["t.3.jsonl", 1],
    ]);
    // 10-byte lines (newline included): a file closes at the line that reaches 25 bytes
    await storage.mkdir("b");
    const byBytes = new ItemWriter(storage, "b", { fileMaxBytes: 25 });
    for (let i = 0; i < 7; i++) await byBytes.write("t", `{"i":${i}}xx`);
    assert.deepEqual((await byBytes.close()).map((j) => [j.rows, j.bytes]), [
      [3, 30],
      [3, 30],
      [1, 10],
    ]);
    await storage.mkdir("c");
    const buffered = new ItemWriter(storage, "c", { bufferMaxItems: 2 });
    await buffered.write("t", "{}");
    assert.equal(await Deno.readTextFile(join(dir, "c", "t.1.jsonl")), "");
    await buffered.write("t", "{}");
    assert.equal(await Deno.readTextFile(join(dir, "c", "t.1.jsonl")), "{}\n{}\n");
    await buffered.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("overlapping writes (resources extracted concurrently) keep files whole and in order", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denodlt_item_writer_test_" });
  try {
    // small buffers and files: writes overlap opening, flushing and rotating
    const writer = new ItemWriter(new DenoStorage(dir), "", { bufferMaxItems: 3, fileMaxItems: 7 });
    const producers = ["a", "b", "c"].map((resource) =>
      (async () => {
        for (let i = 0; i < 50; i++) {
          // two resources write table "shared", each their own table too
          const pending = [
            writer.write("shared", JSON.stringify({ resource, i })),
            writer.write(resource, JSON.stringify({ i })),
          ];
          if (i % 4 === 0) await Promise.all(pending);
        }
      })()
    );
    await Promise.all(producers);
    const jobs = await writer.close();
    await assert.rejects(
      writer.write("a", "{}"),
      /Cannot write to table "a": the writer is closed/,
    );
    const rowsOf = async (table: string) => {
      const rows: Record<string, unknown>[] = [];
      for (const job of jobs.filter((j) => j.table === table)) {
        const text = await Deno.readTextFile(join(dir, job.file));
        const lines = text.split("\n").filter((l) => l !== "");
        assert.equal(lines.length, job.rows, job.file);
        assert.ok(job.rows <= 7, job.file);
        rows.push(...lines.map((l) => JSON.parse(l)));
      }
      return rows;
    };
    const shared = await rowsOf("shared");
    assert.equal(shared.length, 150);
    for (const resource of ["a", "b", "c"]) {
      // each resource's items in the order it wrote them, none lost or doubled
      assert.deepEqual(
        shared.filter((row) => row.resource === resource).map((row) => row.i),
        Array.from({ length: 50 }, (_, i) => i),
      );
      assert.deepEqual(
        (await rowsOf(resource)).map((row) => row.i),
        Array.from({ length: 50 }, (_, i) => i),
      );
    }
    // file names unique: one sequence
    assert.equal(new Set(jobs.map((j) => j.file)).size, jobs.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("job files are ASCII: characters beyond it are escaped, lines of plain ASCII kept as they are", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denodlt_item_writer_test_" });
  try {
    const writer = new ItemWriter(new DenoStorage(dir), "", { bufferMaxItems: 3 });
    const items = [
      { id: 1, name: "plain" },
      { id: 2, name: "café" },
      { id: 3, name: "emoji 🦕, CJK 恐竜" },
      // a buffer of ASCII lines only: written at once
      { id: 4, name: "a" },
      { id: 5, name: 'b "quoted" \\ back' },
      { id: 6, name: "c" },
    ];
    // the first line opens the file; a line only buffered needs no waiting: add() returns nothing
    await writer.add("t", JSON.stringify(items[0]));
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(writer.add("t", JSON.stringify(items[1])), undefined);
    const flushed = writer.add("t", JSON.stringify(items[2]));
    assert.ok(flushed instanceof Promise);
    await flushed;
    for (const item of items.slice(3)) await writer.write("t", JSON.stringify(item));
    const [job] = await writer.close();
    const bytes = await Deno.readFile(join(dir, job.file));
    assert.ok(bytes.every((b) => b < 0x80), "ASCII only");
    const text = new TextDecoder().decode(bytes);
    assert.equal(job.bytes, bytes.length);
    assert.deepEqual(text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l)), items);
    assert.match(text, /"caf\\u00e9"/);
    assert.match(text, /\\ud83e\\udd95/);
    assert.ok(text.includes('{"id":5,"name":"b \\"quoted\\" \\\\ back"}\n'));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
