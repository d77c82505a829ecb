/**
 * Extracts and normalizes version <version> of the issue tracker of `merge_killed_load_test.ts`,
 * prints `loading` and loads it, so that the test can kill the process (SIGKILL) while the
 * merge loads. Prints `loaded` if it gets that far. Arguments: <dir> <name> <version> <engine>.
 * With `read` for the version, it only opens the destination and prints its issues' count.
 */
import { tempPipeline } from "../_helpers.ts";
import type { DuckDbEngine } from "../../destinations/duckdb/mod.ts";
import { trackerIssues } from "../merge_killed_load_test.ts";

const [dir, name, version, engine] = Deno.args;
const { p } = await tempPipeline(name, dir, engine as DuckDbEngine);
if (version === "read") {
  await using client = await p.sqlClient();
  console.log(JSON.stringify(await client.query("SELECT count(*)::INTEGER AS issues FROM issues")));
} else {
  await p.extract(trackerIssues(Number(version)));
  await p.normalize();
  console.log("loading");
  await p.load();
  console.log("loaded");
}
