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
import type { Destination, DestinationClient } from "../../lib/destination.ts";
import { tempPipeline } from "../_helpers.ts";
import { largeRun } from "../early_load_test.ts";

const [dir, name, stall] = Deno.args;

/** `client` whose early chains, once stopped, hold their transaction open for ever. */
function holdingCommit(client: DestinationClient): DestinationClient {
  const loadChainEarly = client.loadChainEarly!.bind(client);
  client.loadChainEarly = async (loadId, root) => {
    const chain = await loadChainEarly(loadId, root);
    if (chain === undefined) return chain;
    const stop = chain.stop.bind(chain);
    chain.stop = async () => {
      await stop();
      await Deno.writeTextFile(join(dir, "chain_copied"), loadId);
      await new Promise(() => setInterval(() => {}, 1000));
    };
    return chain;
  };
  return client;
}

const holding = (destination: Destination): Destination => ({
  ...destination,
  client: async (options) => holdingCommit(await destination.client(options)),
});
const { p } = await tempPipeline(name, dir, "native", holding);
if (stall === "stall") {
  const items = largeRun();
  await p.run(resource(async function* () {
    for await (const item of items) yield item;
    await new Promise(() => setInterval(() => {}, 1000));
  }, { name: "items" }));
} else {
  await p.run(largeRun());
}
