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
 * With `--outside`, the same run is also timed as a one-file script in a folder of its own, as a
 * user may keep a pipeline: without a `deno.json` there (Deno then resolves the package's npm
 * dependencies afresh at every start), and with an empty one (Deno keeps a `deno.lock` beside it).
 *
 *     deno run -A bench/one_row.ts [runs=5] [mod.ts URL of another checkout] [--events N] [--outside]
 */
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const outside = Deno.args.includes("--outside");
const args = Deno.args.filter((arg) => arg !== "--outside");
const eventsFlag = args.indexOf("--events");
const events = eventsFlag < 0 ? 0 : Number(args[eventsFlag + 1]);
const [runsArg, modUrl] = eventsFlag < 0 ? args : args.toSpliced(eventsFlag, 2);
const runs = Number(runsArg ?? 5);
const dir = await Deno.makeTempDir({ prefix: "denodlt_one_row_" });
const ours = fileURLToPath(new URL("./_one_row_ours.ts", import.meta.url));
const native = fileURLToPath(new URL("./_one_row_native.ts", import.meta.url));
const prefill = fileURLToPath(new URL("./_one_row_prefill.ts", import.meta.url));

/**
 * Wall time of `deno run -A <args>` in `cwd` (the temporary folder), in milliseconds: the default
 * duckdb destination puts its file (`one.duckdb`) in the working directory, as dlt's does.
 */
async function timed(args: string[], cwd = dir): Promise<number> {
  const started = performance.now();
  const { success } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    cwd,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!success) throw new Error(`deno run ${args.join(" ")} failed`);
  return performance.now() - started;
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[values.length >> 1];

/**
 * A folder of its own holding `one.ts`, a one-file pipeline that appends 1 row (importing the
 * package's `mod.ts` by URL), with an empty `deno.json` beside it when `config`.
 */
async function scriptFolder(name: string, config: boolean): Promise<string> {
  const folder = join(dir, name);
  await Deno.mkdir(folder);
  const mod = modUrl ?? new URL("../mod.ts", import.meta.url).href;
  await Deno.writeTextFile(
    join(folder, "one.ts"),
    `import { pipeline, resource } from ${JSON.stringify(mod)};
const p = pipeline({ pipelineName: "one", destination: "duckdb", pipelinesDir: Deno.args[0] });
await p.run(resource([{ id: Date.now(), name: "x" }], { name: "items" }));
`,
  );
  if (config) await Deno.writeTextFile(join(folder, "deno.json"), "{}\n");
  return folder;
}
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
const scripts = outside
  ? [
    {
      label: "without deno.json",
      folder: await scriptFolder("outside", false),
      ms: [] as number[],
    },
    {
      label: "with an empty deno.json",
      folder: await scriptFolder("outside_config", true),
      ms: [] as number[],
    },
  ]
  : [];
for (const { folder } of scripts) await timed([join(folder, "one.ts"), join(folder, "p")], folder);
const oursMs: number[] = [];
const nativeMs: number[] = [];
for (let run = 0; run < runs; run++) {
  oursMs.push(await timed(oursArgs));
  nativeMs.push(await timed(nativeArgs));
  for (const { folder, ms } of scripts) {
    ms.push(await timed([join(folder, "one.ts"), join(folder, "p")], folder));
  }
}
const [o, n] = [median(oursMs), median(nativeMs)];
console.log(
  `one_row: 1 row appended, whole deno run, median of ${runs}: ours ${o.toFixed(0)} ms, native ${
    n.toFixed(0)
  } ms, ratio native/ours ${(n / o).toFixed(2)} (target >= 0.2)`,
);
for (const { label, ms } of scripts) {
  const m = median(ms);
  console.log(
    `one_row: the same as a one-file script in a folder ${label}: ${m.toFixed(0)} ms, ratio ${
      (n / m).toFixed(2)
    }`,
  );
}
await Deno.remove(dir, { recursive: true });
