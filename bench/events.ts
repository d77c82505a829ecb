/**
 * The events benchmarks of issue 15: `run()` of 5,000, 20,000 and 100,000 copies of the recorded
 * GitHub events into the default duckdb destination (native DuckDB under `-A`, DuckDB-WASM with
 * `DESTINATION__DUCKDB__ENGINE=wasm`), each size in its own process, next to
 * native DuckDB's `read_json_auto` of the same events as NDJSON (2 threads, in memory) measured
 * in the same run. Prints per size: our time and peak RSS, native's time and peak RSS, and the
 * ratio of the rates (native time / ours).
 *
 *     deno run -A bench/events.ts [sizes=5000,20000,100000]
 *
 * Needs `../shared/fixtures/dlt-cases/github.events.load_page_1_duck.json`.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { eventCopy, recordedEvents } from "./_github_events.ts";
import { writeAll } from "../lib/load/write_all.ts";
import { describeMachine } from "./_machine.ts";
import { peakRssMiB } from "./_stages.ts";
import { measureInChild } from "./_child.ts";

/** What one measured process prints as its last line. */
interface Measured {
  seconds: number;
  rows: number;
  peakMiB: number;
}

const SELF = fileURLToPath(import.meta.url);

if (Deno.args[0] === "--ours") {
  await ours(Number(Deno.args[1]), Deno.args[2]);
} else {
  await main((Deno.args[0] ?? "5000,20000,100000").split(",").map(Number));
}

/** One measured `run()` of `total` events into a fresh pipeline under `dir`. */
async function ours(total: number, dir: string): Promise<void> {
  const { pipeline, resource } = await import("../mod.ts");
  const { duckdb } = await import("../destinations/duckdb/mod.ts");
  const fixture = await recordedEvents("events");
  const p = pipeline({
    pipelineName: "bench_events",
    destination: duckdb({ path: join(dir, "bench.duckdb") }),
    pipelinesDir: join(dir, "pipelines"),
  });
  const events = resource(function* () {
    for (let i = 0; i < total; i++) yield eventCopy(fixture, i);
  }, { name: "events" });
  const t0 = performance.now();
  await p.run(events);
  const seconds = (performance.now() - t0) / 1000;
  const rows = await p.dataset().table("events").count();
  if (rows !== total) throw new Error(`Loaded ${rows} events, expected ${total}`);
  console.log(JSON.stringify({ seconds, rows, peakMiB: peakRssMiB() }));
}

/** Writes `total` events as NDJSON to `path`. */
async function writeNdjson(path: string, fixture: Record<string, unknown>[], total: number) {
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  let chunk: string[] = [];
  for (let i = 0; i < total; i++) {
    chunk.push(JSON.stringify(eventCopy(fixture, i)));
    if (chunk.length === 1000 || i === total - 1) {
      await writeAll(file, encoder.encode(chunk.join("\n") + "\n"));
      chunk = [];
    }
  }
}

async function main(sizes: number[]): Promise<void> {
  const fixture = await recordedEvents("events");
  const native = fileURLToPath(new URL("./_native_read_json.ts", import.meta.url));
  console.log(describeMachine());
  console.log(
    `events: run() into duckdb (engine ${
      Deno.env.get("DESTINATION__DUCKDB__ENGINE") ?? "auto"
    }) vs native read_json_auto (2 threads, in memory)`,
  );
  console.log(
    "  events    ours s  RSS MiB  native s  RSS MiB  ratio (native s / ours s)",
  );
  for (const total of sizes) {
    const dir = await Deno.makeTempDir({ prefix: "denodlt_events_" });
    try {
      const ndjson = join(dir, "events.ndjson");
      await writeNdjson(ndjson, fixture, total);
      const reference = await measureInChild<Measured>([native, ndjson, ":memory:", "2"]);
      const ourRun = await measureInChild<Measured>([SELF, "--ours", String(total), dir]);
      console.log(
        `  ${total.toLocaleString("en-US").padStart(7)}  ${
          ourRun.seconds.toFixed(2).padStart(7)
        }  ${ourRun.peakMiB.toFixed(0).padStart(7)}  ${reference.seconds.toFixed(2).padStart(8)}  ${
          reference.peakMiB.toFixed(0).padStart(7)
        }  ${(reference.seconds / ourRun.seconds).toFixed(2).padStart(5)}`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
}
