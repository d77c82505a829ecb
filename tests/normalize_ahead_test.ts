/**
 * A run's large package normalized in a worker while extract still writes it (`NormalizeAhead`),
 * on native DuckDB told to be a destination that loads on the JavaScript thread (as DuckDB-WASM
 * does; native DuckDB is normalized along, `normalize_along_test.ts`): it happens, as normalize
 * after extract would have done it, and a package that turns out otherwise than it assumed (a
 * second table, changed hints, a failure) is normalized as usual, with nothing of the first
 * attempt left.
 */
import assert from "node:assert/strict";
import { PendingPackageFailed, resource, withHints, withTableName } from "../mod.ts";
import type { DltResource } from "../lib/resource.ts";
import { runFrozenFailure, stageFiles, tempPipeline } from "./_helpers.ts";
import { isolatedTest } from "./_isolated.ts";

const ffi = Deno.permissions.querySync({ name: "ffi" }).state === "granted";

/**
 * A pipeline in a fresh folder loading into native DuckDB as into a destination that loads on
 * the JavaScript thread, whose runs normalize ahead in a worker.
 */
function workerPipeline(name: string) {
  return tempPipeline(name, undefined, undefined, (native) => ({
    ...native,
    capabilities: { ...native.capabilities, loadsOffMainThread: false },
  }));
}

/** Items of about 10 KB: 3,000 of them fill two rotated extract files (24 MiB each). */
const BODY = "lorem ipsum dolor sit amet ".repeat(400);
const ITEMS = 3_000;

/** The job files in the `load/normalizing` folders under `dir`'s pipeline `name`. */
const normalizingFiles = (dir: string, name: string) => stageFiles(dir, name, "load/normalizing");

