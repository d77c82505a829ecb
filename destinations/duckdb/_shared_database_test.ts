import assert from "node:assert/strict";
import type { DuckDbDriver } from "./_driver.ts";
import { SharedDatabase } from "./_shared_database.ts";

/** A shared database whose driver is never used: only its turns are. */
function turns(): SharedDatabase {
  return new SharedDatabase(":memory:test", {} as DuckDbDriver, {
    keepOpen: false,
    autoMemory: false,
  });
}

Deno.test("a caller that waits for the connection has the caller whose turn it is give way, once", async () => {
  const shared = turns();
  const log: string[] = [];
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  const first = shared.exclusive(async () => {
    log.push("first runs");
    await released;
  }, () => log.push("first gives way"));
  await new Promise((resolve) => setTimeout(resolve, 0));
  const second = shared.exclusive(() => Promise.resolve(log.push("second runs")));
  const third = shared.exclusive(() => Promise.resolve(log.push("third runs")));
  assert.deepEqual(log, ["first runs", "first gives way"]);
  release();
  await Promise.all([first, second, third]);
  assert.deepEqual(log, ["first runs", "first gives way", "second runs", "third runs"]);
});

Deno.test("a caller queued behind one that gives way has it give way when its turn begins; none once it has ended", async () => {
  const shared = turns();
  const log: string[] = [];
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  const busy = shared.exclusive(() => released);
  const giving = shared.exclusive(() => {
    log.push("giving runs");
    return Promise.resolve();
  }, () => log.push("giving gives way"));
  const waiting = shared.exclusive(() => Promise.resolve(log.push("waiting runs")));
  release();
  await Promise.all([busy, giving, waiting]);
  assert.deepEqual(log, ["giving gives way", "giving runs", "waiting runs"]);
  // its turn over, a new caller tells it nothing
  await shared.exclusive(() => Promise.resolve());
  assert.equal(log.filter((entry) => entry.endsWith("gives way")).length, 1);
});

Deno.test("a giveWay that throws changes nothing: the waiting caller runs after the turn", async () => {
  const shared = turns();
  const log: string[] = [];
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  const first = shared.exclusive(() => released, () => {
    throw new Error("cannot give way");
  });
  await new Promise((resolve) => setTimeout(resolve, 0));
  const second = shared.exclusive(() => Promise.resolve(log.push("second runs")));
  release();
  await Promise.all([first, second]);
  // the count of callers is right again: a later turn alone is not told to give way
  await shared.exclusive(() => Promise.resolve(log.push("alone")), () => log.push("told"));
  assert.deepEqual(log, ["second runs", "alone"]);
});
