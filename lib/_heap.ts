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

/** Heap size below which a collection is not worth its time (10–40 ms). */
const MIN_HEAP_BYTES = 64 << 20;

/** Growth of the heap since a mark below which a collection is not worth its time. */
const MIN_GROWTH_BYTES = 32 << 20;

/** V8's collector, once found; `null` where the runtime does not offer it. */
let collector: (() => void) | null | undefined;

/**
 * The bytes the JavaScript heap holds now, its free pages included (0 where the runtime does
 * not say): the mark a stage takes when it starts, for {@linkcode collectGarbage} when it ends.
 */
export function heapSize(): number {
  return memoryUsage()?.heapTotal ?? 0;
}

/**
 * Runs a full garbage collection, where the runtime allows it, when it is worth its time; else
 * does nothing. With `mark` (a {@linkcode heapSize} taken when a stage started): when the heap
 * has grown by 32 MiB since, so a run of a few rows in a process whose heap is large already (a
 * server, a test runner) pays none. Without: when the heap has grown to 64 MiB (a worker's,
 * before it ends). A collection also gives back the pages the heap no longer needs. Whether it
 * collected.
 */
export function collectGarbage(mark?: number): boolean {
  const size = heapSize();
  if (mark === undefined ? size < MIN_HEAP_BYTES : size - mark < MIN_GROWTH_BYTES) return false;
  collector ??= findCollector();
  collector?.();
  return collector !== null;
}

/** The runtime's heap figures, where it has them. */
function memoryUsage(): Deno.MemoryUsage | undefined {
  return (globalThis as { Deno?: typeof Deno }).Deno?.memoryUsage();
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
