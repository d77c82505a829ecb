/**
 * SQL through `dataset().query()` and `sqlClient()` on DuckDB: parameters bind (as dlt's
 * `execute_sql(sql, *args)`), calls that would drop them are refused, and every failing
 * statement is a `DestinationError` carrying DuckDB's message and error.
 */
import assert from "node:assert/strict";
import { DestinationError } from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";
import { nativeQuery } from "./_native_duckdb.ts";

const ITEMS = [
  { id: 1, name: "ada", active: true, joined: "2024-01-02T03:04:05Z" },
  { id: 2, name: "grace", active: false, joined: "2024-02-03T04:05:06Z" },
  { id: 3, name: "o'hara", active: true, joined: "2024-03-04T05:06:07Z" },
];

async function loaded(name: string) {
  const setup = await tempPipeline(name);
  await setup.p.run(ITEMS, { tableName: "items" });
  return setup;
}

/** The rejection of `promise` (fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  return await promise.then(
    () => assert.fail("expected a rejection"),
    (error: Error) => error,
  );
}

Deno.test("dataset().query binds parameters to ? and $n placeholders", async () => {
  const { p } = await loaded("query_parameters");
  const dataset = p.dataset();
  assert.deepEqual(await dataset.query("SELECT name FROM items WHERE id = ?", [2]), [
    { name: "grace" },
  ]);
  assert.deepEqual(
    await dataset.query(
      "SELECT id FROM items WHERE name = $1 OR (id > $2 AND active = $3) ORDER BY id",
      ["o'hara", 1, true],
    ),
    [{ id: 3 }],
  );
  // a Date compares with the TIMESTAMPTZ column, a bigint with the BIGINT one
  assert.deepEqual(
    await dataset.query("SELECT id FROM items WHERE joined > ? AND id < ? ORDER BY id", [
      new Date("2024-01-15T00:00:00Z"),
      3n,
    ]),
    [{ id: 2 }],
  );
  assert.deepEqual(await dataset.query("SELECT coalesce(?, 'none') AS v", [null]), [{ v: "none" }]);
  // no parameters, or an empty list, run the SQL as it is
  assert.deepEqual(await dataset.query("SELECT count(*) AS n FROM items", []), [{ n: 3 }]);
});

Deno.test("sqlClient() binds parameters in query, queryArrow and execute; values are stored as given", async () => {
  const { p, dbPath } = await loaded("client_parameters");
  const injection = "x'); DROP TABLE items; --";
  {
    await using client = await p.sqlClient();
    await client.execute(
      "CREATE TABLE typed (i BIGINT, h HUGEINT, f DOUBLE, s VARCHAR, b BOOLEAN, t TIMESTAMPTZ, d DATE, bytes BLOB, n VARCHAR)",
    );
    await client.execute("INSERT INTO typed VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
      9007199254740993n,
      -(2n ** 100n),
      -1.25,
      injection,
      false,
      new Date("2024-05-06T07:08:09.123Z"),
      new Date("2024-05-06T00:00:00Z"),
      new Uint8Array([0, 1, 254, 255]),
      null,
    ]);
    assert.deepEqual(await client.query("SELECT * FROM typed WHERE s = ?", [injection]), [{
      i: 9007199254740993n,
      h: -(2n ** 100n),
      f: -1.25,
      s: injection,
      b: false,
      t: new Date("2024-05-06T07:08:09.123Z"),
      d: new Date("2024-05-06T00:00:00Z"),
      bytes: new Uint8Array([0, 1, 254, 255]),
      n: null,
    }]);
    const table = await client.queryArrow("SELECT id FROM items WHERE id >= ? ORDER BY id", [2]);
    assert.deepEqual(table.toArray().map((row) => Number(row.id)), [2, 3]);
    assert.equal((await client.query("SELECT count(*) AS n FROM items")).length, 1);
  }
  assert.deepEqual(
    await nativeQuery(
      dbPath,
      "SELECT i::VARCHAR AS i, h::VARCHAR AS h, s, hex(bytes) AS bytes, t::VARCHAR AS t, d::VARCHAR AS d " +
        "FROM client_parameters_data.typed",
      { setup: ["SET TimeZone = 'UTC'"] },
    ),
    [{
      i: "9007199254740993",
      h: "-1267650600228229401496703205376",
      s: injection,
      bytes: "0001FEFF",
      t: "2024-05-06 07:08:09.123+00",
      d: "2024-05-06",
    }],
  );
});

Deno.test("parameters are never ignored: other call forms and unbindable values are TypeErrors", async () => {
  const { p } = await loaded("refused_parameters");
  const dataset = p.dataset();
  const query = dataset.query as (...args: unknown[]) => Promise<unknown>;
  const variadic = await rejection(query.call(dataset, "SELECT * FROM items WHERE id = ?", 2));
  assert.ok(variadic instanceof TypeError);
  assert.match(
    variadic.message,
    /Parameters of query\(\) must be one array, as in query\(sql, \[2\]\); got 2/,
  );
  await using client = await p.sqlClient();
  const execute = client.execute as (...args: unknown[]) => Promise<unknown>;
  const several = await rejection(execute.call(client, "SELECT ?, ?", 1, "a"));
  assert.ok(several instanceof TypeError);
  assert.match(several.message, /as in execute\(sql, \[1, "a"\]\); got 1, "a"/);
  const cases: [unknown, RegExp][] = [
    [NaN, /Query parameter 1 cannot be bound: NaN has no JSON form.*'NaN'::DOUBLE/],
    [Infinity, /'Infinity'::DOUBLE/],
    [undefined, /Query parameter 1 cannot be bound: it is undefined \(pass null for SQL NULL\)/],
    [new Date(NaN), /an invalid Date/],
    [
      [1, 2],
      /a list of 2 items is not a string, number, bigint, boolean, null, Date or Uint8Array/,
    ],
    [{ id: 1 }, /an object with keys id is not a string/],
  ];
  for (const [value, message] of cases) {
    const error = await rejection(client.query("SELECT ? AS v", [value]));
    assert.ok(error instanceof TypeError, String(error));
    assert.match(error.message, message);
  }
  // the client is still usable
  assert.deepEqual(await client.query("SELECT ? AS v", ["ok"]), [{ v: "ok" }]);
});

Deno.test("every failing statement is a DestinationError with DuckDB's message and error", async () => {
  const { p } = await loaded("query_errors");
  const dataset = p.dataset();
  const missing = await rejection(dataset.table("nope").rows());
  assert.ok(missing instanceof DestinationError);
  // the database's error explained: the tables the dataset has, DuckDB's error as the cause
  assert.match(
    missing.message,
    /^Table "nope" is not in dataset "[^"]+"; its tables: _dlt_.*, items$/,
  );
  assert.ok(missing.cause instanceof DestinationError);
  assert.match(missing.cause.message, /^Catalog Error: Table with name nope does not exist!/);
  assert.ok(
    missing.cause.cause instanceof Error && !(missing.cause.cause instanceof DestinationError),
  );
  // each started when its turn comes: a rejection nobody waits for yet would be uncaught
  const cases: [() => Promise<unknown>, RegExp][] = [
    [() => dataset.query("SELECT nosuch FROM items"), /^Binder Error: Referenced column "nosuch"/],
    [() => dataset.query("SELEC 1"), /^Parser Error: syntax error at or near "SELEC"/],
    [() => dataset.table("nope").count(), /Table "nope" is not in dataset/],
    [
      () => dataset.query("SELECT * FROM items WHERE id = ?"),
      // DuckDB-WASM's words, and native DuckDB's
      /Expected 1 parameters, but none|Values were not provided for .* parameters: 1/,
    ],
    [() => dataset.query("SELECT 1 AS one", [1]), /Parameter argument\/count mismatch/],
    [() => dataset.query("SELECT 1; SELECT ? AS v", [1]), /Cannot prepare multiple statements/],
  ];
  for (const [start, message] of cases) {
    const error = await rejection(start());
    assert.ok(error instanceof DestinationError, String(error));
    assert.match(error.message, message);
    assert.ok(error.cause instanceof Error);
  }
  await using client = await p.sqlClient();
  for (
    const start of [
      () => client.query("SELECT * FROM nope"),
      () => client.queryArrow("SELECT * FROM nope"),
      () => client.execute("INSERT INTO nope VALUES (1)"),
    ]
  ) {
    const error = await rejection(start());
    assert.ok(error instanceof DestinationError);
    assert.match(error.message, /Table with name nope does not exist/);
  }
  // DuckDB quotes the whole value; the message keeps 500 characters of a line
  const long = "x".repeat(20_000);
  const conversion = await rejection(client.query(`SELECT '${long}'::INTEGER AS n`));
  assert.ok(conversion instanceof DestinationError);
  assert.match(conversion.message, /^Conversion Error: Could not convert string 'xxx/);
  assert.match(conversion.message, /… \(\d+ characters\)/);
  assert.ok(conversion.message.length < 2_000, `${conversion.message.length} characters`);
  assert.ok((conversion.cause as Error).message.includes(long));
  assert.deepEqual(await client.query("SELECT count(*) AS n FROM items"), [{ n: 3 }]);
});

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
