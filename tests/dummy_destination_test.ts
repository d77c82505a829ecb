/**
 * The engine's recovery, tested on the dummy destination (in memory, no WASM) with failures
 * injected where a real destination could fail: a package that fails to load stays pending and
 * the next run completes it exactly once, whether the failure was terminal or transient, at a
 * job, before the jobs or at the commit; the state committed with the data comes back to an empty
 * working folder; refresh and drop act on the destination's tables.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  DestinationError,
  incremental,
  PendingPackageFailed,
  type Pipeline,
  pipeline,
  PipelineStepFailed,
  resource,
  setLogLevel,
  source,
} from "../mod.ts";
import { dummy, type DummyDestination, type DummyOptions } from "../destinations/dummy/mod.ts";
import { loadNormalizedPackage } from "../lib/load/load.ts";
import { PackageStore } from "../lib/load/package_store.ts";
import { DenoStorage } from "../lib/storage/deno_storage.ts";

// the state sync's messages (a working folder restored from the destination) stay off the console
setLogLevel("ERROR");

/** Working folders of this module's pipelines, removed when it ends. */
const TEMP = Deno.makeTempDirSync({ prefix: "dummy_destination_test_" });
globalThis.addEventListener("unload", () => Deno.removeSync(TEMP, { recursive: true }));

/** A pipeline `name` in a working folder of its own, loading into `destination`. */
function dummyPipeline(
  name: string,
  destination: DummyDestination,
  pipelinesDir = join(TEMP, crypto.randomUUID()),
): Pipeline {
  return pipeline({ pipelineName: name, destination, datasetName: `${name}_data`, pipelinesDir });
}

/** A pipeline `name` on a new dummy destination made with `options`. */
function faultyPipeline(name: string, options: DummyOptions) {
  const destination = dummy(options);
  return { p: dummyPipeline(name, destination), destination };
}

const items = (...ids: number[]) =>
  resource(ids.map((id) => ({ id, tags: ["a", "b"] })), { name: "items" });

/** Rows per table of `p`'s dataset. */
const rows = (destination: DummyDestination, p: Pipeline) => destination.rowCounts(p.datasetName);

/** The load ids committed to `p`'s dataset. */
const loadIds = (destination: DummyDestination, p: Pipeline) =>
  destination.loads(p.datasetName).map((load) => load.loadId);

Deno.test("a package whose load fails terminally stays pending; the next run completes it exactly once", async () => {
  const { p, destination } = faultyPipeline("terminal_once", {
    failTables: ["items"],
    failAttempts: 1,
  });
  const error = await p.run(items(1, 2, 3)).catch((e) => e);
  assert.ok(error instanceof PendingPackageFailed, String(error));
  assert.equal(error.step, "load");
  assert.equal(error.transient, false);
  assert.ok(error.cause instanceof DestinationError);
  assert.match(error.message, /failed job file "items\.[^"]+" of table "items" in load package/);
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 1 });
  assert.deepEqual(rows(destination, p), {});
  assert.deepEqual(loadIds(destination, p), []);

  const info = await p.run(items(4));
  assert.deepEqual(info.loadPackages.map((pkg) => pkg.loadId), loadIds(destination, p));
  assert.deepEqual(info.loadPackages.map((pkg) => pkg.rowCounts.items), [3, 1]);
  assert.equal(info.loadPackages[0].loadId, error.loadId);
  assert.deepEqual(rows(destination, p), { items: 4, items__tags: 8 });
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });

  // nothing is pending any more: a run with no data loads nothing
  assert.equal((await p.run(resource([], { name: "items" }))).loadPackages.length, 0);
  assert.deepEqual(rows(destination, p), { items: 4, items__tags: 8 });
  assert.equal(destination.faults().length, 1);
});

Deno.test("a package the destination refuses on every run blocks new loads until it is dropped", async () => {
  const { p, destination } = faultyPipeline("refused", { failTables: ["items"] });
  await p.run(resource([{ other: 1 }], { name: "others" }));
  for (const data of [items(1), items(2), items(3)]) {
    const error = await p.run(data).catch((e) => e);
    assert.ok(error instanceof PendingPackageFailed, String(error));
    assert.match(error.message, /pipeline\.dropPendingPackages\(\)/);
  }
  // each run failed on the first package, before extracting its own
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 1 });
  assert.deepEqual(rows(destination, p), { others: 1 });
  await p.dropPendingPackages();
  await p.run(resource([{ other: 2 }], { name: "others" }));
  assert.deepEqual(rows(destination, p), { others: 2 });
});

