/**
 * Operations, end to end: the trace of each run (`pipeline.lastTrace`, stored as `trace.json` and
 * read back by a new pipeline object, loadable as dlt's `_trace` table), with its steps, rows,
 * load ids, jobs, redacted error and non-secret config; the progress events a callback receives;
 * the `LoadInfo`'s JSON form and failed-jobs check; and the `failed_jobs.json` record of a
 * package that fails terminally.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  config,
  formatTrace,
  PendingPackageFailed,
  pipeline,
  PipelineStepFailed,
  type ProgressEvent,
  resource,
  secret,
  setLogLevel,
} from "../mod.ts";
import { dummy } from "../destinations/dummy/mod.ts";
import { filesystem } from "../destinations/filesystem/mod.ts";
import { PackageStore } from "../lib/load/package_store.ts";
import { FAILED_JOBS_FILE, readFailedJobs } from "../lib/load/failed_jobs.ts";
import { DenoStorage } from "../lib/storage/deno_storage.ts";
import { TRACE_FILE } from "../lib/trace.ts";
import { tempDir, tempPipeline } from "./_helpers.ts";

setLogLevel("ERROR");

const items = (n: number, name = "items") =>
  resource(
    Array.from({ length: n }, (_, i) => ({ id: i, tags: ["a", "b"] })),
    { name },
  );

/** The package store of `p`'s working folder. */
const storeOf = (workingDir: string) => new PackageStore(new DenoStorage(workingDir));

