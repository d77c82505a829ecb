/**
 * One run of the durability benchmark: opens the pipeline's database (timed), then appends
 * 2,000 nested rows through a full pipeline run. Arguments: <dir> <run number>.
 * Prints one JSON line: { openMs, runMs, rows }.
 */
import { join } from "node:path";
import { pipeline, resource } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";

const [dir, run] = Deno.args;
const destination = duckdb({ path: join(dir, "durability.duckdb") });
const t0 = performance.now();
const client = await destination.client({ pipelineName: "durability", datasetName: "data" });
const openMs = performance.now() - t0;
await client.close();
const p = pipeline({
  pipelineName: "durability",
  destination,
  datasetName: "data",
  pipelinesDir: dir,
});
const t1 = performance.now();
await p.run(resource(function* () {
  for (let i = 0; i < 2000; i++) {
    yield {
      run: Number(run),
      i,
      at: new Date().toISOString(),
      tags: ["a", "b"],
      meta: { ok: true },
    };
  }
}, { name: "rows" }));
const runMs = performance.now() - t1;
const rows = await p.dataset().table("rows").count();
console.log(JSON.stringify({ openMs, runMs, rows }));
