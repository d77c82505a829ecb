/**
 * Concurrent extraction, as dlt's: a source's async resources are advanced concurrently
 * (`round_robin`), or one after another (`fifo`), in flight at most `max_parallel_items`;
 * parallelized sync generators take turns; async transformers work on several parent items at
 * once. Cursors stay exact, a failing resource stops the others and loads nothing, and dlt's
 * examples of its performance guide ("Extract") give the same results here.
 */
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ConfigError,
  type DltResource,
  incremental,
  PipelineStepFailed,
  resource,
  source,
  transformer,
} from "../mod.ts";
import { dummyPipeline } from "./_helpers.ts";
import { isolatedTest } from "./_isolated.ts";

/** An I/O-bound resource: `pages` pages of 2 items, each page after `ms` milliseconds. */
function pagedApi(name: string, pages: number, ms: number, log: string[]): DltResource {
  return resource(async function* () {
    for (let page = 0; page < pages; page++) {
      await sleep(ms);
      log.push(`${name}${page}`);
      yield [{ id: page * 2 }, { id: page * 2 + 1 }];
    }
  }, { name });
}

Deno.test("three async resources of 3 pages × 200 ms are extracted concurrently, round robin", async () => {
  const { p, destination } = await dummyPipeline("concurrent_three");
  const log: string[] = [];
  const shop = source(
    ["users", "orders", "products"].map((name) => pagedApi(name, 3, 200, log)),
    { name: "shop" },
  );
  await p.run(shop);
  // each round has one page of every resource: they waited together, not one after another
  for (let round = 0; round < 3; round++) {
    assert.deepEqual(log.slice(round * 3, round * 3 + 3).sort(), [
      `orders${round}`,
      `products${round}`,
      `users${round}`,
    ]);
  }
  assert.deepEqual(destination.rowCounts(p.datasetName), { users: 6, orders: 6, products: 6 });
});

isolatedTest(
  import.meta.url,
  "EXTRACT__NEXT_ITEM_MODE=fifo extracts one resource after another",
  async () => {
    const { p, destination } = await dummyPipeline("concurrent_fifo");
    const log: string[] = [];
    Deno.env.set("EXTRACT__NEXT_ITEM_MODE", "fifo");
    try {
      await p.run(source([pagedApi("a", 3, 5, log), pagedApi("b", 3, 5, log)], { name: "s" }));
    } finally {
      Deno.env.delete("EXTRACT__NEXT_ITEM_MODE");
    }
    assert.deepEqual(log, ["a0", "a1", "a2", "b0", "b1", "b2"]);
    assert.deepEqual(destination.rowCounts(p.datasetName), { a: 6, b: 6 });
  },
);

isolatedTest(import.meta.url, "a bad extract setting stops the run, naming the key", async () => {
  const { p, destination } = await dummyPipeline("concurrent_bad_config");
  for (
    const [name, value, message] of [
      [
        "EXTRACT__MAX_PARALLEL_ITEMS",
        "0",
        'Config value "extract.max_parallel_items" (from EXTRACT__MAX_PARALLEL_ITEMS) must be an integer ≥ 1, such as 2; got "0"',
      ],
      [
        "SOURCES__S__EXTRACT__NEXT_ITEM_MODE",
        "lifo",
        'Config value "extract.next_item_mode" (from SOURCES__S__EXTRACT__NEXT_ITEM_MODE) must be "round_robin" or "fifo"; got "lifo"',
      ],
    ]
  ) {
    Deno.env.set(name, value);
    try {
      await assert.rejects(
        p.run(source([resource([{ id: 1 }], { name: "r" })], { name: "s" })),
        (error: Error) => {
          const cause = error instanceof PipelineStepFailed ? error.cause : error;
          assert.ok(cause instanceof ConfigError, String(error));
          assert.equal(cause.message, message);
          return true;
        },
      );
    } finally {
      Deno.env.delete(name);
    }
  }
  assert.deepEqual(destination.rowCounts(p.datasetName), {});
});

