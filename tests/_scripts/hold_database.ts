/**
 * Opens the DuckDB file <database> through the duckdb destination, prints `holding` and keeps it
 * open until the process is killed, for `duckdb_lock_test.ts`. Arguments: <database> <dir>.
 */
import { duckdb } from "../../destinations/duckdb/mod.ts";

const [database, dir] = Deno.args;
await duckdb({ path: database }).client({
  pipelineName: "holder",
  datasetName: "holder_data",
  workingDir: dir,
});
console.log("holding");
setInterval(() => {}, 60_000);
