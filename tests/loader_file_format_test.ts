/**
 * `loaderFileFormat` (dlt's `loader_file_format` of `run()`) and a resource's `fileFormat` hint
 * (dlt's `file_format`) pick the job files normalize writes for each table among the formats the
 * destination loads; `pipeline()`'s `loaderFileFormat` is the default, the destination's
 * preferred one otherwise. Parquet job files load into native DuckDB with exact values.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Destination,
  PendingPackageFailed,
  type Pipeline,
  pipeline,
  PipelineStepFailed,
  resource,
} from "../mod.ts";
import { tableFromIPC } from "../lib/deps/apache_arrow.ts";
import { readParquet } from "../lib/deps/parquet_wasm.ts";
import { dummy } from "../destinations/dummy/mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { PackageStore } from "../lib/load/package_store.ts";
import { DenoStorage } from "../lib/storage/deno_storage.ts";
import { tempDir, tempPipeline } from "./_helpers.ts";
import { nativeQuery } from "./_native_duckdb.ts";

// deno-lint-ignore no-explicit-any
const untyped = (value: unknown): any => value;

const ITEMS = [
  { id: 1, name: 'a, "quoted"\nname', tags: ["x", "y"] },
  { id: 2, name: "", score: 2.5, tags: [] },
  { id: 3, name: "ünï ✓", tags: ["z"] },
];
const items = () => resource(ITEMS, { name: "items" });

/** The jobs of the newest package of `p` in `stage`, with their folder. */
async function packageJobs(p: Pipeline, stage: "normalized" | "loaded") {
  const store = new PackageStore(new DenoStorage(p.workingDir));
  const loadId = (await store.list(stage)).sort().at(-1)!;
  const dir = store.dir(stage, loadId);
  return { dir: store.storage.locate(dir), jobs: (await store.readManifest(dir)).jobs };
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
    const read = await nativeQuery(
      ":memory:",
      `SELECT * FROM read_csv('${join(dir, job.file)}', header = true, all_varchar = true)`,
    );
    assert.equal(read.length, job.rows);
    assert.deepEqual(Object.keys(read[0]), job.columns);
  }
});

Deno.test("a loader file format the destination does not load is a RangeError naming both, before anything runs", async () => {
  const { p } = await tempPipeline("format_refused", undefined, "wasm");
  const refused = (format: string) =>
    new RegExp(
      `^Destination "duckdb" does not load "${format}" files; loaderFileFormat takes "csv"$`,
    );
  await assert.rejects(p.run(items(), { loaderFileFormat: "jsonl" }), (e: unknown) => {
    assert.ok(e instanceof RangeError);
    assert.match(e.message, refused("jsonl"));
    return true;
  });
  await assert.rejects(
    p.extract(items(), { loaderFileFormat: "parquet" }),
    (e: unknown) => e instanceof RangeError && refused("parquet").test(e.message),
  );
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });

  await p.extract(items());
  await assert.rejects(
    p.normalize({ loaderFileFormat: "parquet" }),
    (e: unknown) => e instanceof RangeError && refused("parquet").test(e.message),
  );
  // the package waits for a normalize with a format the destination takes
  assert.deepEqual(await p.pendingPackages(), { extracted: 1, normalized: 0 });
  await assert.rejects(
    p.normalize(untyped({ loader_file_format: "csv" })),
    /Unknown option "loader_file_format" for normalize\(\): write "loaderFileFormat"/,
  );
  await assert.rejects(
    p.run(items(), untyped({ loader_file_format: "csv" })),
    /Unknown option "loader_file_format" for run\(\): write "loaderFileFormat"/,
  );
  await assert.rejects(
    p.run(items(), untyped({ fileFormat: "csv" })),
    /Option "fileFormat" is not supported by run\(\): write loaderFileFormat, as dlt's run\(\) takes it/,
  );
  await assert.rejects(p.normalize({ loaderFileFormat: untyped(1) }), TypeError);
  assert.throws(
    () => pipeline(untyped({ pipelineName: "x", loader_file_format: "csv" })),
    /Unknown option "loader_file_format" for pipeline "x": write "loaderFileFormat"/,
  );
  assert.throws(
    () => resource([], untyped({ name: "r", loaderFileFormat: "csv" })),
    /Option "loaderFileFormat" is not supported by resource "r": a resource's job file format is its "fileFormat" hint \(dlt's file_format\)/,
  );
  assert.throws(
    () => resource([], untyped({ name: "r", file_format: "csv" })),
    /Unknown option "file_format" for resource "r": write "fileFormat"/,
  );
  assert.throws(
    () => resource([], untyped({ name: "r", fileFormat: "xml" })),
    /fileFormat.*"csv", "jsonl", "parquet", "insert_values", "preferred"/,
  );
  await p.normalize({ loaderFileFormat: "csv" });
  await p.load();
  assert.equal(await p.dataset().table("items").count(), 3);
});