Deno.test("parallelized sync generators take turns, each step a task of its own", async () => {
  const { p, destination } = await dummyPipeline("concurrent_parallelized");
  const log: string[] = [];
  const numbers = (name: string) =>
    resource(function* () {
      for (let i = 0; i < 4; i++) {
        log.push(`${name}${i}`);
        yield { i };
      }
    }, { name, parallelized: true });
  await p.run(source([numbers("a"), numbers("b")], { name: "s" }));
  assert.deepEqual(log, ["a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3"]);
  assert.deepEqual(destination.rowCounts(p.datasetName), { a: 4, b: 4 });
});

Deno.test("parallelized takes generator functions, generators and transformers; else a TypeError", () => {
  assert.ok(resource(function* () {}, { name: "gen", parallelized: true }).parallelized);
  const iterator = [1, 2][Symbol.iterator]();
  assert.ok(resource(iterator, { name: "iter", parallelized: true }).parallelized);
  assert.ok(transformer((x: number) => x, { name: "t", parallelized: true }).parallelized);
  assert.throws(
    () => resource(async function* () {}, { name: "agen", parallelized: true }),
    {
      name: "TypeError",
      message:
        'Resource "agen" cannot be parallelized: it is an async function, and parallelized takes a generator function, a generator or a transformer; async resources are extracted concurrently without it: leave parallelized out',
    },
  );
  assert.throws(
    () => resource(() => [1], { name: "fn", parallelized: true }),
    /^TypeError: Resource "fn" cannot be parallelized: it is a function that is not a generator function, .*write it as a generator function \(function\*\)$/,
  );
  assert.throws(
    () => resource([1, 2], { name: "list", parallelized: true }),
    /Resource "list" cannot be parallelized: it is a list of 2 items/,
  );
  assert.throws(
    () => resource(function* () {}, { name: "x", parallelized: 1 as never }),
    TypeError,
  );
  // a source marks those that can be, as dlt's source(parallelized=True)
  const s = source([
    resource(function* () {}, { name: "sync" }),
    resource(async function* () {}, { name: "async" }),
  ], { name: "s", parallelized: true });
  assert.equal(s.resource("sync").parallelized, true);
  assert.equal(s.resource("async").parallelized, false);
  // copies keep it
  assert.ok(s.resource("sync").withName("other").parallelized);
});

Deno.test("run() refuses parallelized, saying where it goes", async () => {
  const { p } = await dummyPipeline("concurrent_run_option");
  await assert.rejects(
    p.run([{ id: 1 }], { tableName: "t", parallelized: true } as never),
    /parallelized.*give parallelized to resource\(\), transformer\(\) or source\(\), as dlt does/,
  );
});

Deno.test("an async transformer processes parent pages concurrently, bounded by max_parallel_items", async () => {
  const { p, destination } = await dummyPipeline("concurrent_transformer");
  let inFlight = 0;
  let most = 0;
  const pages = resource(function* () {
    for (let page = 0; page < 40; page++) yield [{ id: page }];
  }, { name: "pages" });
  const details = transformer(async (page: { id: number }[]) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await sleep(5);
    inFlight--;
    return page.map((item) => ({ ...item, detail: true }));
  }, { name: "details" });
  await p.run(source([pages, pages.pipe(details)], { name: "s" }));
  assert.ok(most > 1 && most <= 20, `${most} in flight at most (default limit 20)`);
  assert.deepEqual(destination.rowCounts(p.datasetName), { pages: 40, details: 40 });
});

