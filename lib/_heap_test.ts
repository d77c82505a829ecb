import assert from "node:assert/strict";
import { collectGarbage, heapInUse } from "./_heap.ts";

/** Makes and drops about 100 MiB of strings: nothing refers to them. */
function makeGarbage(): void {
  Array.from({ length: 800_000 }, (_, i) => `row ${i} `.repeat(8));
}

Deno.test("collectGarbage frees a heap's garbage once it has grown to 64 MiB, and leaves live objects", () => {
  const live = Array.from({ length: 1_000 }, (_, i) => ({ i }));
  makeGarbage();
  const before = heapInUse();
  assert.ok(before >= 64 << 20, `only ${before} bytes in use`);
  collectGarbage();
  const after = heapInUse();
  assert.ok(before - after >= 64 << 20, `${before} -> ${after} bytes`);
  assert.deepEqual(live.at(-1), { i: 999 });
});

Deno.test("collectGarbage(mark) collects once the heap has grown by 64 MiB since the mark, and not before", () => {
  makeGarbage();
  const mark = heapInUse();
  collectGarbage(mark);
  // the garbage made before the mark is still there: no collection ran
  assert.ok(heapInUse() >= mark, `${mark} -> ${heapInUse()} bytes`);
  makeGarbage();
  const before = heapInUse();
  collectGarbage(mark);
  assert.ok(before - heapInUse() >= 64 << 20, `${before} -> ${heapInUse()} bytes`);
});
