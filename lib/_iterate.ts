/**
 * Iterating resources without a pipeline (dlt's `list(resource)`): the resources run as extract
 * runs them (concurrently, as `[extract]` config says), against a fresh in-memory state, and their
 * items come out one by one.
 *
 * @module
 */
import type { DltResource, ResourceContext } from "./resource.ts";
import { IncrementalRun } from "./incremental.ts";
import { resolveConfigSpec } from "./config.ts";
import { newState, resourceState } from "./state.ts";
import { unmark } from "./marks.ts";
import { driveExtraction } from "./extract/_scheduler.ts";
import { resourceGraph } from "./extract/_resource_graph.ts";
import { readExtractSettings } from "./runtime_settings.ts";

/**
 * The items of `resources` (and of the resources they are piped from, which run but are not
 * listed unless given), in source `sourceName`: pages flattened, marks taken off. Each
 * iteration starts from an empty state and drops it at the end.
 */
export function iterateResources(
  resources: readonly DltResource[],
  sourceName: string,
): AsyncIterable<unknown> {
  return {
    [Symbol.asyncIterator]: () => run(resources, sourceName),
  };
}

/** Items held for the reader before the resources wait for it to take them. */
const BUFFERED_ITEMS = 1000;

async function* run(
  listed: readonly DltResource[],
  sourceName: string,
): AsyncGenerator<unknown> {
  const state = newState("", "");
  const sourceState = state.sources[sourceName] ??= {};
  const controller = new AbortController();
  const graph = resourceGraph(listed, (r) => listed.includes(r));
  const { all, needed } = graph;
  const contexts = new Map<DltResource, ResourceContext>();
  // config first, as in extract: a missing value stops before any resource starts
  for (const r of all) {
    if (!needed(r)) continue;
    const config = r.configSpec === undefined
      ? {}
      : resolveConfigSpec(r.configSpec, { sections: ["sources", sourceName, r.name] });
    const own = resourceState(state, sourceName, r.name);
    const primaryKey = typeof r.hints.primaryKey === "function" ? undefined : r.hints.primaryKey;
    const incremental = r.incremental === undefined
      ? undefined
      : new IncrementalRun(r.incremental, r.name, own, primaryKey);
    contexts.set(r, { state: own, sourceState, signal: controller.signal, incremental, config });
  }

  // the resources run as extract runs them (concurrently, as config's [extract] says) and
  // hand their items over here; they wait while the reader is behind
  // pages of items, each taken whole by the reader (shifting single items off one long list
  // would copy it each time)
  const queue: unknown[][] = [];
  let buffered = 0;
  let readerWaits: (() => void) | undefined;
  const writersWait: (() => void)[] = [];
  const wakeReader = () => {
    readerWaits?.();
    readerWaits = undefined;
  };
  let outcome: { error?: unknown } | undefined;
  const driving = driveExtraction({
    roots: graph.roots,
    children: graph.children,
    loaded: (r) => listed.includes(r),
    write: async (_r, unit) => {
      const items = [...flatten(unit)];
      if (items.length === 0) return;
      queue.push(items);
      buffered += items.length;
      wakeReader();
      while (buffered > BUFFERED_ITEMS && !controller.signal.aborted) {
        await new Promise<void>((resolve) => writersWait.push(resolve));
      }
    },
    contextOf: (r) => contexts.get(r)!,
  }, { ...readExtractSettings(sourceName), controller });
  driving.then(() => outcome = {}, (error) => outcome = { error }).finally(wakeReader);
  try {
    while (true) {
      if (queue.length > 0) {
        for (const item of queue.shift()!) {
          buffered--;
          if (buffered <= BUFFERED_ITEMS) { for (const resume of writersWait.splice(0)) resume(); }
          yield item;
        }
      } else if (outcome !== undefined) {
        if ("error" in outcome) throw outcome.error;
        return;
      } else {
        await new Promise<void>((resolve) => readerWaits = resolve);
      }
    }
  } finally {
    if (outcome === undefined) {
      // the reader stopped early: the resources stop and close
      controller.abort();
      for (const resume of writersWait.splice(0)) resume();
      await driving.catch(() => {});
    }
  }
}

/** The items of `unit` (a page is flattened, as dlt's `list()` does), without their marks. */
function* flatten(unit: unknown): Generator<unknown> {
  const [data] = unmark(unit);
  if (!Array.isArray(data)) {
    if (data !== null && data !== undefined) yield data;
    return;
  }
  for (const item of data) {
    const [value] = unmark(item);
    if (value !== null && value !== undefined) yield value;
  }
}
