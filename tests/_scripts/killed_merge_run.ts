/**
 * Runs the incremental merge pipeline of `merge_recovery_test.ts` on version <version> of its
 * dataset and kills its own process (SIGKILL) after <stage> (`extract` or `normalize`), as a
 * crash there would. Arguments: <dir> <name> <stage> <version>.
 */
import { tempPipeline } from "../_helpers.ts";
import { trackerIssues } from "../merge_recovery_test.ts";

const [dir, name, stage, version] = Deno.args;
const { p } = await tempPipeline(name, dir);
await p.extract(trackerIssues(Number(version)));
if (stage === "normalize") await p.normalize();
Deno.kill(Deno.pid, "SIGKILL");
