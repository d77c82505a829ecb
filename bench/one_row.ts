/**
 * The fixed cost of a small run: a whole `deno run` that appends 1 row to an existing pipeline
 * (the default duckdb destination: native DuckDB under `-A`, DuckDB-WASM with
 * `DESTINATION__DUCKDB__ENGINE=wasm`), against a `deno run` that appends 1 row to a
 * DuckDB file with native DuckDB (`@duckdb/node-api`), alternately, after one warm-up run of
 * each. Prints the median wall times and the ratio native/ours (the target is at least 0.2).
 *
 *     deno run -A bench/one_row.ts [runs=5] [mod.ts URL of another checkout, to compare]
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const runs = Number(Deno.args[0] ?? 5);
const modUrl = Deno.args[1];
const dir = await Deno.makeTempDir({ prefix: "denodlt_one_row_" });
const ours = fileURLToPath(new URL("./_one_row_ours.ts", import.meta.url));
const native = fileURLToPath(new URL("./_one_row_native.ts", import.meta.url));

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
// the warm-up creates the pipeline, its tables and the native file
await timed(oursArgs);
await timed(nativeArgs);
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
