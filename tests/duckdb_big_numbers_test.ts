/**
 * Integers and decimals beyond what a JS number holds read back exactly, through every read path
 * (`dataset().query`, `table().rows()`, `sqlClient()`), with native DuckDB as the reference:
 * numbers where a number holds the value exactly, else a `bigint` (integers) or DuckDB's exact
 * text (decimals with a scale).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { pipeline } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { tempDir, tempPipeline } from "./_helpers.ts";
import { nativeQuery } from "./_native_duckdb.ts";

/** Whether `value`, read by the pipeline, is the value native DuckDB prints as `text`, exactly. */
function sameValue(value: unknown, text: string): boolean {
  switch (typeof value) {
    case "string":
      return value === text;
    case "bigint":
      return value === BigInt(text);
    case "number": {
      // the number, written out to the digits of DuckDB's text, is that text
      const scale = text.includes(".") ? text.length - text.indexOf(".") - 1 : 0;
      return (!Number.isInteger(value) || Number.isSafeInteger(value)) &&
        value.toFixed(scale) === text;
    }
    default:
      return false;
  }
}

/** Checks every value of `rows` against native DuckDB's text of it in `native`. */
function assertSameAsNative(
  rows: Record<string, unknown>[],
  native: Record<string, unknown>[],
  columns: string[],
): void {
  assert.equal(rows.length, native.length);
  rows.forEach((row, i) => {
    for (const column of columns) {
      const text = native[i][column] as string | null;
      if (text === null) assert.equal(row[column], null);
      else {assert.ok(
          sameValue(row[column], text),
          `${column} of row ${i}: ${row[column]} ≠ ${text}`,
        );}
    }
  });
}

const LOADED = [
  {
    id: 1,
    big: 18446744073709551615n,
    amount: "12345678901234567890123456789.123456789",
    price: "12.34",
  },
  { id: 2, big: -9223372036854775809n, amount: "-0.000000001", price: "-0.5" },
  { id: 3, big: 12345678901234567890123n, amount: "0.1", price: "99999999.99" },
  { id: 4, big: 9007199254740993n, amount: "123456789.123456789", price: null },
  { id: 5, big: 5n, amount: "-2.5", price: "0.01" },
];

/** What the pipeline returns for {@linkcode LOADED}. */
const EXPECTED = [
  {
    id: 1,
    big: "18446744073709551615.000000000",
    amount: "12345678901234567890123456789.123456789",
    price: 12.34,
  },
  { id: 2, big: "-9223372036854775809.000000000", amount: -1e-9, price: -0.5 },
  { id: 3, big: "12345678901234567890123.000000000", amount: 0.1, price: 99999999.99 },
  // 2^53 + 1 has no number of its own; 18 digits are more than a number keeps
  { id: 4, big: "9007199254740993.000000000", amount: "123456789.123456789", price: null },
  { id: 5, big: 5, amount: -2.5, price: 0.01 },
];

const COLUMNS = ["id", "big", "amount", "price"];

Deno.test("decimals beyond a JS number read back exactly through every read path", async () => {
  const { p, dbPath } = await tempPipeline("big_decimals");
  await p.run(LOADED, {
    tableName: "bi",
    columns: {
      amount: { dataType: "decimal" },
      price: { dataType: "decimal", precision: 10, scale: 2 },
    },
  });
  const native = await nativeQuery(
    dbPath,
    "SELECT id::VARCHAR AS id, big::VARCHAR AS big, amount::VARCHAR AS amount, " +
      "price::VARCHAR AS price, typeof(big) AS big_type, typeof(amount) AS amount_type " +
      "FROM big_decimals_data.bi ORDER BY id",
  );
  // a bigint beyond 64 bits is a decimal, as dlt's default decimal type
  assert.deepEqual(
    [native[0].big_type, native[0].amount_type],
    ["DECIMAL(38,9)", "DECIMAL(38,9)"],
  );
  const select = "SELECT id, big, amount, price FROM bi ORDER BY id";
  const byQuery = await p.dataset().query(select);
  const byTable = await p.dataset().table("bi").select(...COLUMNS).orderBy("id").rows();
  let byClient: Record<string, unknown>[];
  {
    await using client = await p.sqlClient();
    byClient = await client.query(
      `SELECT id, big, amount, price FROM ${client.qualifiedName("bi")} ORDER BY id`,
    );
  }
  for (const rows of [byQuery, byTable, byClient]) {
    assert.deepEqual(rows, EXPECTED);
    assertSameAsNative(rows, native, COLUMNS);
  }
  // Arrow keeps DuckDB's representation: the unscaled integer, with the scale in the type
  const arrow = await p.dataset().table("bi").select("big").orderBy("id").arrow();
  const field = arrow.schema.fields[0];
  assert.equal((field.type as unknown as { scale: number }).scale, 9);
  assert.equal(String(arrow.getChild("big")!.get(0)), "18446744073709551615000000000");
});

