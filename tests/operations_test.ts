/**
 * Issue "Operations" end to end, as a user meets it: a run with `progress: "log"` writes its
 * progress to stderr and its trace to the working folder; then, in other processes, the command
 * line of the package's `./cli` export shows the pipeline (`info`, `trace`, `schema`), starts a
 * project (`init rest_api duckdb`), and serves the pipeline page, which headless Chromium renders
 * with the tables and their row counts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PipelineTrace } from "../mod.ts";
import { parse as parseYaml } from "../lib/deps/yaml.ts";
import { browserTest, launchBrowser } from "./_browser.ts";
import { tempDir } from "./_helpers.ts";
import { denoProcess } from "./_cli.ts";

const EVENTS = 20_000;
const PUSH_EVENTS = Math.ceil(EVENTS / 3);

/** The file the package exports as `./cli`, as deno.json says. */
async function cliModule(): Promise<string> {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  return fileURLToPath(new URL(config.exports["./cli"], new URL("../", import.meta.url)));
}

function deno(args: string[], cwd?: string) {
  return denoProcess(args, { cwd });
}

/** Runs the events pipeline in its own process; returns its stderr and its trace. */
async function loadEvents(dir: string) {
  const pipelinesDir = join(dir, "pipelines");
  const script = fileURLToPath(new URL("./_scripts/events_with_progress.ts", import.meta.url));
  const run = await deno([
    "run",
    "-A",
    script,
    pipelinesDir,
    join(dir, "events.duckdb"),
    `${EVENTS}`,
  ]);
  assert.equal(run.code, 0, run.stderr);
  return { pipelinesDir, stderr: run.stderr, trace: JSON.parse(run.stdout) as PipelineTrace };
}

Deno.test({
  ...browserTest(
    "operations: progress log, lastTrace, the ./cli export's info/trace/schema/init, and show in Chromium",
  ),
  async fn() {
    await using browser = await launchBrowser();
    const dir = await tempDir("operations");
    const { pipelinesDir, stderr, trace } = await loadEvents(dir);

    // progress: plain lines on stderr (not a terminal: no ANSI), a summary per step
    assert.ok(!stderr.includes("\x1b["), stderr);
    assert.match(stderr, /^extract: [\d.]+ s \| [\d,]+ items from \d resources? \| [\d,]+\/s/m);
    assert.match(
      stderr,
      new RegExp(`^extract: ${(EVENTS + 50).toLocaleString("en-US")} items`, "m"),
    );
    assert.match(stderr, /^normalize: [\d,]+ rows into 3 tables/m);
    assert.match(stderr, /^load: [\d,]+ rows into 3 tables/m);

    // lastTrace: each step with times, rows per table and load ids
    const step = (name: string) => trace.steps.find((s) => s.step === name)!;
    assert.deepEqual(trace.steps.map((s) => s.step), ["sync", "extract", "normalize", "load"]);
    assert.deepEqual(step("extract").rowCounts, { events: EVENTS, repos: 50 });
    assert.deepEqual(step("load").rowCounts, {
      events: EVENTS,
      events__commits: 2 * PUSH_EVENTS,
      repos: 50,
    });
    const loadId = step("load").loadIds[0];
    assert.match(loadId, /^\d+\.\d+$/);
    assert.ok(step("load").jobs!.every((job) => job.bytes > 0 && job.rows > 0));
    for (const s of trace.steps) {
      assert.ok(s.durationMs >= 0 && Date.parse(s.finishedAt) >= Date.parse(s.startedAt));
    }

    // the command line, in other processes, through the package's ./cli export
    const cli = await cliModule();
    const base = ["run", "-A", cli, "pipeline", "--pipelines-dir", pipelinesDir, "events"];
    const info = await deno([...base, "info"]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /dataset: events_data/);
    assert.match(info.stdout, /events with 2 table\(s\)/);
    const shownTrace = await deno([...base, "trace"]);
    assert.equal(shownTrace.code, 0, shownTrace.stderr);
    assert.match(
      shownTrace.stdout,
      new RegExp(`Step load COMPLETED in [\\d.]+ s \\(load ids ${loadId}\\)`),
    );
    assert.match(shownTrace.stdout, new RegExp(`- events__commits: ${2 * PUSH_EVENTS}`));
    const jsonTrace = await deno([...base, "trace", "--json"]);
    assert.deepEqual(JSON.parse(jsonTrace.stdout), trace);
    const schema = await deno([...base, "schema", "--format", "yaml"]);
    assert.equal(schema.code, 0, schema.stderr);
    const document = parseYaml(schema.stdout) as {
      tables: Record<string, { parent?: string; columns: Record<string, { data_type: string }> }>;
    };
    assert.equal(document.tables.events__commits.parent, "events");
    assert.equal(document.tables.events.columns.created_at.data_type, "timestamp");

    const project = join(dir, "project");
    await Deno.mkdir(project);
    const init = await deno(["run", "-A", cli, "init", "rest_api", "duckdb"], project);
    assert.equal(init.code, 0, init.stderr);
    for (
      const file of ["rest_api_pipeline.ts", ".dlt/config.toml", ".dlt/secrets.toml", "deno.json"]
    ) {
      assert.ok((await Deno.stat(join(project, file))).isFile, file);
    }
    const again = await deno(["run", "-A", cli, "init", "rest_api", "duckdb"], project);
    assert.equal(again.code, 1);

    // show: a server in its own process, read in a real browser
    const server = new Deno.Command(Deno.execPath(), {
      args: [...base, "show", "--port", "0"],
      stdout: "piped",
      stderr: "null",
      stdin: "null",
    }).spawn();
    try {
      const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let printed = "";
      while (!printed.includes("\n")) {
        const { value, done } = await reader.read();
        assert.ok(!done, "show ended before printing its address");
        printed += value;
      }
      reader.releaseLock();
      server.stdout.cancel().catch(() => {});
      const url = printed.trim();
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await browser.newPage();
      await page.goto(url, { waitUntil: "load" });
      await page.waitForSelector("section#tables[data-loaded]", { timeout: 20_000 });
      const tables = await page.$$eval(
        "#table-tree li[data-table]",
        (items) =>
          items.map((li) => [
            li.getAttribute("data-table"),
            li.querySelector(":scope > button .count")?.textContent,
          ]),
      );
      assert.deepEqual(Object.fromEntries(tables), {
        events: `${EVENTS.toLocaleString("en-US")} rows`,
        events__commits: `${(2 * PUSH_EVENTS).toLocaleString("en-US")} rows`,
        repos: "50 rows",
      });
    } finally {
      server.kill();
      await server.status;
    }
  },
});
