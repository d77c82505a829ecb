import assert from "node:assert/strict";
import type { LoadJob } from "../destination.ts";
import type { TableSchema } from "../schema/schema.ts";
import { EarlyChain, type EarlyChainSteps } from "./early_chain.ts";

const table: TableSchema = { name: "t", columns: {} };

function job(file: string, columns = ["a"]): LoadJob {
  return { path: `/pkg/${file}`, table: "t", format: "csv", columns, rows: 1, longestLine: 0 };
}

/**
 * Steps that log what they do; `copy` waits for `release` when it is given. `giveWay` receives
 * what the chain's transaction would do when another client waits for it.
 */
function loggingSteps(
  options: { failOn?: string; release?: Promise<void>; giveWay?: (fn: () => void) => void } = {},
) {
  const log: string[] = [];
  const steps: EarlyChainSteps = {
    async transaction(fn, giveWay) {
      options.giveWay?.(giveWay);
      log.push("begin");
      try {
        await fn();
        log.push("commit");
      } catch (error) {
        log.push("rollback");
        throw error;
      }
    },
    syncTable: (t) => {
      log.push(`sync ${t.name}`);
      return Promise.resolve();
    },
    async copy(jobs) {
      const files = jobs.map((j) => j.path.split("/").pop()).join("+");
      log.push(`copy ${files}`);
      await options.release;
      if (files.includes(options.failOn ?? "\0")) throw new Error(`cannot copy ${files}`);
    },
  };
  return { log, steps };
}

Deno.test("an early chain copies files as they come, runs of the same columns together (two at most), and commits what finish completes", async () => {
  const { log, steps } = loggingSteps();
  const chain = new EarlyChain("1", "t", steps);
  chain.add(job("t.1.csv"), table);
  await new Promise((resolve) => setTimeout(resolve, 0));
  chain.add(job("t.2.csv"), table);
  chain.add(job("t.3.csv"), table);
  chain.add(job("t.6.csv"), table);
  chain.add(job("t.4.csv", ["a", "b"]), table);
  await new Promise((resolve) => setTimeout(resolve, 0));
  await chain.stop();
  chain.add(job("t.5.csv"), table); // after stop: left to the load
  let copied: string[] = [];
  const committed = await chain.finish((files) => {
    copied = [...files.keys()];
    log.push("complete");
    return Promise.resolve();
  });
  assert.equal(committed, true);
  assert.deepEqual(copied, ["t.1.csv", "t.2.csv", "t.3.csv", "t.6.csv", "t.4.csv"]);
  assert.deepEqual(log, [
    "begin",
    "sync t",
    "copy t.1.csv",
    "sync t",
    "copy t.2.csv+t.3.csv",
    "sync t",
    "copy t.6.csv",
    "sync t",
    "copy t.4.csv",
    "complete",
    "commit",
  ]);
});

Deno.test("stop copies the files given so far and takes no more; abort leaves the queue", async () => {
  const release = Promise.withResolvers<void>();
  const { log, steps } = loggingSteps({ release: release.promise });
  const chain = new EarlyChain("1", "t", steps);
  chain.add(job("t.1.csv"), table);
  await new Promise((resolve) => setTimeout(resolve, 0));
  chain.add(job("t.2.csv", ["b"]), table);
  let stopped = false;
  const stopping = chain.stop().then(() => stopped = true);
  chain.add(job("t.3.csv", ["c"]), table); // after stop: left to the load
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(stopped, false, "stop returned while a file was being copied");
  release.resolve();
  await stopping;
  const copied: string[] = [];
  await chain.finish((files) => {
    copied.push(...files.keys());
    return Promise.resolve();
  });
  assert.deepEqual(copied, ["t.1.csv", "t.2.csv"]);
  assert.ok(!log.some((line) => line.includes("t.3.csv")));

  const held = Promise.withResolvers<void>();
  const aborted = loggingSteps({ release: held.promise });
  const other = new EarlyChain("2", "t", aborted.steps);
  other.add(job("t.1.csv"), table);
  await new Promise((resolve) => setTimeout(resolve, 0));
  other.add(job("t.2.csv", ["b"]), table);
  const aborting = other.abort();
  held.resolve();
  await aborting;
  assert.ok(!aborted.log.some((line) => line.includes("t.2.csv")));
  assert.equal(aborted.log.at(-1), "rollback");
});

