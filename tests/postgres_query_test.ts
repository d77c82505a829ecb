/**
 * The postgres destination's SQL client against a real server: placeholders `$1` and `?`,
 * parameter types, names resolved in the dataset, Arrow results and statement errors.
 */
import assert from "node:assert/strict";
import { DestinationError } from "../lib/errors.ts";
import { Type } from "../lib/deps/apache_arrow.ts";
import { PostgresConnection } from "../destinations/postgres/_connection.ts";
import { PostgresSqlClient } from "../destinations/postgres/_sql_client.ts";
import { postgresTest, type PostgresTestContext } from "./_postgres.ts";

/** A SQL client of the test's dataset, with a table `items` in it. */
async function withItems(
  { credentials, dataset }: PostgresTestContext,
  fn: (sql: PostgresSqlClient) => Promise<void>,
): Promise<void> {
  const connection = await PostgresConnection.open(credentials, dataset);
  try {
    const sql = new PostgresSqlClient(connection, dataset);
    await sql.execute(`CREATE SCHEMA "${dataset}"`);
    await sql.execute(
      "CREATE TABLE items (id bigint, name varchar, at timestamptz, data bytea, doc jsonb)",
    );
    await sql.execute(
      `INSERT INTO items VALUES (1, 'one?', '2024-01-01T00:00:00Z', '\\x01', '{"k": 1}'),
        (2, 'two', NULL, NULL, '{"x": true}'), (3, 'it''s', NULL, NULL, NULL)`,
    );
    await fn(sql);
  } finally {
    await connection.close();
  }
}

postgresTest("query binds $1 and ? placeholders", (context) =>
  withItems(context, async (sql) => {
    assert.deepEqual(await sql.query("SELECT name FROM items WHERE id = $1", [2]), [
      { name: "two" },
    ]);
    assert.deepEqual(
      await sql.query("SELECT id FROM items WHERE id > ? AND name <> '?' ORDER BY id", [1]),
      [{ id: 2 }, { id: 3 }],
    );
    assert.deepEqual(
      await sql.query("SELECT id FROM items WHERE id = ANY(?) AND name = ?", [[1, 3], "it's"]),
      [{ id: 3 }],
    );
    // jsonb's ? operator, where the placeholders are numbered
    assert.deepEqual(await sql.query("SELECT id FROM items WHERE doc ? $1", ["k"]), [{ id: 1 }]);
    // values of every kind JS has
    const [row] = await sql.query(
      "SELECT $1::numeric AS big, $2::timestamptz AS at, $3::bytea AS data, $4::boolean AS flag, $5::text AS nothing",
      [2n ** 70n, new Date("2024-05-06T07:08:09.123Z"), new Uint8Array([0, 255]), true, null],
    );
    assert.deepEqual(row, {
      big: "1180591620717411303424",
      at: new Date("2024-05-06T07:08:09.123Z"),
      data: new Uint8Array([0, 255]),
      flag: true,
      nothing: null,
    });
    assert.deepEqual(
      await sql.query("SELECT id FROM items WHERE data = $1", [new Uint8Array([1])]),
      [{ id: 1 }],
    );
    // the dataset's tables by qualified name, from anywhere
    assert.equal(sql.qualifiedName("items"), `"${context.dataset}"."items"`);
    assert.deepEqual(
      await sql.query(`SELECT count(*) AS n FROM ${sql.qualifiedName("items")}`),
      [{ n: 3 }],
    );
    // several statements without parameters: the last one's rows
    assert.deepEqual(await sql.query("SELECT 1 AS a; SELECT 2 AS b"), [{ b: 2 }]);
    assert.deepEqual(await sql.query("SELECT 1 AS a", []), [{ a: 1 }]);
  }));

postgresTest(
  "bad arguments are TypeErrors and failing statements DestinationErrors",
  (context) =>
    withItems(context, async (sql) => {
      await assert.rejects(sql.query("SELECT ?", [undefined]), {
        name: "TypeError",
        message: /Query parameter 1 cannot be bound: it is undefined/,
      });
      await assert.rejects(sql.query("SELECT ?", [{ a: 1 }]), {
        name: "TypeError",
        message: /JSON\.stringify/,
      });
      await assert.rejects(
        (sql.execute as (...args: unknown[]) => Promise<void>)("SELECT ?, ?", 1, 2),
        { name: "TypeError", message: /Parameters of execute\(\) must be one array/ },
      );
      await assert.rejects(sql.query("SELECT * FROM missing_table"), (error: Error) => {
        assert.ok(error instanceof DestinationError);
        assert.equal(error.message, 'relation "missing_table" does not exist');
        assert.equal((error.cause as { code?: string }).code, "42P01");
        return true;
      });
      await assert.rejects(sql.query("SELECT $1, $2", [1]), {
        name: "DestinationError",
        message: /bind message supplies 1 parameters, but prepared statement "" requires 2/,
      });
      // the connection goes on after an error
      assert.deepEqual(await sql.query("SELECT 1 AS one"), [{ one: 1 }]);
    }),
);

postgresTest("queryArrow returns typed columns", (context) =>
  withItems(context, async (sql) => {
    const table = await sql.queryArrow(
      "SELECT id, name, at, data, 1.50::numeric(5,2) AS price FROM items WHERE id = ?",
      [1],
    );
    assert.deepEqual(
      table.schema.fields.map((f) => [f.name, Type[f.type.typeId]]),
      [["id", "Int"], ["name", "Utf8"], ["at", "Timestamp"], ["data", "Binary"], [
        "price",
        "Decimal",
      ]],
    );
    const row = table.get(0)!.toJSON();
    assert.equal(row.id, 1n);
    assert.equal(row.name, "one?");
    assert.equal(row.at, Date.UTC(2024, 0, 1));
    assert.deepEqual([...row.data], [1]);
  }));

postgresTest("the connection carries the application name of the credentials", async (context) => {
  for (
    const [applicationName, shown] of [[undefined, "denodlt"], ["nightly load", "nightly load"]]
  ) {
    const connection = await PostgresConnection.open(
      { ...context.credentials, applicationName },
      context.dataset,
    );
    try {
      const sql = new PostgresSqlClient(connection, context.dataset);
      assert.deepEqual(await sql.query("SELECT current_setting('application_name') AS name"), [
        { name: shown },
      ]);
    } finally {
      await connection.close();
    }
  }
});
