/**
 * The `dlt` command line run in-process (`runCli`): usage errors, and the `pipeline` command on
 * pipelines that loaded into DuckDB in temporary folders: list, info, trace, failed-jobs,
 * load-package, schema, drop, drop-pending-packages, sync, and the refusals (unknown pipeline,
 * newer working folder, damaged trace, no confirmation).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { attach, pipeline, resource, setLogLevel } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { DenoStorage } from "../lib/storage/deno_storage.ts";
import { type PipelineTrace, writeTrace } from "../lib/trace.ts";
import { PackageStore } from "../lib/load/package_store.ts";
import { recordFailedJob } from "../lib/load/failed_jobs.ts";
import { WorkingFolderFormatError } from "../lib/pipeline_settings.ts";
import { parse as parseYaml } from "../lib/deps/yaml.ts";
import { VERSION } from "../lib/cli/_version.ts";
import { answering, cli, denoProcess } from "./_cli.ts";
import { tempDir } from "./_helpers.ts";
import { isolatedTest } from "./_isolated.ts";

setLogLevel("ERROR");

const ESC = "\x1b";

/** A schema in dlt's format, as far as the tests read it. */
interface SchemaDocument {
  name: string;
  tables: Record<
    string,
    { parent?: string; columns: Record<string, Record<string, unknown>> }
  >;
}

/** A pipeline "shop" that loaded `items` (with nested `tags`) and `users` into DuckDB. */
async function loadedPipeline(name = "shop") {
  const dir = await tempDir(name);
  const pipelinesDir = join(dir, "pipelines");
  const p = pipeline({
    pipelineName: name,
    destination: duckdb({ path: join(dir, `${name}.duckdb`) }),
    datasetName: `${name}_data`,
    pipelinesDir,
  });
  const items = resource(function* ({ state }) {
    state.cursor = 2;
    yield [{ id: 1, tags: [{ t: "a" }] }, { id: 2, tags: [] }];
  }, { name: "items", primaryKey: "id" });
  const users = resource([{ id: 7, name: "Ada" }], { name: "users" });
  await p.run([items, users]);
  return { p, dir, pipelinesDir, name };
}

const sampleTrace = (name: string): PipelineTrace => ({
  formatVersion: 1,
  transactionId: "t1",
  pipelineName: name,
  startedAt: "2026-01-01T00:00:00.000Z",
  finishedAt: "2026-01-01T00:00:02.000Z",
  steps: [{
    step: "load",
    startedAt: "2026-01-01T00:00:01.000Z",
    finishedAt: "2026-01-01T00:00:02.000Z",
    durationMs: 1000,
    loadIds: ["1"],
    rowCounts: { items: 2 },
  }],
  resolvedConfig: [],
});

Deno.test("usage: help, version, unknown commands and options", async () => {
  const help = await cli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: dlt <command>/);
  assert.equal((await cli(["--version"])).stdout.trim(), VERSION);
  const denoJson = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.equal(VERSION, denoJson.version);
  assert.equal(denoJson.exports["./cli"], "./lib/cli/main.ts");

  for (
    const args of [
      [],
      ["bogus"],
      ["--bogus"],
      ["pipeline", "--bogus"],
      ["pipeline", "shop", "explode"],
      ["pipeline", "shop", "info", "--format", "json"],
      ["pipeline", "shop", "trace", "extra"],
      ["init", "rest_api"],
      ["init", "rest_api", "nowhere"],
      ["schema"],
      ["deploy", "x.ts", "github-action"],
    ]
  ) {
    const result = await cli(args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, /Error: .+\n\nUsage: dlt/, args.join(" "));
    assert.equal(result.stdout, "", args.join(" "));
  }
  assert.match((await cli(["pipeline", "--bogus"])).stderr, /Unknown option '--bogus'/);
  assert.match(
    (await cli(["pipeline", "shop", "info", "--format", "json"])).stderr,
    /Option "--format" does not apply to "pipeline info"/,
  );

  // every command and operation has its help
  for (
    const args of [
      ["init", "--help"],
      ["pipeline", "-h"],
      ["schema", "--help"],
      ["deploy", "--help"],
      ...[
        "info",
        "trace",
        "failed-jobs",
        "load-package",
        "schema",
        "drop",
        "drop-pending-packages",
        "sync",
        "show",
      ].map((op) => ["pipeline", "any", op, "--help"]),
    ]
  ) {
    const result = await cli(args);
    assert.equal(result.code, 0, args.join(" "));
    assert.match(result.stdout, /^Usage: dlt /, args.join(" "));
  }
  assert.match((await cli(["pipeline", "x", "drop", "-h"])).stdout, /--drop-all/);
});

