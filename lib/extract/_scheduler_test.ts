import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { type DltResource, resource, transformer } from "../resource.ts";
import { ResourceExtractionError } from "../errors.ts";
import { driveExtraction, type DriveOptions } from "./_scheduler.ts";

/** Runs `roots` (and the transformers piped from them) as extract would; what each wrote, in order. */
async function drive(
  resources: DltResource[],
  options: Omit<DriveOptions, "controller"> & { controller?: AbortController } = {},
): Promise<string[]> {
  const written: string[] = [];
  const children = new Map<DltResource, DltResource[]>();
  for (const r of resources) {
    if (r.parent !== undefined) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
  }
  const controller = options.controller ?? new AbortController();
  await driveExtraction({
    roots: resources.filter((r) => r.parent === undefined),
    children: (r) => children.get(r) ?? [],
    loaded: () => true,
    write: (r, unit) => {
      written.push(`${r.name}:${JSON.stringify(unit)}`);
      return Promise.resolve();
    },
    contextOf: () => ({ state: {}, sourceState: {}, signal: controller.signal, config: {} }),
  }, { ...options, controller });
  return written;
}

/** An async resource that yields `pages` pages, each after `ms` milliseconds. */
function slow(name: string, pages: number, ms: number, log?: string[]): DltResource {
  return resource(async function* () {
    for (let page = 0; page < pages; page++) {
      await sleep(ms);
      log?.push(`${name}${page}`);
      yield { page };
    }
  }, { name });
}

Deno.test("round_robin advances async resources concurrently: they interleave", async () => {
  const log: string[] = [];
  await drive([slow("a", 3, 30, log), slow("b", 3, 30, log), slow("c", 3, 30, log)]);
  // each round gives one page of each resource
  for (let round = 0; round < 3; round++) {
    assert.deepEqual(log.slice(round * 3, round * 3 + 3).sort(), [
      `a${round}`,
      `b${round}`,
      `c${round}`,
    ]);
  }
});

Deno.test("fifo runs the resources one after another, in order", async () => {
  const log: string[] = [];
  const written = await drive([slow("a", 2, 5, log), slow("b", 2, 5, log)], {
    nextItemMode: "fifo",
  });
  assert.deepEqual(log, ["a0", "a1", "b0", "b1"]);
  assert.deepEqual(written, ['a:{"page":0}', 'a:{"page":1}', 'b:{"page":0}', 'b:{"page":1}']);
});

Deno.test("maxParallelItems 1 takes one step at a time: one resource after another", async () => {
  let inFlight = 0;
  let most = 0;
  const counted = (name: string) =>
    resource(async function* () {
      for (let page = 0; page < 3; page++) {
        inFlight++;
        most = Math.max(most, inFlight);
        await sleep(2);
        inFlight--;
        yield page;
      }
    }, { name });
  const written = await drive([counted("a"), counted("b")], { maxParallelItems: 1 });
  // (one resource open at a time, too)
  assert.equal(most, 1);
  assert.deepEqual(written, ["a:0", "a:1", "a:2", "b:0", "b:1", "b:2"]);
});

Deno.test("maxParallelItems 2: two resources take turns, the third starts when one ends", async () => {
  const numbers = (name: string, n: number) =>
    resource(async function* () {
      for (let i = 0; i < n; i++) {
        await sleep(2);
        yield i;
      }
    }, { name });
  const written = await drive([numbers("a", 2), numbers("b", 4), numbers("c", 1)], {
    maxParallelItems: 2,
  });
  assert.deepEqual(written.slice(0, 4).sort(), ["a:0", "a:1", "b:0", "b:1"]);
  assert.ok(written.indexOf("c:0") > written.indexOf("a:1"));
});

Deno.test("sync generators take turns under round_robin", async () => {
  const numbers = (name: string) =>
    resource(function* () {
      for (let i = 0; i < 3; i++) yield i;
    }, { name });
  assert.deepEqual(await drive([numbers("a"), numbers("b")]), [
    "a:0",
    "b:0",
    "a:1",
    "b:1",
    "a:2",
    "b:2",
  ]);
});

/** A sync generator that keeps the thread busy `ms` milliseconds per item, for `items` items. */
function busy(items: number, ms: number, parallelized = false): DltResource {
  return resource(function* () {
    for (let i = 0; i < items; i++) {
      const until = performance.now() + ms;
      while (performance.now() < until) { /* blocks, as sync work does */ }
      yield i;
    }
  }, { name: "busy", parallelized });
}

Deno.test("parallelized sync generators let async resources' I/O in between their steps", async () => {
  const tick = resource(async function* () {
    await sleep(1);
    yield 0;
  }, { name: "ticks" });
  const order = async (parallelized: boolean) => {
    // without the turns writing takes (next test)
    const written = await drive([busy(20, 3, parallelized), tick], { turnMs: Infinity });
    // where the timer's items landed among the busy ones
    return written.map((w) => w.split(":")[0]).lastIndexOf("ticks") <
      written.map((w) => w.split(":")[0]).lastIndexOf("busy");
  };
  // without it the busy generator holds the thread until it ends; with it the timer fires between
  assert.equal(await order(false), false);
  assert.equal(await order(true), true);
});

Deno.test("a long sync generator lets timers fire while its items are written", async () => {
  let fired = 0;
  const timer = setInterval(() => fired++, 1);
  try {
    // 150 ms of work: the writing of its items takes a macrotask turn every 10 ms by default
    await drive([busy(150, 1)]);
  } finally {
    clearInterval(timer);
  }
  assert.ok(fired >= 5, `the timer fired ${fired} times`);
});

