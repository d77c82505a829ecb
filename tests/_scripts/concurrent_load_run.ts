/**
 * Loads <runs> batches of <rows> rows into the DuckDB file <database> as pipeline <name> (its
 * working folder under <dir>), for `duckdb_lock_test.ts` to run next to another process loading
 * the same file. Prints `waited` when it had to wait for the other process's lock, then `done`.
 * Arguments: <dir> <database> <name> <runs> <rows>.
 */
import { join } from "node:path";
import { pipeline, resource } from "../../mod.ts";
import { duckdb } from "../../destinations/duckdb/mod.ts";
import { onLog } from "../../lib/log.ts";

const [dir, database, name, runs, rows] = Deno.args;
let waited = false;
onLog((record) => {
  if (record.message.startsWith("Waiting for ")) waited = true;
});
const p = pipeline({
  pipelineName: name,
  destination: duckdb({ path: database }),
  datasetName: name,
  pipelinesDir: join(dir, "pipelines"),
});
for (let run = 0; run < Number(runs); run++) {
  const first = run * Number(rows);
  await p.run(
    resource(function* () {
      for (let id = first; id < first + Number(rows); id++) yield { id, loader: name };
    }, { name: "items" }),
  );
}
if (waited) console.log("waited");
console.log("done");
