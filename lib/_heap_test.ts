import assert from "node:assert/strict";
import { collectGarbage, heapSize } from "./_heap.ts";

/** Bytes of the JavaScript heap in use. */
const heapInUse = () => Deno.memoryUsage().heapUsed;

/** Makes and drops about 100 MiB of strings: nothing refers to them. */
function makeGarbage(): void {
  Array.from({ length: 800_000 }, (_, i) => `row ${i} `.repeat(8));
}

Deno.test("collectGarbage frees a heap's garbage once it has grown to 64 MiB, and leaves live objects", () => {
  const live = Array.from({ length: 1_000 }, (_, i) => ({ i }));
  makeGarbage();
  const before = heapInUse();
  assert.ok(heapSize() >= 64 << 20, `the heap holds only ${heapSize()} bytes`);
  collectGarbage();
  const after = heapInUse();
  assert.ok(before - after >= 64 << 20, `${before} -> ${after} bytes in use`);
  assert.deepEqual(live.at(-1), { i: 999 });
});

Deno.test("collectGarbage(mark) collects once the heap has grown by 32 MiB since the mark, and not before", () => {
  makeGarbage();
  const mark = heapSize();
  const garbage = heapInUse();
  assert.equal(collectGarbage(mark), false);
  // the garbage made before the mark is still there: no collection ran
  assert.ok(heapInUse() >= garbage, `${garbage} -> ${heapInUse()} bytes in use`);
  makeGarbage();
  assert.ok(heapSize() - mark >= 32 << 20, `the heap grew by only ${heapSize() - mark} bytes`);
  const before = heapInUse();
  assert.equal(collectGarbage(mark), true);
  assert.ok(before - heapInUse() >= 64 << 20, `${before} -> ${heapInUse()} bytes in use`);
});
