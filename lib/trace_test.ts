import assert from "node:assert/strict";
import { MemoryStorage } from "./storage/memory_storage.ts";
import {
  formatTrace,
  type PipelineTrace,
  readTrace,
  readTraceSync,
  TRACE_FILE,
  TRACE_FORMAT_VERSION,
  writeTrace,
} from "./trace.ts";
import { registerSecret } from "./redact.ts";
import { DltError } from "./errors.ts";

function sampleTrace(): PipelineTrace {
  return {
    formatVersion: TRACE_FORMAT_VERSION,
    transactionId: "5f0e4b36-0000-4000-8000-000000000001",
    pipelineName: "github",
    startedAt: "2026-01-01T10:00:00.000Z",
    finishedAt: "2026-01-01T10:00:02.500Z",
    steps: [
      {
        step: "extract",
        startedAt: "2026-01-01T10:00:00.000Z",
        finishedAt: "2026-01-01T10:00:01.000Z",
        durationMs: 1000,
        loadIds: ["1767261600.1"],
        rowCounts: { issues: 30 },
      },
      {
        step: "load",
        startedAt: "2026-01-01T10:00:01.500Z",
        finishedAt: "2026-01-01T10:00:02.500Z",
        durationMs: 1000,
        loadIds: ["1767261600.1"],
        rowCounts: { issues: 30, issues__labels: 12 },
        jobs: [{
          loadId: "1767261600.1",
          table: "issues",
          file: "issues.1.csv",
          format: "csv",
          rows: 30,
          bytes: 2048,
          durationMs: 250,
        }],
      },
    ],
    resolvedConfig: [
      { key: "sources.github.page_size", provider: "SOURCES__GITHUB__PAGE_SIZE", value: "50" },
      { key: "sources.github.access_token", provider: ".dlt/secrets.toml", isSecret: true },
    ],
  };
}

Deno.test("a trace written to the working folder reads back the same, sync and async", async () => {
  const storage = new MemoryStorage();
  assert.equal(await readTrace(storage), undefined);
  assert.equal(readTraceSync(storage), undefined);
  await writeTrace(storage, sampleTrace());
  assert.deepEqual(await readTrace(storage), sampleTrace());
  assert.deepEqual(readTraceSync(storage), sampleTrace());
});

Deno.test("a trace is stored with every registered secret redacted", async () => {
  registerSecret("trace-unit-secret-value");
  const storage = new MemoryStorage();
  const trace = sampleTrace();
  trace.error = { name: "PipelineStepFailed", message: "login trace-unit-secret-value refused" };
  await writeTrace(storage, trace);
  const text = await storage.readText(TRACE_FILE);
  assert.ok(!text.includes("trace-unit-secret-value"), text);
  assert.equal((await readTrace(storage))?.error?.message, "login *** refused");
});

Deno.test("a damaged trace is a DltError naming the file, and so is one of a newer format", async () => {
  const storage = new MemoryStorage("memory:pipeline");
  for (const text of ["{not json", "null", '{"formatVersion": 1}', '{"steps": []}']) {
    await storage.writeAtomic(TRACE_FILE, text);
    await assert.rejects(
      readTrace(storage),
      (e) =>
        e instanceof DltError &&
        e.message ===
          `Trace "memory:pipeline/${TRACE_FILE}" is damaged; delete it (the next run writes a new one)`,
    );
    assert.throws(() => readTraceSync(storage), DltError);
  }
  await storage.writeAtomic(
    TRACE_FILE,
    JSON.stringify({ ...sampleTrace(), formatVersion: TRACE_FORMAT_VERSION + 1 }),
  );
  await assert.rejects(
    readTrace(storage),
    /has format version 2, newer than .* upgrade @denodlt\/dlt/,
  );
  assert.throws(() => readTraceSync(storage), /has format version 2/);
});

Deno.test("formatTrace shows each step with its rows and jobs, and hides secret config values", () => {
  const trace = sampleTrace();
  trace.steps[1].error = { name: "PipelineStepFailed", message: "boom" };
  trace.error = trace.steps[1].error;
  const text = formatTrace(trace);
  assert.match(
    text,
    /^Run of pipeline github started at 2026-01-01T10:00:00.000Z and FAILED in 2\.50 s with 2 step\(s\)\./,
  );
  assert.match(
    text,
    /Step extract COMPLETED in 1\.00 s \(load ids 1767261600\.1\)\.\n- issues: 30/,
  );
  assert.match(text, /Step load FAILED: PipelineStepFailed: boom in 1\.00 s/);
  assert.match(text, / {2}job issues\.1\.csv \(csv\): 30 rows, 2048 bytes, 0\.25 s/);
  assert.match(text, /- sources\.github\.page_size = "50" \(SOURCES__GITHUB__PAGE_SIZE\)/);
  assert.match(
    text,
    /- sources\.github\.access_token = \(secret, not shown\) \(\.dlt\/secrets\.toml\)/,
  );
});
