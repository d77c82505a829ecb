/**
 * The fixed cost of a small run: a whole `deno run` that appends 1 row to an existing pipeline
 * (the default duckdb destination: native DuckDB under `-A`, DuckDB-WASM with
 * `DESTINATION__DUCKDB__ENGINE=wasm`), against a `deno run` that appends 1 row to a
 * DuckDB file with native DuckDB (`@duckdb/node-api`), alternately, after one warm-up run of
 * each. Prints the median wall times and the ratio native/ours (the target is at least 0.2).
 *
 * With `--events N`, the pipeline first loads N copies of the recorded GitHub events (a table 596
 * columns wide), and the native reference appends to a copy of that database file: the cost of
 * a scheduled run into a database that has grown. Native DuckDB's first append to the copy is
 * timed apart, as its first checkpoint rewrites the events table's row groups (see the README).
 *
 *     deno run -A bench/one_row.ts [runs=5] [mod.ts URL of another checkout] [--events N]
 */
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const eventsFlag = Deno.args.indexOf("--events");
const events = eventsFlag < 0 ? 0 : Number(Deno.args[eventsFlag + 1]);
const [runsArg, modUrl] = eventsFlag < 0 ? Deno.args : Deno.args.toSpliced(eventsFlag, 2);
const runs = Number(runsArg ?? 5);
const dir = await Deno.makeTempDir({ prefix: "denodlt_one_row_" });
const ours = fileURLToPath(new URL("./_one_row_ours.ts", import.meta.url));
const native = fileURLToPath(new URL("./_one_row_native.ts", import.meta.url));
const prefill = fileURLToPath(new URL("./_one_row_prefill.ts", import.meta.url));

/**
 * Wall time of `deno run -A <args>` in the temporary folder, in milliseconds: the default duckdb
 * destination puts its file (`one.duckdb`) in the working directory, as dlt's does.
 */
async function timed(args: string[]): Promise<number> {
  const started = performance.now();
  const { success } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    cwd: dir,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!success) throw new Error(`deno run ${args.join(" ")} failed`);
  return performance.now() - started;
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[values.length >> 1];
const oursArgs = [ours, dir, ...(modUrl === undefined ? [] : [modUrl])];
const nativeArgs = [native, join(dir, "native.duckdb")];
if (events > 0) {
  await timed([prefill, dir, String(events)]);
  await copyFile(join(dir, "one.duckdb"), join(dir, "native.duckdb"));
}
// the warm-up creates the pipeline, its tables and the native file
await timed(oursArgs);
const nativeFirst = await timed(nativeArgs);
if (events > 0) {
  const megabytes = (await Deno.stat(join(dir, "one.duckdb"))).size / 2 ** 20;
  console.log(
    `one_row: after ${events} events (a ${megabytes.toFixed(0)} MiB file); native's first ` +
      `append to its copy took ${(nativeFirst / 1000).toFixed(2)} s`,
  );
}
const oursMs: number[] = [];
const nativeMs: number[] = [];
for (let run = 0; run < runs; run++) {
  oursMs.push(await timed(oursArgs));
  nativeMs.push(await timed(nativeArgs));
}
const [o, n] = [median(oursMs), median(nativeMs)];
console.log(
  `one_row: 1 row appended, whole deno run, median of ${runs}: ours ${o.toFixed(0)} ms, native ${
    n.toFixed(0)
  } ms, ratio native/ours ${(n / o).toFixed(2)} (target >= 0.2)`,
);
await Deno.remove(dir, { recursive: true });
