/**
 * `loaderFileFormat` (dlt's `loader_file_format` of `run()` and `normalize()`) picks the job
 * files normalize writes among the formats the destination loads; its preferred one otherwise.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { type Pipeline, pipeline, resource } from "../mod.ts";
import { dummy } from "../destinations/dummy/mod.ts";
import { PackageStore } from "../lib/load/package_store.ts";
import { DenoStorage } from "../lib/storage/deno_storage.ts";
import { tempDir, tempPipeline } from "./_helpers.ts";

// deno-lint-ignore no-explicit-any
const untyped = (value: unknown): any => value;

const ITEMS = [
  { id: 1, name: 'a, "quoted"\nname', tags: ["x", "y"] },
  { id: 2, name: "", score: 2.5, tags: [] },
  { id: 3, name: "ünï ✓", tags: ["z"] },
];
const items = () => resource(ITEMS, { name: "items" });

/** The jobs of the one package of `p` in `stage`, with their folder. */
async function packageJobs(p: Pipeline, stage: "normalized" | "loaded") {
  const store = new PackageStore(new DenoStorage(p.workingDir));
  const [loadId] = await store.list(stage);
  const dir = store.dir(stage, loadId);
  return { dir: store.storage.locate(dir), jobs: (await store.readManifest(dir)).jobs };
}

/** Runs `sql` in an in-memory native DuckDB and returns its rows as JSON values. */
async function nativeRows(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  try {
    const connection = await instance.connect();
    const rows = (await connection.runAndReadAll(sql)).getRowObjectsJson();
    connection.closeSync();
    return rows as Record<string, unknown>[];
  } finally {
    instance.closeSync();
  }
}

Deno.test("run() takes a loader file format the destination loads: CSV files with a header", async () => {
  const { p } = await tempPipeline("format_csv");
  await p.run(items(), { loaderFileFormat: "csv" });
  const rows = await p.dataset().table("items").orderBy("id").select("id", "name", "score").rows();
  assert.deepEqual(rows, ITEMS.map(({ id, name, score }) => ({ id, name, score: score ?? null })));
  assert.equal(await p.dataset().table("items__tags").count(), 3);
  const { dir, jobs } = await packageJobs(p, "loaded");
  for (const job of jobs) {
    assert.equal(job.format, "csv");
    // any CSV reader takes the file as it is: the header names the job's columns
    const read = await nativeRows(
      `SELECT * FROM read_csv('${join(dir, job.file)}', header = true, all_varchar = true)`,
    );
    assert.equal(read.length, job.rows);
    assert.deepEqual(Object.keys(read[0]), job.columns);
  }
});

Deno.test("a loader file format the destination does not load is a RangeError naming both, before anything runs", async () => {
  const { p } = await tempPipeline("format_refused");
  const refused = (format: string) =>
    new RegExp(
      `^Destination "duckdb" does not load "${format}" files; loaderFileFormat takes "csv"$`,
    );
  await assert.rejects(p.run(items(), { loaderFileFormat: "jsonl" }), (e: unknown) => {
    assert.ok(e instanceof RangeError);
    assert.match(e.message, refused("jsonl"));
    return true;
  });
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });

  await p.extract(items());
  await assert.rejects(
    p.normalize({ loaderFileFormat: untyped("parquet") }),
    (e: unknown) => e instanceof RangeError && refused("parquet").test(e.message),
  );
  // the package waits for a normalize with a format the destination takes
  assert.deepEqual(await p.pendingPackages(), { extracted: 1, normalized: 0 });
  await assert.rejects(
    p.normalize(untyped({ loader_file_format: "csv" })),
    /Unknown option "loader_file_format" for normalize\(\): write "loaderFileFormat"/,
  );
  await assert.rejects(p.normalize({ loaderFileFormat: untyped(1) }), TypeError);
  await assert.rejects(
    p.extract(items(), untyped({ loaderFileFormat: "csv" })),
    /Option "loaderFileFormat" is not supported by extract\(\): .*give loaderFileFormat to run\(\) or normalize\(\)/,
  );
  assert.throws(
    () => resource([], untyped({ name: "r", loaderFileFormat: "csv" })),
    /Option "loaderFileFormat" is not supported by resource "r": the loader file format is one per run/,
  );
  await p.normalize({ loaderFileFormat: "csv" });
  await p.load();
  assert.equal(await p.dataset().table("items").count(), 3);
});

Deno.test("run() writes and loads JSONL for a destination that takes it; its preferred CSV otherwise", async () => {
  const dir = await tempDir("format_jsonl");
  const destination = dummy();
  const p = pipeline({
    pipelineName: "format_jsonl",
    destination,
    pipelinesDir: join(dir, "pipelines"),
  });
  await p.run(items(), { loaderFileFormat: "jsonl" });
  // the dummy counts the rows it reads from each file
  assert.deepEqual(destination.rowCounts(p.datasetName), { items: 3, items__tags: 3 });
  const { dir: packageDir, jobs } = await packageJobs(p, "loaded");
  assert.equal(jobs.length, 2);
  for (const job of jobs) {
    assert.equal(job.format, "jsonl");
    assert.ok(job.file.endsWith(".jsonl"), job.file);
  }
  const root = jobs.find((j) => j.table === "items")!;
  const read = await nativeRows(
    `SELECT id::INTEGER AS id, name, score FROM read_json('${
      join(packageDir, root.file)
    }', format = 'newline_delimited', columns = {id: 'BIGINT', name: 'VARCHAR', score: 'DOUBLE'}) ORDER BY id`,
  );
  assert.deepEqual(read, ITEMS.map(({ id, name, score }) => ({ id, name, score: score ?? null })));
  const tags = jobs.find((j) => j.table === "items__tags")!;
  const values = await Deno.readTextFile(join(packageDir, tags.file));
  assert.deepEqual(values.trimEnd().split("\n").map((l) => JSON.parse(l).value), ["x", "y", "z"]);

  await Deno.remove(join(p.workingDir, "load", "loaded"), { recursive: true });
  await p.run(items());
  assert.deepEqual(destination.rowCounts(p.datasetName), { items: 6, items__tags: 6 });
  const csv = await packageJobs(p, "loaded");
  assert.ok(csv.jobs.every((j) => j.format === "csv" && j.file.endsWith(".csv")));
  await assert.rejects(
    p.run(items(), { loaderFileFormat: untyped("parquet") }),
    /^RangeError: Destination "dummy" does not load "parquet" files; loaderFileFormat takes "csv", "jsonl"$/,
  );
});
