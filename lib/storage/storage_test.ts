/**
 * The contract of `WorkingStorage` (see `storage.ts`), checked the same way against the Deno
 * storage (a temporary folder) and the memory storage.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DenoStorage } from "./deno_storage.ts";
import { MemoryStorage } from "./memory_storage.ts";
import { isNotFound, type WorkingStorage } from "./storage.ts";

const TEMP_ROOT = Deno.makeTempDirSync({ prefix: "denodlt_storage_test_" });
globalThis.addEventListener("unload", () => Deno.removeSync(TEMP_ROOT, { recursive: true }));

const IMPLEMENTATIONS: [string, () => WorkingStorage][] = [
  ["DenoStorage", () => new DenoStorage(Deno.makeTempDirSync({ dir: TEMP_ROOT }))],
  ["MemoryStorage", () => new MemoryStorage()],
];

const encoder = new TextEncoder();

async function text(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let all = "";
  for await (const chunk of chunks) all += decoder.decode(chunk, { stream: true });
  return all + decoder.decode();
}

/** Names and kinds of the entries of folder `path`, sorted. */
async function entries(storage: WorkingStorage, path: string): Promise<string[]> {
  const list = await storage.list(path);
  return list.map((e) => e.isDirectory ? `${e.name}/` : e.name).sort();
}

for (const [name, make] of IMPLEMENTATIONS) {
  Deno.test(`${name}: a created file takes streamed writes from a reused buffer, read back whole or in chunks`, async () => {
    const storage = make();
    await storage.mkdir("load/normalizing/1");
    const file = await storage.create("load/normalizing/1/items.1.csv");
    // the writers encode into one scratch buffer: each write must keep what it was given
    const scratch = new Uint8Array(4);
    for (const part of ["id\n", "1\n", "22\n", "333\n"]) {
      const { written } = new TextEncoder().encodeInto(part, scratch);
      assert.equal(await file.write(scratch.subarray(0, written)), written);
    }
    await file.close();
    const path = "load/normalizing/1/items.1.csv";
    assert.equal(await storage.readText(path), "id\n1\n22\n333\n");
    assert.equal(storage.readTextSync(path), "id\n1\n22\n333\n");
    assert.deepEqual(await storage.stat(path), { size: 12, isDirectory: false });
    assert.equal((await storage.stat("load/normalizing")).isDirectory, true);
    const chunks: number[] = [];
    for await (const chunk of storage.readChunks(path, { chunkBytes: 5 })) {
      chunks.push(chunk.length);
    }
    assert.deepEqual(chunks, [5, 5, 2]);
    assert.equal(await text(storage.readChunks(path, { start: 3, chunkBytes: 2 })), "1\n22\n333\n");
    assert.equal(await text(storage.readChunks(path, { start: 12 })), "");
    // never appended to: a second create of the same file fails
    await assert.rejects(storage.create(path));
    await assert.rejects(storage.create("load/missing/x.csv"), isNotFound);
  });

  Deno.test(`${name}: writeAtomic and replace publish whole files; a fill that fails leaves the old one`, async () => {
    const storage = make();
    await storage.writeAtomic("state.json", '{"version":1}');
    assert.equal(await storage.readText("state.json"), '{"version":1}');
    await storage.writeAtomic("state.json", encoder.encode('{"version":2}'));
    assert.equal(await storage.readText("state.json"), '{"version":2}');
    const full = new Error("No space left on device (os error 28)");
    await assert.rejects(
      storage.replace("state.json", async (file) => {
        await file.write(encoder.encode('{"vers'));
        throw full;
      }),
      (error) => error === full,
    );
    assert.equal(await storage.readText("state.json"), '{"version":2}');
    assert.deepEqual(await entries(storage, ""), ["state.json"]);
    const bytes = await storage.replace("state.json", async (file) => {
      return await file.write(encoder.encode('{"version":3}'));
    });
    assert.equal(bytes, 13);
    assert.equal(await storage.readText("state.json"), '{"version":3}');
    assert.deepEqual(await entries(storage, ""), ["state.json"]);
    await assert.rejects(storage.writeAtomic("schemas/s.schema.json", "{}"), isNotFound);
  });

  Deno.test(`${name}: rename moves a whole folder in one step, and replaces a file`, async () => {
    const storage = make();
    await storage.mkdir("load/normalizing/7/nested");
    await storage.writeAtomic("load/normalizing/7/package.json", "{}");
    await storage.writeAtomic("load/normalizing/7/nested/a.csv", "a\n");
    await storage.mkdir("load/normalized");
    await storage.rename("load/normalizing/7", "load/normalized/7");
    assert.deepEqual(await entries(storage, "load/normalizing"), []);
    assert.deepEqual(await entries(storage, "load/normalized/7"), ["nested/", "package.json"]);
    assert.equal(await storage.readText("load/normalized/7/nested/a.csv"), "a\n");
    await assert.rejects(storage.readText("load/normalizing/7/package.json"), isNotFound);
    await storage.writeAtomic("load/normalized/7/b.csv", "b\n");
    await storage.rename("load/normalized/7/b.csv", "load/normalized/7/package.json");
    assert.equal(await storage.readText("load/normalized/7/package.json"), "b\n");
    await assert.rejects(storage.rename("load/normalizing/8", "load/normalized/8"), isNotFound);
  });

  Deno.test(`${name}: list, stat and read of what is missing reject as not found; remove does nothing`, async () => {
    const storage = make();
    await storage.mkdir("normalize/extracted/1");
    await storage.writeAtomic("normalize/extracted/1/items.1.jsonl", "{}\n");
    await storage.writeAtomic("pipeline.json", "{}");
    assert.deepEqual(await entries(storage, ""), ["normalize/", "pipeline.json"]);
    await assert.rejects(storage.list("load"), isNotFound);
    await assert.rejects(storage.stat("state.json"), isNotFound);
    await assert.rejects(storage.readText("state.json"), isNotFound);
    assert.throws(() => storage.readTextSync("state.json"), isNotFound);
    await assert.rejects(text(storage.readChunks("state.json")), isNotFound);
    await storage.remove("state.json");
    await storage.remove("normalize/extracted");
    assert.deepEqual(await entries(storage, "normalize"), []);
    // the working folder itself: dropped, then made again
    await storage.remove("");
    await assert.rejects(storage.list(""), isNotFound);
    await storage.mkdir("");
    assert.deepEqual(await entries(storage, ""), []);
  });
}

Deno.test("DenoStorage locates paths in its folder, which it makes absolute", () => {
  const storage = new DenoStorage(TEMP_ROOT);
  assert.equal(storage.root, TEMP_ROOT);
  assert.equal(storage.locate(""), TEMP_ROOT);
  assert.equal(storage.locate("load/normalized/1"), join(TEMP_ROOT, "load", "normalized", "1"));
  assert.equal(new DenoStorage(".").root, Deno.cwd());
  assert.equal(storage.workersCanOpen, true);
});

Deno.test("MemoryStorage names paths after its root and keeps them inside it", async () => {
  const storage = new MemoryStorage("/pipelines/p");
  assert.equal(storage.locate(""), "/pipelines/p");
  assert.equal(storage.locate("load//normalized/./1"), "/pipelines/p/load/normalized/1");
  assert.throws(() => storage.locate("../other"), RangeError);
  assert.equal(storage.workersCanOpen, false);
  await assert.rejects(storage.readText("x"), /"\/pipelines\/p\/x"/);
});