Deno.test("incremental cursors stay exact while resources and transformers run concurrently", async () => {
  const { p, destination } = await dummyPipeline("concurrent_incremental");
  let total = 6;
  /** Events 0 … total-1 of one stream, in pages of 2, each page after a wait. */
  const events = (name: string) =>
    resource(async function* ({ incremental: cursor }) {
      const from = (cursor?.startValue as number | undefined) ?? 0;
      for (let id = from; id < total; id += 2) {
        await sleep(3);
        yield [{ id }, { id: id + 1 }].filter((e) => e.id < total);
      }
    }, { name, primaryKey: "id", incremental: incremental("id", { initialValue: 0 }) });
  const a = events("a");
  const details = transformer(async (page: { id: number }[]) => {
    await sleep(Math.random() * 5);
    return page.map(({ id }) => ({ id, at: id * 10 }));
  }, { name: "a_details", incremental: incremental("at", { initialValue: 0 }) });
  const stream = () => source([a, events("b"), a.pipe(details)], { name: "s" });
  await p.run(stream());
  assert.deepEqual(destination.rowCounts(p.datasetName), { a: 6, b: 6, a_details: 6 });
  total = 10;
  await p.run(stream());
  // the boundary items (id 5, at 50) are not loaded again: 4 new ones each
  assert.deepEqual(destination.rowCounts(p.datasetName), { a: 10, b: 10, a_details: 10 });
  const cursors = p.state.sources?.s?.resources as Record<string, { incremental: unknown }>;
  const last = (name: string, path: string) =>
    (cursors[name].incremental as Record<string, { last_value: unknown }>)[path].last_value;
  assert.equal(last("a", "id"), 9);
  assert.equal(last("b", "id"), 9);
  assert.equal(last("a_details", "at"), 90);
});

Deno.test("addLimit stops each resource at its own limit while they run concurrently", async () => {
  const { p, destination } = await dummyPipeline("concurrent_limit");
  const endless = (name: string, ms: number) =>
    resource(async function* () {
      for (let i = 0;; i++) {
        await sleep(ms);
        yield { i };
      }
    }, { name });
  await p.run(
    source([endless("fast", 1).addLimit(7), endless("slow", 4).addLimit(3)], { name: "s" }),
  );
  assert.deepEqual(destination.rowCounts(p.datasetName), { fast: 7, slow: 3 });
});

Deno.test("a failing resource names itself, stops the others and loads nothing", async () => {
  const { p, destination } = await dummyPipeline("concurrent_failure");
  let stoppedAfter: number | undefined;
  const started = performance.now();
  const patient = resource(async function* ({ signal }) {
    yield { id: 1 };
    try {
      await sleep(10_000, undefined, { signal });
    } finally {
      stoppedAfter = performance.now() - started;
    }
    yield { id: 2 };
  }, { name: "patient" });
  const failing = resource(async function* () {
    await sleep(20);
    yield { id: 1 };
    throw new Error("the API said no");
  }, { name: "failing" });
  await assert.rejects(p.run(source([patient, failing], { name: "s" })), (error: Error) => {
    assert.ok(error instanceof PipelineStepFailed);
    assert.match(error.message, /Resource "failing": raised an error: the API said no/);
    assert.doesNotMatch(error.message, /patient/);
    return true;
  });
  assert.ok(stoppedAfter !== undefined && stoppedAfter < 5_000, "the other one was stopped");
  assert.deepEqual(destination.rowCounts(p.datasetName), {});
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
});

Deno.test("a cancelled run stops every resource and loads nothing", async () => {
  const { p, destination } = await dummyPipeline("concurrent_cancel");
  const controller = new AbortController();
  const endless = (name: string) =>
    resource(async function* ({ signal }) {
      for (let i = 0;; i++) {
        await sleep(2, undefined, { signal });
        yield { i };
      }
    }, { name });
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(
    p.run(source([endless("a"), endless("b")], { name: "s" }), { signal: controller.signal }),
    (error: Error) => {
      assert.ok(error instanceof PipelineStepFailed);
      assert.match(error.message, /abort/i);
      return true;
    },
  );
  assert.deepEqual(destination.rowCounts(p.datasetName), {});
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
});

// dlt's performance guide, "Extract": its examples here, with the same results

