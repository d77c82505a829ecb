/**
 * End-to-end benchmark: copies of the 100 recorded GitHub events with fresh ids, generated on
 * the fly, through extract → normalize → load into the default duckdb destination (native DuckDB
 * under `-A`, DuckDB-WASM with `DESTINATION__DUCKDB__ENGINE=wasm`); then native DuckDB reading the
 * same events as NDJSON, as a reference. Prints rows/s and MB/s per stage, peak RSS and the
 * ratio to native DuckDB.
 *
 *     deno run -A bench/end_to_end.ts [events=50000]
 *
 * Needs `../shared/fixtures/dlt-cases/github.events.load_page_1_duck.json`.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pipeline, resource } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { writeAll } from "../lib/load/write_all.ts";
import { eventCopy, recordedEvents } from "./_github_events.ts";
import { runStages } from "./_stages.ts";
import { measureInChild } from "./_child.ts";

const total = Number(Deno.args[0] ?? 50_000);

const fixture = await recordedEvents("end_to_end");
const eventAt = (i: number) => eventCopy(fixture, i);
const bytesPerCycle = fixture.reduce((n, e) => n + JSON.stringify(e).length, 0);
const megabytes = (bytesPerCycle * total / fixture.length) / 1e6;

const dir = await Deno.makeTempDir({ prefix: "denodlt_bench_" });
const p = pipeline({
  pipelineName: "bench_events",
  destination: duckdb({ path: join(dir, "bench.duckdb") }),
  pipelinesDir: join(dir, "pipelines"),
});
const events = resource(function* () {
  for (let i = 0; i < total; i++) yield eventAt(i);
}, { name: "events" });

const { ms, peakMiB, normalized, rows } = await runStages(p, events, total, async () => {
  // as run() does: load the driver while extracting
  (await p.destination()).prepare?.({ pipelineName: p.pipelineName, datasetName: p.datasetName });
});

const line = (stage: string, ms: number, units: number, unit: string) =>
  console.log(
    `  ${stage.padEnd(10)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${
      Math.round(units / (ms / 1000)).toLocaleString("en-US").padStart(10)
    } ${unit}/s  ${(megabytes / (ms / 1000)).toFixed(1).padStart(6)} MB/s`,
  );
console.log(
  `end_to_end: ${total.toLocaleString("en-US")} events, ${megabytes.toFixed(0)} MB of JSON, ${
    rows.toLocaleString("en-US")
  } rows in ${Object.keys(normalized.rowCounts).length} tables`,
);
line("extract", ms.extract, total, "events");
line("normalize", ms.normalize, rows, "rows");
line("load", ms.load, rows, "rows");
line("total", ms.total, total, "events");
const ours = total / ((ms.total) / 1000);
console.log(
  `  peak RSS   ${peakMiB.load.toFixed(0)} MiB (after extract ${
    peakMiB.extract.toFixed(0)
  }, after normalize ${peakMiB.normalize.toFixed(0)})`,
);

// the reference: native DuckDB reading the same events as NDJSON into one table
const ndjson = join(dir, "events.ndjson");
{
  using file = await Deno.open(ndjson, { write: true, create: true });
  const encoder = new TextEncoder();
  let chunk: string[] = [];
  for (let i = 0; i < total; i++) {
    chunk.push(JSON.stringify(eventAt(i)));
    if (chunk.length === 1000 || i === total - 1) {
      await writeAll(file, encoder.encode(chunk.join("\n") + "\n"));
      chunk = [];
    }
  }
}
const reference = await measureInChild<{ seconds: number; rows: number }>([
  fileURLToPath(new URL("./_native_read_json.ts", import.meta.url)),
  ndjson,
  join(dir, "native.duckdb"),
]);
const nativeRate = reference.rows / reference.seconds;
console.log(
  `  native DuckDB read_json_auto: ${reference.seconds.toFixed(2)} s, ${
    Math.round(nativeRate).toLocaleString("en-US")
  } events/s`,
);
console.log(`  ratio (ours / native): ${(ours / nativeRate).toFixed(2)}`);
await Deno.remove(dir, { recursive: true });
