/**
 * Extracts and normalizes one run of a resource that counts its runs in its state, then kills
 * its own process before load. Arguments: <dir> <name>.
 */
import { counterResource, tempPipeline } from "../_helpers.ts";

const [dir, name] = Deno.args;
const { p } = await tempPipeline(name, dir);
await p.extract(counterResource());
await p.normalize();
Deno.kill(Deno.pid, "SIGKILL");
