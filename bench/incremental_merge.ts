/**
 * Merge and incremental benchmark on the default duckdb destination (native DuckDB under `-A`,
 * DuckDB-WASM with `DESTINATION__DUCKDB__ENGINE=wasm`):
 *
 * 1. a full load of a table of `rows` items (merge on `id`, with an `updated_at` cursor);
 * 2. a merge of `rows / 10` items, half of them updates, into it;
 * 3. an incremental run over the same source after 1% new items arrived, the source honouring
 *    the cursor (it is given `ctx.incremental.startValue`, as an API's `since` parameter).
 *
 * Prints seconds and rows/s of each, and the incremental run's cost as a share of the full load.
 *
 *     deno run -A bench/incremental_merge.ts [rows=1000000]
 */
import { join } from "node:path";
import { incremental, pipeline, resource } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";

const total = Number(Deno.args[0] ?? 1_000_000);
const BASE = Date.UTC(2024, 0, 1);
/** Item `id` as of `version`: its cursor moves forward with each version. */
const item = (id: number, version = 0) => ({
  id,
  updated_at: new Date(BASE + id * 1000 + version * 1e10).toISOString(),
  name: `item ${id}`,
  value: id * 1.5 + version,
  tags: id % 10 === 0 ? ["a", "b"] : [],
});

/**
 * The source: items 0..n-1, those in `updated` in a newer version. Like an API with an index on
 * `updated_at`, it finds the items at or past `since` without going through the others.
 */
function items(n: number, updated: number[] = []) {
  return resource(function* (ctx) {
    const since = ctx.incremental?.startValue as string | undefined;
    const changed = new Set(updated);
    const page: unknown[] = [];
    const emit = (row: ReturnType<typeof item>) => {
      if (since === undefined || row.updated_at >= since) page.push(row);
    };
    // unchanged items are in cursor order by id: start at the first at or past `since`
    const first = since === undefined
      ? 0
      : Math.max(0, Math.floor((Date.parse(since) - BASE) / 1000));
    for (let id = first; id < n; id++) {
      if (!changed.has(id)) emit(item(id));
      if (page.length >= 1000) yield page.splice(0);
    }
    for (const id of updated) emit(item(id, 1));
    if (page.length > 0) yield page;
  }, {
    name: "items",
    primaryKey: "id",
    writeDisposition: "merge",
    incremental: incremental("updated_at"),
  });
}

const dir = await Deno.makeTempDir({ prefix: "denodlt_bench_merge_" });
const p = pipeline({
  pipelineName: "bench_merge",
  destination: duckdb({ path: join(dir, "bench.duckdb") }),
  pipelinesDir: join(dir, "pipelines"),
});

async function timed(label: string, rows: number, run: () => Promise<unknown>) {
  const t0 = performance.now();
  await run();
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `  ${label.padEnd(44)} ${seconds.toFixed(2).padStart(7)} s  ${
      Math.round(rows / seconds).toLocaleString("en-US").padStart(9)
    } rows/s`,
  );
  return seconds;
}

console.log(`incremental_merge: ${total.toLocaleString("en-US")} rows`);
const full = await timed(
  `full load of ${total.toLocaleString("en-US")} rows`,
  total,
  () => p.run(items(total)),
);

// a second pipeline state would see no cursor: merge 10% (half updates, half new) through a
// resource without the cursor, into the same table
const mergeRows = total / 10;
const half = mergeRows / 2;
await timed(`merge ${mergeRows.toLocaleString("en-US")} rows (50% updates)`, mergeRows, () =>
  p.run(
    resource(function* () {
      for (let i = 0; i < mergeRows; i++) {
        yield i < half ? item(total - 1 - i, 2) : item(total + i, 0);
      }
    }, { name: "items", primaryKey: "id", writeDisposition: "merge" }),
  ));
const loaded = await p.dataset().table("items").count();
if (loaded !== total + half) {
  throw new Error(`${loaded} rows after the merge, expected ${total + half}`);
}

// 1% new: items past the cursor
const fresh = total / 100;
const incrementalSeconds = await timed(
  `incremental run, ${fresh.toLocaleString("en-US")} new of ${total.toLocaleString("en-US")}`,
  fresh,
  () => p.run(items(total, Array.from({ length: fresh }, (_, i) => i * 100))),
);
console.log(
  `  incremental run / full load: ${(100 * incrementalSeconds / full).toFixed(1)}% (target < 10%)`,
);
await Deno.remove(dir, { recursive: true });
