/**
 * The sql_database source on SQLite files the tests write: types and exact values, nulls, a table
 * name that needs quoting, views, a table without a primary key, incremental runs (in the query)
 * merged by the reflected primary key, backfill windows, and bad input.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { incremental, pipeline } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { sqlDatabase, SqlDatabaseError, sqlTable } from "../sources/sql_database.ts";
import { columnHintsOf, tempDir } from "./_helpers.ts";

/** A SQLite file with a typed table, a quoted one, a view and a table without a key. */
async function shopDatabase(): Promise<{ dir: string; url: string; db: DatabaseSync }> {
  const dir = await tempDir("sqlite");
  const path = join(dir, "shop.db");
  const db = new DatabaseSync(path);
  db.exec(`
    CREATE TABLE items (
      id INTEGER PRIMARY KEY, big BIGINT, price DECIMAL(20,6), ratio REAL, flag BOOLEAN,
      label VARCHAR(20), born DATE, at TIMESTAMP NOT NULL, data BLOB, doc JSON);
    CREATE TABLE "Order Lines" (line INTEGER, item INTEGER, qty INTEGER, PRIMARY KEY (line, item));
    CREATE TABLE log (msg TEXT, at TIMESTAMP);
    CREATE VIEW cheap AS SELECT id, price FROM items WHERE ratio < 1;`);
  const insert = db.prepare("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.run(
    1,
    9007199254740993n,
    // SQLite keeps a DECIMAL as REAL when 15 digits hold it, else as the text given
    "1234.123456",
    0.5,
    1,
    "one",
    "2024-01-01",
    "2024-01-01 10:00:00",
    new Uint8Array([0, 255]),
    '{"a": [1, 2]}',
  );
  insert.run(2, null, null, 2.5, 0, null, null, "2024-01-02 10:00:00", null, null);
  db.exec(`INSERT INTO "Order Lines" VALUES (1, 1, 3), (1, 2, 4);
    INSERT INTO log VALUES ('a', NULL), ('b', '2024-01-01 00:00:00');`);
  return { dir, url: `sqlite:///${path}`, db };
}

Deno.test("sql_database on SQLite: reflected types, exact values, quoting, views, keys", async () => {
  const { dir, url, db } = await shopDatabase();
  const p = pipeline({
    pipelineName: "sqlite_shop",
    destination: duckdb({ path: join(dir, "copy.duckdb") }),
    datasetName: "shop",
    pipelinesDir: join(dir, "pipelines"),
  });
  const shop = await sqlDatabase({ credentials: url, includeViews: true });
  assert.deepEqual([...shop.resources.keys()].sort(), ["Order Lines", "cheap", "items", "log"]);
  assert.deepEqual(shop.resources.get("Order Lines")!.hints.primaryKey, ["line", "item"]);
  assert.equal(shop.resources.get("log")!.hints.primaryKey, undefined);
  assert.deepEqual(columnHintsOf(shop.resources.get("items")!).price, {
    dataType: "decimal",
    precision: 20,
    scale: 6,
    nullable: true,
  });
  const info = await p.run(shop);
  assert.deepEqual(info.rowCounts, { items: 2, order_lines: 2, log: 2, cheap: 1 });
  const rows = await p.dataset().query(
    `SELECT id, big::VARCHAR AS big, price::VARCHAR AS price, ratio, flag, label,
       born::VARCHAR AS born, epoch_us("at") AS at_us, hex(data) AS data, doc
     FROM shop.items ORDER BY id`,
  );
  assert.deepEqual(rows, [
    {
      id: 1,
      big: "9007199254740993",
      price: "1234.123456",
      ratio: 0.5,
      flag: true,
      label: "one",
      born: "2024-01-01",
      at_us: Date.UTC(2024, 0, 1, 10) * 1000,
      data: "00FF",
      doc: '{"a":[1,2]}',
    },
    {
      id: 2,
      big: null,
      price: null,
      ratio: 2.5,
      flag: false,
      label: null,
      born: null,
      at_us: Date.UTC(2024, 0, 2, 10) * 1000,
      data: null,
      doc: null,
    },
  ]);
  const minimal = await sqlTable({ credentials: url, table: "items", reflectionLevel: "minimal" });
  assert.deepEqual(columnHintsOf(minimal).price, { nullable: true });
  const precise = await sqlTable({
    credentials: url,
    table: "items",
    reflectionLevel: "full_with_precision",
  });
  assert.deepEqual(columnHintsOf(precise).big, {
    dataType: "bigint",
    precision: 64,
    nullable: true,
  });
  assert.deepEqual(columnHintsOf(precise).label, {
    dataType: "text",
    precision: 20,
    nullable: true,
  });
  db.close();
});

