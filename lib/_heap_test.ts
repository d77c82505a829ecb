import assert from "node:assert/strict";
import { collectGarbage } from "./_heap.ts";

Deno.test("collectGarbage frees a heap's garbage once it has grown to 64 MiB, and leaves live objects", () => {
  const live = Array.from({ length: 1_000 }, (_, i) => ({ i }));
  // made and dropped: nothing refers to it
  Array.from({ length: 800_000 }, (_, i) => `row ${i} `.repeat(8));
  const before = Deno.memoryUsage().heapUsed;
  assert.ok(before >= 64 << 20, `only ${before} bytes in use`);
  collectGarbage();
  const after = Deno.memoryUsage().heapUsed;
  assert.ok(before - after >= 64 << 20, `${before} -> ${after} bytes`);
  assert.deepEqual(live.at(-1), { i: 999 });
});
