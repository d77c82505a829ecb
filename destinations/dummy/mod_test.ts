/**
 * The dummy destination on its own: its options, the rows it reads from job files, its
 * exactly-once loading and resume, and the failures it injects.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { LoadJob, LoadPackage } from "../../lib/destination.ts";
import { DestinationError } from "../../lib/errors.ts";
import type { StoredSchema } from "../../lib/schema/schema.ts";
import type { PipelineState } from "../../lib/state.ts";
import { countJobRows } from "./_job_rows.ts";
import { dummy, type DummyOptions } from "./mod.ts";

const DATASET = "ds";

/** Job files of this module's tests, removed when it ends. */
const TEMP = Deno.makeTempDirSync({ prefix: "dummy_test_" });
globalThis.addEventListener("unload", () => Deno.removeSync(TEMP, { recursive: true }));

/** A schema with `users` (nested `users__tags`) and `orders`. */
const SCHEMA: StoredSchema = {
  name: "shop",
  version: 1,
  versionHash: "h1",
  engineVersion: 1,
  naming: "snake_case",
  tables: {
    users: { name: "users", columns: {} },
    users__tags: { name: "users__tags", parent: "users", columns: {} },
    orders: { name: "orders", columns: {} },
  },
};

/** Writes `lines` as the CSV job file of `table` in `dir`, after the header. */
async function csvJob(dir: string, table: string, lines: string[]): Promise<LoadJob> {
  const path = join(dir, `${table}.${crypto.randomUUID().slice(0, 8)}.csv`);
  await Deno.writeTextFile(path, ["id", ...lines].map((line) => `${line}\n`).join(""));
  return { path, table, format: "csv", columns: ["id"], rows: lines.length, longestLine: 0 };
}

/** A package of 2 users with 3 tags and 1 order. */
async function shopPackage(loadId: string, extra: Partial<LoadPackage> = {}): Promise<LoadPackage> {
  const dir = await Deno.makeTempDir({ dir: TEMP });
  return {
    loadId,
    schema: SCHEMA,
    jobs: [
      await csvJob(dir, "users", ["1", "2"]),
      await csvJob(dir, "users__tags", ["a", "b", "c"]),
      await csvJob(dir, "orders", ["9"]),
    ],
    replaceTables: [],
    dropTables: [],
    ...extra,
  };
}

function state(version: number): PipelineState {
  return {
    version,
    engineVersion: 1,
    pipelineName: "p",
    datasetName: DATASET,
    versionHash: `s${version}`,
    sources: {},
  };
}

/** A client of {@linkcode DATASET} on a dummy made with `options`. */
async function open(options: DummyOptions = {}) {
  const destination = dummy(options);
  const client = await destination.client({ pipelineName: "p", datasetName: DATASET });
  return { destination, client };
}

Deno.test("dummy() refuses unknown options, dlt's spellings and options that qualify nothing", () => {
  const cases: [unknown, RegExp][] = [
    [{ failprob: 0.1 }, /Unknown option "failprob" for dummy\(\) \(did you mean "failProb"\?\)/],
    [{ retry_prob: 0.1 }, /Unknown option "retry_prob" for dummy\(\): write "retryProb"/],
    [{ fail_schema_update: true }, /"fail_schema_update" is not supported .*failAt: "init"/],
    [{ fail_transiently_in_init: true }, /write failInInit: true, transient: true/],
    [{ failProb: 1.5 }, /Option "failProb" of dummy\(\) must be a number from 0 to 1; got 1\.5/],
    [{ failTables: [] }, /must be a non-empty list of table names/],
    [{ failAt: "load" }, /must be one of "init", "job", "commit"; got "load"/],
    [{ failAttempts: 0 }, /"failAttempts" of dummy\(\) must be an integer ≥ 1/],
    [{ failAttempts: 1 }, /"failAttempts" of dummy\(\) qualifies .*: give one of them/],
    [{ transient: true }, /"transient" of dummy\(\) qualifies/],
    [{ failTables: ["t"], failAt: "commit" }, /needs failAt "job", not "commit"/],
    [{ failInInit: true, failAt: "init" }, /"failInInit" and "failAt" of dummy\(\) contradict/],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => dummy(options as DummyOptions), message, JSON.stringify(options));
  }
  assert.throws(() => dummy({ seed: -1 }), RangeError);
  assert.throws(() => dummy({ timeout: "1" } as unknown as DummyOptions), TypeError);
});

Deno.test("the registry makes a dummy by name, and its factory options recreate it", async () => {
  const { destinationFactory } = await import("../../lib/destination_registry.ts");
  const made = await destinationFactory("dummy")!({ failTables: ["users"], seed: 7 });
  assert.equal(made.name, "dummy");
  assert.deepEqual(made.factoryOptions, { failTables: ["users"], seed: 7 });
  assert.deepEqual(made.capabilities.supportedLoaderFileFormats, [
    "csv",
    "jsonl",
    "parquet",
    "insert_values",
  ]);
});

