import assert from "node:assert/strict";
import { inspect } from "node:util";
import { LoadInfo } from "./load_info.ts";

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
