/**
 * The sql_database source against the real PostgreSQL server: every column type copied into
 * DuckDB with exact values and types, an incremental second run that reads only the changed rows
 * (in the query) and merges them, into DuckDB and into Postgres, and bad input.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { incremental, pipeline, resource } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { postgres } from "../destinations/postgres/mod.ts";
import { sqlDatabase, SqlDatabaseError, sqlTable } from "../sources/sql_database.ts";
import { adminQuery, postgresTest } from "./_postgres.ts";
import { columnHintsOf, tempDir } from "./_helpers.ts";
import { onLog } from "../lib/log.ts";

/** Creates `schema.name` with 13 column types and `rows` rows. */
function typesTable(schema: string, name: string, rows: number): string {
  const t = `"${schema}"."${name}"`;
  return `CREATE TABLE ${t} (
      id integer PRIMARY KEY,
      small smallint NOT NULL,
      big bigint,
      price numeric(20,6),
      ratio double precision,
      flag boolean,
      label varchar(40),
      born date,
      at timestamptz,
      data bytea,
      doc jsonb,
      tags text[],
      uid uuid,
      updated_at timestamptz NOT NULL);
    INSERT INTO ${t}
      SELECT i, i % 100, 9007199254740993 + i, 12345678901234.123456 + i, i / 8.0, i % 2 = 0,
        'row ' || i, DATE '2024-01-01' + i % 365,
        TIMESTAMPTZ '2024-01-01 00:00:00.123456+02' + i * INTERVAL '1 minute',
        decode(lpad(to_hex(i), 8, '0'), 'hex'), jsonb_build_object('n', i, 'even', i % 2 = 0),
        ARRAY['a', i::text], md5(i::text)::uuid,
        TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL '1 second'
      FROM generate_series(1, ${rows}) AS i;`;
}