Deno.test("job rows are counted from the file: CSV records after the header, across lines; JSON lines", async () => {
  const path = join(TEMP, "t.csv");
  await Deno.writeTextFile(path, 'id,"no\nte"\n1,"a\nb"\n2,"say ""hi"",\n ok"\n3,\n');
  assert.equal(await countJobRows({ path, format: "csv" }), 3);
  await Deno.writeTextFile(path, 'id,"note"\n1,"x"');
  assert.equal(await countJobRows({ path, format: "csv" }), 1);
  await Deno.writeTextFile(path, "");
  assert.equal(await countJobRows({ path, format: "csv" }), 0);
  // a quote inside a JSON string does not hide a line's end
  await Deno.writeTextFile(path, '{"note":"\\"a"}\n{"note":"b"}\n{"id":1}');
  assert.equal(await countJobRows({ path, format: "jsonl" }), 3);
  // a first record longer than a read
  const long = "x".repeat(3 << 20);
  await Deno.writeTextFile(path, `"${long}",id\n"${long}",1\n"${long}",2\n`);
  assert.equal(await countJobRows({ path, format: "csv" }), 2);
});

Deno.test("a package loads once, with its schema, state and rows per table", async () => {
  const { destination, client } = await open();
  assert.equal(await client.isLoaded("1"), false);
  assert.equal(await client.storedState("p"), undefined);
  const pkg = await shopPackage("1", { state: state(1) });
  await client.loadPackage(pkg);
  await client.loadPackage(pkg);
  assert.equal(await client.isLoaded("1"), true);
  assert.deepEqual(destination.rowCounts(DATASET), { users: 2, users__tags: 3, orders: 1 });
  assert.deepEqual(destination.loads(DATASET).map((l) => [l.loadId, l.schemaVersionHash]), [
    ["1", "h1"],
  ]);
  assert.deepEqual(destination.completedJobs(DATASET).map((j) => [j.table, j.rows]), [
    ["users", 2],
    ["users__tags", 3],
    ["orders", 1],
  ]);
  assert.deepEqual(await client.storedState("p"), state(1));
  assert.deepEqual(await client.storedSchemas(), [SCHEMA]);

  // a newer schema and state win; other datasets are apart
  await client.loadPackage(
    await shopPackage("2", {
      schema: { ...SCHEMA, version: 2, versionHash: "h2" },
      state: state(2),
    }),
  );
  assert.equal((await client.storedState("p"))!.version, 2);
  assert.equal((await client.storedSchemas())[0].versionHash, "h2");
  assert.deepEqual(destination.rowCounts(DATASET), { users: 4, users__tags: 6, orders: 2 });
  assert.deepEqual(destination.rowCounts("other"), {});
  assert.deepEqual(destination.loads("other"), []);
  await client.close();
  await assert.rejects(client.isLoaded("1"), /used after close\(\)/);
});

Deno.test("replace empties its tables in the chain's commit; a refresh drops tables once", async () => {
  const { destination, client } = await open();
  await client.loadPackage(await shopPackage("1"));
  await client.loadPackage(
    await shopPackage("2", { replaceTables: ["users", "users__tags"], dropTables: ["orders"] }),
  );
  // users replaced, orders dropped and then loaded anew by the package
  assert.deepEqual(destination.rowCounts(DATASET), { users: 2, users__tags: 3, orders: 1 });
  // a replace that brings no rows leaves the table empty
  await client.loadPackage({
    ...await shopPackage("3"),
    jobs: [],
    replaceTables: ["orders"],
  });
  assert.deepEqual(destination.rowCounts(DATASET), { users: 2, users__tags: 3, orders: 0 });
});

Deno.test("a failing job fails its whole table chain; the resume loads only the chains left", async () => {
  const { destination, client } = await open({ failTables: ["users__tags"], failAttempts: 1 });
  const pkg = await shopPackage("1", { dropTables: ["users"] });
  const error = await client.loadPackage(pkg).catch((e) => e);
  assert.ok(error instanceof DestinationError);
  assert.equal(error.transient, false);
  assert.match(
    error.message,
    /^Dummy destination failed job file "users__tags\.\w+\.csv" of table "users__tags" in load package "1": an injected failure \(option "failTables", 1 of 1\), terminal$/,
  );
  // nothing of the users chain is in, and orders, which comes after it, was not tried
  assert.deepEqual(destination.rowCounts(DATASET), {});
  assert.equal(await client.isLoaded("1"), false);

  await client.loadPackage(pkg);
  assert.deepEqual(destination.rowCounts(DATASET), { users: 2, users__tags: 3, orders: 1 });
  assert.deepEqual(destination.faults().map((f) => [f.point, f.table, f.transient]), [
    ["job", "users__tags", false],
  ]);
});