Deno.test("HUGEINT and UBIGINT values written with parameters read back as native DuckDB reads them", async () => {
  const { p, dbPath } = await tempPipeline("wide_integers");
  await p.run([{ id: 0 }], { tableName: "seed" });
  const huge = 2n ** 127n - 1n;
  const values = [
    [1, huge, 2n ** 64n - 1n, "-12345678901234567890123456789.123456789"],
    [2, -huge, 0n, 0.5],
    [3, 42n, 2n ** 53n + 1n, 7n],
    [4, null, null, null],
  ];
  let rows: Record<string, unknown>[];
  {
    await using client = await p.sqlClient();
    await client.execute("CREATE TABLE wide (id INTEGER, h HUGEINT, u UBIGINT, d DECIMAL(38,9))");
    for (const row of values) await client.execute("INSERT INTO wide VALUES (?, ?, ?, ?)", row);
    rows = await client.query("SELECT * FROM wide ORDER BY id");
  }
  assert.deepEqual(rows, [
    { id: 1, h: huge, u: 18446744073709551615n, d: "-12345678901234567890123456789.123456789" },
    { id: 2, h: -huge, u: 0, d: 0.5 },
    { id: 3, h: 42, u: 9007199254740993n, d: 7 },
    { id: 4, h: null, u: null, d: null },
  ]);
  const native = await nativeQuery(
    dbPath,
    "SELECT id::VARCHAR AS id, h::VARCHAR AS h, u::VARCHAR AS u, d::VARCHAR AS d " +
      "FROM wide_integers_data.wide ORDER BY id",
  );
  assert.deepEqual(native[0], {
    id: "1",
    h: "170141183460469231731687303715884105727",
    u: "18446744073709551615",
    d: "-12345678901234567890123456789.123456789",
  });
  assertSameAsNative(rows, native, ["id", "h", "u", "d"]);
});

Deno.test("wide integers and decimals that native DuckDB wrote read back exactly", async () => {
  const dir = await tempDir("native_written");
  const path = join(dir, "native.duckdb");
  const instance = await DuckDBInstance.create(path);
  try {
    const connection = await instance.connect();
    await connection.run(`CREATE SCHEMA numbers;
      CREATE TABLE numbers.t (id INTEGER, h HUGEINT, u UBIGINT, b BIGINT, d DECIMAL(38,9),
        s DECIMAL(18,3), z DECIMAL(38,0));
      INSERT INTO numbers.t VALUES
        (1, -170141183460469231731687303715884105727, 18446744073709551615, -9223372036854775808,
          99999999999999999999999999999.999999999, 123456789012345.678, -99999999999999999999999999999999999999),
        (2, 9007199254740991, 9007199254740992, 9007199254740993, 0.000000001, -0.5, 12),
        (3, 0, 1, -1, -7.25, 1.1, 0)`);
    connection.closeSync();
  } finally {
    instance.closeSync();
  }
  const p = pipeline({
    pipelineName: "reads_native",
    destination: duckdb({ path }),
    pipelinesDir: join(dir, "pipelines"),
  });
  let rows: Record<string, unknown>[];
  {
    await using client = await p.sqlClient();
    rows = await client.query("SELECT * FROM numbers.t ORDER BY id");
  }
  const columns = ["id", "h", "u", "b", "d", "s", "z"];
  const native = await nativeQuery(
    path,
    `SELECT ${columns.map((c) => `${c}::VARCHAR AS ${c}`).join(", ")} FROM numbers.t ORDER BY id`,
  );
  assertSameAsNative(rows, native, columns);
  assert.deepEqual(rows[0], {
    id: 1,
    h: -170141183460469231731687303715884105727n,
    u: 18446744073709551615n,
    b: -9223372036854775808n,
    d: "99999999999999999999999999999.999999999",
    // 18 significant digits are more than a number keeps
    s: "123456789012345.678",
    z: -99999999999999999999999999999999999999n,
  });
  assert.deepEqual(rows[2], { id: 3, h: 0, u: 1, b: -1, d: -7.25, s: 1.1, z: 0 });
});
