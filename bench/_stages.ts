/**
 * The timed stages of the end-to-end benchmarks: the events extracted, normalized and loaded,
 * each stage timed, peak RSS read after each, and the load checked.
 *
 * @module
 */
import type { DltResource, NormalizeInfo, Pipeline } from "../mod.ts";

/** The process's peak resident memory so far, in MiB (Linux). */
export function peakRssMiB(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kib / 1024;
}

/** What {@linkcode runStages} measured. */
export interface StageRun {
  /** Milliseconds per stage, and all together. */
  ms: { extract: number; normalize: number; load: number; total: number };
  /** Peak RSS in MiB after each stage. */
  peakMiB: { extract: number; normalize: number; load: number };
  /** What normalize did (row counts per table, load ids). */
  normalized: NormalizeInfo;
  /** Rows over all tables. */
  rows: number;
}

/**
 * Extracts `events` into `p`, normalizes and loads them, timing each stage; fails unless the
 * `events` table then holds `total` rows. `beforeExtract` runs inside the extract's time (the
 * driver warming up, as `run()` does).
 */
export async function runStages(
  p: Pipeline,
  events: DltResource,
  total: number,
  beforeExtract?: () => Promise<void> | void,
): Promise<StageRun> {
  const t0 = performance.now();
  await beforeExtract?.();
  await p.extract(events);
  const t1 = performance.now();
  const afterExtract = peakRssMiB();
  const normalized = await p.normalize();
  const t2 = performance.now();
  const afterNormalize = peakRssMiB();
  await p.load();
  const t3 = performance.now();
  const afterLoad = peakRssMiB();
  const loaded = await p.dataset().table("events").count();
  if (loaded !== total) throw new Error(`Loaded ${loaded} events, expected ${total}`);
  return {
    ms: { extract: t1 - t0, normalize: t2 - t1, load: t3 - t2, total: t3 - t0 },
    peakMiB: { extract: afterExtract, normalize: afterNormalize, load: afterLoad },
    normalized,
    rows: Object.values(normalized.rowCounts).reduce((a, b) => a + b, 0),
  };
}
