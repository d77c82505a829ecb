/**
 * Fills the pipeline of the 1-row benchmark before it is measured: `run()` of `events` copies of
 * the recorded GitHub events into the pipeline `one` in `<dir>` (its `one.duckdb` in the working
 * directory), so that the 1-row runs append to a database that already holds a wide table.
 *
 *     deno run -A bench/_one_row_prefill.ts <dir> <events>
 */
import { eventCopy, recordedEvents } from "./_github_events.ts";

const [dir, count] = Deno.args;
const { pipeline, resource } = await import("../mod.ts");
const fixture = await recordedEvents("one_row");
const p = pipeline({ pipelineName: "one", destination: "duckdb", pipelinesDir: dir });
const total = Number(count);
await p.run(resource(function* () {
  for (let i = 0; i < total; i++) yield eventCopy(fixture, i);
}, { name: "events" }));
