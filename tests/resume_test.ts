/**
 * A run that dies between stages is completed by the next run, exactly once.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { PipelineStepFailed, resource, source } from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";
import { PackageStore } from "../lib/load/package_store.ts";
import { DenoStorage } from "../lib/storage/deno_storage.ts";
import { loadNormalizedPackage } from "../lib/load/load.ts";

const SCRIPT = fileURLToPath(new URL("./_scripts/interrupted_run.ts", import.meta.url));
const items = (batch: string) =>
  resource(Array.from({ length: 50 }, (_, i) => ({ id: `${batch}-${i}`, tags: ["a", "b"] })), {
    name: "items",
  });

Deno.test("a process killed between normalize and load is completed by the next run exactly once", async () => {
  const { dir } = await tempPipeline("killed");
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, dir, "killed", "first"],
    stdout: "piped",
    stderr: "piped",
  });
  const { code, signal } = await child.output();
  assert.equal(signal, "SIGKILL", `child exited with code ${code} instead of being killed`);

  const { p } = await tempPipeline("killed", dir);
  const info = await p.run(items("second"));
  // the interrupted package is loaded first, then the new one
  assert.equal(info.loadPackages.length, 2);
  assert.equal(info.loadPackages[0].rowCounts.items, 50);
  const ids = await p.dataset().table("items").select("id").rows<{ id: string }>();
  assert.equal(ids.length, 100);
  assert.equal(new Set(ids.map((r) => r.id)).size, 100);
  assert.equal(await p.dataset().table("items__tags").count(), 200);

  // nothing is pending any more: a third run with no data adds no rows
  const again = await p.run(resource([], { name: "items" }));
  assert.equal(again.loadPackages.length, 0);
  assert.equal(await p.dataset().table("items").count(), 100);
});

Deno.test("a package committed before the process died is not loaded twice", async () => {
  const { p } = await tempPipeline("committed");
  await p.extract(items("a"));
  await p.normalize();
  // commit the package as load does, then put it back into the normalized stage, as a process
  // that died right after the commit (before moving the package) leaves it
  const store = new PackageStore(new DenoStorage(p.workingDir));
  const [loadId] = await store.list("normalized");
  const client = await (await p.destination()).client({
    pipelineName: p.pipelineName,
    datasetName: p.datasetName,
  });
  await loadNormalizedPackage(store, loadId, client);
  await client.close();
  await store.move(loadId, "loaded", "normalized");

  const info = await p.run(items("b"));
  assert.equal(info.loadPackages.length, 2);
  assert.equal(info.loadPackages[0].loadId, loadId);
  assert.equal(info.loadPackages[0].alreadyLoaded, true);
  assert.equal(await p.dataset().table("items").count(), 100);
  assert.equal(await p.dataset().table("_dlt_loads").count(), 2);
});

Deno.test("a load that fails after some tables committed resumes without duplicating them", async () => {
  const { p } = await tempPipeline("partial");
  const data = source([
    resource([{ id: 1 }, { id: 2 }], { name: "alpha" }),
    resource([{ id: 3 }], { name: "beta" }),
  ], { name: "two" });
  await p.extract(data);
  await p.normalize();
  const store = new PackageStore(new DenoStorage(p.workingDir));
  const [loadId] = await store.list("normalized");
  const dir = store.storage.locate(store.dir("normalized", loadId));
  const manifest = await store.readManifest(store.dir("normalized", loadId));
  const betaJob = manifest.jobs.find((j) => j.table === "beta")!;
  const original = await Deno.readTextFile(`${dir}/${betaJob.file}`);
  // the same size (a cut file fails before any table loads): the destination refuses the value
  assert.match(original, /\n3,/);
  await Deno.writeTextFile(`${dir}/${betaJob.file}`, original.replace(/\n3,/, "\nx,"));
  await assert.rejects(p.load(), PipelineStepFailed);
  assert.equal(await p.dataset().table("alpha").count(), 2);
  assert.equal(await p.dataset().table("_dlt_loads").count(), 0);

  await Deno.writeTextFile(`${dir}/${betaJob.file}`, original);
  const info = await p.load();
  assert.deepEqual(info.loadIds, [loadId]);
  assert.equal(await p.dataset().table("alpha").count(), 2);
  assert.equal(await p.dataset().table("beta").count(), 1);
  const jobs = await p.dataset().table("_dlt_load_jobs").orderBy("table_name").rows<
    { load_id: string; table_name: string; row_count: number }
  >();
  assert.deepEqual(jobs.map((j) => [j.load_id, j.table_name, j.row_count]), [
    [loadId, "alpha", 2],
    [loadId, "beta", 1],
  ]);
});

Deno.test("a package normalized before job files had a header loads after the upgrade", async () => {
  const { p } = await tempPipeline("legacy_csv");
  await p.extract(resource([
    { id: 1, name: 'a, "quoted" name' },
    { id: 2, name: "", extra: 2.5 },
  ], { name: "items" }));
  await p.normalize();
  // rewrite the package as the previous version wrote it: no header, lines ending after their
  // last value, no format in the manifest
  const store = new PackageStore(new DenoStorage(p.workingDir));
  const [loadId] = await store.list("normalized");
  const dir = store.dir("normalized", loadId);
  const manifest = await store.readManifest(dir);
  for (const job of manifest.jobs) {
    const path = store.storage.locate(`${dir}/${job.file}`);
    const [_header, ...lines] = (await Deno.readTextFile(path)).split("\n");
    const legacy = lines.map((line) => line.replace(/,+$/, "")).join("\n");
    await Deno.writeTextFile(path, legacy);
    delete job.format;
    job.bytes = new TextEncoder().encode(legacy).length;
  }
  assert.ok(manifest.jobs.some((job) => job.columns!.at(-1) === "extra"));
  await store.writeManifest(dir, manifest);

  const info = await p.load();
  assert.deepEqual(info.loadIds, [loadId]);
  const rows = await p.dataset().table("items").orderBy("id").select("id", "name", "extra").rows();
  assert.deepEqual(rows, [
    { id: 1, name: 'a, "quoted" name', extra: null },
    { id: 2, name: "", extra: 2.5 },
  ]);
});