Deno.test("pipeline --list-pipelines lists the pipelines of the folder", async () => {
  const { pipelinesDir } = await loadedPipeline();
  await pipeline({ pipelineName: "other", destination: "dummy", pipelinesDir })
    .run(resource([{ a: 1 }], { name: "a" }));
  const listed = await cli(["pipeline", "--pipelines-dir", pipelinesDir, "--list-pipelines"]);
  assert.equal(listed.code, 0);
  assert.deepEqual(
    listed.stdout.trim().split("\n").map((l) => l.split(" ")[0]).sort(),
    ["other", "shop"],
  );
  assert.match(listed.stderr, /2 pipeline\(s\) found/);
  const json = await cli(["pipeline", "--pipelines-dir", pipelinesDir, "-l", "--json"]);
  const parsed = JSON.parse(json.stdout);
  assert.deepEqual(parsed.pipelines.map((p: { name: string }) => p.name).sort(), [
    "other",
    "shop",
  ]);
  const empty = await cli(["pipeline", "-l", "--pipelines-dir", join(pipelinesDir, "none")]);
  assert.equal(empty.code, 0);
  assert.equal(empty.stdout, "");
  assert.match(empty.stderr, /No pipelines found/);
  // the default folder is ~/.dlt/pipelines
  const home = await cli(["pipeline", "-l", "--json"], { env: { HOME: "/nonexistent/home" } });
  assert.equal(JSON.parse(home.stdout).pipelinesDir, "/nonexistent/home/.dlt/pipelines");
});

Deno.test("pipeline info shows destination, dataset, schemas, state, packages and last run", async () => {
  const { pipelinesDir, p } = await loadedPipeline();
  await p.extract(resource([{ id: 3 }], { name: "items", primaryKey: "id" }));
  const base = ["pipeline", "--pipelines-dir", pipelinesDir, "shop"];
  const text = await cli([...base, "info"]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /Found pipeline shop in /);
  assert.match(text.stdout, /destination: duckdb/);
  assert.match(text.stdout, /dataset: shop_data/);
  assert.match(
    text.stdout,
    /items with 2 table\(s\) and 1 resource state slot\(s\): items, items__tags/,
  );
  assert.match(text.stdout, /users with 1 table\(s\)/);
  assert.match(text.stdout, /Has 1 extracted packages ready to be normalized/);
  assert.match(text.stdout, /Has 1 completed load packages/);
  // the last call was the extract
  assert.match(text.stdout, /Last run: started at .+ COMPLETED in [\d.]+ s, steps: sync, extract/);
  // without an operation, info
  assert.equal((await cli(base)).stdout, text.stdout);
  assert.ok(!text.stdout.includes(ESC)); // no colors without a terminal

  await writeTrace(new DenoStorage(p.workingDir), sampleTrace("shop"));
  const json = JSON.parse((await cli([...base, "info", "--json"])).stdout);
  assert.equal(json.datasetName, "shop_data");
  assert.equal(json.destination.type, "duckdb");
  assert.equal(json.workingDir, p.workingDir);
  assert.equal(json.state.version, 1);
  assert.deepEqual(json.schemas[0].resources.map((r: { name: string }) => r.name).sort(), [
    "items",
    "users",
  ]);
  assert.equal(json.packages.extracted.length, 1);
  assert.equal(json.packages.loaded.length, 1);
  assert.deepEqual(json.lastRun.steps, ["load"]);
  assert.match((await cli([...base, "info"])).stdout, /Last run: started at 2026-01-01/);

  // colors on a terminal, unless NO_COLOR
  const colored = await cli([...base, "info"], { isTerminal: true });
  assert.ok(colored.stdout.includes(`${ESC}[32mdestination${ESC}[39m`), colored.stdout);
  const plain = await cli([...base, "info"], { isTerminal: true, env: { NO_COLOR: "1" } });
  assert.ok(!plain.stdout.includes(ESC));
});

