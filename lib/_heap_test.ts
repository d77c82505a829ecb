import assert from "node:assert/strict";
import { getHeapSpaceStatistics } from "node:v8";
import { collectGarbage, heapSize } from "./_heap.ts";

/** Bytes of the JavaScript heap in use. */
const heapInUse = () => Deno.memoryUsage().heapUsed;

/**
 * The most a young-generation collection, which V8 may run at any allocation, can free: what the
 * young generation can hold (its new space, used or not, and its large objects).
 */
const youngGeneration = () =>
  getHeapSpaceStatistics().reduce(
    (bytes, space) =>
      space.space_name === "new_space"
        ? bytes + space.space_used_size + space.space_available_size
        : space.space_name === "new_large_object_space"
        ? bytes + space.space_used_size
        : bytes,
    0,
  );

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
  const youngBefore = youngGeneration();
  assert.equal(collectGarbage(mark), false);
  // the garbage made before the mark is still there: no full collection ran, which would free
  // at least 64 MiB of it (the test above); a young-generation one frees at most its size
  const young = Math.max(youngBefore, youngGeneration());
  assert.ok(young < 64 << 20, `the young generation holds ${young} bytes`);
  assert.ok(garbage - heapInUse() <= young, `${garbage} -> ${heapInUse()} bytes in use`);
  makeGarbage();
  assert.ok(heapSize() - mark >= 32 << 20, `the heap grew by only ${heapSize() - mark} bytes`);
  const before = heapInUse();
  assert.equal(collectGarbage(mark), true);
  assert.ok(before - heapInUse() >= 64 << 20, `${before} -> ${heapInUse()} bytes in use`);
});
