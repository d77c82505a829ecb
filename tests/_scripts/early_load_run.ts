/**
 * Runs the large append of `early_load_test.ts` (loaded while it is normalized) into native
 * DuckDB, for the test to kill (SIGKILL) while it copies files early. Arguments: <dir> <name>.
 */
import { tempPipeline } from "../_helpers.ts";
import { largeRun } from "../early_load_test.ts";

const [dir, name] = Deno.args;
const { p } = await tempPipeline(name, dir, "native");
await p.run(largeRun());
