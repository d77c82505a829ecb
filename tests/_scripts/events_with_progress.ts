/**
 * A pipeline run for the operations test: loads `count` events (each with a nested list of
 * commits) from two resources into a DuckDB file with `progress: "log"`, then prints the run's
 * `lastTrace` as JSON on stdout. Progress goes to stderr; with `default` as the fourth argument
 * the pipeline is given no `progress` option (a bar on a terminal, else nothing).
 *
 *     deno run -A tests/_scripts/events_with_progress.ts <pipelinesDir> <duckdbPath> <count> [default]
 */
import { pipeline, resource } from "../../mod.ts";
import { duckdb } from "../../destinations/duckdb/mod.ts";

const [pipelinesDir, path, count, mode] = Deno.args;
const total = Number(count);
const events = resource(async function* () {
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    yield {
      id: i,
      type: i % 3 === 0 ? "PushEvent" : "WatchEvent",
      actor: { login: `user${i % 50}` },
      created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      commits: i % 3 === 0 ? [{ sha: `a${i}` }, { sha: `b${i}` }] : [],
    };
    // an API's pace: the log mode writes a line per second while this runs
    if (i % 5_000 === 0) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // longer than the log's one-second period however fast this machine is: the log then always
  // writes a periodic line during extract (at 1.0 s, a fast run ended before its first one)
  const left = 1_500 - (performance.now() - started);
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
}, { name: "events", primaryKey: "id" });
const repos = resource(function* () {
  for (let i = 0; i < 50; i++) yield { id: i, name: `repo${i}` };
}, { name: "repos", primaryKey: "id" });

const p = pipeline({
  pipelineName: "events",
  destination: duckdb({ path }),
  datasetName: "events_data",
  pipelinesDir,
  ...(mode === "default" ? {} : { progress: "log" as const }),
});
await p.run([events, repos]);
console.log(JSON.stringify(p.lastTrace));