Deno.test("a transient failure leaves the package pending as well; the retry loads it once", async () => {
  const { p, destination } = faultyPipeline("transient_once", {
    failTables: ["items"],
    transient: true,
    failAttempts: 2,
  });
  await p.extract(items(1, 2));
  await p.normalize();
  for (let attempt = 1; attempt <= 2; attempt++) {
    const error = await p.load().catch((e) => e);
    // not PendingPackageFailed: retrying may succeed, and the error says so
    assert.ok(error instanceof PipelineStepFailed, String(error));
    assert.ok(!(error instanceof PendingPackageFailed));
    assert.equal(error.transient, true);
    assert.equal(error.step, "load");
    assert.match(error.message, /\(option "failTables", \d of 2\), transient$/);
  }
  const info = await p.load();
  assert.equal(info.loadPackages.length, 1);
  assert.deepEqual(rows(destination, p), { items: 2, items__tags: 4 });
  assert.deepEqual(
    destination.completedJobs(p.datasetName).map((job) => job.table).sort(),
    ["items", "items__tags"],
  );
});

Deno.test("random transient failures, retried run after run, load every package exactly once", async () => {
  // the seed fixes which attempts fail: the same every time the test runs
  const { p, destination } = faultyPipeline("random_retries", { retryProb: 0.3, seed: 11 });
  let failed = 0;
  for (let batch = 0; batch < 6; batch++) {
    const data = items(...[1, 2, 3].map((i) => batch * 10 + i));
    await p.run(data).catch((error) => {
      assert.ok(error instanceof PipelineStepFailed && error.transient, String(error));
      failed++;
    });
  }
  while (true) {
    try {
      await p.load();
      break;
    } catch (error) {
      assert.ok(error instanceof PipelineStepFailed && error.transient, String(error));
      failed++;
    }
  }
  assert.ok(failed > 0, "the seed injects failures");
  assert.equal(destination.faults().length, failed);
  assert.deepEqual(rows(destination, p), { items: 18, items__tags: 36 });
  assert.equal(new Set(loadIds(destination, p)).size, 6);
  assert.equal(loadIds(destination, p).length, 6);
});

Deno.test("one table's failing job leaves the other tables committed; the resume loads only the rest", async () => {
  const { p, destination } = faultyPipeline("one_table", {
    failTables: ["beta"],
    failAttempts: 1,
  });
  const data = source([
    resource([{ id: 1 }, { id: 2 }], { name: "alpha" }),
    resource([{ id: 3, list: [1, 2] }], { name: "beta" }),
    resource([{ id: 4 }], { name: "gamma" }),
  ], { name: "three" });
  await assert.rejects(p.run(data), PendingPackageFailed);
  const committed = destination.completedJobs(p.datasetName).map((job) => job.table);
  // the chains before beta's are in; beta's (with its nested table) is not
  assert.ok(committed.includes("alpha") && !committed.includes("beta"), String(committed));
  assert.ok(!committed.includes("beta__list"));
  assert.deepEqual(loadIds(destination, p), []);

  const info = await p.load();
  const jobs = destination.completedJobs(p.datasetName);
  assert.deepEqual(jobs.map((job) => job.table).sort(), ["alpha", "beta", "beta__list", "gamma"]);
  // what the first attempt committed was not loaded again
  assert.deepEqual(jobs.slice(0, committed.length).map((job) => job.table), committed);
  assert.deepEqual(rows(destination, p), { alpha: 2, beta: 1, beta__list: 2, gamma: 1 });
  assert.deepEqual(loadIds(destination, p), info.loadIds);
});

Deno.test("a failure after the jobs, at the commit, is resumed by committing only", async () => {
  const { p, destination } = faultyPipeline("at_commit", { failAt: "commit", failAttempts: 1 });
  const counter = resource(function* ({ state }) {
    state.runs = ((state.runs as number | undefined) ?? 0) + 1;
    yield { run: state.runs };
  }, { name: "counter" });
  await assert.rejects(p.run(counter), /failed the commit of load package/);
  assert.equal(destination.completedJobs(p.datasetName).length, 1);
  // the state is not committed: not at the destination, not in the working folder
  const client = await destination.client({
    pipelineName: p.pipelineName,
    datasetName: p.datasetName,
  });
  assert.equal(await client.storedState(p.pipelineName), undefined);

  const info = await p.load();
  assert.equal(info.loadPackages[0].alreadyLoaded, false);
  assert.equal(destination.completedJobs(p.datasetName).length, 1);
  assert.deepEqual(rows(destination, p), { counter: 1 });
  assert.equal(
    ((await client.storedState(p.pipelineName))!.sources.at_commit.resources as {
      counter: { runs: number };
    }).counter.runs,
    1,
  );
  await client.close();
});

Deno.test("a failure before any job (at init) loads nothing; the next run loads it all once", async () => {
  const { p, destination } = faultyPipeline("at_init", { failAt: "init", failAttempts: 1 });
  await assert.rejects(p.run(items(1)), /failed the init of load package/);
  assert.deepEqual(destination.completedJobs(p.datasetName), []);
  await p.run(items(2));
  assert.deepEqual(rows(destination, p), { items: 2, items__tags: 4 });
});

