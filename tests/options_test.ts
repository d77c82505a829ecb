/**
 * Nothing a user writes is silently ignored: every options object is checked at run time, as a
 * user porting dlt code line by line (and running it without `deno check`) writes it.
 */
import assert from "node:assert/strict";
import { incremental, pipeline, resource, source, transformer } from "../mod.ts";
import { tempDir, tempPipeline } from "./_helpers.ts";

/** Calls `fn` as untyped code would, and returns the error it throws (synchronously or not). */
async function errorOf(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}

// deno-lint-ignore no-explicit-any
const untyped = (value: unknown): any => value;

Deno.test("dlt's snake_case options are errors that name the camelCase option, in every function", async () => {
  const { p } = await tempPipeline("snake_options");
  const items = resource([{ id: 1 }], { name: "items" });
  const cases: [string, () => unknown, string, string][] = [
    [
      "pipeline()",
      () => pipeline(untyped({ pipeline_name: "x" })),
      "pipeline_name",
      "pipelineName",
    ],
    [
      'pipeline "x"',
      () => pipeline(untyped({ pipelineName: "x", dataset_name: "d" })),
      "dataset_name",
      "datasetName",
    ],
    [
      'pipeline "x"',
      () => pipeline(untyped({ pipelineName: "x", pipelines_dir: "/tmp" })),
      "pipelines_dir",
      "pipelinesDir",
    ],
    [
      'resource "r"',
      () => resource([], untyped({ name: "r", write_disposition: "merge" })),
      "write_disposition",
      "writeDisposition",
    ],
    [
      'resource "r"',
      () => resource([], untyped({ name: "r", primary_key: "id" })),
      "primary_key",
      "primaryKey",
    ],
    [
      'resource "r"',
      () => resource([], untyped({ name: "r", table_name: "t" })),
      "table_name",
      "tableName",
    ],
    [
      'resource "r"',
      () => resource([], untyped({ name: "r", max_table_nesting: 1 })),
      "max_table_nesting",
      "maxTableNesting",
    ],
    [
      'transformer "t"',
      () => transformer((x: unknown) => x, untyped({ name: "t", data_from: items })),
      "data_from",
      "dataFrom",
    ],
    [
      'source "s"',
      () => source([], untyped({ name: "s", schema_contract: "freeze" })),
      "schema_contract",
      "schemaContract",
    ],
    ["run()", () => p.run(items, untyped({ merge_key: "id" })), "merge_key", "mergeKey"],
    ["extract()", () => p.extract(items, untyped({ table_name: "t" })), "table_name", "tableName"],
    [
      'incremental("at")',
      () => incremental("at", untyped({ initial_value: 1 })),
      "initial_value",
      "initialValue",
    ],
    [
      'applyHints() of resource "items"',
      () => items.applyHints(untyped({ primary_key: "id" })),
      "primary_key",
      "primaryKey",
    ],
  ];
  for (const [where, fn, key, camel] of cases) {
    const error = await errorOf(fn);
    assert.ok(error instanceof RangeError, `${key}: ${error}`);
    assert.equal(
      error.message,
      `Unknown option "${key}" for ${where}: write "${camel}" (options are camelCase here)`,
    );
  }
});

Deno.test("near-miss typos name the option meant; options dlt has and this port not say what to do", async () => {
  const typo = await errorOf(() => pipeline(untyped({ pipelineName: "x", datasetname: "d" })));
  assert.match(
    typo.message,
    /Unknown option "datasetname" for pipeline "x" \(did you mean "datasetName"\?\)/,
  );
  const typo2 = await errorOf(() => resource([], untyped({ name: "r", writeDispostion: "merge" })));
  assert.match(typo2.message, /\(did you mean "writeDisposition"\?\)/);
  const cases: [() => unknown, RegExp][] = [
    [
      () => pipeline(untyped({ pipelineName: "x", full_refresh: true })),
      /Option "full_refresh" is not supported by pipeline "x": dlt's older name of dev_mode: write devMode/,
    ],
    [
      () => pipeline(untyped({ pipelineName: "x", staging: "filesystem" })),
      /Option "staging" is not supported by pipeline "x": staging destinations/,
    ],
    [
      () => resource([], untyped({ name: "r", table_format: "delta" })),
      /Option "table_format" is not supported by resource "r": table formats/,
    ],
    [
      () => incremental("at", untyped({ range_start: "open" })),
      /Option "range_start" is not supported by incremental\("at"\): initialValue is inclusive/,
    ],
  ];
  for (const [fn, message] of cases) {
    const error = await errorOf(fn);
    assert.ok(error instanceof RangeError);
    assert.match(error.message, message);
  }
  const { p } = await tempPipeline("run_dataset");
  const onRun = await errorOf(() =>
    p.run([{ a: 1 }], untyped({ tableName: "t", dataset_name: "d" }))
  );
  assert.match(
    onRun.message,
    /Option "dataset_name" is not supported by run\(\): give the dataset to pipeline\(\{ datasetName \}\)/,
  );
});