Deno.test("a failed copy rolls the chain back and finish says so without completing it", async () => {
  const { log, steps } = loggingSteps({ failOn: "t.2.csv" });
  const chain = new EarlyChain("1", "t", steps);
  chain.add(job("t.1.csv"), table);
  await new Promise((resolve) => setTimeout(resolve, 0));
  chain.add(job("t.2.csv", ["b"]), table);
  await new Promise((resolve) => setTimeout(resolve, 0));
  chain.add(job("t.3.csv", ["c"]), table);
  await new Promise((resolve) => setTimeout(resolve, 0));
  // at once, before the package's load: the connection is not held for nothing
  assert.equal(log.at(-1), "rollback");
  let completed = false;
  const committed = await chain.finish(() => {
    completed = true;
    return Promise.resolve();
  });
  assert.equal(committed, false);
  assert.equal(completed, false);
  assert.equal(log.at(-1), "rollback");
  assert.ok(!log.includes("copy t.3.csv"));
});

Deno.test("abort rolls back; a completion that fails rolls back too", async () => {
  const aborted = loggingSteps();
  const chain = new EarlyChain("1", "t", aborted.steps);
  chain.add(job("t.1.csv"), table);
  await chain.abort();
  assert.equal(aborted.log.at(-1), "rollback");

  const failing = loggingSteps();
  const other = new EarlyChain("2", "t", failing.steps);
  assert.equal(await other.finish(() => Promise.reject(new Error("differs"))), false);
  assert.equal(failing.log.at(-1), "rollback");
});

Deno.test("a transaction that cannot begin copies nothing, and stop and finish still return", async () => {
  let copies = 0;
  const chain = new EarlyChain("1", "t", {
    transaction: () => Promise.reject(new Error("database is closed")),
    syncTable: () => Promise.resolve(),
    copy: () => Promise.resolve(void copies++),
  });
  chain.add(job("t.1.csv"), table);
  await chain.stop();
  assert.equal(await chain.finish(() => Promise.resolve()), false);
  assert.equal(copies, 0);
});

Deno.test("files copied before stop are copied beside normalize, the queue left at stop with nothing beside", async () => {
  const release = Promise.withResolvers<void>();
  const copies: string[] = [];
  const chain = new EarlyChain("1", "t", {
    transaction: (fn) => fn(),
    syncTable: () => Promise.resolve(),
    async copy(jobs, _table, options) {
      const files = jobs.map((j) => j.path.split("/").pop()).join("+");
      copies.push(`${files} ${options.besideNormalize ? "beside" : "alone"}`);
      await release.promise;
    },
  });
  chain.add(job("t.1.csv"), table);
  await new Promise((resolve) => setTimeout(resolve, 0));
  chain.add(job("t.2.csv", ["b"]), table);
  chain.add(job("t.3.csv", ["c"]), table);
  const stopping = chain.stop();
  release.resolve();
  await stopping;
  assert.equal(await chain.finish(() => Promise.resolve()), true);
  assert.deepEqual(copies, ["t.1.csv beside", "t.2.csv alone", "t.3.csv alone"]);
});

Deno.test("another client waiting for the transaction rolls the chain back before it stops, not after", async () => {
  let giveWay = () => {};
  const { log, steps } = loggingSteps({ giveWay: (fn) => giveWay = fn });
  const chain = new EarlyChain("1", "t", steps);
  chain.add(job("t.1.csv"), table);
  await new Promise((resolve) => setTimeout(resolve, 0));
  giveWay();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(log.at(-1), "rollback");
  chain.add(job("t.2.csv"), table);
  assert.equal(await chain.finish(() => Promise.resolve()), false);
  assert.ok(!log.includes("copy t.2.csv"));

  // once stopped (normalize has ended), the commit is near: the other client waits for it
  const late = loggingSteps({ giveWay: (fn) => giveWay = fn });
  const stopped = new EarlyChain("2", "t", late.steps);
  stopped.add(job("t.1.csv"), table);
  await stopped.stop();
  giveWay();
  assert.equal(await stopped.finish(() => Promise.resolve()), true);
  assert.equal(late.log.at(-1), "commit");
});
