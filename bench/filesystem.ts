/**
 * Filesystem benchmark, each measurement in a process of its own (so its peak RSS is its own):
 *
 * - **write**: copies of the recorded GitHub events with fresh ids through `run()` into the
 *   filesystem destination as Parquet, then as JSONL (gzipped), on a local bucket; reference:
 *   native DuckDB reading the same events as NDJSON and writing them with
 *   `COPY … TO 'x.parquet'`.
 * - **read**: 1,000,000 flat rows read back by the filesystem source's Parquet and CSV readers
 *   (the code of `readParquet`/`readCsv`); reference: native DuckDB `read_parquet`/`read_csv`
 *   into an in-memory table.
 *
 * Prints rows/s, MB/s and peak RSS of each, beside the reference and their ratio.
 *
 *     deno run -A bench/filesystem.ts [events=50000] [rows=1000000]
 *
 * Needs `../shared/fixtures/dlt-cases/github.events.load_page_1_duck.json` for the write part.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { pipeline, resource } from "../mod.ts";
import { filesystem } from "../destinations/filesystem/mod.ts";
import { LocalFileSystem } from "../lib/filesystem/local.ts";
import { fileSystemRanges, readParquetChunks } from "../lib/formats/parquet_reader.ts";
import { readCsvChunks } from "../lib/formats/csv_reader.ts";
import { writeAll } from "../lib/load/write_all.ts";
import { eventCopy, recordedEvents } from "./_github_events.ts";
import { peakRssMiB } from "./_stages.ts";
import { measureInChild } from "./_child.ts";

/** What one measured process reports. */
interface Measured {
  seconds: number;
  rows: number;
  bytes: number;
  peakMiB: number;
}

const SELF = fileURLToPath(import.meta.url);
const [mode, ...args] = Deno.args;

if (mode === "--child") {
  console.log(JSON.stringify(await child(args[0], args.slice(1))));
  Deno.exit(0);
}

const events = Number(mode ?? 50_000);
const rows = Number(args[0] ?? 1_000_000);
const dir = await Deno.makeTempDir({ prefix: "denodlt_bench_fs_" });
try {
  await writeBenchmark(events, dir);
  await readBenchmark(rows, dir);
} finally {
  await Deno.remove(dir, { recursive: true });
}

/** Runs `what` in a process of its own; what it measured. */
function measure(what: string, ...rest: string[]): Promise<Measured> {
  return measureInChild<Measured>([SELF, "--child", what, ...rest]);
}

function report(label: string, m: Measured, unit: string, reference?: Measured): void {
  const rate = m.rows / m.seconds;
  let line = `  ${label.padEnd(34)} ${m.seconds.toFixed(2).padStart(6)} s  ${
    Math.round(rate).toLocaleString("en-US").padStart(10)
  } ${unit}/s  ${(m.bytes / 1e6 / m.seconds).toFixed(1).padStart(6)} MB/s  peak RSS ${
    m.peakMiB.toFixed(0).padStart(4)
  } MiB`;
  if (reference !== undefined) {
    line += `  ratio ${(rate / (reference.rows / reference.seconds)).toFixed(2)}`;
  }
  console.log(line);
}

async function writeBenchmark(total: number, dir: string): Promise<void> {
  const fixture = await recordedEvents("filesystem");
  const ndjson = join(dir, "events.ndjson");
  {
    using file = await Deno.open(ndjson, { write: true, create: true });
    const encoder = new TextEncoder();
    for (let i = 0; i < total; i += 1000) {
      const chunk: string[] = [];
      for (let j = i; j < Math.min(total, i + 1000); j++) {
        chunk.push(JSON.stringify(eventCopy(fixture, j)));
      }
      await writeAll(file, encoder.encode(chunk.join("\n") + "\n"));
    }
  }
  const megabytes = (await Deno.stat(ndjson)).size / 1e6;
  console.log(
    `filesystem write: ${total.toLocaleString("en-US")} GitHub events (${
      megabytes.toFixed(0)
    } MB of JSON) → a local bucket`,
  );
  const native = await measure("native-write", ndjson, join(dir, "native.parquet"));
  report("native DuckDB COPY TO parquet", native, "events");
  report(
    "ours, parquet",
    await measure("write", String(total), join(dir, "pq"), "parquet"),
    "events",
    native,
  );
  report(
    "ours, jsonl.gz",
    await measure("write", String(total), join(dir, "jl"), "jsonl"),
    "events",
    native,
  );
}

