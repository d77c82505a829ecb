/**
 * Crash safety of the Deno storage: processes killed (SIGKILL) before the rename that publishes
 * a file or a package folder leave nothing half written where readers look.
 */
import assert from "node:assert/strict";
import { DenoStorage } from "./deno_storage.ts";
import { PackageStore } from "../load/package_store.ts";

const TEMP_ROOT = Deno.makeTempDirSync({ prefix: "denodlt_deno_storage_test_" });
globalThis.addEventListener("unload", () => Deno.removeSync(TEMP_ROOT, { recursive: true }));

const STORAGE_URL = new URL("./deno_storage.ts", import.meta.url).href;
const STORE_URL = new URL("../load/package_store.ts", import.meta.url).href;

/**
 * Runs `code` (a module body with `DenoStorage`, `PackageStore` and `root` in scope) in another
 * process, and kills it with SIGKILL once it prints `ready`.
 */
async function killWhenReady(root: string, code: string): Promise<void> {
  const script = `
    import { DenoStorage } from "${STORAGE_URL}";
    import { PackageStore } from "${STORE_URL}";
    const root = ${JSON.stringify(root)};
    const ready = () => Deno.stdout.writeSync(new TextEncoder().encode("ready\\n"));
    const hang = () => new Promise((resolve) => setTimeout(resolve, 60_000));
    ${code}
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("ready\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`The child exited before it was ready: ${out}`);
    out += value;
  }
  child.kill("SIGKILL");
  const status = await child.status;
  assert.equal(status.signal, "SIGKILL");
  await reader.cancel();
}

Deno.test("a file replaced by a process killed before the rename keeps its old content", async () => {
  const root = Deno.makeTempDirSync({ dir: TEMP_ROOT });
  const storage = new DenoStorage(root);
  await storage.writeAtomic("state.json", '{"version":1}');
  await killWhenReady(
    root,
    `await new DenoStorage(root).replace("state.json", async (file) => {
      await file.write(new TextEncoder().encode('{"version":2,"sources":{"cut'));
      ready();
      await hang();
    });`,
  );
  assert.equal(await storage.readText("state.json"), '{"version":1}');
  // what the killed process left: its temporary file, which nothing reads
  assert.equal(await storage.readText("state.json.tmp"), '{"version":2,"sources":{"cut');
  // the next write goes through the same temporary file and publishes whole
  await storage.writeAtomic("state.json", '{"version":2}');
  assert.equal(await storage.readText("state.json"), '{"version":2}');
  assert.deepEqual((await storage.list("")).map((e) => e.name), ["state.json"]);
});

Deno.test("a package killed before its folder's rename is not published, and is discarded", async () => {
  const root = Deno.makeTempDirSync({ dir: TEMP_ROOT });
  await killWhenReady(
    root,
    `const store = new PackageStore(new DenoStorage(root));
    const dir = await store.create("normalizing", "1712.5");
    const file = await store.storage.create(dir + "/items.1.csv");
    await file.write(new TextEncoder().encode("id\\n1\\n"));
    await file.close();
    const manifest = { loadId: "1712.5", schemaName: "s", createdAt: "", tables: {}, jobs: [] };
    await store.writeManifest(dir, manifest);
    ready();
    await hang();
    await store.move("1712.5", "normalizing", "normalized");`,
  );
  const store = new PackageStore(new DenoStorage(root));
  assert.deepEqual(await store.list("normalized"), []);
  assert.deepEqual(await store.list("normalizing"), ["1712.5"]);
  await store.discardUnfinished();
  assert.deepEqual(await store.list("normalizing"), []);
  // the same steps, not killed: one rename publishes the package whole
  const dir = await store.create("normalizing", "1712.6");
  await store.storage.writeAtomic(`${dir}/items.1.csv`, "id\n1\n");
  await store.writeManifest(dir, {
    loadId: "1712.6",
    schemaName: "s",
    createdAt: "",
    tables: {},
    jobs: [{ file: "items.1.csv", table: "items", rows: 1, bytes: 5 }],
  });
  await store.move("1712.6", "normalizing", "normalized");
  assert.deepEqual(await store.list("normalized"), ["1712.6"]);
  const published = store.dir("normalized", "1712.6");
  assert.equal((await store.readManifest(published)).jobs[0].file, "items.1.csv");
  assert.equal(await store.storage.readText(`${published}/items.1.csv`), "id\n1\n");
});

Deno.test("a discarded package leaves its stage at once and is deleted in the background, or at the next open after a crash", async () => {
  const store = new PackageStore(new DenoStorage(Deno.makeTempDirSync({ dir: TEMP_ROOT })));
  for (const loadId of ["1712.1", "1712.2"]) {
    const dir = await store.create("extracting", loadId);
    await store.storage.writeAtomic(`${dir}/items.1.jsonl`, '{"id":1}\n');
    await store.move(loadId, "extracting", "extracted");
  }
  await store.discard("extracted", "1712.1");
  assert.deepEqual(await store.list("extracted"), ["1712.2"]);
  await store.settled();
  assert.deepEqual(await store.list("discarded"), []);
  // a package that is not there: nothing to do
  await store.discard("extracted", "1712.1");
  // what a crash left in the middle of a deletion
  const left = store.dir("discarded", "1712.2");
  await store.storage.mkdir(left);
  await store.storage.writeAtomic(`${left}/items.1.jsonl`, '{"id":1}\n');
  await store.discardUnfinished();
  assert.deepEqual(await store.list("discarded"), []);
  assert.deepEqual(await store.list("extracted"), ["1712.2"]);
});

Deno.test("a file written in many small appends is whole after close", async () => {
  const storage = new DenoStorage(Deno.makeTempDirSync({ dir: TEMP_ROOT }));
  const file = await storage.create("items.1.jsonl");
  const line = new TextEncoder().encode('{"id":1,"name":"x"}\n');
  for (let i = 0; i < 10_000; i++) await file.write(line);
  await file.close();
  const { size } = await storage.stat("items.1.jsonl");
  assert.equal(size, line.length * 10_000);
  let lines = 0;
  for await (const chunk of storage.readChunks("items.1.jsonl", { chunkBytes: 4096 })) {
    lines += chunk.filter((byte) => byte === 0x0a).length;
  }
  assert.equal(lines, 10_000);
  await assert.rejects(file.write(line));
});

Deno.test("readChunks reads a small file's bytes from any offset, and what is appended while it reads", async () => {
  const storage = new DenoStorage(Deno.makeTempDirSync({ dir: TEMP_ROOT }));
  const file = await storage.create("items.1.jsonl");
  await file.write(new TextEncoder().encode("0123456789"));
  const read = async (start: number) => {
    const bytes: number[] = [];
    for await (const chunk of storage.readChunks("items.1.jsonl", { start })) bytes.push(...chunk);
    return new TextDecoder().decode(new Uint8Array(bytes));
  };
  assert.equal(await read(0), "0123456789");
  assert.equal(await read(9), "9");
  assert.equal(await read(10), "");
  // the buffer fits the file as it was when opened; bytes appended after that are read too
  const chunks = storage.readChunks("items.1.jsonl");
  const first = await chunks.next();
  assert.equal(new TextDecoder().decode(first.value as Uint8Array), "0123456789");
  await file.write(new TextEncoder().encode("abcdefghijklmnopqrstuvwxyz"));
  await file.close();
  let rest = "";
  for await (const chunk of chunks) rest += new TextDecoder().decode(chunk);
  assert.equal(rest, "abcdefghijklmnopqrstuvwxyz");
});
