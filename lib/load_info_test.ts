import assert from "node:assert/strict";
import { inspect } from "node:util";
import { LoadInfo } from "./load_info.ts";
import { DltError } from "./errors.ts";

function sampleInfo(): LoadInfo {
  return new LoadInfo({
    pipelineName: "github",
    destinationName: "duckdb",
    destinationLocation: "/data/github.duckdb",
    datasetName: "github_data",
    loadPackages: [
      {
        loadId: "1712345678.123",
        schemaName: "github",
        rowCounts: { issues: 30, issues__labels: 12 },
        alreadyLoaded: false,
      },
    ],
    timings: { extract: 1250, normalize: 400, load: 900 },
    startedAt: new Date("2024-05-01T10:00:00Z"),
    finishedAt: new Date("2024-05-01T10:00:02.550Z"),
  });
}

Deno.test("console.log of a LoadInfo prints its summary, as print(load_info) does in dlt", () => {
  const info = sampleInfo();
  const shown = Deno.inspect(info);
  assert.equal(shown, info.toString());
  assert.match(shown, /^Pipeline github load step completed in 2\.55 seconds\n/);
  assert.match(shown, /Load package 1712345678\.123 is LOADED and contains no failed jobs/);
  assert.match(shown, /Rows loaded: 42 into 2 table\(s\)/);
  assert.equal(Deno.inspect(info, { colors: true }), info.toString());
});

Deno.test("Node's util.inspect shows the same summary", () => {
  const info = sampleInfo();
  assert.equal(inspect(info), info.toString());
});

Deno.test("raiseOnFailedJobs lists the failed jobs of the packages, and does nothing without", () => {
  const info = sampleInfo();
  assert.equal(info.hasFailedJobs, false);
  info.raiseOnFailedJobs();
  assert.deepEqual(info.loadPackages[0].jobs, []);
  const failing = new LoadInfo({
    ...sampleInfo(),
    loadPackages: [{
      ...sampleInfo().loadPackages[0],
      failedJobs: [{
        loadId: "1712345678.123",
        step: "load",
        file: "issues.1.csv",
        table: "issues",
        errorName: "DestinationError",
        message: "Disk full",
        failedAt: "2024-05-01T10:00:02.000Z",
      }],
    }],
  });
  assert.equal(failing.hasFailedJobs, true);
  assert.throws(
    () => failing.raiseOnFailedJobs(),
    (e) =>
      e instanceof DltError &&
      e.message === 'Pipeline "github" has 1 failed job(s):\n' +
          '- package "1712345678.123" job "issues.1.csv" (table "issues"): DestinationError: Disk full',
  );
  assert.match(
    failing.toString(),
    /Load package 1712345678\.123 is LOADED and contains 1 FAILED job\(s\)/,
  );
  assert.equal(failing.toJSON().hasFailedJobs, true);
});

Deno.test("toJSON is plain JSON, with the location's credentials removed", () => {
  const info = new LoadInfo({
    ...sampleInfo(),
    destinationLocation: "postgresql://loader:pw-in-url@db.example.com/analytics",
  });
  const json = info.toJSON();
  assert.deepEqual(JSON.parse(JSON.stringify(info)), json);
  assert.equal(json.startedAt, "2024-05-01T10:00:00.000Z");
  assert.equal(json.finishedAt, "2024-05-01T10:00:02.550Z");
  assert.deepEqual(json.rowCounts, { issues: 30, issues__labels: 12 });
  assert.deepEqual(json.loadPackages[0].jobs, []);
  assert.ok(!JSON.stringify(json).includes("pw-in-url"));
});
