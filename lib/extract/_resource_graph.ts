/**
 * The resources one extract (or one iteration without a pipeline) runs: the given ones plus the
 * parents they are piped from, each run once and feeding all of its transformers.
 *
 * @module
 */
import type { DltResource } from "../resource.ts";

/** The resources of a run and how they feed each other. */
export interface ResourceGraph {
  /** Every resource, each after the parent it is piped from. */
  readonly all: readonly DltResource[];
  /** The root resources that must run, in order. */
  readonly roots: readonly DltResource[];
  /** Whether `r` must run: its items are written, or a transformer that must run needs them. */
  needed(r: DltResource): boolean;
  /** The transformers fed by `r` that must run. */
  children(r: DltResource): readonly DltResource[];
}

/**
 * The graph of `resources` and their parents; `written` says whose items are written. Starts a
 * run: every resource's limit counts from zero again.
 */
export function resourceGraph(
  resources: Iterable<DltResource>,
  written: (r: DltResource) => boolean,
): ResourceGraph {
  const all: DltResource[] = [];
  const add = (r: DltResource) => {
    if (all.includes(r)) return;
    if (r.parent !== undefined) add(r.parent);
    all.push(r);
  };
  for (const r of resources) add(r);
  const fed = new Map<DltResource, DltResource[]>();
  for (const r of all) {
    r.resetLimits();
    if (r.parent !== undefined) fed.set(r.parent, [...(fed.get(r.parent) ?? []), r]);
  }
  const needed = (r: DltResource): boolean => written(r) || (fed.get(r) ?? []).some(needed);
  const children = new Map<DltResource, DltResource[]>();
  for (const [parent, kids] of fed) children.set(parent, kids.filter(needed));
  return {
    all,
    roots: all.filter((r) => r.parent === undefined && needed(r)),
    needed,
    children: (r) => children.get(r) ?? [],
  };
}