Deno.test("DuckDB-WASM loads no Parquet: asking for it anywhere is a RangeError listing what it loads", async () => {
  const { p, dir } = await tempPipeline("format_wasm_parquet", undefined, "wasm");
  await assert.rejects(
    p.run(items(), { loaderFileFormat: "parquet" }),
    /^RangeError: Destination "duckdb" does not load "parquet" files; loaderFileFormat takes "csv"$/,
  );
  await assert.rejects(
    p.run(resource(ITEMS, { name: "items", fileFormat: "parquet" })),
    /^RangeError: Resource "items" asks for "parquet" files \(its fileFormat hint\), which destination "duckdb" does not load; it takes "csv"$/,
  );
  const byDefault = pipeline({
    pipelineName: "format_wasm_default",
    destination: duckdb({ path: join(dir, "default.duckdb"), engine: "wasm" }),
    pipelinesDir: join(dir, "pipelines"),
    loaderFileFormat: "parquet",
  });
  await assert.rejects(
    byDefault.run(items()),
    /^RangeError: Destination "duckdb" does not load "parquet" files; loaderFileFormat takes "csv"$/,
  );
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
  assert.deepEqual(await byDefault.pendingPackages(), { extracted: 0, normalized: 0 });
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
  const read = await nativeQuery(
    ":memory:",
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
    p.run(items(), { loaderFileFormat: untyped("xml") }),
    /^RangeError: Destination "dummy" does not load "xml" files; loaderFileFormat takes "csv", "jsonl", "parquet", "insert_values"$/,
  );
});

/** Items with a value of every type, and NULLs, as a resource `typed` with column hints. */
const typed = () =>
  resource([
    {
      id: 1,
      big: 9007199254740993n,
      small: 2147483647,
      price: "12.345",
      amount: 12345678901234567890123n,
      created: "2024-05-01T10:00:00.123456+02:00",
      day: "2024-02-29",
      bin: new Uint8Array([0, 1, 255]),
      doc: { a: [1, 2], s: "ü" },
      ok: true,
      x: 1.5,
      name: 'a, "quoted"\nname',
      tags: ["x", "y"],
    },
    { id: 2, name: "", x: NaN, ok: false, tags: [] },
    { id: 3, created: "2024-05-01 10:00", price: "1e3", x: -Infinity },
  ], {
    name: "typed",
    columns: {
      small: { dataType: "bigint", precision: 32 },
      price: { dataType: "decimal", precision: 12, scale: 2 },
      day: { dataType: "date" },
      doc: { dataType: "json" },
    },
  });

/** The rows of `typed` as DuckDB has them, every value as exact text. */
const TYPED_SQL = `SELECT id, big::VARCHAR AS big, small, price::VARCHAR AS price,
  amount::VARCHAR AS amount, created::VARCHAR AS created, "day"::VARCHAR AS "day", hex(bin) AS bin,
  doc, ok, x::VARCHAR AS x, name FROM typed ORDER BY id`;

