/**
 * Iterating resources without a pipeline (dlt's `list(resource)`): the resources run as extract
 * runs them, against a fresh in-memory state, and their items come out one by one.
 *
 * @module
 */
import type { DltResource, ResourceContext } from "./resource.ts";
import { IncrementalRun } from "./incremental.ts";
import { resolveConfigSpec } from "./config.ts";
import { newState, resourceState } from "./state.ts";
import { unmark } from "./marks.ts";

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

async function* run(
  listed: readonly DltResource[],
  sourceName: string,
): AsyncGenerator<unknown> {
  const state = newState("", "");
  const sourceState = state.sources[sourceName] ??= {};
  const signal = new AbortController().signal;
  const all: DltResource[] = [];
  const add = (r: DltResource) => {
    if (all.includes(r)) return;
    if (r.parent !== undefined) add(r.parent);
    all.push(r);
  };
  for (const r of listed) add(r);
  const children = new Map<DltResource, DltResource[]>();
  for (const r of all) {
    r.resetLimits();
    if (r.parent !== undefined) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
  }
  const needed = (r: DltResource): boolean =>
    listed.includes(r) || (children.get(r) ?? []).some(needed);
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
    contexts.set(r, { state: own, sourceState, signal, incremental, config });
  }

  async function* deliver(r: DltResource, unit: unknown): AsyncGenerator<unknown> {
    if (unit === null || unit === undefined) return;
    if (listed.includes(r)) yield* flatten(unit);
    for (const child of children.get(r) ?? []) {
      if (!needed(child)) continue;
      for await (const out of child.transform(unit, contexts.get(child)!)) {
        yield* deliver(child, out);
      }
    }
  }

  for (const r of all) {
    if (r.parent !== undefined || !needed(r)) continue;
    for await (const unit of r.yields(contexts.get(r)!)) yield* deliver(r, unit);
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
