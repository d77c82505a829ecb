/**
 * Runs the large append of `early_load_test.ts` (loaded while it is normalized) into native
 * DuckDB, for the test to kill (SIGKILL) while it copies files early. Arguments: <dir> <name>
 * [stall]; with `stall`, the resource waits for ever after its items, so extract never ends
 * while the package is normalized and loaded ahead.
 */
import { resource } from "../../mod.ts";
import { tempPipeline } from "../_helpers.ts";
import { largeRun } from "../early_load_test.ts";

const [dir, name, stall] = Deno.args;
const { p } = await tempPipeline(name, dir, "native");
if (stall === "stall") {
  const items = largeRun();
  await p.run(resource(async function* () {
    for await (const item of items) yield item;
    await new Promise(() => setInterval(() => {}, 1000));
  }, { name: "items" }));
} else {
  await p.run(largeRun());
}