Deno.test("an unknown pipeline name lists the pipelines there", async () => {
  const { pipelinesDir } = await loadedPipeline();
  for (const op of ["info", "trace", "schema", "drop-pending-packages"]) {
    const result = await cli(["pipeline", "--pipelines-dir", pipelinesDir, "shopp", op]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /No pipeline "shopp" in ".+"; the pipelines there: "shop"/);
    assert.equal(result.stdout, "");
  }
  const none = await cli(["pipeline", "--pipelines-dir", join(pipelinesDir, "x"), "a", "info"]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /there is none there/);
});

Deno.test("a working folder of a newer format is refused by the command line and the library", async () => {
  const { pipelinesDir, p } = await loadedPipeline();
  const settingsPath = join(p.workingDir, "pipeline.json");
  const settings = JSON.parse(await Deno.readTextFile(settingsPath));
  assert.equal(settings.formatVersion, 1);
  await Deno.writeTextFile(settingsPath, JSON.stringify({ ...settings, formatVersion: 99 }));
  const result = await cli(["pipeline", "--pipelines-dir", pipelinesDir, "shop", "info"]);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /has format version 99, newer than this version of @denodlt\/dlt reads \(1\): upgrade/,
  );
  assert.throws(() => pipeline({ pipelineName: "shop", pipelinesDir }), WorkingFolderFormatError);
  assert.throws(() => attach({ pipelineName: "shop", pipelinesDir }), WorkingFolderFormatError);
  // a folder written before the version was stored reads as version 1
  const { formatVersion: _, ...old } = settings;
  await Deno.writeTextFile(settingsPath, JSON.stringify(old));
  assert.equal((await cli(["pipeline", "--pipelines-dir", pipelinesDir, "shop", "info"])).code, 0);
});

Deno.test("pipeline trace prints the last run's trace; a damaged one fails clearly", async () => {
  const { pipelinesDir, p } = await loadedPipeline();
  const base = ["pipeline", "--pipelines-dir", pipelinesDir, "shop", "trace"];
  // the trace the run stored, after the process that ran it is gone
  const stored = await cli(base);
  assert.equal(stored.code, 0, stored.stderr);
  assert.match(stored.stdout, /Run of pipeline shop started at .+ and COMPLETED/);
  assert.match(stored.stdout, /Step load COMPLETED in [\d.]+ s \(load ids \d+\.\d+\)/);
  assert.match(stored.stdout, /- items__tags: 1/);
  assert.deepEqual(JSON.parse((await cli([...base, "--json"])).stdout), p.lastTrace);
  await Deno.remove(join(p.workingDir, "trace.json"));
  const none = await cli(base);
  assert.equal(none.code, 0);
  assert.equal(none.stdout, "");
  assert.match(none.stderr, /does not have last run trace/);
  await writeTrace(new DenoStorage(p.workingDir), sampleTrace("shop"));
  const text = await cli(base);
  assert.equal(text.code, 0);
  assert.match(
    text.stdout,
    /Run of pipeline shop started at 2026-01-01T00:00:00.000Z and COMPLETED/,
  );
  assert.match(text.stdout, /- items: 2/);
  assert.deepEqual(JSON.parse((await cli([...base, "--json"])).stdout), sampleTrace("shop"));

  await Deno.writeTextFile(join(p.workingDir, "trace.json"), "{ not json");
  const damaged = await cli(base);
  assert.equal(damaged.code, 1);
  assert.match(damaged.stderr, /Trace ".+trace.json" is damaged; delete it/);
  assert.equal(damaged.stdout, "");
  // info still shows the rest, warning about the trace
  const info = await cli(["pipeline", "--pipelines-dir", pipelinesDir, "shop", "info"]);
  assert.equal(info.code, 0);
  assert.match(info.stderr, /Warning: Trace .+ is damaged/);
});