postgresTest(
  "sql_database: 13 column types, 5,000 + 20,000 rows, then 150 changed rows merged into DuckDB",
  async ({ url, dataset }) => {
    const src = `${dataset}_src`;
    await adminQuery(
      `CREATE SCHEMA "${src}"; ${typesTable(src, "orders", 5000)} ${
        typesTable(src, "events", 20000)
      }
     UPDATE "${src}"."orders" SET big = NULL, price = NULL, doc = NULL WHERE id = 7;`,
    );
    try {
      const dir = await tempDir("sqldb");
      const p = pipeline({
        pipelineName: "sqldb",
        destination: duckdb({ path: join(dir, "copy.duckdb") }),
        datasetName: "pg_copy",
        pipelinesDir: join(dir, "pipelines"),
      });
      const load = async () => {
        const source = await sqlDatabase({ credentials: url, schema: src, chunkSize: 3000 });
        for (const r of source.resources.values()) {
          r.applyHints({
            writeDisposition: "merge",
            incremental: incremental("updated_at"),
          });
        }
        return await p.run(source);
      };
      const first = await load();
      assert.deepEqual(first.rowCounts, { orders: 5000, events: 20000 });
      const types = await p.dataset().query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns
       WHERE table_schema = 'pg_copy' AND table_name = 'orders' AND column_name NOT LIKE '\\_dlt%' ESCAPE '\\'
       ORDER BY ordinal_position`,
      );
      assert.deepEqual(Object.fromEntries(types.map((t) => [t.column_name, t.data_type])), {
        id: "BIGINT",
        small: "BIGINT",
        big: "BIGINT",
        price: "DECIMAL(20,6)",
        ratio: "DOUBLE",
        flag: "BOOLEAN",
        label: "VARCHAR",
        born: "DATE",
        at: "TIMESTAMP WITH TIME ZONE",
        data: "BLOB",
        // the DuckDB destination keeps json as its text
        doc: "VARCHAR",
        tags: "VARCHAR",
        uid: "VARCHAR",
        updated_at: "TIMESTAMP WITH TIME ZONE",
      });
      const [row] = await p.dataset().query(
        `SELECT big::VARCHAR AS big, price::VARCHAR AS price, ratio, flag, label, born::VARCHAR AS born,
         epoch_us("at") AS at_us, hex(data) AS data,
         doc::VARCHAR AS doc, tags::VARCHAR AS tags, uid
       FROM pg_copy.orders WHERE id = 4001`,
      );
      assert.deepEqual(row, {
        big: "9007199254744994",
        price: "12345678905235.123456",
        ratio: 500.125,
        flag: false,
        label: "row 4001",
        born: "2024-12-17",
        at_us: Date.UTC(2024, 0, 3, 16, 41, 0, 123) * 1000 + 456,
        data: "00000FA1",
        doc: '{"n":4001,"even":false}',
        tags: '["a","4001"]',
        uid: (await adminQuery(`SELECT md5('4001')::uuid::text AS u`))[0].u,
      });
      const [nulls] = await p.dataset().query(
        "SELECT big, price, doc FROM pg_copy.orders WHERE id = 7",
      );
      assert.deepEqual(nulls, { big: null, price: null, doc: null });

      // 100 updates and 50 inserts: the second run reads exactly those rows
      await adminQuery(
        `UPDATE "${src}"."orders" SET label = 'changed', updated_at = now() WHERE id % 50 = 0;
       INSERT INTO "${src}"."orders" (id, small, updated_at, label)
         SELECT i, 1, now(), 'new' FROM generate_series(5001, 5050) AS i;`,
      );
      const second = await load();
      assert.deepEqual(second.rowCounts, { orders: 150 });
      assert.equal(await p.dataset().table("orders").count(), 5050);
      const [changed] = await p.dataset().query(
        "SELECT count(*) FILTER (WHERE label = 'changed') AS c, count(*) FILTER (WHERE label = 'new') AS n FROM pg_copy.orders",
      );
      assert.deepEqual(changed, { c: 100, n: 50 });
      // a third run finds nothing new
      const third = await load();
      assert.deepEqual(third.rowCounts, {});
    } finally {
      await adminQuery(`DROP SCHEMA IF EXISTS "${src}" CASCADE`);
    }
  },
);

postgresTest(
  "sql_database: sqlTable merges into Postgres; views, quoting, no primary key",
  async ({ url, dataset }) => {
    const src = `${dataset}_src`;
    await adminQuery(
      `CREATE SCHEMA "${src}";
     CREATE TABLE "${src}"."Order Lines" (id bigint PRIMARY KEY, qty integer, at timestamp NOT NULL);
     INSERT INTO "${src}"."Order Lines" VALUES (1, 1, '2024-01-01 10:00'), (2, 2, '2024-01-02 10:00');
     CREATE TABLE "${src}".log (msg text, at timestamptz);
     INSERT INTO "${src}".log VALUES ('a', '2024-01-01T00:00:00Z');
     CREATE VIEW "${src}".big_lines AS SELECT * FROM "${src}"."Order Lines" WHERE qty > 1;`,
    );
    try {
      const dir = await tempDir("sqldb_pg");
      const p = pipeline({
        pipelineName: "sqldb_pg",
        destination: postgres({ credentials: url }),
        datasetName: dataset,
        pipelinesDir: join(dir, "pipelines"),
      });
      const lines = () =>
        sqlTable({
          credentials: url,
          schema: src,
          table: "Order Lines",
          incremental: incremental("at", { rowOrder: "asc" }),
          writeDisposition: "merge",
        });
      assert.deepEqual((await p.run(await lines())).rowCounts, { order_lines: 2 });
      await adminQuery(
        `UPDATE "${src}"."Order Lines" SET qty = 5, at = '2024-02-01' WHERE id = 1;
       INSERT INTO "${src}"."Order Lines" VALUES (3, 3, '2024-02-02')`,
      );
      assert.deepEqual((await p.run(await lines())).rowCounts, { order_lines: 2 });
      const rows = await adminQuery(`SELECT id, qty FROM "${dataset}".order_lines ORDER BY id`);
      assert.deepEqual(rows, [{ id: "1", qty: "5" }, { id: "2", qty: "2" }, { id: "3", qty: "3" }]);

      const withViews = await sqlDatabase({ credentials: url, schema: src, includeViews: true });
      assert.deepEqual([...withViews.resources.keys()].sort(), ["Order Lines", "big_lines", "log"]);
      assert.equal(withViews.resources.get("log")!.hints.primaryKey, undefined);
      const tablesOnly = await sqlDatabase({ credentials: url, schema: src });
      assert.deepEqual([...tablesOnly.resources.keys()].sort(), ["Order Lines", "log"]);
      const info = await p.run(withViews.withResources("log", "big_lines"));
      assert.deepEqual(info.rowCounts, { log: 1, big_lines: 3 });
    } finally {
      await adminQuery(`DROP SCHEMA IF EXISTS "${src}" CASCADE`);
    }
  },
);

postgresTest(
  "sql_database: whole tables copied again merge by the reflected key (delete-insert, upsert, scd2)",
  async ({ url, dataset }) => {
    const src = `${dataset}_src`;
    await adminQuery(
      `CREATE SCHEMA "${src}"; CREATE TABLE "${src}".items (id int PRIMARY KEY, name text);
     INSERT INTO "${src}".items VALUES (1, 'one'), (2, 'two'), (3, 'three');`,
    );
    try {
      const dir = await tempDir("sqldb_merge");
      for (const strategy of ["delete-insert", "upsert", "scd2"] as const) {
        const p = pipeline({
          pipelineName: `merge_${strategy.replace("-", "_")}`,
          destination: duckdb({ path: join(dir, `${strategy}.duckdb`) }),
          pipelinesDir: join(dir, "pipelines"),
        });
        const items = async () =>
          (await sqlTable({ credentials: url, schema: src, table: "items" }))
            .applyHints({ writeDisposition: { disposition: "merge", strategy } });
        assert.deepEqual((await p.run(await items())).rowCounts, { items: 3 });
        await adminQuery(
          `UPDATE "${src}".items SET name = 'TWO' WHERE id = 2; INSERT INTO "${src}".items VALUES (4, 'four');`,
        );
        assert.deepEqual((await p.run(await items())).rowCounts, { items: 4 });
        await adminQuery(
          `UPDATE "${src}".items SET name = 'two' WHERE id = 2; DELETE FROM "${src}".items WHERE id = 4;`,
        );
        const current = strategy === "scd2" ? " WHERE _dlt_valid_to IS NULL" : "";
        const names = await p.dataset().query<{ id: number; name: string }>(
          `SELECT id, name FROM items${current} ORDER BY id`,
        );
        assert.deepEqual(names.map((r) => `${r.id}:${r.name}`), [
          "1:one",
          "2:TWO",
          "3:three",
          "4:four",
        ]);
        if (strategy === "scd2") {
          // the old version of row 2 is closed, not gone
          assert.equal(await p.dataset().table("items").count(), 5);
        }
      }
    } finally {
      await adminQuery(`DROP SCHEMA IF EXISTS "${src}" CASCADE`);
    }
  },
);

postgresTest(
  "sql_database: cursor windows read as pages match the rows, run after run: min, an end value, row order, real, NULLs",
  async ({ url, dataset }) => {
    const src = `${dataset}_src`;
    const t = `"${src}".items`;
    await adminQuery(`CREATE SCHEMA "${src}"`);
    try {
      const dir = await tempDir("sqldb_windows");
      const cursors = [
        () => incremental("n", { lastValueFunc: "min", initialValue: 5 }),
        () => incremental("n", { initialValue: 2, endValue: 5, rowOrder: "desc" }),
        () => incremental("d", { initialValue: "2024-01-02", rowOrder: "asc" }),
        // a real's 1.1 is not the double 1.1: the boundary must still match it
        () => incremental("r"),
      ];
      for (const [i, cursor] of cursors.entries()) {
        await adminQuery(
          `DROP TABLE IF EXISTS ${t}; CREATE TABLE ${t} (id int PRIMARY KEY, n bigint, d date, r real);
           INSERT INTO ${t} SELECT i, i % 7, DATE '2024-01-01' + i % 5, (i % 4) / 10.0 + 1
             FROM generate_series(1, 40) AS i;`,
        );
        const p = pipeline({
          pipelineName: `windows_${i}`,
          destination: duckdb({ path: join(dir, `${i}.duckdb`) }),
          pipelinesDir: join(dir, "pipelines"),
        });
        const table = () =>
          sqlTable({ credentials: url, schema: src, table: "items", incremental: cursor() });
        const ids = async (name: string) =>
          (await p.dataset().query<{ id: number }>(`SELECT id FROM ${name} ORDER BY id`))
            .map((r) => r.id);
        // the second run: ties at every boundary, values past it, and a row without values
        // (which a started cursor's query leaves out, rows or pages)
        for (const change of [undefined, "ties"]) {
          if (change !== undefined) {
            await adminQuery(
              `INSERT INTO ${t} SELECT 100 + id, n, d, r FROM ${t} WHERE id <= 8;
               INSERT INTO ${t} VALUES (150, 9, DATE '2024-02-01', 2.5), (151, NULL, NULL, NULL);`,
            );
          }
          const pages = await table();
          const rows = (await table()).withName("rows").addMap((row) => row);
          const info = await p.run([pages, rows]);
          assert.equal(info.rowCounts.items, info.rowCounts.rows, `cursor ${i}, ${change}`);
          assert.deepEqual(await ids("items"), await ids("rows"), `cursor ${i}, ${change}`);
        }
        assert.ok((await ids("items")).length > 0);
      }
    } finally {
      await adminQuery(`DROP SCHEMA IF EXISTS "${src}" CASCADE`);
    }
  },
);

postgresTest(
  "sql_database: a run that fails while a table is copied ends at once, its connection dropped",
  async ({ url, dataset }) => {
    const src = `${dataset}_src`;
    await adminQuery(
      `CREATE SCHEMA "${src}"; CREATE TABLE "${src}".big (id int PRIMARY KEY, at timestamptz, v text);
     INSERT INTO "${src}".big SELECT i, TIMESTAMPTZ '2024-01-01Z' + i * INTERVAL '1 s', repeat('x', 200)
       FROM generate_series(1, 200000) AS i;`,
    );
    try {
      const dir = await tempDir("sqldb_stop");
      const p = pipeline({
        pipelineName: "stop",
        destination: duckdb({ path: join(dir, "stop.duckdb") }),
        pipelinesDir: join(dir, "pipelines"),
      });
      const failing = resource(async function* () {
        await new Promise((resolve) => setTimeout(resolve, 50));
        yield { a: 1 };
        throw new Error("the other resource failed");
      }, { name: "failing" });
      for (const cursor of [undefined, incremental("at")]) {
        const big = await sqlTable({
          credentials: url,
          schema: src,
          table: "big",
          incremental: cursor,
        });
        const started = performance.now();
        await assert.rejects(p.extract([big, failing]), /the other resource failed/);
        assert.ok(performance.now() - started < 4000, `took ${performance.now() - started} ms`);
      }
    } finally {
      await adminQuery(`DROP SCHEMA IF EXISTS "${src}" CASCADE`);
    }
  },
);

postgresTest(
  "sql_database: bad input names the table, column or schema",
  async ({ url, dataset }) => {
    const src = `${dataset}_src`;
    await adminQuery(
      `CREATE SCHEMA "${src}"; CREATE TABLE "${src}".items (id int PRIMARY KEY, at timestamptz);
     INSERT INTO "${src}".items VALUES (1, NULL), (2, '2024-01-01Z');`,
    );
    try {
      await assert.rejects(
        sqlTable({ credentials: url, schema: src, table: "nope" }),
        (e: Error) =>
          e instanceof SqlDatabaseError && /"nope"/.test(e.message) && /"items"/.test(e.message),
      );
      await assert.rejects(
        sqlDatabase({ credentials: url, schema: "no_such_schema" }),
        (e: Error) => /schema "no_such_schema"/.test(e.message) && /"public"/.test(e.message),
      );
      await assert.rejects(
        sqlTable({ credentials: url, schema: src, table: "items", incremental: incremental("ts") }),
        (e: Error) => /no column "ts"/.test(e.message) && /"id", "at"/.test(e.message),
      );
      const wrong = url.replace(/:\/\/([^:]+):[^@]+@/, "://$1:wrong-password@");
      await assert.rejects(
        sqlDatabase({ credentials: wrong, schema: src }),
        (e: Error) =>
          e instanceof SqlDatabaseError && /password authentication failed/.test(e.message) &&
          /sources\.sql_database\.credentials/.test(e.message) &&
          !e.message.includes("wrong-password"),
      );
      await assert.rejects(
        // deno-lint-ignore no-explicit-any
        sqlTable({ credentials: url, table: "items", chunk_size: 10 } as any),
        /chunkSize/,
      );
      const dir = await tempDir("sqldb_bad");
      const p = pipeline({
        pipelineName: "sqldb_bad",
        destination: duckdb({ path: join(dir, "bad.duckdb") }),
        pipelinesDir: join(dir, "pipelines"),
      });
      await assert.rejects(
        p.run(
          await sqlTable({
            credentials: url,
            schema: src,
            table: "items",
            incremental: incremental("at"),
          }),
        ),
        /items.*"at"/s,
      );
      const excluded = await sqlTable({
        credentials: url,
        schema: src,
        table: "items",
        incremental: incremental("at", { onCursorValueMissing: "exclude" }),
      });
      assert.deepEqual((await p.run(excluded)).rowCounts, { items: 1 });
    } finally {
      await adminQuery(`DROP SCHEMA IF EXISTS "${src}" CASCADE`);
    }
  },
);

postgresTest(
  "sql_database: credentials from config; unknown types load as text with a warning",
  async ({ url, dataset }) => {
    const src = `${dataset}_src`;
    await adminQuery(
      `CREATE SCHEMA "${src}"; CREATE TYPE "${src}".mood AS ENUM ('sad', 'happy');
       CREATE DOMAIN "${src}".price AS numeric(8,2) CHECK (VALUE >= 0);
       CREATE TABLE "${src}".odd (id int PRIMARY KEY, span interval, p point, mood "${src}".mood,
         cost "${src}".price);
       INSERT INTO "${src}".odd VALUES (1, '1 day 02:00', '(1,2)', 'happy', 12.5);`,
    );
    const warnings: string[] = [];
    const stop = onLog((record) => {
      if (record.level === "WARNING") warnings.push(record.message);
    });
    Deno.env.set("SOURCES__SQL_DATABASE__CREDENTIALS", url);
    try {
      const odd = await sqlDatabase({ schema: src });
      assert.deepEqual(warnings, [
        'Table "odd", column "span": the type "interval" has no dlt data type; it loads as text',
        'Table "odd", column "p": the type "point" has no dlt data type; it loads as text',
      ]);
      const dir = await tempDir("sqldb_odd");
      const p = pipeline({
        pipelineName: "sqldb_odd",
        destination: duckdb({ path: join(dir, "odd.duckdb") }),
        datasetName: "odd_data",
        pipelinesDir: join(dir, "pipelines"),
      });
      await p.run(odd);
      // an enum is text, a domain its base type: no warning for them
      assert.deepEqual(columnHintsOf(odd.resources.get("odd")!).cost, {
        dataType: "decimal",
        precision: 8,
        scale: 2,
        nullable: true,
      });
      assert.deepEqual(
        await p.dataset().table("odd").select("id", "span", "p", "mood", "cost").rows(),
        [{ id: 1, span: "1 day 02:00:00", p: "(1,2)", mood: "happy", cost: 12.5 }],
      );
    } finally {
      stop();
      Deno.env.delete("SOURCES__SQL_DATABASE__CREDENTIALS");
      await adminQuery(`DROP SCHEMA IF EXISTS "${src}" CASCADE`);
    }
  },
  { isolatedIn: import.meta.url },
);

postgresTest(
  "sql_database: values that need quoting or escaping read exactly; adapted queries; a read stopped early",
  async ({ url, dataset }) => {
    const src = `${dataset}_src`;
    const t = `"${src}"."odd ""names"""`;
    await adminQuery(
      `CREATE SCHEMA "${src}"; CREATE TYPE "${src}".pair AS (n int, s text);
       CREATE TABLE ${t} (id int PRIMARY KEY, dlt_query text, "a b" text, t text, big bigint,
         num numeric, f float8, at timestamptz, d date, data bytea, doc jsonb, tags text[],
         p "${src}".pair);
       CREATE TABLE "${src}".many AS SELECT i AS id FROM generate_series(1, 50000) AS i;`,
    );
    const insert =
      `INSERT INTO ${t} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;
    await adminQuery(insert, [
      1,
      "x",
      "",
      "tab\there\nnew line\r\\",
      "9223372036854775807",
      "NaN",
      "NaN",
      "infinity",
      "-infinity",
      "\\x00225c2c2829",
      '{"q": "a \\"b\\" \\\\ c", "n": [1, null]}',
      '{"a,b",NULL,"\\"",""}',
      '(1,"a b")',
    ]);
    await adminQuery(insert, [
      2,
      null,
      null,
      ' (a, b) "c" \\ d ',
      "-9223372036854775808",
      "123456789012345678901234567890.123456789",
      "Infinity",
      "2024-02-29 23:59:59.999999+00",
      "2024-02-29",
      "\\x",
      "[]",
      "{}",
      "(,)",
    ]);
    await adminQuery(insert, [
      3,
      "NULL",
      "\\N",
      "é 🦕 \uE000x",
      null,
      null,
      "-0",
      "0044-03-15 12:00:00+00 BC",
      "5874897-12-31",
      null,
      "null",
      null,
      null,
    ]);
    try {
      const rows: Record<string, unknown>[] = [];
      const odd = await sqlTable({
        credentials: url,
        schema: src,
        table: 'odd "names"',
        chunkSize: 2,
      });
      for await (const row of odd) rows.push(row as Record<string, unknown>);
      assert.deepEqual(rows.sort((a, b) => (a.id as number) - (b.id as number)), [
        {
          id: 1,
          dlt_query: "x",
          "a b": "",
          t: "tab\there\nnew line\r\\",
          big: 9223372036854775807n,
          num: "NaN",
          f: NaN,
          at: "infinity",
          d: "-infinity",
          data: new Uint8Array([0x00, 0x22, 0x5c, 0x2c, 0x28, 0x29]),
          doc: { q: 'a "b" \\ c', n: [1, null] },
          tags: ["a,b", null, '"', ""],
          p: '(1,"a b")',
        },
        {
          id: 2,
          dlt_query: null,
          "a b": null,
          t: ' (a, b) "c" \\ d ',
          big: -9223372036854775808n,
          num: "123456789012345678901234567890.123456789",
          f: Infinity,
          at: "2024-02-29T23:59:59.999999Z",
          d: "2024-02-29",
          data: new Uint8Array(),
          doc: [],
          tags: [],
          p: "(,)",
        },
        {
          id: 3,
          dlt_query: "NULL",
          "a b": "\\N",
          t: "é 🦕 \uE000x",
          big: null,
          num: null,
          f: -0,
          at: "0044-03-15 12:00:00+00 BC",
          d: "5874897-12-31",
          data: null,
          doc: null,
          tags: null,
          p: null,
        },
      ]);

      // a query adapter's parameters and final `;`
      const adapted = await sqlTable({
        credentials: url,
        schema: src,
        table: 'odd "names"',
        includedColumns: ["id", "t"],
        queryAdapterCallback: (query) => ({
          sql: `${query.sql} WHERE id >= $1 AND t <> $2 ORDER BY id DESC;`,
          params: [2, "none"],
        }),
      });
      const picked: unknown[] = [];
      for await (const row of adapted) picked.push(row);
      assert.deepEqual(picked, [{ id: 3, t: "é 🦕 \uE000x" }, { id: 2, t: ' (a, b) "c" \\ d ' }]);

      // three pages of 100 rows, then the read stops: its transaction ends with it
      const dir = await tempDir("sqldb_limit");
      const p = pipeline({
        pipelineName: "sqldb_limit",
        destination: "dummy",
        pipelinesDir: join(dir, "pipelines"),
      });
      const many = await sqlTable({ credentials: url, schema: src, table: "many", chunkSize: 100 });
      const info = await p.extract(many.addLimit(3));
      assert.deepEqual(info.itemCounts, { many: 300 });
      // a transaction still open would hold a lock the DROP waits for
      await adminQuery(`SET lock_timeout = '5s'; DROP TABLE "${src}".many`);
    } finally {
      await adminQuery(`DROP SCHEMA IF EXISTS "${src}" CASCADE`);
    }
  },
);