Deno.test("lastTrace has the run's steps, rows, load ids and jobs; a new pipeline object reads it back; it loads as a _trace table", async () => {
  const { p, dir } = await tempPipeline("trace_run");
  assert.equal(p.lastTrace, undefined);
  const info = await p.run(items(3));
  const trace = p.lastTrace!;
  assert.equal(trace.pipelineName, "trace_run");
  assert.equal(trace.destinationName, "duckdb");
  assert.equal(trace.datasetName, "trace_run_data");
  assert.equal(trace.error, undefined);
  assert.deepEqual(trace.steps.map((s) => s.step), ["sync", "extract", "normalize", "load"]);
  const [sync, extract, normalize, load] = trace.steps;
  assert.deepEqual(sync.loadIds, []);
  assert.deepEqual(extract.loadIds, info.loadIds);
  assert.deepEqual(extract.rowCounts, { items: 3 });
  assert.deepEqual(normalize.loadIds, info.loadIds);
  assert.deepEqual(normalize.rowCounts, { items: 3, items__tags: 6 });
  assert.deepEqual(load.loadIds, info.loadIds);
  assert.deepEqual(load.rowCounts, { items: 3, items__tags: 6 });
  for (const step of trace.steps) {
    assert.ok(step.durationMs >= 0 && Date.parse(step.finishedAt) >= Date.parse(step.startedAt));
    assert.equal(step.error, undefined);
  }
  // one job per table, with its size from the package and the destination's time for it
  const jobs = load.jobs!;
  assert.deepEqual(jobs.map((j) => [j.table, j.rows]).sort(), [["items", 3], ["items__tags", 6]]);
  const loadedDir = join(p.workingDir, "load", "loaded", info.loadIds[0]);
  for (const job of jobs) {
    assert.equal(job.loadId, info.loadIds[0]);
    assert.equal(job.format, "csv");
    assert.equal(job.bytes, (await Deno.stat(join(loadedDir, job.file))).size);
    assert.equal(typeof job.durationMs, "number");
  }
  // the LoadInfo carries the same jobs
  assert.deepEqual(info.loadPackages[0].jobs, jobs);
  assert.match(formatTrace(trace), /Step load COMPLETED in [\d.]+ s \(load ids /);

  // stored in the working folder: a new object of the same pipeline (another process) reads it
  const again = pipeline({ pipelineName: "trace_run", pipelinesDir: join(dir, "pipelines") });
  assert.deepEqual(again.lastTrace, trace);
  await Deno.stat(join(p.workingDir, TRACE_FILE));

  // as dlt: the trace loads into the destination as a table
  const traceInfo = await p.run([p.lastTrace], { tableName: "_trace" });
  assert.equal(traceInfo.rowCounts._trace, 1);
  assert.equal(traceInfo.rowCounts._trace__steps, 4);
  const [row] = await p.dataset().table("_trace").rows<{ pipeline_name: string }>();
  assert.equal(row.pipeline_name, "trace_run");
  const steps = await p.dataset().query<{ step: string }>(
    "SELECT step FROM _trace__steps ORDER BY _dlt_list_idx",
  );
  assert.deepEqual(steps.map((s) => s.step), ["sync", "extract", "normalize", "load"]);
  // and that run has its own trace
  assert.deepEqual(p.lastTrace!.steps[1].rowCounts, { _trace: 1 });
});

Deno.test("LoadInfo's JSON form has the packages with their rows and jobs; raiseOnFailedJobs is a no-op", async () => {
  const destination = dummy();
  const p = pipeline({
    pipelineName: "trace_info",
    destination,
    pipelinesDir: await tempDir("info"),
  });
  const info = await p.run(items(2));
  assert.equal(info.hasFailedJobs, false);
  info.raiseOnFailedJobs();
  const json = JSON.parse(JSON.stringify(info));
  assert.deepEqual(json, info.toJSON());
  assert.equal(json.pipelineName, "trace_info");
  assert.equal(json.destinationName, "dummy");
  assert.equal(json.datasetName, p.datasetName);
  assert.equal(json.startedAt, info.startedAt.toISOString());
  assert.equal(json.finishedAt, info.finishedAt.toISOString());
  assert.deepEqual(json.loadIds, info.loadIds);
  assert.deepEqual(json.rowCounts, { items: 2, items__tags: 4 });
  assert.equal(json.hasFailedJobs, false);
  assert.deepEqual(Object.keys(json.timings).sort(), ["extract", "load", "normalize"]);
  const [pkg] = json.loadPackages;
  assert.deepEqual(pkg.rowCounts, { items: 2, items__tags: 4 });
  assert.equal(pkg.alreadyLoaded, false);
  assert.deepEqual(
    pkg.jobs.map((j: { table: string; rows: number }) => [j.table, j.rows]).sort(),
    [["items", 2], ["items__tags", 4]],
  );
});

Deno.test("a callback receives the events of a run in order, with the final totals per resource and table", async () => {
  const events: ProgressEvent[] = [];
  const p = pipeline({
    pipelineName: "trace_events",
    destination: dummy(),
    pipelinesDir: await tempDir("events"),
    progress: (event) => events.push(event),
  });
  const info = await p.run([items(2500), items(7, "others")]);
  const [loadId] = info.loadIds;
  const steps = events.filter((e) => e.kind === "step_started" || e.kind === "step_ended")
    .map((e) => `${e.kind}:${e.step}`);
  assert.deepEqual(steps, [
    "step_started:sync",
    "step_ended:sync",
    "step_started:extract",
    "step_ended:extract",
    "step_started:normalize",
    "step_ended:normalize",
    "step_started:load",
    "step_ended:load",
  ]);
  // each kind of count comes inside its step
  const inside = (kind: ProgressEvent["kind"], step: string) => {
    const start = events.findIndex((e) => e.kind === "step_started" && e.step === step);
    const end = events.findIndex((e) => e.kind === "step_ended" && e.step === step);
    const of = events.map((e, i) => [e, i] as const).filter(([e]) => e.kind === kind);
    assert.ok(of.length > 0, kind);
    assert.ok(of.every(([, i]) => i > start && i < end), kind);
  };
  inside("items_extracted", "extract");
  inside("rows_normalized", "normalize");
  inside("rows_loaded", "load");
  /** The running totals by `keyOf`: each non-decreasing; returns the last of each. */
  const totals = <E extends ProgressEvent>(kind: E["kind"], keyOf: (e: E) => string) => {
    const last: Record<string, number> = {};
    for (const e of events.filter((e): e is E => e.kind === kind)) {
      const count = "items" in e ? e.items : (e as unknown as { rows: number }).rows;
      const key = keyOf(e);
      assert.ok(count >= (last[key] ?? 0), `${kind} ${key} went down`);
      last[key] = count;
    }
    return last;
  };
  assert.deepEqual(
    totals<Extract<ProgressEvent, { kind: "items_extracted" }>>(
      "items_extracted",
      (e) => e.resource,
    ),
    { items: 2500, others: 7 },
  );
  // throttled: far fewer events than items
  assert.ok(events.filter((e) => e.kind === "items_extracted").length < 100);
  const expected = { items: 2500, items__tags: 5000, others: 7, others__tags: 14 };
  assert.deepEqual(
    totals<Extract<ProgressEvent, { kind: "rows_normalized" }>>("rows_normalized", (e) => {
      assert.equal(e.loadId, loadId);
      return e.table;
    }),
    expected,
  );
  assert.deepEqual(
    totals<Extract<ProgressEvent, { kind: "rows_loaded" }>>("rows_loaded", (e) => {
      assert.equal(e.loadId, loadId);
      return e.table;
    }),
    expected,
  );
  const ended = events.filter((e) => e.kind === "step_ended");
  assert.ok(ended.every((e) => e.kind === "step_ended" && e.durationMs >= 0 && !e.error));
});

Deno.test("a failed run's trace has the failed step and its error, with the secret redacted", async () => {
  const token = "trace-e2e-secret-9f3b2c";
  Deno.env.set("SOURCES__TRACE_FAILED__TOKEN", token);
  try {
    const events: ProgressEvent[] = [];
    const { p, dir } = await tempPipeline("trace_failed");
    const p2 = pipeline({
      pipelineName: "trace_failed",
      pipelinesDir: join(dir, "pipelines"),
      destination: dummy(),
      progress: (e) => events.push(e),
    });
    const failing = resource(function* ({ config }) {
      yield { id: 1 };
      throw new Error(`login with ${config.token} refused`);
    }, { name: "issues", config: { token: secret() } });
    const error = await p2.run(failing).catch((e) => e);
    assert.ok(error instanceof PipelineStepFailed, String(error));
    const trace = p2.lastTrace!;
    assert.deepEqual(trace.steps.map((s) => s.step), ["sync", "extract"]);
    const failed = trace.steps[1];
    assert.equal(failed.error?.name, "PipelineStepFailed");
    assert.match(
      failed.error!.message,
      /Pipeline step "extract" failed: Resource "issues": raised an error: login with \*\*\* refused/,
    );
    assert.deepEqual(trace.error, failed.error);
    const ended = events.at(-1)!;
    assert.ok(ended.kind === "step_ended" && ended.step === "extract");
    assert.equal(ended.error, failed.error!.message);
    // the secret was resolved (recorded without its value) and shows nowhere
    const resolved = trace.resolvedConfig.find((c) => c.key.endsWith("token"));
    assert.deepEqual(resolved, {
      key: "sources.trace_failed.token",
      provider: "SOURCES__TRACE_FAILED__TOKEN",
      isSecret: true,
    });
    const stored = await Deno.readTextFile(join(p2.workingDir, TRACE_FILE));
    for (const text of [stored, JSON.stringify(trace), formatTrace(trace)]) {
      assert.ok(!text.includes(token), text);
    }
    // the stored trace is the failed run's, for any object of the pipeline
    assert.deepEqual(p.lastTrace, trace);
  } finally {
    Deno.env.delete("SOURCES__TRACE_FAILED__TOKEN");
  }
});

Deno.test("the trace records the config values a run resolved, where from, and never a secret's value", async () => {
  const token = "trace-config-secret-77aa";
  const variables = {
    "SOURCES__TRACE_CONFIG__ISSUES__PAGE_SIZE": "25",
    "SOURCES__TRACE_CONFIG__ISSUES__ACCESS_TOKEN": token,
    // a config value whose name says secret is kept out as well
    "SOURCES__TRACE_CONFIG__ISSUES__API_KEY": "trace-config-named-key",
  };
  for (const [name, value] of Object.entries(variables)) Deno.env.set(name, value);
  try {
    const p = pipeline({
      pipelineName: "trace_config",
      destination: dummy(),
      pipelinesDir: await tempDir("config"),
    });
    const issues = resource(function* ({ config }) {
      yield { pages: config.pageSize, keyed: config.apiKey.length > 0 };
    }, {
      name: "issues",
      config: {
        pageSize: config<number>({ type: "integer" }),
        accessToken: secret(),
        apiKey: config(),
      },
    });
    await p.run(issues);
    const resolved = p.lastTrace!.resolvedConfig;
    assert.deepEqual(
      resolved.filter((c) => c.key.startsWith("sources.")).sort((a, b) =>
        a.key.localeCompare(b.key)
      ),
      [
        {
          key: "sources.trace_config.issues.access_token",
          provider: "SOURCES__TRACE_CONFIG__ISSUES__ACCESS_TOKEN",
          isSecret: true,
        },
        {
          key: "sources.trace_config.issues.api_key",
          provider: "SOURCES__TRACE_CONFIG__ISSUES__API_KEY",
          isSecret: true,
        },
        {
          key: "sources.trace_config.issues.page_size",
          provider: "SOURCES__TRACE_CONFIG__ISSUES__PAGE_SIZE",
          value: "25",
        },
      ],
    );
    const stored = await Deno.readTextFile(join(p.workingDir, TRACE_FILE));
    assert.ok(!stored.includes(token) && !stored.includes("trace-config-named-key"), stored);
  } finally {
    for (const name of Object.keys(variables)) Deno.env.delete(name);
  }
});

Deno.test("a package that fails terminally is recorded in failed_jobs.json until it loads", async () => {
  const destination = dummy({ failTables: ["items"], failAttempts: 1 });
  const p = pipeline({
    pipelineName: "trace_failed_jobs",
    destination,
    pipelinesDir: await tempDir("fj"),
  });
  const error = await p.run(items(3)).catch((e) => e);
  assert.ok(error instanceof PendingPackageFailed, String(error));
  const store = storeOf(p.workingDir);
  const [failure, ...more] = await readFailedJobs(store);
  assert.deepEqual(more, []);
  assert.equal(failure.loadId, error.loadId);
  assert.equal(failure.step, "load");
  assert.equal(failure.table, "items");
  assert.match(failure.file!, /^items\.[^/]+\.csv$/);
  assert.equal(failure.errorName, "DestinationError");
  assert.equal(failure.message, error.message);
  await Deno.stat(
    join(store.storage.locate(store.dir("normalized", error.loadId!)), FAILED_JOBS_FILE),
  );
  // the failed run's trace: the load step failed on that package
  const load = p.lastTrace!.steps.at(-1)!;
  assert.equal(load.step, "load");
  assert.equal(load.error?.name, "PendingPackageFailed");
  assert.deepEqual(load.loadIds, []);

  // the next run loads it: the record is gone
  const info = await p.run(items(1));
  assert.equal(info.loadPackages[0].loadId, error.loadId);
  assert.deepEqual(await readFailedJobs(store), []);
  // the trace has the pending package's normalize-less load, then the new package
  assert.deepEqual(p.lastTrace!.steps.map((s) => s.step), [
    "sync",
    "load",
    "extract",
    "normalize",
    "load",
  ]);
});

Deno.test("a package that fails to normalize is recorded with its job file", async () => {
  const p = pipeline({
    pipelineName: "trace_failed_normalize",
    destination: dummy(),
    pipelinesDir: await tempDir("fn"),
  });
  const { loadId } = await p.extract(items(2));
  assert.deepEqual(p.lastTrace!.steps.map((s) => s.step), ["sync", "extract"]);
  assert.deepEqual(p.lastTrace!.steps[1].loadIds, [loadId]);
  const store = storeOf(p.workingDir);
  const dir = store.storage.locate(store.dir("extracted", loadId!));
  const job = [...Deno.readDirSync(dir)].find((e) => e.name.startsWith("items."))!.name;
  const text = await Deno.readTextFile(join(dir, job));
  await Deno.writeTextFile(join(dir, job), text.replace("{", "{{"));
  const error = await p.normalize().catch((e) => e);
  assert.ok(error instanceof PendingPackageFailed, String(error));
  const [failure] = await readFailedJobs(store);
  assert.equal(failure.step, "normalize");
  assert.equal(failure.file, job);
  assert.equal(failure.table, "items");
  assert.deepEqual(p.lastTrace!.steps.map((s) => [s.step, s.error?.name]), [
    ["normalize", "PendingPackageFailed"],
  ]);
  // dropped: so is the record
  await p.dropPendingPackages();
  assert.deepEqual(await readFailedJobs(store), []);
});

Deno.test("progress takes bar, log, none or a callback; dlt's collector names say to write bar", async () => {
  const pipelinesDir = await tempDir("progress");
  for (const progress of ["bar", "log", "none", () => {}] as const) {
    pipeline({ pipelineName: "progress_ok", pipelinesDir, progress });
  }
  for (const name of ["tqdm", "enlighten", "alive_progress"]) {
    assert.throws(
      () => pipeline({ pipelineName: "progress_dlt", progress: name as "bar" }),
      new RangeError(
        `Option "progress" of pipeline "progress_dlt" must be "bar" (dlt's "${name}" collector is drawn as "bar" here), "log" or "none"; got "${name}"`,
      ),
    );
  }
  assert.throws(
    () => pipeline({ pipelineName: "progress_bad", progress: 1 as unknown as "bar" }),
    new TypeError(
      'Option "progress" of pipeline "progress_bad" must be "bar", "log", "none" or a function receiving progress events; got 1',
    ),
  );
  const p = pipeline({ pipelineName: "progress_run", pipelinesDir, destination: dummy() });
  await assert.rejects(
    p.run(items(1), { progress: "log" } as never),
    /Option "progress" is not supported by run\(\): give progress to pipeline\(\{ progress \}\), as dlt does/,
  );
});

Deno.test("a callback that throws does not fail the run", async () => {
  const p = pipeline({
    pipelineName: "progress_throws",
    destination: dummy(),
    pipelinesDir: await tempDir("throws"),
    progress: () => {
      throw new Error("display broke");
    },
  });
  const info = await p.run(items(2));
  assert.deepEqual(info.rowCounts, { items: 2, items__tags: 4 });
});

Deno.test("extract, normalize and load called one by one each leave their own trace", async () => {
  const p = pipeline({
    pipelineName: "trace_steps",
    destination: dummy(),
    pipelinesDir: await tempDir("steps"),
  });
  const { loadId } = await p.extract(items(4));
  assert.deepEqual(p.lastTrace!.steps.map((s) => [s.step, s.loadIds]), [
    ["sync", []],
    ["extract", [loadId]],
  ]);
  await p.normalize();
  assert.deepEqual(p.lastTrace!.steps.map((s) => [s.step, s.loadIds, s.rowCounts]), [
    ["normalize", [loadId], { items: 4, items__tags: 8 }],
  ]);
  const info = await p.load();
  const [load] = p.lastTrace!.steps;
  assert.deepEqual(p.lastTrace!.steps.map((s) => s.step), ["load"]);
  assert.deepEqual(load.loadIds, [loadId]);
  assert.deepEqual(load.rowCounts, info.rowCounts);
  assert.deepEqual(load.jobs, info.loadPackages[0].jobs);
  assert.ok(load.jobs!.every((job) => job.durationMs !== undefined && job.bytes > 0));
});

Deno.test("the filesystem destination reports each job it writes: rows_loaded and the jobs' times", async () => {
  const dir = await tempDir("fs");
  const events: ProgressEvent[] = [];
  const p = pipeline({
    pipelineName: "trace_fs",
    destination: filesystem({ bucketUrl: join(dir, "bucket") }),
    pipelinesDir: join(dir, "pipelines"),
    progress: (e) => events.push(e),
  });
  const info = await p.run(items(3));
  const loaded = events.filter((e) => e.kind === "rows_loaded");
  assert.deepEqual(
    loaded.map((e) => e.kind === "rows_loaded" && [e.table, e.rows]).sort(),
    [["items", 3], ["items__tags", 6]],
  );
  const jobs = p.lastTrace!.steps.at(-1)!.jobs!;
  assert.equal(jobs.length, 2);
  assert.ok(jobs.every((job) => typeof job.durationMs === "number"));
  assert.deepEqual(info.loadPackages[0].jobs, jobs);
});
