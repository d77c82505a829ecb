/**
 * Runs the pipeline of `destination_state_test.ts`'s relative-path test from the current
 * directory: an incremental resource of ids up to <upTo>, into `rel.duckdb` (a relative path) on
 * the first run, re-opened by name (no destination, no dataset) on later ones. Prints the rows it
 * loaded. Arguments: <pipelinesDir> <upTo> [first].
 */
import { incremental, pipeline, resource } from "../../mod.ts";
import { duckdb } from "../../destinations/duckdb/mod.ts";

const [pipelinesDir, upTo, first] = Deno.args;
const p = pipeline({
  pipelineName: "relative",
  pipelinesDir,
  ...(first === "first" ? { destination: duckdb({ path: "rel.duckdb" }), datasetName: "rel" } : {}),
});
const info = await p.run(resource(function* () {
  for (let id = 1; id <= Number(upTo); id++) yield { id };
}, { name: "items", incremental: incremental("id") }));
console.log(JSON.stringify(info.rowCounts.items ?? 0));
