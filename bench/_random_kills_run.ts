/**
 * One run of the random-kills benchmark (`random_kills.ts`), to be killed: runs the pipeline on
 * version <version> of the items (`_random_kills_data.ts`) into `<dir>/db/random_kills.duckdb`
 * with DuckDB engine <engine>. Prints a line as each step starts and ends (`started load`,
 * `ended load`, …), as the load has copied a job file into a table (`rows items`), and `done` at
 * the end, each written at once, so the process that kills it knows where it was. Arguments: <dir> <engine> <version>.
 */
import { join } from "node:path";
import { pipeline } from "../mod.ts";
import { duckdb, type DuckDbEngine } from "../destinations/duckdb/mod.ts";
import { DATASET_NAME, items, PIPELINE_NAME } from "./_random_kills_data.ts";

const [dir, engine, version] = Deno.args;
const encoder = new TextEncoder();
const say = (line: string) => Deno.stdout.writeSync(encoder.encode(`${line}\n`));

const p = pipeline({
  pipelineName: PIPELINE_NAME,
  destination: duckdb({
    path: join(dir, "db", `${PIPELINE_NAME}.duckdb`),
    engine: engine as DuckDbEngine,
  }),
  datasetName: DATASET_NAME,
  pipelinesDir: join(dir, "pipelines"),
  progress: (event) => {
    if (event.kind === "step_started") say(`started ${event.step}`);
    else if (event.kind === "step_ended") say(`ended ${event.step}`);
    else if (event.kind === "rows_loaded") say(`rows ${event.table}`);
  },
});
await p.run(items(Number(version)));
say("done");