Deno.test("dlt example: parallelized resources piped into parallelized transformers", async () => {
  const { p, destination } = await dummyPipeline("dlt_parallel_extract_callables");
  const listUsers = (nUsers: number) =>
    resource(function* () {
      for (let i = 1; i < 1 + nUsers; i++) yield i;
    }, { name: "list_users", parallelized: true });
  const getUserDetails = transformer((userId: number) => ({ entity: "user", id: userId }), {
    name: "get_user_details",
    parallelized: true,
  });
  const listProducts = (nProducts: number) =>
    resource(function* () {
      for (let i = 1; i < 1 + nProducts; i++) yield i;
    }, { name: "list_products", parallelized: true });
  const getProductDetails = transformer(
    (productId: number) => ({ entity: "product", id: productId }),
    { name: "get_product_details", parallelized: true },
  );
  const apiData = () =>
    source([listUsers(24).pipe(getUserDetails), listProducts(32).pipe(getProductDetails)], {
      name: "api_data",
    });
  await p.run(apiData());
  // dlt's list(api_data()) has the 24 users and 32 products
  assert.deepEqual(destination.rowCounts(p.datasetName), {
    get_user_details: 24,
    get_product_details: 32,
  });
});

Deno.test("dlt example: an async resource piped into an async transformer", async () => {
  const { p, destination } = await dummyPipeline("dlt_parallel_extract_awaitables");
  let inFlight = 0;
  let most = 0;
  // dlt's waits are 0.3 s; 30 ms here
  const aListItems = (start: number, limit: number) =>
    resource(async function* () {
      for (let index = start; index < start + limit; index++) {
        await sleep(30);
        yield index;
      }
    }, { name: "a_list_items" });
  const aGetDetails = transformer(async (itemId: number) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await sleep(60);
    inFlight--;
    return { row: itemId };
  }, { name: "a_get_details" });
  await p.run(aListItems(0, 10).pipe(aGetDetails));
  assert.deepEqual(destination.rowCounts(p.datasetName), { a_get_details: 10 });
  // the details of one item are fetched while the next items are listed
  assert.ok(most > 1, `${most} in flight at most`);
});

Deno.test("dlt example: two pipelines run side by side, async and parallelized", async () => {
  const one = await dummyPipeline("dlt_pipeline_1");
  const two = await dummyPipeline("dlt_pipeline_2");
  const asyncTable = resource(async function* () {
    for (let idx = 0; idx < 10; idx++) {
      await sleep(10);
      yield { async_gen: idx };
    }
  }, { name: "async_table" });
  const deferTable = resource(function* () {
    for (let idx = 0; idx < 5; idx++) yield idx;
  }, { name: "defer_table", parallelized: true });
  await Promise.all([one.p.run(asyncTable), two.p.run(deferTable)]);
  assert.deepEqual(one.destination.rowCounts(one.p.datasetName), { async_table: 10 });
  assert.deepEqual(two.destination.rowCounts(two.p.datasetName), { defer_table: 5 });
});

Deno.test("iterating a source without a pipeline runs its resources concurrently; stopping early closes them", async () => {
  const log: string[] = [];
  const closed: string[] = [];
  const paged = (name: string) =>
    resource(async function* () {
      try {
        for (let page = 0; page < 3; page++) {
          await sleep(20);
          log.push(`${name}${page}`);
          yield { name, page };
        }
      } finally {
        closed.push(name);
      }
    }, { name });
  const items = await source([paged("a"), paged("b")], { name: "pages" }).toArray();
  assert.equal(items.length, 6);
  // round robin: b's first page comes before a's last, as in dlt's list(source)
  assert.ok(log.indexOf("b0") < log.indexOf("a2"), log.join());
  closed.length = 0;
  for await (const _ of source([paged("c"), paged("d")], { name: "early" })) break;
  // each finishes the step it is in (a sleep that takes no signal), then closes
  await sleep(100);
  assert.deepEqual(closed.sort(), ["c", "d"]);
});