Deno.test("Parquet job files load into native DuckDB with the values CSV loads, each column of its type", async () => {
  const dir = await tempDir("format_parquet");
  const run = async (loaderFileFormat: "csv" | "parquet") => {
    const p = pipeline({
      pipelineName: `format_${loaderFileFormat}`,
      destination: duckdb({ path: join(dir, `${loaderFileFormat}.duckdb`), engine: "native" }),
      pipelinesDir: join(dir, "pipelines"),
    });
    await p.run(typed(), { loaderFileFormat });
    return p;
  };
  const p = await run("parquet");
  const rows = await p.dataset().query(TYPED_SQL);
  assert.deepEqual(rows[0], {
    id: 1,
    big: "9007199254740993",
    small: 2147483647,
    price: "12.35",
    amount: "12345678901234567890123.000000000",
    created: "2024-05-01 08:00:00.123456+00",
    day: "2024-02-29",
    bin: "0001FF",
    doc: '{"a":[1,2],"s":"ü"}',
    ok: true,
    x: "1.5",
    name: 'a, "quoted"\nname',
  });
  assert.deepEqual(rows.map((r) => [r.x, r.price, r.created]), [
    ["1.5", "12.35", "2024-05-01 08:00:00.123456+00"],
    ["nan", null, null],
    ["-inf", "1000.00", "2024-05-01 10:00:00+00"],
  ]);
  // the same data through CSV: the same table, value for value
  const csv = await run("csv");
  assert.deepEqual(await csv.dataset().query(TYPED_SQL), rows);
  const types = `SELECT column_name, data_type FROM information_schema.columns
    WHERE table_name = 'typed' AND column_name NOT LIKE '_dlt%' ORDER BY column_name`;
  assert.deepEqual(await p.dataset().query(types), await csv.dataset().query(types));
  assert.deepEqual(await p.dataset().query("SELECT value FROM typed__tags ORDER BY value"), [
    { value: "x" },
    { value: "y" },
  ]);

  // any Parquet reader takes the job files: native DuckDB's read_parquet, parquet-wasm's reader
  const { dir: packageDir, jobs } = await packageJobs(p, "loaded");
  assert.deepEqual(jobs.map((j) => [j.table, j.format]).sort(), [
    ["typed", "parquet"],
    ["typed__tags", "parquet"],
  ]);
  const root = jobs.find((j) => j.table === "typed")!;
  const path = join(packageDir, root.file);
  assert.ok(root.file.endsWith(".parquet"));
  const described = await nativeQuery(":memory:", `DESCRIBE SELECT * FROM read_parquet('${path}')`);
  assert.deepEqual(
    Object.fromEntries(described.map((r) => [r.column_name, r.column_type])),
    {
      id: "BIGINT",
      big: "BIGINT",
      small: "INTEGER",
      price: "DECIMAL(12,2)",
      amount: "DECIMAL(38,9)",
      created: "TIMESTAMP WITH TIME ZONE",
      day: "DATE",
      bin: "BLOB",
      doc: "VARCHAR",
      ok: "BOOLEAN",
      x: "DOUBLE",
      name: "VARCHAR",
      _dlt_load_id: "VARCHAR",
      _dlt_id: "VARCHAR",
    },
  );
  assert.deepEqual(
    await nativeQuery(":memory:", `SELECT count(*)::INTEGER AS n FROM read_parquet('${path}')`),
    [{ n: root.rows }],
  );
  const table = tableFromIPC(readParquet(await Deno.readFile(path)).intoIPCStream());
  assert.equal(table.numRows, root.rows);
  assert.deepEqual([...table.getChild("big")!], [9007199254740993n, null, null]);
});

Deno.test("a cut or damaged Parquet job file fails the load naming the file; nothing of its table is loaded", async () => {
  const dir = await tempDir("format_parquet_cut");
  const p = pipeline({
    pipelineName: "format_parquet_cut",
    destination: duckdb({ path: join(dir, "cut.duckdb"), engine: "native" }),
    pipelinesDir: join(dir, "pipelines"),
    loaderFileFormat: "parquet",
  });
  await p.extract(typed());
  await p.normalize();
  const { dir: packageDir, jobs } = await packageJobs(p, "normalized");
  const path = join(packageDir, jobs.find((j) => j.table === "typed")!.file);
  const bytes = await Deno.readFile(path);

  await Deno.writeFile(path, bytes.subarray(0, bytes.length - 100));
  await assert.rejects(p.load(), (e: unknown) => {
    assert.ok(e instanceof PendingPackageFailed, String(e));
    assert.ok(
      e.message.includes(
        `job file "${path}" is cut (${bytes.length - 100} of ${bytes.length} bytes)`,
      ),
      e.message,
    );
    return true;
  });
  const tables = `SELECT count(*)::INTEGER AS n FROM information_schema.tables
    WHERE table_name IN ('typed', 'typed__tags')`;
  assert.deepEqual(await p.dataset().query(tables), [{ n: 0 }]);

  // whole in size, damaged inside: DuckDB's reader fails on it, and the chain rolls back
  const damaged = bytes.slice();
  damaged.fill(0xff, 4, 200);
  await Deno.writeFile(path, damaged);
  await assert.rejects(p.load(), (e: unknown) => {
    assert.ok(e instanceof PipelineStepFailed, String(e));
    assert.match(
      e.message,
      new RegExp(
        `Cannot load job file "${jobs.find((j) => j.table === "typed")!.file}" into table "typed"`,
      ),
    );
    return true;
  });
  assert.deepEqual(await p.dataset().query(tables), [{ n: 0 }]);
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 1 });
  await Deno.writeFile(path, bytes);
  await p.load();
  assert.equal(await p.dataset().table("typed").count(), 3);
});