async function readBenchmark(total: number, dir: string): Promise<void> {
  const parquet = join(dir, "flat.parquet");
  const csv = join(dir, "flat.csv");
  {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    const rows = `SELECT i AS id, 'name_' || i AS name, i * 0.25 AS score, i % 3 = 0 AS flag,
      TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL 1 SECOND AS created_at
      FROM range(${total}) AS r(i)`;
    await connection.run(`COPY (${rows}) TO '${parquet}' (FORMAT parquet, ROW_GROUP_SIZE 100000)`);
    await connection.run(`COPY (${rows}) TO '${csv}' (FORMAT csv, HEADER true)`);
    connection.closeSync();
    instance.closeSync();
  }
  console.log(`filesystem read: ${total.toLocaleString("en-US")} flat rows of 5 columns`);
  for (const [format, path] of [["parquet", parquet], ["csv", csv]]) {
    const native = await measure("native-read", format, path);
    report(`native DuckDB read_${format}`, native, "rows");
    report(
      `ours, read${format === "csv" ? "Csv" : "Parquet"}`,
      await measure("read", format, path),
      "rows",
      native,
    );
  }
}

/** One measurement, in this process. */
async function child(what: string, rest: string[]): Promise<Measured> {
  const t0 = performance.now();
  if (what === "native-write") {
    const [ndjson, target] = rest;
    const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
    const connection = await instance.connect();
    await connection.run(
      `COPY (SELECT * FROM read_json_auto('${ndjson}')) TO '${target}' (FORMAT parquet)`,
    );
    const reader = await connection.runAndReadAll(`SELECT count(*) AS n FROM '${target}'`);
    const rows = Number(reader.getRowObjects()[0].n);
    connection.closeSync();
    instance.closeSync();
    const bytes = (await Deno.stat(ndjson)).size;
    return { seconds: (performance.now() - t0) / 1000, rows, bytes, peakMiB: peakRssMiB() };
  }
  if (what === "write") {
    const [count, bucket, format] = rest;
    const total = Number(count);
    const fixture = await recordedEvents("filesystem");
    let bytes = 0;
    const events = resource(function* () {
      for (let i = 0; i < total; i++) {
        const event = eventCopy(fixture, i);
        if (i < fixture.length) bytes += JSON.stringify(event).length;
        yield event;
      }
    }, { name: "events" });
    const p = pipeline({
      pipelineName: "bench_fs",
      destination: filesystem({ bucketUrl: bucket }),
      pipelinesDir: join(bucket, "_pipelines"),
    });
    const started = performance.now();
    await p.run(events, { loaderFileFormat: format as "parquet" | "jsonl" });
    const seconds = (performance.now() - started) / 1000;
    const loaded = await p.dataset().table("events").count();
    if (loaded !== total) throw new Error(`Loaded ${loaded} events, expected ${total}`);
    return { seconds, rows: total, bytes: bytes * total / fixture.length, peakMiB: peakRssMiB() };
  }
  if (what === "native-read") {
    const [format, path] = rest;
    const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
    const connection = await instance.connect();
    await connection.run(`CREATE TABLE t AS SELECT * FROM read_${format}('${path}')`);
    const reader = await connection.runAndReadAll("SELECT count(*) AS n FROM t");
    const rows = Number(reader.getRowObjects()[0].n);
    connection.closeSync();
    instance.closeSync();
    const bytes = (await Deno.stat(path)).size;
    return { seconds: (performance.now() - t0) / 1000, rows, bytes, peakMiB: peakRssMiB() };
  }
  if (what === "read") {
    const [format, path] = rest;
    const fs = new LocalFileSystem();
    const url = new URL(path, "file:").href;
    const { size } = await fs.stat(url);
    const chunks = format === "csv"
      ? readCsvChunks(await fs.read(url), path)
      : readParquetChunks(fileSystemRanges(fs, url, size), path, { chunkSize: 10_000 });
    let rows = 0;
    for await (const chunk of chunks) rows += chunk.length;
    return { seconds: (performance.now() - t0) / 1000, rows, bytes: size, peakMiB: peakRssMiB() };
  }
  throw new Error(`Unknown measurement "${what}"`);
}
