/**
 * DuckDB-WASM instances per process: starting one costs most of a second, so a run (which opens
 * its destination to sync state and again to load) starts one, and later runs in the same
 * process reuse it. Isolated: the count is the process's.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pipeline, resource } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { wasmDatabasesStarted, wasmInstancesStarted } from "../destinations/duckdb/_database.ts";
import { isolatedTest } from "./_isolated.ts";
import { tempDir } from "./_helpers.ts";

isolatedTest(
  import.meta.url,
  "runs into a DuckDB-WASM file start one instance, reused by later runs and reads",
  async () => {
    const dir = await tempDir("instances");
    const p = pipeline({
      pipelineName: "instances",
      destination: duckdb({ path: join(dir, "one.duckdb"), engine: "wasm" }),
      pipelinesDir: dir,
    });
    const rows = (id: number) => resource([{ id }], { name: "items" });
    await p.run(rows(1));
    assert.equal(wasmInstancesStarted(), 1);
    await p.run(rows(2));
    assert.equal(await p.dataset().items.count(), 2);
    // a second file in the same process, while nothing else is open, reuses it as well
    const other = pipeline({
      pipelineName: "instances_other",
      destination: duckdb({ path: join(dir, "other.duckdb"), engine: "wasm" }),
      pipelinesDir: dir,
    });
    await other.run(rows(3));
    assert.deepEqual(await other.dataset().items.select("id").rows(), [{ id: 3 }]);
    assert.equal(wasmInstancesStarted(), 1);
    await Deno.remove(dir, { recursive: true });
  },
);

isolatedTest(
  import.meta.url,
  "opens of a DuckDB-WASM file reuse the database the last one detached, unless it left something",
  async () => {
    const dir = await tempDir("kept_databases");
    const path = join(dir, "one.duckdb");
    const p = pipeline({
      pipelineName: "kept_databases",
      destination: duckdb({ path, engine: "wasm" }),
      pipelinesDir: dir,
    });
    const rows = (id: number) => resource([{ id, nested: [{ id }] }], { name: "items" });
    // the count is the process's, which ran the module's other tests before
    const started = () => wasmDatabasesStarted() - before;
    const before = wasmDatabasesStarted();
    await p.run(rows(1));
    await p.run(rows(2));
    assert.equal(await p.dataset().items.count(), 2);
    // every open of the file (state, loads, reads) attached it to the one database
    assert.equal(started(), 1);
    // an instance setting made through the SQL client does not reach the next open
    {
      await using client = await p.sqlClient();
      await client.execute("SET preserve_insertion_order = false");
    }
    await p.run(rows(3));
    assert.equal(started(), 2);
    {
      await using client = await p.sqlClient();
      const [{ value }] = await client.query<{ value: boolean }>(
        "SELECT current_setting('preserve_insertion_order') AS value",
      );
      assert.equal(value, true);
    }
    assert.equal(started(), 2);
    // another file needs a database of its own; the first file's data is all there after it
    const other = pipeline({
      pipelineName: "kept_databases_other",
      destination: duckdb({ path: join(dir, "other.duckdb"), engine: "wasm" }),
      pipelinesDir: dir,
    });
    await other.run(rows(4));
    assert.equal(started(), 3);
    assert.deepEqual(await p.dataset().items.select("id").orderBy("id").rows(), [
      { id: 1 },
      { id: 2 },
      { id: 3 },
    ]);
    assert.equal(await p.dataset().table("items__nested").count(), 3);
    assert.equal(wasmInstancesStarted(), 1);
    await Deno.remove(dir, { recursive: true });
  },
);
