/**
 * The small lake the filesystem destination tests load: `orders` (replaced, with nested
 * `lines`) and `events` (appended).
 *
 * @module
 */
import { type Pipeline, pipeline, resource, source } from "../mod.ts";
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