Deno.test("bad values are rejected with the allowed values", async () => {
  const { p } = await tempPipeline("bad_values");
  const cases: [() => unknown, ErrorConstructor, string][] = [
    [
      () => resource([], untyped({ name: "r", writeDisposition: "upsert" })),
      RangeError,
      'Option "writeDisposition" of resource "r" must be one of "append", "replace", "merge", "skip"; got "upsert"',
    ],
    [
      () => resource([], untyped({ name: "r", writeDisposition: "merge", mergeStrategy: "merge" })),
      RangeError,
      'Option "mergeStrategy" of resource "r" must be one of "delete-insert", "upsert", ' +
      '"insert-only", "scd2"; got "merge"',
    ],
    [
      () => resource([], untyped({ name: "r", writeDisposition: "append", mergeStrategy: "scd2" })),
      TypeError,
      'Resource "r" gives "mergeStrategy", which needs writeDisposition "merge", not "append"',
    ],
    [
      () => resource([], untyped({ name: "r", maxTableNesting: -1 })),
      RangeError,
      'Option "maxTableNesting" of resource "r" must be an integer ≥ 0; got -1',
    ],
    [
      () => resource([], untyped({ name: "r", primaryKey: 7 })),
      TypeError,
      'Option "primaryKey" of resource "r" must be a column name or a list of column names; got 7',
    ],
    [
      () => resource([], untyped({ name: "r", incremental: "updated_at" })),
      TypeError,
      'Option "incremental" of resource "r" must be an incremental() cursor; got "updated_at"',
    ],
    [
      () => resource([], { name: "r" }).addMap(untyped("upper")),
      TypeError,
      'The function of addMap() must be a function; got "upper"',
    ],
    [
      () => resource([], { name: "r" }).addLimit(-5),
      RangeError,
      "The limit of addLimit() must be an integer ≥ 0; got -5",
    ],
    [
      () => incremental("at", untyped({ rowOrder: "ascending" })),
      RangeError,
      'Option "rowOrder" of incremental("at") must be one of "asc", "desc"; got "ascending"',
    ],
    [
      () => incremental("at", untyped({ initialValue: new Date("x") })),
      TypeError,
      'Option "initialValue" of incremental("at") must be a string, number, bigint or valid Date; ' +
      "got an invalid date",
    ],
    [
      () => pipeline(untyped({ pipelineName: "x", devMode: "yes" })),
      TypeError,
      'Option "devMode" of pipeline "x" must be true or false; got "yes"',
    ],
    [
      () => pipeline(untyped({ pipelineName: "x", destination: { type: "duckdb" } })),
      TypeError,
      'Option "destination" of pipeline "x" must be a destination name such as "duckdb", or a ' +
      "destination such as duckdb(); got an object with keys type",
    ],
    [
      () => p.run(resource([], { name: "r" }), untyped({ refresh: "drop_tables" })),
      RangeError,
      'Option "refresh" of run() must be one of "drop_sources", "drop_resources", "drop_data"; ' +
      'got "drop_tables"',
    ],
    [
      () => p.normalize(untyped({ workers: 0 })),
      RangeError,
      'Option "workers" of normalize() must be an integer ≥ 1; got 0',
    ],
    [
      () => p.load(untyped({ raise_on_failed_jobs: false })),
      RangeError,
      'Option "raise_on_failed_jobs" is not supported by load(): a failed load always raises',
    ],
    [
      () => p.drop(untyped({ resources: "users" })),
      TypeError,
      'Option "resources" of drop() must be a list of resource names; got "users"',
    ],
    [
      () => pipeline(untyped("my_pipeline")),
      TypeError,
      'Options for pipeline() must be an object, got "my_pipeline"',
    ],
    [
      () => pipeline({ pipelineName: "x", destination: "snowflake" }),
      RangeError,
      'Option "destination" of pipeline "x" must be a destination name ("duckdb", "dummy", ' +
      '"filesystem", "postgres"), or a destination object; got "snowflake"',
    ],
    [
      () => p.dataset(untyped({ dataset_type: "default" })),
      RangeError,
      'Option "dataset_type" is not supported by dataset(): a dataset reads through the ' +
      "pipeline's destination",
    ],
    [
      () => p.sqlClient(untyped({ timeout: 5 })),
      RangeError,
      'Unknown option "timeout" for sqlClient(); it takes none',
    ],
  ];
  for (const [fn, type, message] of cases) {
    const error = await errorOf(fn);
    assert.ok(error instanceof type, `${message}: ${error}`);
    assert.equal(error.message, message);
  }
});

Deno.test("undefined counts as not given, as for optional options in TypeScript", async () => {
  const dir = await tempDir("undefined_options");
  const p = pipeline({ pipelineName: "u", pipelinesDir: dir, datasetName: undefined });
  assert.equal(p.datasetName, "u_dataset");
  const r = resource([{ a: 1 }], { name: "r", primaryKey: undefined, writeDisposition: undefined });
  assert.equal(r.hints.writeDisposition, undefined);
});

Deno.test("the pipeline's refresh applies to every run that gives none", async () => {
  const dir = await tempDir("pipeline_refresh");
  const { duckdb } = await import("../destinations/duckdb/mod.ts");
  const p = pipeline({
    pipelineName: "refreshing",
    pipelinesDir: dir,
    destination: duckdb({ path: `${dir}/refreshing.duckdb` }),
    refresh: "drop_data",
  });
  const items = () => resource([{ id: 1 }, { id: 2 }], { name: "items" });
  await p.run(items());
  await p.run(items());
  assert.equal(await p.dataset().table("items").count(), 2);
});

Deno.test("a pipeline without a name is named after the program's main file, as in dlt", async () => {
  const dir = await tempDir("default_name");
  const p = pipeline({ pipelinesDir: dir });
  const main = new URL(Deno.mainModule).pathname.split("/").pop()!.replace(/\.[^.]*$/, "");
  assert.equal(p.pipelineName, `dlt_${main.replace(/[^A-Za-z0-9_.-]/g, "_")}`);
  assert.equal(p.datasetName, `${p.pipelineName}_dataset`);
});
