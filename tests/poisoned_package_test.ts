/**
 * A package that fails to load with a terminal error does not wedge the pipeline unnoticed: every
 * run fails on it, naming `dropPendingPackages()`, and loads nothing new around it until it is
 * dropped.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  DestinationError,
  LoadPackageError,
  PendingPackageFailed,
  type Pipeline,
  pipeline,
  PipelineStepFailed,
  resource,
} from "../mod.ts";
import { dummy } from "../destinations/dummy/mod.ts";
import { tempDir, tempPipeline } from "./_helpers.ts";

const items = (...ids: number[]) => resource(ids.map((id) => ({ id })), { name: "items" });

async function ids(p: Pipeline): Promise<number[]> {
  const rows = await p.dataset().table("items").orderBy("id").select("id").rows<{ id: number }>();
  return rows.map((r) => r.id);
}

/**
 * A pipeline on the dummy destination, for packages that fail before anything reaches the
 * destination; the dummy tells which packages it committed and the rows it holds.
 */
async function dummyPipeline(name: string) {
  const destination = dummy();
  const p = pipeline({ pipelineName: name, destination, pipelinesDir: await tempDir(name) });
  const loaded = () => ({
    loadIds: destination.loads(p.datasetName).map((load) => load.loadId),
    rows: destination.rowCounts(p.datasetName),
  });
  return { p, loaded };
}

/** The one normalized package of `p`: its load id, folder, and its `items` job file. */
function normalizedJob(p: Pipeline): { loadId: string; dir: string; job: string; path: string } {
  const normalized = join(p.workingDir, "load", "normalized");
  const [loadId] = [...Deno.readDirSync(normalized)].map((e) => e.name);
  const dir = join(normalized, loadId);
  const job = [...Deno.readDirSync(dir)].find((e) => e.name.startsWith("items."))!.name;
  return { loadId, dir, job, path: join(dir, job) };
}

/** Runs `p` with `data`, expecting the poisoned package's error. */
async function failedRun(p: Pipeline, loadId: string, data: ReturnType<typeof items>) {
  const error = await p.run(data).catch((e) => e);
  assert.ok(error instanceof PendingPackageFailed, String(error));
  assert.ok(error instanceof PipelineStepFailed);
  assert.equal(error.step, "load");
  assert.equal(error.loadId, loadId);
  assert.equal(error.transient, false);
  assert.ok(error.cause instanceof DestinationError);
  assert.match(
    error.message,
    /^Pipeline step "load" failed \(load package "[\d.]+"\) with a terminal error: the package stays pending and every run fails on it, loading nothing new, until it is fixed or dropped with pipeline\.dropPendingPackages\(\) \(which gives up its data\): Cannot load package .*Cannot load job file "items\.[^"]+" into table "items"/,
  );
}

Deno.test("a package with a damaged job file fails every run, loading nothing new, until dropped", async () => {
  const { p } = await tempPipeline("poisoned");
  await p.run(items(1, 2));
  await p.extract(items(3));
  await p.normalize();
  const { loadId, dir, job, path } = normalizedJob(p);
  // the id of the row becomes text the destination refuses (the file keeps its size)
  const columns = JSON.parse(await Deno.readTextFile(join(dir, "package.json")))
    .jobs.find((j: { file: string }) => j.file === job).columns as string[];
  const [header, line] = (await Deno.readTextFile(path)).trimEnd().split("\n");
  assert.equal(header, columns.join(","));
  const fields = line.split(",");
  assert.equal(fields[columns.indexOf("id")], "3");
  fields[columns.indexOf("id")] = "x";
  await Deno.writeTextFile(path, `${header}\n${fields.join(",")}\n`);

  await failedRun(p, loadId, items(4));
  await failedRun(p, loadId, items(5));
  assert.deepEqual(await ids(p), [1, 2]);
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 1 });

  await p.dropPendingPackages();
  await p.run(items(6));
  assert.deepEqual(await ids(p), [1, 2, 6]);
});

Deno.test("a job file cut after normalize is a terminal error naming dropPendingPackages() as well", async () => {
  const { p, loaded } = await dummyPipeline("poisoned_cut");
  await p.extract(items(1, 2, 3));
  await p.normalize();
  const { loadId, path } = normalizedJob(p);
  await Deno.truncate(path, (await Deno.stat(path)).size - 3);
  const error = await p.run(items(4)).catch((e) => e);
  assert.ok(error instanceof PendingPackageFailed, String(error));
  assert.ok(error.cause instanceof LoadPackageError);
  assert.match(
    error.message,
    / with a terminal error: .*pipeline\.dropPendingPackages\(\) .*: Load package "[\d.]+": job file ".*" is cut at line/,
  );
  await p.dropPendingPackages();
  const info = await p.run(items(4));
  assert.deepEqual(loaded(), { loadIds: info.loadIds, rows: { items: 1 } });
  assert.ok(!info.loadIds.includes(loadId));
});

Deno.test("a pending package whose files cannot be read, or that never normalizes, names dropPendingPackages() too", async () => {
  const { p, loaded } = await dummyPipeline("poisoned_files");
  const { loadIds } = await p.run(items(1));
  const cases: [string, "normalize" | "load", (dir: string) => Promise<void>][] = [
    [
      "a garbled manifest",
      "load",
      (dir) => Deno.writeTextFile(join(dir, "package.json"), "{garbage"),
    ],
    ["a garbled schema", "load", (dir) => Deno.writeTextFile(join(dir, "schema.json"), "nope")],
    ["a garbled extracted job", "normalize", async (dir) => {
      const job = [...Deno.readDirSync(dir)].find((e) => e.name.endsWith(".jsonl"))!;
      const path = join(dir, job.name);
      const text = await Deno.readTextFile(path);
      await Deno.writeTextFile(path, `{"id":${"x".repeat(text.length - 8)}}\n`);
    }],
  ];
  for (const [name, step, damage] of cases) {
    await p.extract(items(2));
    if (step === "load") await p.normalize();
    const stage = step === "load" ? ["load", "normalized"] : ["normalize", "extracted"];
    const [loadId] = [...Deno.readDirSync(join(p.workingDir, ...stage))].map((e) => e.name);
    await damage(join(p.workingDir, ...stage, loadId));
    for (const data of [items(3), items(4)]) {
      const error = await p.run(data).catch((e) => e);
      assert.ok(error instanceof PendingPackageFailed, `${name}: ${error}`);
      assert.equal(error.step, step, name);
      assert.equal(error.loadId, loadId, name);
      assert.match(error.message, /pipeline\.dropPendingPackages\(\)/, name);
    }
    assert.deepEqual(loaded(), { loadIds, rows: { items: 1 } }, name);
    await p.dropPendingPackages();
  }
  // the dropped packages never load: only the first run's and the last run's did
  loadIds.push(...(await p.run(items(5))).loadIds);
  assert.deepEqual(loaded(), { loadIds, rows: { items: 2 } });
});