Deno.test("an async transformer runs on several parent items at once, bounded", async () => {
  let inFlight = 0;
  let most = 0;
  const ids = resource(function* () {
    for (let i = 0; i < 20; i++) yield i;
  }, { name: "ids" });
  const details = transformer(async (id: number) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await sleep(5);
    inFlight--;
    return { id };
  }, { name: "details" });
  const written = await drive([ids, ids.pipe(details)], { maxParallelItems: 4 });
  assert.ok(most > 1, `at most ${most} in flight`);
  assert.ok(most <= 4, `at most ${most} in flight`);
  const outputs = written.filter((w) => w.startsWith("details:"));
  assert.equal(outputs.length, 20);
  assert.deepEqual(
    outputs.map((w) => JSON.parse(w.slice("details:".length)).id).sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i),
  );
});

Deno.test("a sync transformer keeps its parent's order", async () => {
  const ids = resource(async function* () {
    for (let i = 0; i < 5; i++) {
      await sleep(1);
      yield i;
    }
  }, { name: "ids" });
  const doubled = transformer(function* (id: number) {
    yield id * 2;
  }, { name: "doubled" });
  const written = await drive([ids, ids.pipe(doubled)]);
  assert.deepEqual(written.filter((w) => w.startsWith("doubled:")), [
    "doubled:0",
    "doubled:2",
    "doubled:4",
    "doubled:6",
    "doubled:8",
  ]);
});

Deno.test("nested async transformers cannot deadlock the slots", async () => {
  const ids = resource(function* () {
    for (let i = 0; i < 30; i++) yield i;
  }, { name: "ids" });
  const first = transformer(async function* (id: number) {
    await sleep(1);
    yield id;
    yield id + 100;
  }, { name: "first" });
  const second = transformer(async (id: number) => {
    await sleep(1);
    return id;
  }, { name: "second" });
  const piped = ids.pipe(first);
  const written = await drive([ids, piped, piped.pipe(second)], { maxParallelItems: 2 });
  assert.equal(written.filter((w) => w.startsWith("second:")).length, 60);
});

Deno.test("a failing resource stops the others through the signal, and the error names it", async () => {
  let abortedAfter: number | undefined;
  const started = performance.now();
  const patient = resource(async function* ({ signal }) {
    yield 1;
    try {
      await sleep(10_000, undefined, { signal });
    } catch (error) {
      abortedAfter = performance.now() - started;
      throw error;
    }
    yield 2;
  }, { name: "patient" });
  const failing = resource(async function* () {
    await sleep(10);
    yield 1;
    throw new Error("boom");
  }, { name: "failing" });
  await assert.rejects(drive([patient, failing]), (error: Error) => {
    assert.ok(error instanceof ResourceExtractionError);
    assert.equal(error.message, 'Resource "failing": raised an error: boom');
    return true;
  });
  assert.ok(abortedAfter !== undefined && abortedAfter < 1000, "the other one was aborted");
});

Deno.test("a resource whose item fails to be written or transformed is closed before the error goes on", async () => {
  for (const mode of ["round_robin", "fifo"] as const) {
    const closed: string[] = [];
    const holding = (name: string) =>
      resource(async function* () {
        try {
          yield { id: 1 };
          yield { id: 2 };
        } finally {
          closed.push(name); // a connection released here
        }
      }, { name });
    // writing fails (a table name function that throws, a writer error)
    const written = holding("written");
    const writeFails = driveExtraction({
      roots: [written],
      children: () => [],
      loaded: () => true,
      write: () => Promise.reject(new Error("disk full")),
      contextOf: () => ({
        state: {},
        sourceState: {},
        signal: new AbortController().signal,
        config: {},
      }),
    }, { controller: new AbortController(), nextItemMode: mode });
    await assert.rejects(writeFails, /disk full/);
    // a sync transformer of its item fails
    const parent = holding("transformed");
    const child = parent.pipe(transformer((_item: unknown) => {
      throw new Error("bad item");
    }, { name: "child" }));
    await assert.rejects(drive([parent, child], { nextItemMode: mode }), /bad item/);
    assert.deepEqual(closed, ["written", "transformed"], mode);
  }
});

Deno.test("a cancel from outside ends the run with its reason", async () => {
  const controller = new AbortController();
  const forever = resource(async function* ({ signal }) {
    for (let i = 0;; i++) {
      await sleep(5, undefined, { signal });
      yield i;
    }
  }, { name: "forever" });
  setTimeout(() => controller.abort(), 30);
  await assert.rejects(drive([forever], { controller }), { name: "AbortError" });
});

Deno.test("at most maxParallelItems resources are open at once, started in order", async () => {
  let open = 0;
  let most = 0;
  const started: string[] = [];
  const table = (name: string) =>
    resource(async function* () {
      open++;
      most = Math.max(most, open);
      started.push(name);
      try {
        for (let i = 0; i < 2; i++) {
          await sleep(2);
          yield i;
        }
      } finally {
        open--;
      }
    }, { name });
  const names = Array.from({ length: 8 }, (_, i) => `t${i}`);
  const written = await drive(names.map(table), { maxParallelItems: 3 });
  assert.equal(most, 3);
  assert.deepEqual(started, names);
  assert.equal(written.length, 16);
});
