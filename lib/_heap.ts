/**
 * A full garbage collection of the JavaScript heap, run where a stage of a run ends: extract
 * leaves its items' garbage in the heap, and V8 collects it only when the heap grows further, so
 * without it the next stage's memory (normalize's workers, the destination's buffers) comes on
 * top of the last one's. A normalize worker collects before it ends too: the pages of a worker's
 * heap stay with the process after the worker is terminated (150 MiB after normalizing 20,000
 * GitHub events in two workers), unless the heap has shrunk first.
 *
 * @module
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Heap size below which a collection is not worth its time (10–30 ms). */
const MIN_HEAP_BYTES = 64 << 20;

/** V8's collector, once found; `null` where the runtime does not offer it. */
let collector: (() => void) | null | undefined;

/**
 * Runs a full garbage collection when the heap has grown to 64 MiB, where the runtime allows
 * it; else does nothing.
 */
export function collectGarbage(): void {
  const heapTotal = (globalThis as { Deno?: typeof Deno }).Deno?.memoryUsage().heapTotal ?? 0;
  if (heapTotal < MIN_HEAP_BYTES) return;
  collector ??= findCollector();
  collector?.();
}

/** V8's `gc`: the global one if the process exposes it, else one from a new context. */
function findCollector(): (() => void) | null {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === "function") return exposed as () => void;
  try {
    // a context created after the flag is set gets the `gc` function; the user's does not
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc");
    return typeof gc === "function" ? gc : null;
  } catch {
    return null;
  }
}