Deno.test("sql_database on SQLite: an incremental second run reads only changed rows and merges them", async () => {
  const { dir, url, db } = await shopDatabase();
  const p = pipeline({
    pipelineName: "sqlite_incremental",
    destination: duckdb({ path: join(dir, "inc.duckdb") }),
    datasetName: "shop",
    pipelinesDir: join(dir, "pipelines"),
  });
  const items = () =>
    sqlTable({
      credentials: url,
      table: "items",
      incremental: incremental("at"),
      writeDisposition: "merge",
      chunkSize: 1,
    });
  assert.deepEqual((await p.run(await items())).rowCounts, { items: 2 });
  db.exec(`UPDATE items SET label = 'two', at = '2024-01-02 10:00:00' WHERE id = 2;
    UPDATE items SET label = 'changed', at = '2024-01-03 00:00:00' WHERE id = 1;
    INSERT INTO items (id, at) VALUES (3, '2024-01-02 11:00:00');`);
  // the row at the stored boundary (id 2) was loaded before: only id 1 and id 3 come again
  assert.deepEqual((await p.run(await items())).rowCounts, { items: 2 });
  assert.deepEqual(
    await p.dataset().query("SELECT id, label FROM shop.items ORDER BY id"),
    [{ id: 1, label: "changed" }, { id: 2, label: null }, { id: 3, label: null }],
  );
  // a backfill window [start, end): the end is exclusive, and the stored cursor is untouched
  const window = await sqlTable({
    credentials: url,
    table: "items",
    name: "items_window",
    incremental: incremental("at", {
      initialValue: "2024-01-02 10:00:00",
      endValue: "2024-01-03 00:00:00",
      rowOrder: "asc",
    }),
  });
  assert.deepEqual((await p.run(window)).rowCounts, { items_window: 2 });
  // lowest first: min cursor, descending rows
  const lowest = await sqlTable({
    credentials: url,
    table: "items",
    name: "items_min",
    incremental: incremental("at", {
      lastValueFunc: "min",
      initialValue: "2024-01-02 11:00:00",
      rowOrder: "desc",
    }),
  });
  assert.deepEqual((await p.run(lowest)).rowCounts, { items_min: 2 });
  db.close();
});

Deno.test("sql_database on SQLite: bad input names the table, column and what exists", async () => {
  const { dir, url, db } = await shopDatabase();
  await assert.rejects(
    sqlTable({ credentials: url, table: "orders" }),
    (e: Error) =>
      e instanceof SqlDatabaseError && /"orders"/.test(e.message) &&
      /"Order Lines", "cheap", "items", "log"/.test(e.message),
  );
  await assert.rejects(
    sqlTable({ credentials: url, table: "items", incremental: incremental("updated") }),
    /Table "items" has no column "updated"/,
  );
  await assert.rejects(
    sqlDatabase({ credentials: `sqlite:///${join(dir, "missing", "x.db")}` }),
    (e: Error) => e instanceof SqlDatabaseError && /x\.db/.test(e.message),
  );
  await assert.rejects(sqlDatabase(), /SOURCES__SQL_DATABASE__CREDENTIALS/);
  await assert.rejects(
    sqlDatabase({ credentials: "mysql://u:pw@host/db" }),
    (e: Error) => /not supported/.test(e.message) && !e.message.includes("pw"),
  );
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    sqlDatabase({ credentials: url, table_names: ["items"] } as any),
    /tableNames/,
  );
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    sqlDatabase({ credentials: url, backend: "pyarrow" } as any),
    /rows are read as objects/,
  );
  const p = pipeline({
    pipelineName: "sqlite_bad",
    destination: duckdb({ path: join(dir, "bad.duckdb") }),
    pipelinesDir: join(dir, "pipelines"),
  });
  const log = (mode?: "include" | "exclude") =>
    sqlTable({
      credentials: url,
      table: "log",
      incremental: incremental("at", mode ? { onCursorValueMissing: mode } : {}),
    });
  await assert.rejects(p.run(await log()), /incremental cursor "at"/);
  assert.deepEqual((await p.run(await log("include"))).rowCounts, { log: 2 });
  db.close();
});

Deno.test("sql_database on SQLite: table and query adapters", async () => {
  const { dir, url, db } = await shopDatabase();
  const p = pipeline({
    pipelineName: "sqlite_adapters",
    destination: duckdb({ path: join(dir, "adapters.duckdb") }),
    datasetName: "shop",
    pipelinesDir: join(dir, "pipelines"),
  });
  const seen: string[] = [];
  const shop = await sqlDatabase({
    credentials: url,
    tableNames: ["items"],
    tableAdapterCallback: (table) => {
      table.columns = table.columns.filter((c) => c.name !== "data" && c.name !== "doc");
      table.columns.find((c) => c.name === "price")!.nativeType = "text";
    },
    queryAdapterCallback: (query, table) => {
      seen.push(query.sql);
      return { sql: `${query.sql} WHERE ${table.primaryKey[0]} > ?`, params: [1] };
    },
  });
  assert.deepEqual(columnHintsOf(shop.resources.get("items")!).price, {
    dataType: "text",
    nullable: true,
  });
  assert.deepEqual((await p.run(shop)).rowCounts, { items: 1 });
  assert.deepEqual(seen, [
    'SELECT "id", "big", "price", "ratio", "flag", "label", "born", "at" FROM "main"."items"',
  ]);
  assert.deepEqual(
    (await p.dataset().query("SELECT * FROM shop.items")).map((r) => Object.keys(r).length),
    [10], // 8 columns and _dlt_load_id, _dlt_id
  );
  const broken = await sqlTable({
    credentials: url,
    table: "items",
    name: "broken",
    // deno-lint-ignore no-explicit-any
    queryAdapterCallback: () => "SELECT 1" as any,
  });
  await assert.rejects(p.run(broken), /queryAdapterCallback of table "items" must return/);
  db.close();
});

