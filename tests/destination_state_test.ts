/**
 * The destination's state wins, as in dlt: a pipeline whose database was deleted, emptied or
 * replaced, or that now loads into another dataset, says so and loads again what the destination
 * lacks instead of letting its local cursor skip it; a newer state committed from elsewhere is
 * taken before extracting. A pipeline re-opened by name loads where it loaded last.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  attach,
  DltError,
  incremental,
  type LogRecord,
  onLog,
  type Pipeline,
  pipeline,
  PipelineNotFound,
  resource,
  setLogLevel,
} from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { tempDir, tempPipeline } from "./_helpers.ts";
import { nativeQuery } from "./_native_duckdb.ts";

// expected warnings are asserted through onLog; keep them off the console
setLogLevel("ERROR");

/** Issues updated on each of `days` (id = day), loaded incrementally on `updated_at`. */
const days = (...ds: number[]) =>
  resource(ds.map((d) => ({ id: d, updated_at: `2024-01-${String(d).padStart(2, "0")}` })), {
    name: "issues",
    primaryKey: "id",
    incremental: incremental("updated_at"),
  });
const upTo = (last: number) => days(...Array.from({ length: last }, (_, i) => i + 1));
const oneTo = (last: number) => Array.from({ length: last }, (_, i) => i + 1);

async function ids(p: Pipeline): Promise<number[]> {
  const rows = await p.dataset().table("issues").orderBy("id").select("id").rows<{ id: number }>();
  return rows.map((r) => r.id);
}

/** Runs `fn`, returning the messages logged at `level` meanwhile. */
async function logged(fn: () => Promise<unknown>, level: LogRecord["level"] = "WARNING") {
  const messages: string[] = [];
  const stop = onLog((record) => record.level === level && messages.push(record.message));
  try {
    await fn();
  } finally {
    stop();
  }
  return messages;
}

Deno.test("a deleted database file is noticed: a warning, and everything is loaded again", async () => {
  const { p, dbPath } = await tempPipeline("db_deleted");
  await p.run(upTo(3));
  await p.run(upTo(5));
  await Deno.remove(dbPath);
  const warnings = await logged(() => p.run(upTo(6)));
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0],
    /^Pipeline "db_deleted": dataset "db_deleted_data" of duckdb ".*db_deleted\.duckdb" holds no state of this pipeline .*the local state \(version 2\) says loads were committed there.*everything is loaded again$/,
  );
  assert.deepEqual(await ids(p), oneTo(6));
  // from there on, incremental as before, and quiet
  assert.deepEqual(await logged(() => p.run(upTo(7))), []);
  assert.deepEqual(await ids(p), oneTo(7));
});

Deno.test("a database file emptied to 0 bytes is noticed the same way by a re-opened pipeline", async () => {
  const { p, dir, dbPath } = await tempPipeline("db_emptied");
  await p.run(upTo(3));
  await p.run(upTo(5));
  await Deno.writeFile(dbPath, new Uint8Array());
  const { p: reopened } = await tempPipeline("db_emptied", dir);
  const warnings = await logged(() => reopened.run(upTo(6)));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /holds no state of this pipeline .* everything is loaded again$/);
  assert.deepEqual(await ids(reopened), oneTo(6));
  assert.equal(await reopened.dataset().table("_dlt_loads").count(), 1);
});

Deno.test("a database replaced by an older copy: a warning, and what came after it is loaded again", async () => {
  const { p, dir, dbPath } = await tempPipeline("db_older");
  await p.run(upTo(3));
  const copy = join(dir, "copy.duckdb");
  await Deno.copyFile(dbPath, copy);
  await p.run(upTo(5));
  await Deno.rename(copy, dbPath);
  const warnings = await logged(() => p.run(upTo(6)));
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0],
    /holds state version 1 of this pipeline, older than the local one \(version 2\): the loads after it are gone/,
  );
  assert.deepEqual(await ids(p), oneTo(6));
});

Deno.test("a newer state committed from another working folder is taken before extracting", async () => {
  const dir = await tempDir("elsewhere");
  const at = (folder: string) =>
    pipeline({
      pipelineName: "elsewhere",
      destination: duckdb({ path: join(dir, "shared.duckdb") }),
      datasetName: "shared",
      pipelinesDir: join(dir, folder),
    });
  const here = at("here");
  await here.run(upTo(3));
  // another machine: its empty working folder takes the state from the destination
  const infos = await logged(() => at("there").run(upTo(5)), "INFO");
  assert.ok(
    infos.some((m) => /took state version 1 and the schemas from dataset "shared"/.test(m)),
  );
  // back here, the local cursor (3) is behind the destination's (5)
  const info = await here.run(upTo(6));
  assert.equal(info.loadPackages[0].rowCounts.issues, 1);
  assert.deepEqual(await ids(here), oneTo(6));
});

