/**
 * Runs the pipeline of `pipeline_lock_test.ts`: loads 200 rows `<batch>-<i>` (with nested
 * tags), pausing now and then while it extracts. With `hold`, it first prints `holding` (it then
 * holds the pipeline) and waits to be killed. Arguments: <dir> <name> <batch> [hold].
 */
import { resource } from "../../mod.ts";
import { tempPipeline } from "../_helpers.ts";

const [dir, name, batch, hold] = Deno.args;
const { p } = await tempPipeline(name, dir);
await p.run(resource(async function* () {
  if (hold === "hold") {
    console.log("holding");
    await new Promise((done) => setTimeout(done, 600_000));
  }
  for (let i = 0; i < 200; i++) {
    if (i % 50 === 0) await new Promise((done) => setTimeout(done, 20));
    yield { id: `${batch}-${i}`, tags: ["a", "b"] };
  }
}, { name: "items" }));
