/**
 * Runs the large append of `early_load_test.ts` (loaded while it is normalized) into native
 * DuckDB, for the test to kill (SIGKILL) while it copies files early. Arguments: <dir> <name>
 * [stall]; with `stall`, the resource waits for ever after its items, so extract never ends
 * while the package is normalized and loaded ahead.
 *
 * The run never commits: once its early chain has copied every file it was given (its `stop`),
 * it writes `<dir>/chain_copied` and waits for ever, its transaction open. So a kill at any
 * point finds the package uncommitted, however fast the machine.
 */
import { join } from "node:path";
import { resource } from "../../mod.ts";
import { tempPipeline, wrapEarlyChains } from "../_helpers.ts";
import { largeRun } from "../early_load_test.ts";

const [dir, name, stall] = Deno.args;

const { p } = await tempPipeline(
  name,
  dir,
  "native",
  (destination) =>
    wrapEarlyChains(destination, (chain) => ({
      add: (job, table) => chain.add(job, table),
      // once every file given is copied, the transaction stays open for ever
      stop: async () => {
        await chain.stop();
        await Deno.writeTextFile(join(dir, "chain_copied"), "");
        await new Promise(() => setInterval(() => {}, 1000));
      },
      abort: () => chain.abort(),
    })),
);
if (stall === "stall") {
  const items = largeRun();
  await p.run(resource(async function* () {
    for await (const item of items) yield item;
    await new Promise(() => setInterval(() => {}, 1000));
  }, { name: "items" }));
} else {
  await p.run(largeRun());
}