Deno.test("a pipeline re-opened with another dataset loads everything there, with a warning; that dataset becomes the default", async () => {
  const dir = await tempDir("moved");
  const pipelinesDir = join(dir, "pipelines");
  const path = join(dir, "moved.duckdb");
  const first = pipeline({
    pipelineName: "moved",
    destination: duckdb({ path }),
    datasetName: "first",
    pipelinesDir,
  });
  await first.run(upTo(3));
  await first.run(upTo(5));

  const second = pipeline({
    pipelineName: "moved",
    destination: duckdb({ path }),
    datasetName: "second",
    pipelinesDir,
  });
  const warnings = await logged(() => second.run(upTo(6)));
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0],
    /^Pipeline "moved" now loads into dataset "second" of duckdb ".*moved\.duckdb" \(before: dataset "first" of duckdb ".*moved\.duckdb"\), which holds no state of it: .* everything is loaded again$/,
  );
  assert.deepEqual(await ids(second), oneTo(6));
  assert.deepEqual(await ids(first), oneTo(5));

  // by name only: the dataset and the file it loaded into last
  const byName = pipeline({ pipelineName: "moved", pipelinesDir });
  assert.equal(byName.datasetName, "second");
  assert.deepEqual(await logged(() => byName.run(upTo(7))), []);
  assert.deepEqual(await ids(byName), oneTo(7));

  // back to the first dataset: it goes on from the state that dataset holds
  const back = pipeline({ pipelineName: "moved", pipelinesDir, datasetName: "first" });
  const backWarnings = await logged(() => back.run(upTo(7)));
  assert.match(backWarnings[0], /which holds state version 2 of it: going on from that state$/);
  assert.deepEqual(await ids(back), oneTo(7));
  assert.equal(await back.dataset().table("_dlt_loads").count(), 3);
});

Deno.test("pending packages are not loaded into another dataset than the one they were extracted for", async () => {
  const dir = await tempDir("moved_pending");
  const pipelinesDir = join(dir, "pipelines");
  const destination = duckdb({ path: join(dir, "moved_pending.duckdb") });
  const first = pipeline({ pipelineName: "mp", destination, datasetName: "first", pipelinesDir });
  await first.run(upTo(2));
  await first.extract(upTo(3));
  const second = pipeline({ pipelineName: "mp", destination, datasetName: "second", pipelinesDir });
  const error = await second.run(upTo(4)).catch((e) => e);
  assert.ok(error instanceof DltError, String(error));
  assert.match(
    error.message,
    /has 1 pending load package\(s\) for dataset "first" of duckdb ".*" but now loads into dataset "second" .*: load them there first .* pipeline\.dropPendingPackages\(\)/,
  );
  // the first dataset takes them, then the second gets a full load
  const info = await pipeline({ pipelineName: "mp", pipelinesDir }).run(upTo(3));
  assert.equal(info.loadPackages.length, 1);
  assert.deepEqual(await ids(first), [1, 2, 3]);
  await second.run(upTo(4));
  assert.deepEqual(await ids(second), [1, 2, 3, 4]);
});

Deno.test("attach() opens a pipeline that ran before where it loaded, and fails clearly for one that never ran", async () => {
  const dir = await tempDir("attach");
  const pipelinesDir = join(dir, "pipelines");
  assert.throws(
    () => attach({ pipelineName: "attached", pipelinesDir }),
    (error) =>
      error instanceof PipelineNotFound &&
      /^No pipeline "attached" in ".*attached": attach\(\) opens a pipeline/.test(error.message),
  );

  const path = join(dir, "custom.duckdb");
  const p = pipeline({
    pipelineName: "attached",
    destination: duckdb({ path }),
    datasetName: "custom_dataset",
    pipelinesDir,
  });
  await p.run(upTo(2));
  const attached = attach({ pipelineName: "attached", pipelinesDir });
  assert.equal(attached.datasetName, "custom_dataset");
  assert.deepEqual((await attached.destination()).factoryOptions, { path });
  await attached.run(upTo(3));
  assert.deepEqual(await ids(attached), [1, 2, 3]);
  // the same file: what p reads
  assert.deepEqual(await ids(p), [1, 2, 3]);
  // as dlt's attach, it takes another dataset (or destination) to load into from now on
  const moved = attach({ pipelineName: "attached", pipelinesDir, datasetName: "moved_dataset" });
  assert.equal(moved.datasetName, "moved_dataset");
  assert.deepEqual((await moved.destination()).factoryOptions, { path });
});

Deno.test("re-opened from another directory, a relative DuckDB path still names the first run's file, as dlt's initial_cwd", async () => {
  const dir = await tempDir("relative");
  const pipelinesDir = join(dir, "pipelines");
  const [first, elsewhere] = [join(dir, "first"), join(dir, "elsewhere")];
  await Deno.mkdir(first);
  await Deno.mkdir(elsewhere);
  const script = fileURLToPath(new URL("./_scripts/relative_run.ts", import.meta.url));
  const run = async (cwd: string, ...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, pipelinesDir, ...args],
      cwd,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, stderr);
    return { rows: Number(new TextDecoder().decode(out.stdout).trim()), stderr };
  };
  assert.equal((await run(first, "2", "first")).rows, 2);
  const again = await run(elsewhere, "3");
  assert.equal(again.rows, 1, "only the new row: the cursor and the file are the first run's");
  assert.ok(!again.stderr.includes("WARNING"), again.stderr);
  assert.deepEqual([...Deno.readDirSync(elsewhere)], []);
  const rows = await nativeQuery(
    join(first, "rel.duckdb"),
    "SELECT id FROM rel.rel.items ORDER BY id",
  );
  assert.deepEqual(rows.map((r) => Number(r.id)), [1, 2, 3]);
});
