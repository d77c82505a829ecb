/**
 * Job file formats benchmark: the recorded GitHub events (copies with fresh ids) normalized into
 * CSV and into Parquet job files, by the workers on every core, and loaded into native DuckDB.
 *
 *     deno run -A bench/file_formats.ts [events=100000]
 *
 * Extracts the events once per run, then times normalize and load apart (the faster of two runs
 * each, formats alternating), and prints normalize's rows/s, the size of the job files and the
 * load's seconds of both, and the ratio of their normalize times. Needs
 * `../shared/fixtures/dlt-cases/github.events.load_page_1_duck.json`.
 */
import { join } from "node:path";
import { type LoaderFileFormat, pipeline, resource } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { eventCopy, recordedEvents } from "./_github_events.ts";

const total = Number(Deno.args[0] ?? 100_000);
const fixture = await recordedEvents("file_formats");
const dir = await Deno.makeTempDir({ prefix: "denodlt_bench_file_formats_" });

/** Bytes of the files in `folder` (recursively). */
async function folderBytes(folder: string): Promise<number> {
  let bytes = 0;
  for await (const entry of Deno.readDir(folder)) {
    const path = join(folder, entry.name);
    bytes += entry.isDirectory ? await folderBytes(path) : (await Deno.stat(path)).size;
  }
  return bytes;
}

/** Extracts the events, then returns normalize's seconds, rows and job file bytes, and load's seconds. */
async function normalizeRun(name: string, loaderFileFormat: LoaderFileFormat) {
  const p = pipeline({
    pipelineName: name,
    destination: duckdb({ path: join(dir, `${name}.duckdb`), engine: "native" }),
    pipelinesDir: join(dir, "pipelines"),
    loaderFileFormat,
  });
  await p.extract(resource(function* () {
    for (let i = 0; i < total; i++) yield eventCopy(fixture, i);
  }, { name: "events" }));
  const t0 = performance.now();
  const info = await p.normalize();
  const seconds = (performance.now() - t0) / 1000;
  const rows = Object.values(info.rowCounts).reduce((a, b) => a + b, 0);
  const bytes = await folderBytes(join(p.workingDir, "load", "normalized"));
  const t1 = performance.now();
  await p.load();
  const loadSeconds = (performance.now() - t1) / 1000;
  await Deno.remove(p.workingDir, { recursive: true });
  return { seconds, rows, bytes, loadSeconds };
}

type Run = Awaited<ReturnType<typeof normalizeRun>>;
const faster = (a: Run, b: Run) => ({
  ...(a.seconds <= b.seconds ? a : b),
  loadSeconds: Math.min(a.loadSeconds, b.loadSeconds),
});
let csv = await normalizeRun("csv_1", "csv");
let parquet = await normalizeRun("parquet_1", "parquet");
csv = faster(csv, await normalizeRun("csv_2", "csv"));
parquet = faster(parquet, await normalizeRun("parquet_2", "parquet"));
await Deno.remove(dir, { recursive: true });

const rate = (r: Run) => r.rows / r.seconds;
const line = (label: string, r: Run) =>
  console.log(
    `  ${label.padEnd(10)} ${r.seconds.toFixed(2).padStart(6)} s  ${
      Math.round(rate(r)).toLocaleString("en-US").padStart(9)
    } rows/s  ${(r.bytes / 2 ** 20).toFixed(1).padStart(7)} MiB of job files, loaded in ${
      r.loadSeconds.toFixed(2)
    } s`,
  );
console.log(
  `normalize into job files, load into native DuckDB: ${
    total.toLocaleString("en-US")
  } GitHub events`,
);
line("csv", csv);
line("parquet", parquet);
console.log(`  time ratio (parquet / csv): ${(parquet.seconds / csv.seconds).toFixed(2)}`);