/** Waits until normalize has written a job file of the package extract still writes. */
async function normalizedAhead(dir: string, name: string): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (normalizingFiles(dir, name).length === 0) {
    if (performance.now() > deadline) throw new Error("Nothing was normalized while extracting");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** `ITEMS` items, then (once normalize has started on them) what `after` yields. */
function items(
  dir: string,
  name: string,
  after: () => unknown[] | Promise<unknown[]> = () => [],
) {
  return resource(async function* () {
    for (let id = 0; id < ITEMS; id++) yield { id, body: `${id} ${BODY}` };
    await normalizedAhead(dir, name);
    yield* await after();
  }, { name: "items" });
}

Deno.test({
  name: "a large package is normalized and loaded while extract still runs",
  ignore: !ffi,
  async fn() {
    const name = "ahead";
    const { p, dir } = await workerPipeline(name);
    const info = await p.run(items(dir, name, () => [{ id: ITEMS, body: "last" }]));
    assert.ok(info.loadPackages[0].jobs.some((job) => job.duringNormalize));
    assert.equal(await p.dataset().table("items").count(), ITEMS + 1);
    const [{ n }] = await p.dataset().query<{ n: bigint | number }>(
      "SELECT count(DISTINCT _dlt_id) AS n FROM items",
    );
    assert.equal(Number(n), ITEMS + 1);
    assert.deepEqual(normalizingFiles(dir, name), []);
    assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
  },
});

Deno.test({
  name: "a package that gets a second table after normalize started is normalized as usual",
  ignore: !ffi,
  async fn() {
    const name = "ahead_second_table";
    const { p, dir } = await workerPipeline(name);
    const info = await p.run(items(dir, name, () => [withTableName({ id: 1 }, "others")]));
    // two root tables: no chain loads early
    assert.ok(info.loadPackages[0].jobs.every((job) => !job.duringNormalize));
    assert.deepEqual(await p.dataset().rowCounts(), { items: ITEMS, others: 1 });
    assert.deepEqual(normalizingFiles(dir, name), []);
  },
});

Deno.test({
  name: "a package whose hints change after normalize started is normalized with the new ones",
  ignore: !ffi,
  async fn() {
    const name = "ahead_new_hints";
    const { p, dir } = await workerPipeline(name);
    await p.run(
      items(
        dir,
        name,
        () => [withHints({ id: ITEMS, body: "last" }, { columns: { id: { dataType: "text" } } })],
      ),
    );
    const schema = p.defaultSchema!;
    assert.equal(schema.tables.items.columns.id.dataType, "text");
    const ids = await p.dataset().query<{ id: string }>(
      "SELECT id FROM items WHERE body = 'last'",
    );
    assert.deepEqual(ids, [{ id: String(ITEMS) }]);
    assert.equal(await p.dataset().table("items").count(), ITEMS + 1);
    assert.deepEqual(normalizingFiles(dir, name), []);
  },
});

Deno.test({
  name: "a package failing to normalize ahead fails as it would after extract",
  ignore: !ffi,
  async fn() {
    const name = "ahead_failure";
    const { p, dir } = await workerPipeline(name);
    await runFrozenFailure(p, ITEMS, BODY);
    // the package stays pending, as one failing after extract
    assert.deepEqual(await p.pendingPackages(), { extracted: 1, normalized: 0 });
    await p.dropPendingPackages();
    await p.run(items(dir, name));
    assert.equal(await p.dataset().table("items").count(), ITEMS + 1);
  },
});

Deno.test({
  name:
    "a resource that reads the destination while its package is normalized ahead does not wait for it",
  ignore: !ffi,
  async fn() {
    const name = "ahead_reads";
    const { p, dir } = await workerPipeline(name);
    await p.run(resource([{ id: -1, body: "first" }], { name: "items" }));
    const counted: number[] = [];
    await p.run(items(dir, name, async () => {
      counted.push(await p.dataset().table("items").count());
      return [{ id: ITEMS, body: "last" }];
    }));
    // the rows loaded before the run: the package's are not committed while it extracts
    assert.deepEqual(counted, [1]);
    assert.equal(await p.dataset().table("items").count(), ITEMS + 2);
  },
});

/** The name of the isolated test below, which sets a variable the whole process shares. */
const AHEAD_ORDER_TEST =
  "files extracted before normalize started are normalized first, in extract's order";

if (!ffi) Deno.test({ name: AHEAD_ORDER_TEST, ignore: true, fn() {} });
else {
  isolatedTest(import.meta.url, AHEAD_ORDER_TEST, async () => {
    const name = "ahead_order";
    const { p, dir } = await workerPipeline(name);
    // small extracted files: several complete before normalize starts ahead
    Deno.env.set("SOURCES__DATA_WRITER__FILE_MAX_BYTES", "2000000");
    try {
      // `v` is a number first, then text: the first type seen stays the column's
      await p.run(resource(async function* () {
        for (let id = 0; id < ITEMS; id++) {
          yield { id, v: id < 500 ? id : `t${id}`, body: `${id} ${BODY}` };
        }
        await normalizedAhead(dir, name);
      }, { name: "items" }));
    } finally {
      Deno.env.delete("SOURCES__DATA_WRITER__FILE_MAX_BYTES");
    }
    const columns = p.defaultSchema!.tables.items.columns;
    assert.equal(columns.v.dataType, "bigint");
    assert.equal(columns.v__v_text.dataType, "text");
    const [{ n }] = await p.dataset().query<{ n: number | bigint }>(
      "SELECT count(*) AS n FROM items WHERE v = id",
    );
    assert.equal(Number(n), 500);
  });
}

Deno.test({
  name: "a hint that normalize refuses fails the package at normalize, extracted whole",
  ignore: !ffi,
  async fn() {
    const name = "ahead_bad_hint";
    const { p } = await workerPipeline(name);
    const items: DltResource = resource(function* () {
      for (let id = 0; id < ITEMS; id++) {
        const item = { id, body: `${id} ${BODY}` };
        // a format DuckDB does not load, known when normalize would start ahead
        yield id === 0 ? withHints(item, { fileFormat: "jsonl" }) : item;
      }
    }, { name: "items" });
    await assert.rejects(p.run(items), PendingPackageFailed);
    assert.deepEqual(await p.pendingPackages(), { extracted: 1, normalized: 0 });
  },
});
