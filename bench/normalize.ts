/**
 * Normalizer benchmark: the recorded GitHub events (copies with fresh ids) normalized with
 * schema contracts and variant columns at work, against the same events without them.
 *
 *     deno run -A bench/normalize.ts [events=50000]
 *
 * With contracts, the events table exists already and its contract discards new columns, and
 * one event in ten carries a value that opens (or fills) a variant column. Prints rows/s of both
 * (the faster of two runs each) and their ratio. Needs `../shared/fixtures/dlt-cases/github.events.load_page_1_duck.json`.
 */
import { join } from "node:path";
import { pipeline, resource, type SchemaContract } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { eventCopy, recordedEvents } from "./_github_events.ts";

const total = Number(Deno.args[0] ?? 50_000);

const fixture = await recordedEvents("normalize");

/** The i-th event; with `variants`, one in ten has a text where a bool and an id are expected. */
function eventAt(i: number, variants: boolean): Record<string, unknown> {
  const event = eventCopy(fixture, i);
  if (variants && i % 10 === 0) {
    event.public = "yes";
    event.actor = { ...(event.actor as object), id: `actor-${i}` };
  }
  return event;
}

const dir = await Deno.makeTempDir({ prefix: "denodlt_bench_normalize_" });

/** Extracts `count` events and returns normalize's seconds and rows. */
async function normalizeRun(name: string, contract: SchemaContract | undefined, variants: boolean) {
  const p = pipeline({
    pipelineName: name,
    destination: duckdb({ path: join(dir, `${name}.duckdb`) }),
    pipelinesDir: join(dir, "pipelines"),
  });
  const events = (count: number) =>
    resource(function* () {
      for (let i = 0; i < count; i++) yield eventAt(i, variants);
    }, { name: "events", schemaContract: contract });
  if (contract !== undefined) {
    // the table must exist for the columns contract to apply
    await p.run(resource(fixture, { name: "events" }));
  }
  await p.extract(events(total));
  const t0 = performance.now();
  const info = await p.normalize();
  const seconds = (performance.now() - t0) / 1000;
  const rows = Object.values(info.rowCounts).reduce((a, b) => a + b, 0);
  const schema = [...p.schemas.values()][0];
  const variantColumns = Object.values(schema.tables.events.columns).filter((c) => c.variant);
  return { seconds, rows, variantColumns: variantColumns.map((c) => c.name) };
}

// alternating runs, the faster of two each: this machine's speed wanders from run to run
const CONTRACT: SchemaContract = {
  tables: "evolve",
  columns: "discard_value",
  data_type: "evolve",
};
type Run = Awaited<ReturnType<typeof normalizeRun>>;
const faster = (a: Run, b: Run) => a.seconds <= b.seconds ? a : b;
let plain = await normalizeRun("plain_1", undefined, false);
let contracted = await normalizeRun("contracted_1", CONTRACT, true);
plain = faster(plain, await normalizeRun("plain_2", undefined, false));
contracted = faster(contracted, await normalizeRun("contracted_2", CONTRACT, true));
const rate = (r: { rows: number; seconds: number }) => r.rows / r.seconds;
const line = (label: string, r: typeof plain) =>
  console.log(
    `  ${label.padEnd(30)} ${r.seconds.toFixed(2).padStart(6)} s  ${
      Math.round(rate(r)).toLocaleString("en-US").padStart(8)
    } rows/s`,
  );
console.log(`normalize: ${total.toLocaleString("en-US")} GitHub events`);
line("plain", plain);
line("contracts + variants", contracted);
console.log(`  variant columns: ${contracted.variantColumns.join(", ")}`);
console.log(`  ratio (contracts / plain): ${(rate(contracted) / rate(plain)).toFixed(2)}`);
await Deno.remove(dir, { recursive: true });
