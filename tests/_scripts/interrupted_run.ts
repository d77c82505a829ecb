/**
 * Runs extract and normalize of a small dataset, then kills its own process (SIGKILL) before
 * load, as a crash between normalize and load would. Arguments: <dir> <name> <batch>.
 */
import { resource } from "../../mod.ts";
import { tempPipeline } from "../_helpers.ts";

const [dir, name, batch] = Deno.args;
const { p } = await tempPipeline(name, dir);
const rows = Array.from({ length: 50 }, (_, i) => ({ id: `${batch}-${i}`, tags: ["a", "b"] }));
await p.extract(resource(rows, { name: "items" }));
await p.normalize();
Deno.kill(Deno.pid, "SIGKILL");
