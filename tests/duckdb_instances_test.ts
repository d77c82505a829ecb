/**
 * DuckDB-WASM instances per process: starting one costs most of a second, so a run (which opens
 * its destination to sync state and again to load) starts one, and later runs in the same
 * process reuse it. Isolated: the count is the process's.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pipeline, resource } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { wasmInstancesStarted } from "../destinations/duckdb/_database.ts";
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
