/**
 * The source of the random-kills benchmark (`random_kills.ts`): a table of items that changes
 * version by version, as an API's data does between runs. Version 1 has {@linkcode FIRST_ITEMS}
 * items; each later version updates {@linkcode UPDATED_ITEMS} of the existing ones and adds
 * {@linkcode NEW_ITEMS}. Every version's items have cursor values (`updated_at`) past all earlier
 * versions', and an item's content is a function of its id and the version that last touched it,
 * so the table a pipeline should have after version `v` is known exactly ({@linkcode world}).
 *
 * @module
 */
import { incremental, resource } from "../mod.ts";

/** Items of version 1. */
export const FIRST_ITEMS = 20_000;
/** Existing items each later version updates. */
export const UPDATED_ITEMS = 3_000;
/** Items each later version adds. */
export const NEW_ITEMS = 2_000;

/** The dataset, table and pipeline names of the benchmark. */
export const PIPELINE_NAME = "random_kills";
/** The dataset of {@linkcode PIPELINE_NAME}. */
export const DATASET_NAME = "kills";
/** The merged table; its nested lists are `items__tags` and `items__events`. */
export const TABLE = "items";

const BASE = Date.UTC(2024, 0, 1);
/** Milliseconds between the cursor values of two versions. */
const VERSION_SPAN = 1e9;

/** An item as the source yields it. */
export interface Item {
  id: number;
  updated_at: string;
  version: number;
  name: string;
  value: number;
  tags: string[];
  events: { kind: string; n: number }[];
}

/** Item `id` as version `version` left it. */
export function item(id: number, version: number): Item {
  return {
    id,
    updated_at: new Date(cursorMs(id, version)).toISOString(),
    version,
    name: `item ${id} v${version}`,
    value: id * 1.5 + version + 0.25,
    tags: Array.from({ length: (id + version) % 4 }, (_, i) => `t${(id * 7 + version + i) % 13}`),
    events: Array.from(
      { length: (id * version) % 3 },
      (_, i) => ({ kind: i % 2 ? "open" : "close", n: id + i * version }),
    ),
  };
}

/** The cursor value of item `id` in `version`, in ms: version `v`'s are all past `v - 1`'s. */
function cursorMs(id: number, version: number): number {
  return BASE + version * VERSION_SPAN + (id % 1000) * 1000;
}

/** The version whose cursor values `updatedAt` is among. */
export function versionOf(updatedAt: string | Date): number {
  return Math.floor((new Date(updatedAt).getTime() - BASE) / VERSION_SPAN);
}

/** Number of item ids that exist in `version`. */
export function itemCount(version: number): number {
  return version < 1 ? 0 : FIRST_ITEMS + (version - 1) * NEW_ITEMS;
}

/** A small deterministic random generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The ids `version` touches: the ones it adds and the ones it updates. */
export function touched(version: number): number[] {
  const ids = new Set<number>();
  for (let id = itemCount(version - 1); id < itemCount(version); id++) ids.add(id);
  if (version >= 2) {
    const next = random(version * 7919);
    const existing = itemCount(version - 1);
    while (ids.size < NEW_ITEMS + UPDATED_ITEMS) ids.add(Math.floor(next() * existing));
  }
  return [...ids];
}

/** For each item id of `version`, the version that last touched it. */
export function world(version: number): Int32Array {
  const latest = new Int32Array(itemCount(version));
  for (let v = 1; v <= version; v++) for (const id of touched(v)) latest[id] = v;
  return latest;
}

/**
 * The items resource as of `version`: merged on `id`, with an `updated_at` cursor. Like an API
 * with an index on `updated_at`, it yields only the items touched at or past the cursor's version
 * (the cursor filters the rest of that version out).
 */
export function items(version: number) {
  const latest = world(version);
  return resource(function* (ctx) {
    const since = ctx.incremental?.startValue as string | undefined;
    const from = since === undefined ? 1 : versionOf(since);
    let page: Item[] = [];
    for (let id = 0; id < latest.length; id++) {
      if (latest[id] < from) continue;
      page.push(item(id, latest[id]));
      if (page.length === 1000) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }, {
    name: TABLE,
    primaryKey: "id",
    writeDisposition: "merge",
    incremental: incremental("updated_at"),
  });
}
