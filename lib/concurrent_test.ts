import assert from "node:assert/strict";
import { concurrentFlatMap } from "./concurrent.ts";

const wait = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });

Deno.test("outputs come in input order, at most `limit` running at once", async () => {
  let running = 0;
  let most = 0;
  const out: number[] = [];
  for await (
    const n of concurrentFlatMap([30, 5, 20, 1, 10], 2, async function* (ms, signal) {
      most = Math.max(most, ++running);
      await wait(ms, signal);
      running--;
      yield ms;
    })
  ) out.push(n);
  assert.deepEqual(out, [30, 5, 20, 1, 10]);
  assert.equal(most, 2);
});

Deno.test("a failure aborts the others at once and is the error thrown", async () => {
  const started = performance.now();
  let aborted = 0;
  const run = async () => {
    for await (
      const _ of concurrentFlatMap([0, 1, 2], 3, async function* (i, signal) {
        if (i === 1) throw new Error("boom");
        try {
          await wait(5_000, signal);
        } catch (error) {
          aborted++;
          throw error;
        }
        yield i;
      })
    ) { /* nothing arrives */ }
  };
  await assert.rejects(run, /boom/);
  assert.equal(aborted, 2);
  assert.ok(performance.now() - started < 1_000);
});
