/**
 * One run at a time per pipeline: runs in other processes, in this process and on other
 * `Pipeline` objects wait for each other, a run that waits too long names the holder, and a
 * killed holder is taken over at once.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { incremental, type Pipeline, pipeline, PipelineLockTimeout, resource } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { tempDir, tempPipeline } from "./_helpers.ts";

const SCRIPT = fileURLToPath(new URL("./_scripts/locked_run.ts", import.meta.url));

/** 200 rows `<batch>-<i>` with nested tags, as the script loads them. */
const items = (batch: string) =>
  resource(Array.from({ length: 200 }, (_, i) => ({ id: `${batch}-${i}`, tags: ["a", "b"] })), {
    name: "items",
  });

/** The pipeline the script runs in `dir`, waiting at most `lockTimeoutMs` for the lock. */
function scriptPipeline(dir: string, name: string, lockTimeoutMs: number): Pipeline {
  return pipeline({
    pipelineName: name,
    destination: duckdb({ path: join(dir, `${name}.duckdb`) }),
    datasetName: `${name}_data`,
    pipelinesDir: join(dir, "pipelines"),
    lockTimeoutMs,
  });
}

async function loadedIds(p: Pipeline): Promise<string[]> {
  return (await p.dataset().table("items").select("id").rows<{ id: string }>()).map((r) => r.id);
}

Deno.test("two processes running one pipeline at once take turns: every row of both arrives once", async () => {
  const { dir } = await tempPipeline("two_processes");
  const outputs = await Promise.all(["a", "b"].map((batch) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", SCRIPT, dir, "two_processes", batch],
      stdout: "null",
      stderr: "piped",
    }).output()
  ));
  for (const { code, stderr } of outputs) {
    assert.equal(code, 0, new TextDecoder().decode(stderr));
  }
  const { p } = await tempPipeline("two_processes", dir);
  const ids = await loadedIds(p);
  assert.equal(ids.length, 400);
  assert.equal(new Set(ids).size, 400);
  assert.equal(await p.dataset().table("items__tags").count(), 800);
  assert.equal(await p.dataset().table("_dlt_loads").count(), 2);
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
});

Deno.test("a run waits for the holder, times out naming its pid, and takes over at once from a killed one", async () => {
  const dir = await tempDir("held");
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, dir, "held", "child", "hold"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let out = "";
    while (!out.includes("holding")) {
      const { value, done } = await lines.read();
      assert.ok(!done, "the child ended before it held the pipeline");
      out += value;
    }
    const p = scriptPipeline(dir, "held", 500);
    const t0 = Date.now();
    const error = await p.run(items("parent")).catch((e) => e);
    assert.ok(error instanceof PipelineLockTimeout, String(error));
    assert.ok(Date.now() - t0 >= 500);
    assert.equal(error.holderPid, child.pid);
    assert.match(error.message, new RegExp(`in use by process ${child.pid} since "\\d{4}-`));
    assert.match(error.message, /"lockTimeoutMs"/);

    child.kill("SIGKILL");
    assert.equal((await child.status).signal, "SIGKILL");
    // the kernel released the killed holder's lock: the same short timeout is enough now
    await p.run(items("parent"));
    const ids = await loadedIds(p);
    assert.equal(ids.length, 200);
    assert.ok(ids.every((id) => id.startsWith("parent-")));
    // what the killed run was extracting is gone, nothing is left pending
    assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
    assert.deepEqual([...Deno.readDirSync(join(p.workingDir, "normalize", "extracting"))], []);
  } finally {
    await lines.cancel();
    try {
      child.kill("SIGKILL");
    } catch {
      // already ended
    }
    await child.status;
  }
});

Deno.test("runs in one process, of one Pipeline object or of two, take turns", async () => {
  const { p, dir } = await tempPipeline("in_process");
  const { p: other } = await tempPipeline("in_process", dir);
  const infos = await Promise.all([
    p.run(items("a")),
    p.run(items("b")),
    other.run(items("c")),
  ]);
  assert.deepEqual(infos.map((info) => info.loadPackages.length), [1, 1, 1]);
  const ids = await loadedIds(p);
  assert.equal(ids.length, 600);
  assert.equal(new Set(ids).size, 600);
  assert.equal(await p.dataset().table("_dlt_loads").count(), 3);
});

Deno.test("a run that waits too long for another run of this process says so", async () => {
  const dir = await tempDir("same_process");
  const holder = scriptPipeline(dir, "same_process", 60_000);
  let release!: () => void;
  const gate = new Promise<void>((done) => release = done);
  let holding!: () => void;
  const held = new Promise<void>((done) => holding = done);
  const first = holder.run(resource(async function* () {
    holding();
    await gate;
    yield { id: "first" };
  }, { name: "items" }));
  await held;
  const waiter = scriptPipeline(dir, "same_process", 200);
  const error = await waiter.run(items("second")).catch((e) => e);
  assert.ok(error instanceof PipelineLockTimeout, String(error));
  assert.equal(error.holderPid, Deno.pid);
  assert.match(error.message, new RegExp(`process ${Deno.pid} \\(this process\\)`));
  release();
  await first;
  assert.deepEqual(await loadedIds(holder), ["first"]);
});

Deno.test("a long-lived Pipeline object extracts from the cursor another one advanced", async () => {
  const days = (...ds: number[]) =>
    resource(ds.map((d) => ({ id: d, updated_at: `2024-01-${String(d).padStart(2, "0")}` })), {
      name: "issues",
      primaryKey: "id",
      incremental: incremental("updated_at"),
    });
  const { p, dir } = await tempPipeline("long_lived");
  await p.run(days(1, 2, 3));
  const { p: other } = await tempPipeline("long_lived", dir);
  await other.run(days(1, 2, 3, 4, 5));
  // p's own cursor says 3: it re-reads the working folder's (5) before extracting
  const info = await p.run(days(1, 2, 3, 4, 5, 6));
  assert.equal(info.loadPackages[0].rowCounts.issues, 1);
  const rows = await p.dataset().table("issues").orderBy("id").select("id").rows<{ id: number }>();
  assert.deepEqual(rows.map((r) => r.id), [1, 2, 3, 4, 5, 6]);
});
