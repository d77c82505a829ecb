/**
 * A run's package normalized along, item by item in extract's own thread, with its chain loaded
 * from the first job file normalize closes while extract still runs (`NormalizeAlong`), on
 * native DuckDB: the rows are those normalize after extract makes, items are taken as they were
 * yielded, a resource reading the destination meanwhile gets what was committed without waiting
 * for the run, and a package that turns out otherwise than assumed loads whole, as usual.
 */
import assert from "node:assert/strict";
import { type DltResource, type Pipeline, resource, withHints, withTableName } from "../mod.ts";
import { runFrozenFailure, tempPipeline, wrapEarlyChains } from "./_helpers.ts";

const ffi = Deno.permissions.querySync({ name: "ffi" }).state === "granted";

/** Items of about 10 KB: 3,000 of them fill the first 16 MiB job file while extract runs. */
const BODY = "lorem ipsum dolor sit amet ".repeat(400);
const ITEMS = 3_000;

/** What the chains of a destination's clients were given, as a test sees it. */
interface ChainLog {
  /** Job files given to a chain (none before one opened). */
  added: number;
}

/** A pipeline in a fresh folder, loading into native DuckDB whose chains go into `log`. */
async function alongPipeline(name: string, log: ChainLog = { added: 0 }) {
  const { p, dir } = await tempPipeline(
    name,
    undefined,
    undefined,
    (destination) =>
      wrapEarlyChains(destination, (chain) => ({
        add: (job, table) => {
          log.added++;
          chain.add(job, table);
        },
        stop: () => chain.stop(),
        abort: () => chain.abort(),
      })),
  );
  return { p, dir, log };
}

