/**
 * The files-to-Parquet example: CSV and JSONL files into a lake of Parquet files, read back by
 * the pipeline and by native DuckDB; a second run loads only the file that changed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pipeline, setLogLevel, source } from "../mod.ts";
import { filesystem, readCsv, readJsonl } from "../sources/filesystem.ts";
import { runFilesToParquet, writeSampleFiles } from "../examples/files_to_parquet.ts";
import { tempDir } from "./_helpers.ts";
import { nativeQuery } from "./_native_duckdb.ts";

setLogLevel("ERROR");

Deno.test("files_to_parquet: CSV and JSONL files become Parquet tables; a rerun reads only changed files", async () => {
  const dir = await tempDir("files_to_parquet");
  const input = join(dir, "input");
  const lake = join(dir, "lake");
  await writeSampleFiles(input);
  const options = { input, lake, pipelinesDir: join(dir, "pipelines") };
  const first = await runFilesToParquet(options);
  assert.deepEqual(first.rowCounts, { customers: 3, customers__tags: 3, orders: 5 });
  assert.deepEqual(first.biggestOrders.map((order) => order.id), [4, 2, 5]);

  const [orders] = await nativeQuery(
    ":memory:",
    `SELECT count(*) AS n, typeof(any_value(ordered_at)) AS at_type, typeof(any_value(amount)) AS amount_type, sum(amount) AS total,
       count(*) FILTER (WHERE note = '') AS empty_notes, count(*) FILTER (WHERE note IS NULL) AS null_notes
     FROM read_parquet('${lake}/files/orders/*.parquet')`,
  );
  assert.equal(Number(orders.n), 5);
  assert.equal(orders.at_type, "TIMESTAMP WITH TIME ZONE");
  // 250.00 and 42.00 are whole, yet of a float column (as pandas reads them): double, no variant
  assert.equal(orders.amount_type, "DOUBLE");
  assert.equal(Number(orders.total), 439.4);
  const [customers] = await nativeQuery(
    ":memory:",
    `SELECT string_agg(address__city, ',' ORDER BY id) AS cities
     FROM read_parquet('${lake}/files/customers/*.parquet')`,
  );
  assert.equal(customers.cities, "London,New York,Portland");

  // one more file of orders: only it is read and loaded
  await Deno.writeTextFile(
    join(input, "orders", "2024", "march.csv"),
    "id,customer_id,amount,ordered_at,note\n6,1,99.00,2024-03-01T10:00:00Z,\n",
  );
  const second = await runFilesToParquet(options);
  assert.deepEqual(second.info.loadPackages.map((pkg) => pkg.rowCounts), [{ orders: 1 }]);
  assert.equal(second.rowCounts.orders, 6);
});

Deno.test("two file listings of one name in a source are an error: their cursors would be shared", async () => {
  const dir = await tempDir("files_same_name");
  await writeSampleFiles(dir);
  const files = source([
    filesystem({ bucketUrl: dir, fileGlob: "orders/**/*.csv" }).pipe(readCsv()).withName("orders"),
    filesystem({ bucketUrl: dir, fileGlob: "*.jsonl" }).pipe(readJsonl()).withName("customers"),
  ], { name: "files" });
  const p = pipeline({ pipelineName: "same_name", pipelinesDir: dir, destination: "dummy" });
  await assert.rejects(
    () => p.extract(files),
    /two different resources of source "files" are named "filesystem" .*give each its own name with withName\(\)/,
  );
});
