import assert from "node:assert/strict";
import type { PackageJob } from "../load/package_store.ts";
import { newSchema, type TableSchema } from "../schema/schema.ts";
import { DenoStorage } from "../storage/deno_storage.ts";
import { normalizeInWorkers } from "./_normalize_pool.ts";
import { tempDir } from "../../tests/_helpers.ts";

Deno.test("a worker's job files of an unchanged table share one table and column list", async () => {
  const storage = new DenoStorage(await tempDir("pool"));
  await storage.mkdir("extracted/1");
  await storage.mkdir("normalizing/1");
  // 30 items of two columns, then 10 that add a third: job files of 10 rows each
  const items = Array.from(
    { length: 40 },
    (_, id) => id < 30 ? { id, name: "x" } : { id, name: "x", extra: 1 },
  );
  await Deno.writeTextFile(
    storage.locate("extracted/1/items.jsonl"),
    items.map((item) => JSON.stringify(item)).join("\n"),
  );
  const closed: { job: PackageJob; table: TableSchema }[] = [];
  const [result] = await normalizeInWorkers(
    [{ path: "extracted/1/items.jsonl", table: "items" }],
    1,
    {
      root: storage.root,
      schema: newSchema("s"),
      naming: "snake_case",
      maxLength: undefined,
      loadId: "1",
      outDir: "normalizing/1",
      format: "csv",
      tableFormats: {},
      dataWriter: { fileMaxItems: 10, bufferMaxItems: 10 },
    },
    { onJob: (job, table) => closed.push({ job, table }) },
  );
  assert.equal(result.rowCounts.items, 40);
  assert.deepEqual(closed.map(({ job }) => job.rows), [10, 10, 10, 10]);
  const [first, second, third, fourth] = closed;
  // the second and third files: the same objects as the first's
  assert.equal(second.table, first.table);
  assert.equal(third.table, first.table);
  assert.equal(second.job.columns, first.job.columns);
  // the fourth file's table has the new column: a table and columns of its own
  assert.notEqual(fourth.table, first.table);
  assert.ok("extra" in fourth.table.columns && !("extra" in first.table.columns));
  assert.deepEqual(fourth.job.columns?.filter((c) => !first.job.columns?.includes(c)), ["extra"]);
  assert.deepEqual(first.job.columns, ["id", "name", "_dlt_load_id", "_dlt_id"]);
});