Deno.test("a resumed package does not drop again what it loaded after its drops", async () => {
  const { destination, client } = await open({ failTables: ["orders"], failAttempts: 1 });
  const refresh = await shopPackage("1", { dropTables: ["users", "users__tags"] });
  await assert.rejects(client.loadPackage(refresh), /table "orders"/);
  assert.deepEqual(destination.rowCounts(DATASET), { users: 2, users__tags: 3 });
  await client.loadPackage(refresh);
  assert.deepEqual(destination.rowCounts(DATASET), { users: 2, users__tags: 3, orders: 1 });
});

Deno.test("a failure at commit leaves the chains committed: the resume only commits", async () => {
  const { destination, client } = await open({
    failAt: "commit",
    transient: true,
    failAttempts: 2,
  });
  const pkg = await shopPackage("1", { state: state(1) });
  for (let attempt = 1; attempt <= 2; attempt++) {
    const error = await client.loadPackage(pkg).catch((e) => e);
    assert.ok(error instanceof DestinationError && error.transient, String(error));
    assert.match(error.message, /failed the commit of load package "1": .*, transient$/);
    assert.equal(await client.isLoaded("1"), false);
    assert.equal(await client.storedState("p"), undefined);
  }
  assert.equal(destination.completedJobs(DATASET).length, 3);
  await client.loadPackage(pkg);
  assert.equal(destination.completedJobs(DATASET).length, 3);
  assert.deepEqual(destination.rowCounts(DATASET), { users: 2, users__tags: 3, orders: 1 });
  assert.deepEqual(await client.storedState("p"), state(1));
});

Deno.test("a failure at init leaves nothing; failInInit fails every job", async () => {
  const init = await open({ failAt: "init" });
  for (let i = 0; i < 3; i++) {
    await assert.rejects(init.client.loadPackage(await shopPackage("1")), /the init of load/);
  }
  assert.equal(init.destination.faults().length, 3);
  const options = { pipelineName: "p", datasetName: DATASET };
  assert.equal(await init.destination.hasStoredData!(options), false);

  const jobs = await open({ failInInit: true, transient: true });
  await assert.rejects(
    jobs.client.loadPackage(await shopPackage("1")),
    /job file "users\.\w+\.csv" .*option "failInInit"\), transient/,
  );
});

Deno.test("random failures follow the seed: the same seed fails the same jobs", async () => {
  /** The outcome of loading 12 packages one after another, with `seed`. */
  async function outcomes(seed: number): Promise<string[]> {
    const { destination, client } = await open({ failProb: 0.2, retryProb: 0.2, seed });
    const results: string[] = [];
    for (let i = 0; i < 12; i++) {
      const error = await client.loadPackage(await shopPackage(`${i}`)).catch((e) => e);
      results.push(error === undefined ? "ok" : error.transient ? "transient" : "terminal");
    }
    assert.equal(destination.faults().length, results.filter((r) => r !== "ok").length);
    return results;
  }
  const first = await outcomes(1);
  assert.deepEqual(await outcomes(1), first);
  assert.notDeepEqual(await outcomes(2), first);
  // each kind happens
  assert.ok(first.includes("ok") && first.includes("transient") && first.includes("terminal"));
});

Deno.test("a job that never completes times out, terminally", async () => {
  const { client } = await open({ completedProb: 0, timeout: 0.15 });
  const started = performance.now();
  await assert.rejects(
    client.loadPackage(await shopPackage("1")),
    /job file "users\.\w+\.csv" .*: timed out after 0\.15 s \(option "timeout"\), terminal$/,
  );
  assert.ok(performance.now() - started < 1000);
  // completion at random: polled until it completes
  const slow = await open({ completedProb: 0.5, seed: 3 });
  await slow.client.loadPackage(await shopPackage("1"));
  assert.equal(slow.destination.loads(DATASET).length, 1);
});

Deno.test("a job file whose rows differ from its package's count is refused", async () => {
  const { destination, client } = await open();
  const pkg = await shopPackage("1");
  (pkg.jobs[2] as { rows: number }).rows = 5;
  await assert.rejects(
    client.loadPackage(pkg),
    /Job file ".*orders\.\w+\.csv" of table "orders" has 1 rows where its package records 5/,
  );
  // the chains before it are in: the resume reads only the orders job again
  assert.deepEqual(destination.rowCounts(DATASET), { users: 2, users__tags: 3 });
  const missing = await shopPackage("2");
  await Deno.remove(missing.jobs[0].path);
  await assert.rejects(client.loadPackage(missing), /Cannot read job file ".*users\.\w+\.csv"/);
});
