/**
 * DuckDB's catalog queries answer as `information_schema` does (tables and views), on both
 * engines, and only of the database the destination loads into, whatever the default catalog.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { INFORMATION_SCHEMA_QUERIES } from "../../lib/load/sql.ts";
import { duckdbCatalogQueries } from "./_catalog_queries.ts";
import { catalogName } from "./_database_file.ts";
import { driverTest } from "./_testdata/drivers.ts";

driverTest(
  "the catalog queries find the tables and columns information_schema finds",
  async (open, dir) => {
    const path = join(dir, "catalog.duckdb");
    const duckdbQueries = duckdbCatalogQueries(catalogName(path));
    const db = await open(path);
    try {
      await db.run(
        `CREATE SCHEMA ds; CREATE TABLE ds.items (id BIGINT NOT NULL, "Name" VARCHAR, "it's" DOUBLE); ` +
          `CREATE TABLE ds."Other" (x BIGINT); CREATE VIEW ds.seen AS SELECT id FROM ds.items`,
      );
      for (const queries of [duckdbQueries, INFORMATION_SCHEMA_QUERIES]) {
        const tables = await db.query<{ table_name: string }>(queries.tables("ds"));
        assert.deepEqual(tables.map((t) => t.table_name).sort(), ["Other", "items", "seen"]);
        assert.equal((await db.query(queries.tableExists("ds", "seen"))).length, 1);
        assert.deepEqual(await db.query(queries.columns("ds", "seen")), [
          { column_name: "id", is_nullable: "YES" },
        ]);
        assert.deepEqual(await db.query(queries.tables("absent")), []);
        assert.equal((await db.query(queries.tableExists("ds", "items"))).length, 1);
        assert.equal((await db.query(queries.tableExists("ds", "absent"))).length, 0);
        assert.equal((await db.query(queries.tableExists("other", "items"))).length, 0);
        const columns = await db.query<{ column_name: string; is_nullable: string }>(
          queries.columns("ds", "items"),
        );
        // in the table's order
        assert.deepEqual(
          columns.map((c) => [c.column_name, c.is_nullable]),
          [["id", "NO"], ["Name", "YES"], ["it's", "YES"]],
        );
        assert.deepEqual(await db.query(queries.columns("ds", "absent")), []);
      }
      // another attached database: its tables are not the dataset's, and made the default
      // catalog it changes nothing
      await db.run(
        `ATTACH '${join(dir, "other.duckdb")}' AS other; CREATE SCHEMA other.ds; ` +
          `CREATE TABLE other.ds.elsewhere (x BIGINT); USE other`,
      );
      assert.equal((await db.query(duckdbQueries.tableExists("ds", "elsewhere"))).length, 0);
      assert.equal((await db.query(duckdbQueries.tables("ds"))).length, 3);
      assert.deepEqual(await db.query(duckdbQueries.columns("ds", "elsewhere")), []);
      assert.equal((await db.query(duckdbQueries.tableExists("ds", "items"))).length, 1);
      assert.equal((await db.query(duckdbQueries.columns("ds", "items"))).length, 3);
      await db.run(`USE ${catalogName(path)}; DETACH other`);
    } finally {
      await db.close();
    }
  },
);
