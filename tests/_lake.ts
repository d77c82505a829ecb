/**
 * The small lake the filesystem destination tests load: `orders` (replaced, with nested
 * `lines`) and `events` (appended); and the restore test of a bucket, local or on S3.
 *
 * @module
 */
import assert from "node:assert/strict";
import { incremental, type Pipeline, pipeline, resource, source } from "../mod.ts";
import { filesystem } from "../destinations/filesystem/mod.ts";

/**
 * Version `version` of a small lake: `orders` (replaced, with nested `lines`) and `events`
 * (appended), three orders and two events per version.
 */
export function lake(version: number) {
  const orders = [1, 2, 3].map((i) => ({
    id: version * 10 + i,
    lines: [{ sku: `a${version}${i}` }, { sku: `b${version}${i}` }],
  }));
  const events = [1, 2].map((i) => ({ id: version * 10 + i, version }));
  return source([
    resource(orders, { name: "orders", writeDisposition: "replace" }),
    resource(events, { name: "events" }),
  ], { name: "lake" });
}

/** The pipeline of the kill tests: `lake` loaded into `bucket`. */
export function lakePipeline(bucket: string, pipelinesDir: string): Pipeline {
  return pipeline({
    pipelineName: "killed_lake",
    destination: filesystem({ bucketUrl: bucket }),
    datasetName: "lake",
    pipelinesDir,
  });
}

/** `issues` of days `days` of January 2024, loaded incrementally on their `at`. */
function issueDays(...days: number[]) {
  return resource(days.map((d) => ({ id: d, at: `2024-01-0${d}T00:00:00Z` })), {
    name: "issues",
    incremental: incremental("at"),
  });
}

/**
 * Runs days 1–3 of `issues` in one pipeline `open` gives, then days 1–5 in another (another
 * machine: a new working folder, the same bucket), and asserts that the second restored the
 * state and schema of pipeline `pipelineName` from the bucket: it loads days 4 and 5 only.
 * Returns both pipelines.
 */
export async function runOnTwoMachines(
  open: () => Promise<Pipeline>,
  pipelineName: string,
): Promise<[Pipeline, Pipeline]> {
  const first = await open();
  await first.run(issueDays(1, 2, 3));
  const second = await open();
  assert.notEqual(second.workingDir, first.workingDir);
  const info = await second.run(issueDays(1, 2, 3, 4, 5));
  assert.deepEqual(info.loadPackages.map((pkg) => pkg.rowCounts.issues), [2]);
  assert.ok(second.schemas.get(pipelineName)!.tables.issues.columns.at);
  assert.deepEqual(
    (await second.dataset().table("issues").select("id").orderBy("id").rows()).map((r) => r.id),
    [1, 2, 3, 4, 5],
  );
  return [first, second];
}
