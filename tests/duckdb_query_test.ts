/**
 * SQL through `dataset().query()` and `sqlClient()` on DuckDB.
 */
import assert from "node:assert/strict";
import { tempPipeline } from "./_helpers.ts";
import { nativeQuery } from "./_native_duckdb.ts";

Deno.test("before the first load, SQL runs in the database file, not in memory", async () => {
  const { p, dbPath } = await tempPipeline("before_load");
  {
    await using client = await p.sqlClient();
    await client.execute("CREATE TABLE notes AS SELECT 1 AS id");
    assert.deepEqual(await client.query("SELECT id FROM notes"), [{ id: 1 }]);
  }
  assert.deepEqual(await nativeQuery(dbPath, "SELECT id FROM main.notes"), [{ id: 1 }]);
  assert.deepEqual(await p.dataset().query("SELECT count(*) AS n FROM notes"), [{ n: 1 }]);
});