Deno.test("pipeline failed-jobs and load-package read the packages", async () => {
  const { pipelinesDir, p } = await loadedPipeline();
  const base = ["pipeline", "--pipelines-dir", pipelinesDir, "shop"];
  assert.equal((await cli([...base, "failed-jobs"])).stdout.trim(), "No failed jobs found");
  assert.deepEqual(JSON.parse((await cli([...base, "failed-jobs", "--json"])).stdout), []);

  const loaded = JSON.parse((await cli([...base, "load-package", "--json"])).stdout);
  assert.equal(loaded.stage, "loaded");
  assert.deepEqual(loaded.jobs.map((j: { table: string }) => j.table).sort(), [
    "items",
    "items__tags",
    "users",
  ]);
  const { loadId } = await p.extract(resource([{ id: 3 }], { name: "items", primaryKey: "id" }));
  await recordFailedJob(new PackageStore(new DenoStorage(p.workingDir)), {
    loadId: loadId!,
    step: "normalize",
    file: "items.1.jsonl",
    table: "items",
    errorName: "NormalizeError",
    message: 'Column "id" broke',
    failedAt: "2026-01-01T00:00:00.000Z",
  });
  const failed = await cli([...base, "failed-jobs"]);
  assert.match(failed.stdout, new RegExp(`Load id ${loadId}, step normalize`));
  assert.match(failed.stdout, /JOB: items.1.jsonl \(items\)\nNormalizeError: Column "id" broke/);
  assert.equal(
    JSON.parse((await cli([...base, "failed-jobs", "--json"])).stdout)[0].loadId,
    loadId,
  );

  // the newest package: the extracted one
  const newest = await cli([...base, "load-package"]);
  assert.match(newest.stdout, new RegExp(`Package ${loadId} found in`));
  assert.match(newest.stdout, /stage: extracted/);
  assert.match(newest.stdout, /items.1.jsonl: table items, 1 row\(s\)/);
  assert.match(newest.stdout, /Failed in normalize: NormalizeError/);
  const byId = JSON.parse((await cli([...base, "load-package", loaded.loadId, "--json"])).stdout);
  assert.equal(byId.stage, "loaded");
  const unknown = await cli([...base, "load-package", "123.4"]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /has no load package "123.4"/);
});

Deno.test("pipeline schema prints the schema in dlt's format, as YAML or JSON", async () => {
  const { pipelinesDir } = await loadedPipeline();
  const base = ["pipeline", "--pipelines-dir", pipelinesDir, "shop", "schema"];
  const yaml = await cli(base);
  assert.equal(yaml.code, 0);
  const doc = parseYaml(yaml.stdout) as SchemaDocument;
  assert.equal(doc.name, "shop");
  assert.equal(doc.tables.items.columns.id.primary_key, true);
  assert.equal(doc.tables.items__tags.parent, "items");
  assert.match(yaml.stderr, /Found schema with name shop/);
  const json = JSON.parse((await cli([...base, "--format", "json"])).stdout);
  assert.deepEqual(json, doc);
  const bad = await cli([...base, "--format", "xml"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Invalid --format "xml": use "yaml" or "json"/);
  const other = await cli([...base, "--schema", "nope"]);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /has no schema "nope"; its schemas: "shop"/);
});

