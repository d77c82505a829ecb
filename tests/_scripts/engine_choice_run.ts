/**
 * Runs one row into `<dir>/engine.duckdb` through `destination: "duckdb"` with the engine the
 * process picks, and prints what it used as JSON: whether the destination takes Parquet (native
 * DuckDB does), how many DuckDB-WASM instances started, and the rows loaded. Argument: <dir>.
 */
import { join } from "node:path";
import { pipeline } from "../../mod.ts";
import { duckdb } from "../../destinations/duckdb/mod.ts";
import { wasmInstancesStarted } from "../../destinations/duckdb/_database.ts";

const [dir] = Deno.args;
const destination = duckdb({ path: join(dir, "engine.duckdb") });
const p = pipeline({ pipelineName: "engine_choice", destination, pipelinesDir: dir });
await p.run([{ id: 1 }], { tableName: "items" });
console.log(JSON.stringify({
  parquet: destination.capabilities.supportedLoaderFileFormats.includes("parquet"),
  wasmInstances: wasmInstancesStarted(),
  rows: await p.dataset().table("items").count(),
}));