/** Waits until a chain was given a job file, while the resource that waits holds extract. */
async function chainLoading(log: ChainLog): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (log.added === 0) {
    if (performance.now() > deadline) throw new Error("No chain loaded while extracting");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** `ITEMS` items, then (once a chain loads them) what `after` yields. */
function items(log: ChainLog, after: () => unknown[] | Promise<unknown[]> = () => []) {
  return resource(async function* () {
    for (let id = 0; id < ITEMS; id++) yield { id, body: `${id} ${BODY}` };
    await chainLoading(log);
    yield* await after();
  }, { name: "items" });
}

/** The number of distinct `_dlt_id`s of table `items`. */
async function distinctIds(p: Pipeline): Promise<number> {
  const [{ n }] = await p.dataset().query<{ n: bigint | number }>(
    "SELECT count(DISTINCT _dlt_id) AS n FROM items",
  );
  return Number(n);
}

Deno.test({
  name: "a large package's chain loads while extract still runs, and commits with the package",
  ignore: !ffi,
  async fn() {
    const { p, log } = await alongPipeline("along");
    const info = await p.run(items(log, () => [{ id: ITEMS, body: "last" }]));
    assert.ok(info.loadPackages[0].jobs.some((job) => job.duringNormalize));
    assert.equal(await p.dataset().table("items").count(), ITEMS + 1);
    assert.equal(await distinctIds(p), ITEMS + 1);
    assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
  },
});

Deno.test({
  name:
    "a resource reading the destination while the chain loads gets what was committed; the chain gives way and the package loads whole",
  ignore: !ffi,
  async fn() {
    const { p, log } = await alongPipeline("along_reads");
    await p.run(resource([{ id: -1, body: "first" }], { name: "items" }));
    const counted: number[] = [];
    const info = await p.run(items(log, async () => {
      counted.push(await p.dataset().table("items").count());
      return [{ id: ITEMS, body: "last" }];
    }));
    assert.deepEqual(counted, [1]);
    // rolled back when the resource read: the package's files loaded after normalize
    assert.ok(info.loadPackages[0].jobs.every((job) => !job.duringNormalize));
    assert.equal(await p.dataset().table("items").count(), ITEMS + 2);
    assert.equal(await distinctIds(p), ITEMS + 2);
  },
});

Deno.test({
  name: "a second table after the chain began loading rolls it back, and the package loads whole",
  ignore: !ffi,
  async fn() {
    const { p, log } = await alongPipeline("along_second_table");
    const info = await p.run(items(log, () => [withTableName({ id: 1 }, "others")]));
    assert.ok(log.added > 0);
    assert.ok(info.loadPackages[0].jobs.every((job) => !job.duringNormalize));
    assert.deepEqual(await p.dataset().rowCounts(), { items: ITEMS, others: 1 });
    assert.equal(await distinctIds(p), ITEMS);
  },
});

Deno.test({
  name: "an item the resource changes after yielding it is loaded as it was yielded",
  ignore: !ffi,
  async fn() {
    const { p } = await alongPipeline("along_reused");
    // one object, changed and yielded again: each yield's values are the row's
    const reused = resource(function* () {
      const item = { id: 0, tags: [0] };
      for (let id = 0; id < 500; id++) {
        item.id = id;
        item.tags = [id, id + 1];
        yield item;
      }
    }, { name: "items" });
    await p.run(reused);
    const [row] = await p.dataset().query<{ n: bigint | number; total: bigint | number }>(
      "SELECT count(DISTINCT id) AS n, sum(id) AS total FROM items",
    );
    assert.deepEqual([Number(row.n), Number(row.total)], [500, 499 * 500 / 2]);
    const [tags] = await p.dataset().query<{ n: bigint | number }>(
      "SELECT count(*) AS n FROM items__tags t JOIN items i ON t._dlt_parent_id = i._dlt_id " +
        "WHERE t.value = i.id + t._dlt_list_idx",
    );
    assert.equal(Number(tags.n), 1000);
  },
});

Deno.test({
  name: "items normalized along load the same rows as items normalized after extract",
  ignore: !ffi,
  async fn() {
    const typed = (): DltResource =>
      resource(function* () {
        for (let id = 0; id < 200; id++) {
          yield {
            id,
            big: 2n ** 70n + BigInt(id),
            at: new Date(Date.UTC(2026, 0, 1, 0, 0, id)),
            bytes: new Uint8Array([id % 256, 1, 2]),
            ratio: id === 0 ? Number.NaN : 1 / id,
            nested: { name: `n${id}`, list: [{ v: id }, { v: -id }] },
            text: id % 2 === 0 ? `é ${id}` : null,
          };
        }
      }, { name: "items" });
    const along = await alongPipeline("along_typed");
    await along.p.run(typed());
    // extract, normalize and load one after the other: nothing normalizes along
    const { p: after } = await tempPipeline("after_typed");
    await after.extract(typed());
    await after.normalize();
    await after.load();
    assert.deepEqual(along.p.defaultSchema!.tables, after.defaultSchema!.tables);
    for (const table of ["items", "items__nested__list"]) {
      const ids = table === "items" ? "_dlt_load_id" : "_dlt_parent_id";
      const sql = `SELECT * EXCLUDE (_dlt_id, ${ids}) FROM ${table} ORDER BY ALL`;
      assert.deepEqual(await along.p.dataset().query(sql), await after.dataset().query(sql));
    }
  },
});

Deno.test({
  name: "a package whose hints change while it is normalized along is normalized with the new ones",
  ignore: !ffi,
  async fn() {
    const { p, log } = await alongPipeline("along_new_hints");
    const hinted = withHints({ id: ITEMS, body: "last" }, {
      columns: { id: { dataType: "text" } },
    });
    const info = await p.run(items(log, () => [hinted]));
    // normalized again after extract, the chain loads early once more
    assert.ok(info.loadPackages[0].jobs.some((job) => job.duringNormalize));
    assert.equal(p.defaultSchema!.tables.items.columns.id.dataType, "text");
    const ids = await p.dataset().query<{ id: string }>("SELECT id FROM items WHERE body = 'last'");
    assert.deepEqual(ids, [{ id: String(ITEMS) }]);
    assert.equal(await distinctIds(p), ITEMS + 1);
  },
});

Deno.test({
  name: "a package failing to normalize along fails as it would after extract, and stays pending",
  ignore: !ffi,
  async fn() {
    const { p, log } = await alongPipeline("along_failure");
    await runFrozenFailure(p, ITEMS, BODY);
    // normalizing along gave up at the first item: no chain opened
    assert.equal(log.added, 0);
    assert.deepEqual(await p.pendingPackages(), { extracted: 1, normalized: 0 });
  },
});

Deno.test({
  name:
    "two resources extracted concurrently into one table are normalized along whole, each item once",
  ignore: !ffi,
  async fn() {
    const { p, log } = await alongPipeline("along_two_resources");
    const half = (name: string, from: number) =>
      resource(async function* () {
        for (let id = from; id < from + ITEMS / 2; id++) {
          // a turn between items: the two resources' items interleave
          await Promise.resolve();
          yield { id, body: `${id} ${BODY}` };
        }
      }, { name, tableName: "items" });
    const info = await p.run([half("first", 0), half("second", ITEMS / 2)]);
    assert.ok(log.added > 0);
    assert.ok(info.loadPackages[0].jobs.some((job) => job.duringNormalize));
    const [row] = await p.dataset().query<{ n: bigint | number; total: bigint | number }>(
      "SELECT count(DISTINCT id) AS n, sum(id) AS total FROM items",
    );
    assert.deepEqual([Number(row.n), Number(row.total)], [ITEMS, (ITEMS - 1) * ITEMS / 2]);
  },
});

Deno.test({
  name: "the destination's client opens at a package's first item, while extract still runs",
  ignore: !ffi,
  async fn() {
    let opened = 0;
    const { p } = await tempPipeline("along_opens", undefined, undefined, (destination) => ({
      ...destination,
      client(options) {
        opened++;
        return destination.client(options);
      },
    }));
    const waitForClient = async () => {
      const deadline = performance.now() + 30_000;
      while (opened === 0) {
        if (performance.now() > deadline) throw new Error("No client opened while extracting");
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await p.run(resource(async function* () {
      yield { id: 0 };
      await waitForClient();
      yield { id: 1 };
    }, { name: "items" }));
    // the run's one client: load used the one opened early
    assert.equal(opened, 1);
    assert.equal(await p.dataset().table("items").count(), 2);
  },
});

Deno.test({
  name: "a client that fails to open while extract runs fails the load with its error",
  ignore: !ffi,
  async fn() {
    let failing = true;
    const { p } = await tempPipeline("along_open_fails", undefined, undefined, (destination) => ({
      ...destination,
      client(options) {
        if (failing) return Promise.reject(new Error("the destination is away"));
        return destination.client(options);
      },
    }));
    const items = resource([{ id: 0 }, { id: 1 }], { name: "items" });
    await assert.rejects(() => p.run(items), /the destination is away/);
    // extracted and normalized, the package waits for the destination
    assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 1 });
    failing = false;
    await p.load();
    assert.equal(await p.dataset().table("items").count(), 2);
  },
});