Deno.test("pipeline drop asks, refuses without a terminal, and drops with --yes", async () => {
  const { pipelinesDir, p } = await loadedPipeline();
  const base = ["pipeline", "--pipelines-dir", pipelinesDir, "shop", "drop"];
  const refused = await cli([...base, "items"]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /Table\(s\) to drop: items, items__tags/);
  assert.match(refused.stderr, /pass --yes to proceed/);
  assert.equal(await p.dataset().table("items").count(), 2);

  const declined = await cli([...base, "items"], { isTerminal: true, stdin: answering("n\n") });
  assert.equal(declined.code, 0);
  assert.match(declined.stderr, /Do you want to apply these changes\? \[y\/N\] /);
  assert.equal(await p.dataset().table("items").count(), 2);

  const unknown = await cli([...base, "itemz", "--yes"]);
  assert.equal(unknown.code, 1);
  assert.match(
    unknown.stderr,
    /Schema "shop" has no resource "itemz"; its resources: "items", "users"/,
  );
  assert.equal((await cli(base)).code, 2);

  const dropped = await cli([...base, "items"], { isTerminal: true, stdin: answering("y\n") });
  assert.equal(dropped.code, 0, dropped.stderr);
  assert.match(dropped.stdout, /Dropped resource\(s\) items of schema shop/);
  const reopened = attach({ pipelineName: "shop", pipelinesDir });
  const tables = await reopened.dataset().tableNames();
  assert.ok(!tables.includes("items") && !tables.includes("items__tags"), tables.join());
  assert.ok(tables.includes("users"));
  const schema = JSON.parse(
    (await cli(["pipeline", "--pipelines-dir", pipelinesDir, "shop", "schema", "--json"])).stdout,
  );
  assert.deepEqual(Object.keys(schema.tables).filter((t) => !t.startsWith("_dlt")), ["users"]);

  const all = await cli([...base, "--drop-all", "--yes"]);
  assert.equal(all.code, 0, all.stderr);
  assert.ok(!(await reopened.dataset().tableNames()).includes("users"));
});

Deno.test("pipeline drop-pending-packages deletes pending packages once confirmed", async () => {
  const { pipelinesDir, p } = await loadedPipeline();
  const base = ["pipeline", "--pipelines-dir", pipelinesDir, "shop", "drop-pending-packages"];
  const none = await cli(base);
  assert.equal(none.code, 0);
  assert.match(none.stdout, /No pending packages found/);
  const { loadId } = await p.extract(resource([{ id: 3 }], { name: "items", primaryKey: "id" }));
  const refused = await cli(base);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`Has 1 extracted package\\(s\\): ${loadId}`));
  assert.deepEqual(await p.pendingPackages(), { extracted: 1, normalized: 0 });
  const dropped = await cli(base, { isTerminal: true, stdin: answering("yes\n") });
  assert.equal(dropped.code, 0);
  assert.match(dropped.stdout, new RegExp(`Pending packages deleted: ${loadId}`));
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
});