Deno.test("sql_database on SQLite: included and excluded columns, merge key", async () => {
  const { url, db } = await shopDatabase();
  const included = await sqlTable({
    credentials: url,
    table: "items",
    includedColumns: ["id", "label", "at"],
    mergeKey: "label",
  });
  assert.deepEqual(Object.keys(included.hints.columns ?? {}), ["id", "label", "at"]);
  assert.deepEqual(included.hints.mergeKey, "label");
  const excluded = await sqlTable({
    credentials: url,
    table: "items",
    excludedColumns: ["data", "doc"],
  });
  assert.deepEqual(Object.keys(excluded.hints.columns ?? {}), [
    "id",
    "big",
    "price",
    "ratio",
    "flag",
    "label",
    "born",
    "at",
  ]);
  await assert.rejects(
    sqlTable({ credentials: url, table: "items", includedColumns: ["id", "nope"] }),
    (e: Error) =>
      e instanceof SqlDatabaseError && /Table "items" has no column "nope"/.test(e.message) &&
      /"id", "big"/.test(e.message),
  );
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    sqlTable({ credentials: url, table: "items", detectPrecisionHints: true } as any),
    /full_with_precision/,
  );
  db.close();
});

Deno.test("sql_database on SQLite: deferTableReflect reflects each table when it runs", async () => {
  const { dir, url, db } = await shopDatabase();
  // making the source connects to nothing: the database need not exist yet
  const later = `sqlite:///${join(dir, "not_yet.db")}`;
  const deferred = await sqlDatabase({
    credentials: later,
    tableNames: ["items", "ghost"],
    deferTableReflect: true,
  });
  assert.deepEqual([...deferred.resources.keys()], ["items", "ghost"]);
  assert.deepEqual(columnHintsOf(deferred.resources.get("items")!), {});
  await assert.rejects(
    () => sqlDatabase({ credentials: url, deferTableReflect: true }),
    /deferTableReflect: true \}\) needs tableNames/,
  );

  const target = (name: string) =>
    pipeline({
      pipelineName: name,
      destination: duckdb({ path: join(dir, `${name}.duckdb`) }),
      datasetName: "shop",
      pipelinesDir: join(dir, "pipelines"),
    });
  const failing = target("sqlite_deferred_missing");
  // a missing table fails when the source runs, naming it and what exists; nothing is loaded
  await assert.rejects(
    async () =>
      failing.run(
        await sqlDatabase({
          credentials: url,
          tableNames: ["items", "ghost"],
          deferTableReflect: true,
        }),
      ),
    /"ghost" of schema "main" does not exist.*there are: .*"items"/s,
  );
  assert.deepEqual(await failing.dataset().rowCounts(), {});

  const p = target("sqlite_deferred");

  const items = () =>
    sqlTable({
      credentials: url,
      table: "items",
      deferTableReflect: true,
      incremental: incremental("at"),
      writeDisposition: "merge",
      excludedColumns: ["doc"],
    });
  assert.deepEqual((await p.run(await items())).rowCounts, { items: 2 });
  // the reflected types and key reached the schema with the first rows
  const columns = p.defaultSchema.tables.items.columns;
  assert.deepEqual(
    [columns.price.dataType, columns.price.precision, columns.price.scale],
    ["decimal", 20, 6],
  );
  assert.equal(columns.id.primaryKey, true);
  assert.equal(columns.doc, undefined);
  const [row] = await p.dataset().query(
    "SELECT big::VARCHAR AS big, price::VARCHAR AS price FROM shop.items WHERE id = 1",
  );
  assert.deepEqual(row, { big: "9007199254740993", price: "1234.123456" });

  db.exec(`UPDATE items SET label = 'changed', at = '2024-01-03 10:00:00' WHERE id = 1;
    INSERT INTO items (id, at) VALUES (3, '2024-01-04 10:00:00');`);
  assert.deepEqual((await p.run(await items())).rowCounts, { items: 2 });
  const labels = await p.dataset().items.orderBy("id").select("id", "label").rows();
  assert.deepEqual(labels, [
    { id: 1, label: "changed" },
    { id: 2, label: null },
    { id: 3, label: null },
  ]);
  db.close();
});
