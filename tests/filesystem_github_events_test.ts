/**
 * The recorded GitHub events loaded twice as Parquet and once as JSONL into
 * `<bucket>/<dataset>/<table>/`, on a local folder and on an S3 bucket (s3rver): native DuckDB
 * reads the right counts from the files, and `created_at` from the Parquet files as
 * `TIMESTAMP WITH TIME ZONE`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Pipeline, pipeline, resource, setLogLevel } from "../mod.ts";
import { filesystem } from "../destinations/filesystem/mod.ts";
import type { S3Credentials } from "../lib/filesystem/s3_credentials.ts";
import { S3FileSystem } from "../lib/filesystem/s3.ts";
import { hasSharedFixture, readSharedFixture, tempDir } from "./_helpers.ts";
import { nativeQuery } from "./_native_duckdb.ts";
import { s3Test } from "./_s3.ts";

setLogLevel("ERROR");

const FIXTURE = "dlt-cases/github.events.load_page_1_duck.json";

/** Loads the events twice as Parquet, once as JSONL into `bucketUrl`; returns the pipeline. */
async function loadEvents(bucketUrl: string, credentials?: S3Credentials): Promise<Pipeline> {
  const events = await readSharedFixture<Record<string, unknown>[]>(FIXTURE);
  const p = pipeline({
    pipelineName: "github_lake",
    destination: filesystem({ bucketUrl, credentials }),
    datasetName: "github",
    pipelinesDir: await tempDir("github_lake"),
  });
  const githubEvents = () => resource(events, { name: "events" });
  await p.run(githubEvents(), { loaderFileFormat: "parquet" });
  await p.run(githubEvents(), { loaderFileFormat: "parquet" });
  await p.run(githubEvents(), { loaderFileFormat: "jsonl" });
  assert.equal(await p.dataset().table("events").count(), 3 * events.length);
  return p;
}

/** What native DuckDB reads from the events files under local folder `tableDir`. */
async function checkNatively(tableDir: string, events: number): Promise<void> {
  const parquet = `${tableDir}/*.parquet`;
  const [counted] = await nativeQuery(
    ":memory:",
    `SELECT count(*) AS n, count(DISTINCT id) AS ids, typeof(any_value(created_at)) AS created_at_type,
       min(created_at) AS first FROM read_parquet('${parquet}')`,
  );
  assert.equal(Number(counted.n), 2 * events);
  assert.equal(Number(counted.ids), events);
  assert.equal(counted.created_at_type, "TIMESTAMP WITH TIME ZONE");
  const [jsonl] = await nativeQuery(
    ":memory:",
    `SELECT count(*) AS n FROM read_json_auto('${tableDir}/*.jsonl.gz')`,
  );
  assert.equal(Number(jsonl.n), events);
  // a nested table of the events, with its parent's keys
  const [payloads] = await nativeQuery(
    ":memory:",
    `SELECT count(*) AS n FROM read_parquet('${tableDir}__payload__commits/*.parquet')`,
  );
  assert.ok(Number(payloads.n) > 0);
}

if (!hasSharedFixture(FIXTURE)) {
  Deno.test({
    name: "GitHub events into a Parquet lake (needs ../shared/fixtures)",
    ignore: true,
    fn() {},
  });
} else {
  const events = (await readSharedFixture<unknown[]>(FIXTURE)).length;

  Deno.test("GitHub events twice as Parquet, once as JSONL into a local lake: native DuckDB reads them", async () => {
    const bucket = await tempDir("github_lake_bucket");
    await loadEvents(bucket);
    const entries = await Array.fromAsync(Deno.readDir(join(bucket, "github", "events")));
    assert.deepEqual(
      entries.map((e) => e.name.replace(/^\d+\.\d+\.\d+\./, "")).sort(),
      ["jsonl.gz", "parquet", "parquet"],
    );
    await checkNatively(join(bucket, "github", "events"), events);
  });

  s3Test(
    "GitHub events twice as Parquet, once as JSONL into an S3 lake: native DuckDB reads them",
    async ({ url, credentials }) => {
      await loadEvents(url, credentials);
      // native DuckDB has no S3 here (no extension downloads): read the objects' copies
      const local = await tempDir("github_lake_download");
      const fs = new S3FileSystem(credentials);
      for await (const file of fs.list(`${url}/github/`)) {
        const relative = file.url.slice(`${url}/github/`.length);
        if (!relative.startsWith("events")) continue;
        const path = join(local, relative);
        await Deno.mkdir(join(path, ".."), { recursive: true });
        await Deno.writeFile(path, await fs.read(file.url));
      }
      await checkNatively(join(local, "events"), events);
    },
  );
}