isolatedTest(
  import.meta.url,
  "pipeline sync restores state and schemas from the destination",
  async () => {
    const { pipelinesDir, p, dir } = await loadedPipeline();
    const base = ["pipeline", "--pipelines-dir", pipelinesDir, "shop", "sync"];
    // the local copy loses its state and schemas, and gains a pending package
    await p.extract(resource([{ id: 3 }], { name: "items", primaryKey: "id" }));
    await Deno.remove(join(p.workingDir, "state.json"));
    await Deno.remove(join(p.workingDir, "schemas"), { recursive: true });
    assert.equal((await cli(base)).code, 1); // no terminal, no --yes
    const synced = await cli([...base, "--yes"]);
    assert.equal(synced.code, 0, synced.stderr);
    assert.match(synced.stdout, /Restored state version 1 and schema\(s\) shop of pipeline shop/);
    const state = JSON.parse(await Deno.readTextFile(join(p.workingDir, "state.json")));
    assert.equal(state.sources.shop.resources.items.cursor, 2);
    const info = JSON.parse(
      (await cli(["pipeline", "--pipelines-dir", pipelinesDir, "shop", "info", "--json"])).stdout,
    );
    assert.deepEqual(info.packages.extracted, []);
    assert.equal(info.schemas[0].name, "shop");

    // a pipeline without a working folder (a new machine) is restored by destination and dataset
    await Deno.remove(p.workingDir, { recursive: true });
    const usage = await cli([...base, "--yes", "--destination", "duckdb"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /needs --dataset-name/);
    Deno.env.set("DESTINATION__DUCKDB__CREDENTIALS", join(dir, "shop.duckdb"));
    try {
      const fresh = await cli([...base, "--destination", "duckdb", "--dataset-name", "shop_data"]);
      assert.equal(fresh.code, 0, fresh.stderr);
      assert.match(fresh.stdout, /Restored state version 1 and schema\(s\) shop/);
      const wrong = await cli([
        "pipeline",
        "--pipelines-dir",
        pipelinesDir,
        "other",
        "sync",
        "--destination",
        "duckdb",
        "--dataset-name",
        "nothing_here",
      ]);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /Pipeline "other" has no state in dataset "nothing_here"/);
      await assert.rejects(Deno.stat(join(pipelinesDir, "other")), Deno.errors.NotFound);
    } finally {
      Deno.env.delete("DESTINATION__DUCKDB__CREDENTIALS");
    }
    const restoredState = JSON.parse(await Deno.readTextFile(join(p.workingDir, "state.json")));
    assert.equal(restoredState.sources.shop.resources.items.cursor, 2);

    // a destination without the pipeline's state leaves the local folder as it was
    const empty = pipeline({
      pipelineName: "fresh",
      destination: duckdb({ path: join(pipelinesDir, "..", "fresh.duckdb") }),
      pipelinesDir,
    });
    await empty.extract(resource([{ a: 1 }], { name: "a" }));
    const missing = await cli(["pipeline", "--pipelines-dir", pipelinesDir, "fresh", "sync", "-y"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Pipeline "fresh" has no state in dataset "fresh_dataset"/);
    assert.deepEqual(await empty.pendingPackages(), { extracted: 1, normalized: 0 });
  },
);

Deno.test("pipeline show serves the page and its data until stopped; a port in use fails", async () => {
  const { pipelinesDir } = await loadedPipeline();
  const stop = new AbortController();
  let printed = "";
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => listening = resolve);
  const running = cli(
    ["pipeline", "--pipelines-dir", pipelinesDir, "shop", "show", "--port", "0"],
    {
      signal: stop.signal,
      stdout: (text) => {
        printed += text;
        listening();
      },
    },
  );
  await ready;
  const url = printed.trim();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const page = await fetch(url);
  assert.match(await page.text(), /<html/i);
  const tables = await (await fetch(new URL("api/tables", url))).json();
  assert.match(JSON.stringify(tables), /"items"/);
  assert.match(JSON.stringify(tables), /"items__tags"/);
  // the port is taken now: a second show on it says so
  const port = new URL(url).port;
  const showOn = (port: string) =>
    cli(["pipeline", "--pipelines-dir", pipelinesDir, "shop", "show", "--port", port]);
  const taken = await showOn(port);
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is in use`));
  const bad = await showOn("x");
  assert.equal(bad.code, 2);
  stop.abort();
  const result = await running;
  assert.equal(result.code, 0);
});

Deno.test("the command line as a process: exit codes, and stdout holds only the output", async () => {
  const { pipelinesDir } = await loadedPipeline();
  const main = new URL("../lib/cli/main.ts", import.meta.url).pathname;
  const run = (...args: string[]) =>
    denoProcess(["run", "-A", main, ...args], { env: { NO_COLOR: "1" } });
  const schema = await run(
    "pipeline",
    "--pipelines-dir",
    pipelinesDir,
    "shop",
    "schema",
    "--format",
    "json",
  );
  assert.equal(schema.code, 0, schema.stderr);
  assert.equal(JSON.parse(schema.stdout).name, "shop");
  assert.match(schema.stderr, /Found schema with name shop/);
  const info = await run("pipeline", "--pipelines-dir", pipelinesDir, "shop", "info", "--json");
  assert.equal(JSON.parse(info.stdout).datasetName, "shop_data");
  const unknown = await run("pipeline", "--pipelines-dir", pipelinesDir, "nope", "info");
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stdout, "");
  const usage = await run("pipeline", "--nope");
  assert.equal(usage.code, 2);
  assert.equal(usage.stdout, "");
  assert.match(usage.stderr, /Usage: dlt pipeline/);
  const refused = await run("pipeline", "--pipelines-dir", pipelinesDir, "shop", "sync");
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /pass --yes/);
});
