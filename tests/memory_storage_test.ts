/**
 * The engine's working-folder I/O goes through `WorkingStorage` alone: extract and normalize,
 * the package store, state, schemas and settings run against a working folder in memory, and
 * nothing reaches the disk. (Load is not run here: destinations read job files by path.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { incremental, resource, source } from "../mod.ts";
import { DltError } from "../lib/errors.ts";
import { extractSource } from "../lib/extract/extract.ts";
import { readPendingPackages } from "../lib/load/pending_packages.ts";
import { PackageStore } from "../lib/load/package_store.ts";
import { snakeCaseNaming } from "../lib/normalize/naming.ts";
import { normalizePackage } from "../lib/normalize/normalize.ts";
import { readPipelineSettings, writePipelineSettings } from "../lib/pipeline_settings.ts";
import { newSchema } from "../lib/schema/schema.ts";
import { SchemaStorage } from "../lib/schema/schema_storage.ts";
import { newState, readLocalState, removeLocalState, writeLocalState } from "../lib/state.ts";
import { MemoryStorage } from "../lib/storage/memory_storage.ts";
import { tempDir } from "./_helpers.ts";

interface Issue {
  id: number;
  title: string;
  updated_at: string;
  labels: { name: string }[];
}

const ISSUES: Issue[] = Array.from({ length: 2_000 }, (_, i) => ({
  id: i,
  title: `issue "${i}", with a comma`,
  updated_at: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
  labels: Array.from({ length: i % 3 }, (_, j) => ({ name: `label-${j}` })),
}));

/** A working folder in memory named after a real path, and that path (which must stay absent). */
async function memoryFolder(): Promise<{ storage: MemoryStorage; path: string }> {
  const path = join(await tempDir("memory"), "never_written");
  return { storage: new MemoryStorage(path), path };
}

function issuesSource() {
  return source([
    resource(ISSUES, {
      name: "issues",
      primaryKey: "id",
      incremental: incremental("updated_at"),
    }),
    resource([{ id: 1, note: "ünï ✓" }], { name: "notes" }),
  ], { name: "tracker" });
}

Deno.test("extract and normalize run against a working folder in memory", async () => {
  const { storage, path } = await memoryFolder();
  const store = new PackageStore(storage);
  const naming = snakeCaseNaming();
  const state = newState("tracker_pipeline", "tracker_data");
  const { loadId, itemCounts } = await extractSource(issuesSource(), {
    store,
    naming,
    state,
    pipelineName: "tracker_pipeline",
  });
  assert.ok(loadId !== undefined);
  assert.deepEqual(itemCounts, { issues: 2_000, notes: 1 });
  assert.deepEqual(await store.list("extracted"), [loadId]);
  // the package carries the state with the cursor, as a pending package read back from memory
  const pending = await readPendingPackages(store);
  assert.equal(pending.states.length, 1);
  assert.deepEqual(pending.states[0].sources, state.sources);
  assert.match(JSON.stringify(state.sources), /2024-01-02T09:19:00.000Z/);

  // two files and workers asked for: a folder in memory is normalized in this thread
  const result = await normalizePackage(store, loadId, newSchema("tracker"), {
    naming,
    workers: 2,
    parallelMinBytes: 0,
    loaderFileFormat: "jsonl",
  });
  assert.deepEqual(result.rowCounts, { issues: 2_000, issues__labels: 1_999, notes: 1 });
  assert.deepEqual(await store.list("extracted"), []);
  assert.deepEqual(await store.list("normalized"), [loadId]);
  const dir = store.dir("normalized", loadId);
  assert.deepEqual(await store.readSchema(dir), result.schema);
  const manifest = await store.readManifest(dir);

  // the job files, read from memory, hold every row, the child rows linked to their parents
  const rows: Record<string, Record<string, unknown>[]> = {};
  for (const job of manifest.jobs) {
    assert.equal(job.format, "jsonl");
    const text = await storage.readText(join(dir, job.file));
    assert.equal(job.bytes, new TextEncoder().encode(text).length);
    const lines = text.trimEnd().split("\n").map((line) => JSON.parse(line));
    (rows[job.table] ??= []).push(...lines);
  }
  const issues = rows.issues.sort((a, b) => Number(a.id) - Number(b.id));
  assert.deepEqual(
    issues.map(({ id, title, updated_at }) => ({ id, title, updated_at })),
    ISSUES.map(({ id, title, updated_at }) => ({ id, title, updated_at })),
  );
  const idOf = new Map(issues.map((row) => [row._dlt_id, row.id as number]));
  const labels = rows.issues__labels.map((row) => [idOf.get(row._dlt_parent_id), row.name]);
  const expected = ISSUES.flatMap((issue) => issue.labels.map((l) => [issue.id, l.name]));
  assert.deepEqual(labels.sort(), expected.sort());
  assert.deepEqual(rows.notes.map((row) => row.note), ["ünï ✓"]);

  await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
});

Deno.test("state, schemas and settings are kept in a working folder in memory", async () => {
  const { storage, path } = await memoryFolder();
  assert.equal(await readLocalState(storage), undefined);
  const state = newState("p", "d");
  state.sources.s = { resources: { r: { cursor: 7 } } };
  await writeLocalState(storage, state);
  assert.deepEqual(await readLocalState(storage), state);
  await removeLocalState(storage);
  assert.equal(await readLocalState(storage), undefined);
  await storage.writeAtomic("state.json", "{ damaged");
  await assert.rejects(
    readLocalState(storage),
    (e: unknown) =>
      e instanceof DltError &&
      e.message === `Pipeline state "${path}/state.json" cannot be read; fix or delete it`,
  );

  const schemas = new SchemaStorage(storage);
  const schema = newSchema("tracker");
  schema.tables.issues = { name: "issues", columns: { id: { name: "id", dataType: "bigint" } } };
  await schemas.save(schema);
  const reread = new SchemaStorage(storage);
  await reread.reload();
  assert.deepEqual(reread.get("tracker"), schema);
  assert.deepEqual((await storage.list("schemas")).map((e) => e.name), ["tracker.schema.json"]);

  assert.equal(readPipelineSettings(storage), undefined);
  const settings = { datasetName: "d", destination: { type: "dummy", options: {} } };
  await writePipelineSettings(storage, settings);
  assert.deepEqual(readPipelineSettings(storage), settings);

  await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
});
