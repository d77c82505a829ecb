import assert from "node:assert/strict";
import { basename, join } from "node:path";
import type { EarlyChainLoad } from "../destination.ts";
import { PackageStore } from "../load/package_store.ts";
import { newSchema, type TableSchema } from "../schema/schema.ts";
import { DenoStorage } from "../storage/deno_storage.ts";
import { snakeCaseNaming } from "./naming.ts";
import { NormalizeAlong } from "./normalize_along.ts";
import { tempDir } from "../../tests/_helpers.ts";

/** Normalizes along into a new working folder, its chain logging the job files it is given. */
async function normalizeAlong() {
  const storage = new DenoStorage(await tempDir("along"));
  const store = new PackageStore(storage);
  const chained: string[] = [];
  const tables: TableSchema[] = [];
  const chain: EarlyChainLoad = {
    add: (job, table) => {
      chained.push(basename(job.path));
      tables.push(table);
    },
    stop: () => Promise.resolve(),
    abort: () => Promise.resolve(),
  };
  const along = new NormalizeAlong({
    store,
    loaderFileFormat: "csv",
    // many job files, and a buffer drained every few items
    dataWriter: { fileMaxBytes: 1 << 20 },
    loadEarly: () => Promise.resolve(chain),
  });
  return { storage, store, along, chained, tables };
}

Deno.test("items given while earlier ones are still written (resources extracted concurrently) are normalized in turn, into whole job files", async () => {
  const { storage, along, chained } = await normalizeAlong();
  const schema = newSchema("s");
  const follower = along.follower(schema, snakeCaseNaming());
  const body = "x".repeat(10_000);
  const give = (from: number, to: number) => {
    const pending: Promise<void>[] = [];
    for (let id = from; id < to; id++) {
      const item = { id, body };
      // not awaited: as the lanes of resources that run concurrently do
      const writing = follower.item!("1", "items", item, JSON.stringify(item), {});
      if (writing !== undefined) pending.push(writing);
    }
    return Promise.all(pending);
  };
  // the first items wait for the start, the later ones (after a pause) for the writes
  await give(0, 300);
  await give(300, 600);
  const run = await along.take("1", schema, {
    loadId: "1",
    schemaName: "s",
    createdAt: "",
    tables: {},
    jobs: [{ file: "items.1.jsonl", table: "items", rows: 600 }],
  });
  assert.ok(run !== undefined);
  const { jobs, rowCounts } = await run.finish([], {});
  assert.deepEqual(rowCounts, { items: 600 });
  assert.ok(jobs.length > 4);
  const ids: number[] = [];
  for (const job of jobs) {
    const text = Deno.readTextFileSync(storage.locate(join(run.outDir, job.file)));
    assert.equal(new TextEncoder().encode(text).length, job.bytes, job.file);
    ids.push(...text.split("\n").slice(1, -1).map((line) => Number(line.split(",")[0])));
  }
  assert.deepEqual(ids, Array.from({ length: 600 }, (_, id) => id));
  // every job file went to the chain, which opened at the first
  assert.deepEqual(chained, jobs.map((job) => job.file));
});

Deno.test("an aborted package leaves no normalizing folder and its chain gets no more files", async () => {
  const { storage, store, along, chained } = await normalizeAlong();
  const follower = along.follower(newSchema("s"), snakeCaseNaming());
  const body = "x".repeat(10_000);
  for (let id = 0; id < 300; id++) {
    const item = { id, body };
    await follower.item!("1", "items", item, JSON.stringify(item), {});
  }
  const given = chained.length;
  assert.ok(given > 0);
  const folder = storage.locate(store.dir("normalizing", "1"));
  assert.ok(Deno.statSync(folder).isDirectory);
  // another root table: normalized as usual after extract
  await follower.item!("1", "others", { id: 1 }, '{"id":1}', {});
  await along.abort();
  assert.equal(chained.length, given);
  assert.throws(() => Deno.statSync(folder), Deno.errors.NotFound);
  assert.equal(
    await along.take("1", newSchema("s"), {
      loadId: "1",
      schemaName: "s",
      createdAt: "",
      tables: {},
      jobs: [],
    }),
    undefined,
  );
});

Deno.test("the job files of a table that did not change share one copy of it, which keeps the table as its files were written", async () => {
  const { along, tables } = await normalizeAlong();
  const follower = along.follower(newSchema("s"), snakeCaseNaming());
  const body = "x".repeat(10_000);
  const give = async (from: number, to: number, extra?: string) => {
    for (let id = from; id < to; id++) {
      const item = extra === undefined ? { id, body } : { id, body, extra };
      await follower.item!("1", "items", item, JSON.stringify(item), {});
    }
  };
  await give(0, 400);
  const before = tables.length;
  assert.ok(before >= 3);
  // a new column: the files written from now on have it
  await give(400, 800, "e");
  await along.abort();
  assert.ok(tables.length > before + 1);
  // one copy for the files before the change, another for those after it
  assert.equal(new Set(tables.slice(0, before)).size, 1);
  assert.equal(new Set(tables.slice(before + 1)).size, 1);
  assert.equal(tables[0].columns.extra, undefined);
  assert.equal(tables.at(-1)!.columns.extra?.dataType, "text");
});