Deno.test("a resource's fileFormat hint picks its tables' format; run()'s loaderFileFormat replaces it; pipeline()'s is the default", async () => {
  const dir = await tempDir("format_hints");
  const destination = dummy();
  const p = pipeline({
    pipelineName: "format_hints",
    destination,
    pipelinesDir: join(dir, "pipelines"),
    loaderFileFormat: "jsonl",
  });
  const resources = () => [
    resource([{ id: 1, parts: [1, 2] }], { name: "a", fileFormat: "parquet" }),
    resource([{ id: 2, parts: [3] }], { name: "b" }),
    resource([{ id: 3 }], { name: "c", fileFormat: "preferred" }),
  ];
  const formats = async () =>
    Object.fromEntries((await packageJobs(p, "loaded")).jobs.map((j) => [j.table, j.format]));
  await p.run(resources());
  assert.deepEqual(await formats(), {
    a: "parquet",
    a__parts: "parquet",
    b: "jsonl",
    b__parts: "jsonl",
    c: "csv",
  });
  // the dummy reads each file's rows: every format was whole
  assert.deepEqual(destination.rowCounts(p.datasetName), {
    a: 1,
    a__parts: 2,
    b: 1,
    b__parts: 1,
    c: 1,
  });

  await p.run(resources(), { loaderFileFormat: "insert_values" });
  assert.deepEqual(new Set(Object.values(await formats())), new Set(["insert_values"]));
  assert.deepEqual(destination.rowCounts(p.datasetName), {
    a: 2,
    a__parts: 4,
    b: 2,
    b__parts: 2,
    c: 2,
  });

  // normalize()'s format is every table's
  await p.extract(resources());
  await p.normalize({ loaderFileFormat: "csv" });
  const normalized = await packageJobs(p, "normalized");
  assert.ok(normalized.jobs.every((j) => j.format === "csv"), JSON.stringify(normalized.jobs));
  await p.load();
  assert.deepEqual(destination.rowCounts(p.datasetName), {
    a: 3,
    a__parts: 6,
    b: 3,
    b__parts: 3,
    c: 3,
  });
});

Deno.test("a package whose table asks for a format the destination does not load fails to normalize naming the table, and waits", async () => {
  const dir = await tempDir("format_table_refused");
  const open = (destination: Destination) =>
    pipeline({ pipelineName: "format_table", destination, pipelinesDir: join(dir, "pipelines") });
  // extracted for native DuckDB, which loads Parquet; normalized for the WASM engine, which does
  // not, on the same file
  const path = join(dir, "refused.duckdb");
  await open(duckdb({ path, engine: "native" })).extract(
    resource(ITEMS, { name: "items", fileFormat: "parquet" }),
  );
  const p = open(duckdb({ path, engine: "wasm" }));
  await assert.rejects(p.normalize(), (e: unknown) => {
    assert.ok(e instanceof PendingPackageFailed, String(e));
    assert.match(
      e.message,
      /Table "items" asks for "parquet" files \(its fileFormat hint\), which destination "duckdb" does not load; it takes "csv"/,
    );
    return true;
  });
  assert.deepEqual(await p.pendingPackages(), { extracted: 1, normalized: 0 });
  // normalize()'s format replaces the hint
  await p.normalize({ loaderFileFormat: "csv" });
  await p.load();
  assert.equal(await p.dataset().table("items").count(), 3);
});