Deno.test("a package committed before the process died is not loaded twice", async () => {
  const destination = dummy();
  const p = dummyPipeline("committed", destination);
  await p.extract(items(1, 2));
  await p.normalize();
  // committed as load does, then back in the normalized stage, as a process that died before
  // moving the package leaves it
  const store = new PackageStore(new DenoStorage(p.workingDir));
  const [loadId] = await store.list("normalized");
  const client = await destination.client({
    pipelineName: p.pipelineName,
    datasetName: p.datasetName,
  });
  await loadNormalizedPackage(store, loadId, client);
  await client.close();
  await store.move(loadId, "loaded", "normalized");

  const info = await p.run(items(3));
  assert.deepEqual(info.loadPackages.map((pkg) => [pkg.loadId === loadId, pkg.alreadyLoaded]), [
    [true, true],
    [false, false],
  ]);
  assert.deepEqual(rows(destination, p), { items: 3, items__tags: 6 });
  assert.equal(loadIds(destination, p).length, 2);
});

/** Events of `days` (id = day), loaded incrementally on `at`. */
const events = (...days: number[]) =>
  resource(days.map((day) => ({ id: day, at: `2024-01-0${day}`, tags: ["t"] })), {
    name: "events",
    incremental: incremental("at"),
  });

Deno.test("the state committed with the data comes back to an empty working folder", async () => {
  const destination = dummy();
  const first = dummyPipeline("restored", destination);
  await first.run(events(1, 2, 3));
  // another machine: the same pipeline and destination, a new working folder
  const second = dummyPipeline("restored", destination);
  await second.run(events(1, 2, 3, 4, 5));
  assert.deepEqual(rows(destination, second), { events: 5, events__tags: 5 });
  // and the same folder emptied by drop()
  await second.drop();
  await second.run(events(1, 2, 3, 4, 5, 6));
  assert.deepEqual(rows(destination, second), { events: 6, events__tags: 6 });
  const cursor = second.state.sources.restored.resources as Record<string, {
    incremental: Record<string, { last_value: string }>;
  }>;
  assert.equal(cursor.events.incremental.at.last_value, "2024-01-06");
});

Deno.test("a pending package's state is committed only when its load is", async () => {
  const destination = dummy({ failTables: ["events"], failAttempts: 1 });
  const p = dummyPipeline("pending_state", destination);
  await assert.rejects(p.run(events(1, 2)), PendingPackageFailed);
  // a new working folder sees no state at the destination: it loads everything
  const other = dummyPipeline("pending_state", destination);
  await other.run(events(1, 2, 3));
  assert.deepEqual(rows(destination, other), { events: 3, events__tags: 3 });
});

Deno.test("refresh and drop act on the destination's tables", async () => {
  const destination = dummy();
  const p = dummyPipeline("refreshed", destination);
  const users = (...ids: number[]) => resource(ids.map((id) => ({ id })), { name: "users" });
  await p.run(source([events(1, 2), users(1)], { name: "refreshed" }));
  await p.run(source([events(1, 2, 3)], { name: "refreshed" }), { refresh: "drop_data" });
  // emptied and loaded again from the reset cursor; users untouched
  assert.deepEqual(rows(destination, p), { events: 3, events__tags: 3, users: 1 });

  await p.run(source([users(2, 3)], { name: "refreshed" }), { refresh: "drop_resources" });
  assert.deepEqual(rows(destination, p), { events: 3, events__tags: 3, users: 2 });

  await p.drop({ resources: ["events"] });
  assert.deepEqual(rows(destination, p), { users: 2 });
  // the cursor went with the tables
  await p.run(source([events(1, 2)], { name: "refreshed" }));
  assert.deepEqual(rows(destination, p), { users: 2, events: 2, events__tags: 2 });

  await p.run(source([users(4)], { name: "refreshed" }), { refresh: "drop_sources" });
  assert.deepEqual(rows(destination, p), { users: 1 });
});

Deno.test("dataset() and sqlClient() on a dummy say that it has no SQL", async () => {
  const destination = dummy();
  const p = dummyPipeline("no_sql", destination);
  await p.run(items(1));
  const noSql = /has no SQL client: dataset\(\) and sqlClient\(\) read data back through SQL/;
  await assert.rejects(p.dataset().table("items").rows(), DestinationError);
  await assert.rejects(p.dataset().query("SELECT 1"), noSql);
  await assert.rejects(
    p.dataset().tableNames(),
    /^DestinationError: Destination "dummy" has no SQL/,
  );
  await assert.rejects(p.sqlClient(), (error) => {
    assert.ok(error instanceof DestinationError);
    assert.match(error.message, /^Destination "dummy" has no SQL client/);
    return true;
  });
});

Deno.test('destination "dummy" by name, re-opened from the working folder', async () => {
  const pipelinesDir = join(TEMP, crypto.randomUUID());
  const p = pipeline({ pipelineName: "by_name", destination: "dummy", pipelinesDir });
  const info = await p.run(items(1));
  assert.equal(info.destinationName, "dummy");
  const reopened = pipeline({ pipelineName: "by_name", pipelinesDir });
  assert.equal((await reopened.destination()).name, "dummy");
});
