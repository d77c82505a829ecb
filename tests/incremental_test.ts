/**
 * Incremental loading with dlt's semantics: the cursor kept in the resource state, boundary
 * deduplication, start/end values, row order, missing cursors, lag and cursor types.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  incremental,
  IncrementalCursorError,
  type IncrementalOptions,
  PipelineStepFailed,
  resource,
} from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";

interface Row {
  id: number;
  updated_at: string;
}

const at = (day: number) => `2024-01-${String(day).padStart(2, "0")}T00:00:00Z`;
const rows = (...days: number[]): Row[] =>
  days.map((day, i) => ({ id: i + 1, updated_at: at(day) }));

/** A resource over `data` with an `updated_at` cursor; records the start value it was given. */
function issues(data: unknown[], options: IncrementalOptions = {}, seen: unknown[] = []) {
  return resource(function* (ctx) {
    seen.push(ctx.incremental?.startValue);
    yield* data;
  }, {
    name: "issues",
    primaryKey: "id",
    incremental: incremental("updated_at", options),
  });
}

async function ids(p: Awaited<ReturnType<typeof tempPipeline>>["p"], table = "issues") {
  const result = await p.dataset().query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`);
  return result.map((r) => r.id);
}

Deno.test("a second run loads only what is past the cursor; boundary rows are not loaded twice", async () => {
  const { p } = await tempPipeline("incremental_basic");
  const seen: unknown[] = [];
  await p.run(issues(rows(1, 2, 3), { initialValue: at(2) }, seen));
  // initialValue is inclusive
  assert.deepEqual(await ids(p), [2, 3]);
  // id 4 shares the last cursor value (day 3) but is new; id 3 is not loaded again
  const next = [...rows(1, 2, 3), { id: 4, updated_at: at(3) }, { id: 5, updated_at: at(4) }];
  await p.run(issues(next, { initialValue: at(2) }, seen));
  assert.deepEqual(await ids(p), [2, 3, 4, 5]);
  assert.deepEqual(seen, [at(2), at(3)]);
  const stored = (p.state.sources.incremental_basic.resources!.issues as Record<string, unknown>)
    .incremental as Record<string, { last_value: string }>;
  assert.equal(stored.updated_at.last_value, at(4));
});

Deno.test("rowOrder desc stops extracting at the first item before the cursor", async () => {
  const { p } = await tempPipeline("incremental_desc");
  let pagesRead = 0;
  const newestFirst = (days: number[]) =>
    resource(function* () {
      // pages of two, newest first, like an events API
      for (let i = 0; i < days.length; i += 2) {
        pagesRead++;
        yield days.slice(i, i + 2).map((day) => ({ id: day, created_at: at(day) }));
      }
    }, {
      name: "events",
      primaryKey: "id",
      incremental: incremental("created_at", { rowOrder: "desc" }),
    });
  await p.run(newestFirst([6, 5, 4, 3, 2, 1]));
  assert.equal(pagesRead, 3);
  pagesRead = 0;
  await p.run(newestFirst([9, 8, 7, 6, 5, 4, 3, 2, 1]));
  // day 6 (the cursor, already loaded) is skipped; day 5 before it ends the run: 9-8, 7-6, 5-4
  assert.equal(pagesRead, 3);
  assert.deepEqual(await ids(p, "events"), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

Deno.test("an end value makes a backfill window that leaves the stored cursor alone", async () => {
  const { p } = await tempPipeline("incremental_backfill");
  await p.run(issues(rows(5, 6), { initialValue: at(5) }));
  await p.run(issues(rows(1, 2, 3, 4, 5), { initialValue: at(2), endValue: at(4) }));
  // ids 2 and 3 (days 2, 3): the end value is exclusive
  assert.deepEqual(await ids(p), [1, 2, 2, 3]);
  const seen: unknown[] = [];
  await p.run(issues(rows(5, 6, 7), { initialValue: at(5) }, seen));
  assert.deepEqual(seen, [at(6)]);
  assert.throws(
    () => incremental("updated_at", { initialValue: at(4), endValue: at(2) }),
    /endValue "2024-01-02T00:00:00Z" comes before initialValue/,
  );
});

Deno.test("items without the cursor raise, are included or are excluded", async () => {
  const data = [{ id: 1, updated_at: at(1) }, { id: 2 }, { id: 3, updated_at: null }];
  const { p } = await tempPipeline("incremental_missing");
  const error = await p.run(issues(data)).catch((e) => e);
  assert.ok(error instanceof PipelineStepFailed && error.step === "extract");
  assert.ok(error.cause instanceof IncrementalCursorError);
  assert.match(
    error.message,
    /Resource "issues": incremental cursor "updated_at": an item has no value/,
  );
  const { p: including } = await tempPipeline("incremental_include");
  await including.run(issues(data, { onCursorValueMissing: "include" }));
  assert.deepEqual(await ids(including), [1, 2, 3]);
  const { p: excluding } = await tempPipeline("incremental_exclude");
  await excluding.run(issues(data, { onCursorValueMissing: "exclude" }));
  assert.deepEqual(await ids(excluding), [1]);
});

Deno.test("nested cursor paths, numbers, bigints, Dates, min and lag", async () => {
  const { p } = await tempPipeline("incremental_kinds");
  const events = (items: unknown[], options: IncrementalOptions) =>
    resource(items, { name: "events", incremental: incremental("payload.seq", options) });
  await p.run(events([{ id: 1, payload: { seq: 10n } }, { id: 2, payload: { seq: 20n } }], {}));
  await p.run(events([{ id: 3, payload: { seq: 15n } }, { id: 4, payload: { seq: 25n } }], {}));
  assert.deepEqual(await ids(p, "events"), [1, 2, 4]);

  const { p: dated } = await tempPipeline("incremental_dates");
  const stamped = (days: number[], options: IncrementalOptions = {}) =>
    resource(days.map((day) => ({ id: day, at: new Date(at(day)) })), {
      name: "stamped",
      incremental: incremental("$.at", options),
    });
  await dated.run(stamped([1, 2, 3]));
  // a lag of a day (in seconds) loads day 2 again, not day 1
  await dated.run(stamped([1, 2, 3, 4], { lag: 86_400 }));
  assert.deepEqual(await ids(dated, "stamped"), [1, 2, 2, 3, 3, 4]);

  const { p: lowest } = await tempPipeline("incremental_min");
  const countdown = (values: number[]) =>
    resource(values.map((n) => ({ id: n, left: n })), {
      name: "countdown",
      incremental: incremental("left", { lastValueFunc: "min" }),
    });
  await lowest.run(countdown([5, 4]));
  await lowest.run(countdown([6, 4, 3, 2]));
  assert.deepEqual(await ids(lowest, "countdown"), [2, 3, 4, 5]);
});

Deno.test("a cursor of another type than the stored one is an error naming resource and field", async () => {
  const { p } = await tempPipeline("incremental_types");
  await p.run(issues(rows(1, 2)));
  const error = await p.run(issues([{ id: 3, updated_at: 17 }])).catch((e) => e);
  assert.ok(error instanceof PipelineStepFailed);
  assert.ok(error.cause instanceof IncrementalCursorError);
  assert.match(
    error.message,
    /Resource "issues": incremental cursor "updated_at": value 17 is not of the type/,
  );
  // nothing was loaded and the cursor did not move
  assert.deepEqual(await ids(p), [1, 2]);
});

Deno.test("a failed load does not advance the cursor: resumed, or dropped and extracted again", async () => {
  const { p } = await tempPipeline("incremental_failed_load");
  await p.run(issues(rows(1, 2)));
  // the next package's job file is broken before it loads
  await p.extract(issues(rows(1, 2, 3, 4)));
  await p.normalize();
  const store = join(p.workingDir, "load", "normalized");
  const [loadId] = [...Deno.readDirSync(store)].map((e) => e.name);
  const job = [...Deno.readDirSync(join(store, loadId))].find((e) => e.name.startsWith("issues."))!;
  await Deno.writeTextFile(join(store, loadId, job.name), '"not a number"\n');
  await assert.rejects(p.load());
  // the destination still holds the old cursor
  const restoredState = async () => {
    const [row] = await p.dataset().query<{ state: string }>(
      "SELECT state FROM _dlt_pipeline_state ORDER BY version DESC LIMIT 1",
    );
    const state = JSON.parse(row.state);
    return state.sources.incremental_failed_load.resources.issues.incremental.updated_at
      .last_value;
  };
  assert.equal(await restoredState(), at(2));
  // dropping the broken package falls back to the last loaded cursor: 3 and 4 come again
  await p.dropPendingPackages();
  await p.run(issues(rows(1, 2, 3, 4)));
  assert.deepEqual(await ids(p), [1, 2, 3, 4]);
  assert.equal(await restoredState(), at(4));
});
