/**
 * The {@linkcode DuckDbDriver} contract, run against both drivers: DuckDB-WASM (`_database.ts`)
 * and native DuckDB (`_native_database.ts`) must return the same values, bind parameters the same
 * way, run several statements, reject failing ones and leave no write-ahead log.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { Type } from "../../lib/deps/apache_arrow.ts";
import type { Decimal } from "../../lib/deps/apache_arrow.ts";
import type { DuckDbDriver } from "./_driver.ts";
import { bindParameters } from "./_parameters.ts";
import { driverTest } from "./_testdata/drivers.ts";
import { createNewerFormatFile, LAYOUT_QUERY } from "./_testdata/layout.ts";

driverTest("query converts DuckDB values to plain JS values", async (open, dir) => {
  const db = await open(join(dir, "values.duckdb"));
  const [row] = await db.query(`
    SELECT 42::BIGINT AS small, 9007199254740993::BIGINT AS big,
      -170141183460469231731687303715884105727::HUGEINT AS huge, -12.34::DECIMAL(10, 2) AS dec,
      123456789.123456::DECIMAL(38, 6) AS wide, -7::HUGEINT AS hugeSmall,
      18446744073709551615::UBIGINT AS ubig, 7::TINYINT AS tiny, 1.5::FLOAT AS float,
      TIMESTAMP '2024-01-02 03:04:05.678' AS ts, TIMESTAMPTZ '2024-01-02T03:04:05+02:00' AS tstz,
      DATE '2024-01-02' AS day, TIMESTAMP '1960-01-01 00:00:00.5' AS old,
      '\\x01\\x02'::BLOB AS bytes, [1, 2] AS list, [[1], NULL, []] AS nested,
      {'a': 1, 'b': 'x', 'c': [2.5::DECIMAL(4, 1)]} AS struct, MAP {'k': 2} AS map,
      'text' AS text, 'héllo 😀' AS unicode, true AS yes, NULL AS nothing`);
  assert.deepEqual(row, {
    small: 42,
    big: 9007199254740993n,
    huge: -170141183460469231731687303715884105727n,
    dec: -12.34,
    wide: 123456789.123456,
    hugeSmall: -7,
    ubig: 18446744073709551615n,
    tiny: 7,
    float: 1.5,
    ts: new Date("2024-01-02T03:04:05.678Z"),
    tstz: new Date("2024-01-02T01:04:05Z"),
    day: new Date("2024-01-02T00:00:00Z"),
    old: new Date("1960-01-01T00:00:00.500Z"),
    bytes: new Uint8Array([1, 2]),
    list: [1, 2],
    nested: [[1], null, []],
    struct: { a: 1, b: "x", c: [2.5] },
    map: { k: 2 },
    text: "text",
    unicode: "héllo 😀",
    yes: true,
    nothing: null,
  });
  // a decimal is a number where the number's shortest text is that decimal, else exact text
  const [decimals] = await db.query(`
    SELECT 0.1::DECIMAL(38, 9) AS tenth, -0.000000001::DECIMAL(38, 9) AS tiny,
      0.100000000000000006::DECIMAL(38, 18) AS close, 1234567890.12345678::DECIMAL(38, 8) AS long,
      123456789012.345::DECIMAL(18, 3) AS fifteen, '100000000000000000000'::DECIMAL(38, 9) AS whole,
      99999999999999999::DECIMAL(17, 0) AS integral, 0::DECIMAL(38, 9) AS zero`);
  assert.deepEqual(decimals, {
    tenth: 0.1,
    tiny: -1e-9,
    close: "0.100000000000000006",
    long: "1234567890.12345678",
    fifteen: 123456789012.345,
    whole: 1e20,
    integral: 99999999999999999n,
    zero: 0,
  });
  // NULLs in every position, and many rows (more than one DuckDB chunk of 2048)
  const rows = await db.query<{ id: number; label: string | null; flag: boolean | null }>(
    `SELECT range AS id, CASE WHEN range % 3 = 0 THEN NULL ELSE 'n' || range END AS label,
       CASE WHEN range % 5 = 0 THEN NULL ELSE range % 2 = 0 END AS flag
     FROM range(5000) ORDER BY id`,
  );
  assert.equal(rows.length, 5000);
  assert.deepEqual(rows[4999], { id: 4999, label: "n4999", flag: false });
  assert.deepEqual(rows[3000], { id: 3000, label: null, flag: null });
  assert.equal(rows.filter((r) => r.label === null).length, 1667);
  assert.equal(rows.filter((r) => r.flag === true).length, 2000);
  assert.deepEqual(await db.query("SELECT 1 AS n WHERE false"), []);
  await db.close();
});

driverTest(
  "queryArrow returns decimals as Arrow decimals of their unscaled value",
  async (open) => {
    const db = await open(":memory:");
    const table = await db.queryArrow(
      "SELECT -12.34::DECIMAL(10, 2) AS d, 12345678901234567890123.5::DECIMAL(38, 1) AS w, 5::HUGEINT AS h",
    );
    const types = table.schema.fields.map((field) => {
      assert.equal(field.type.typeId, Type.Decimal);
      const { precision, scale, bitWidth } = field.type as Decimal;
      return { precision, scale, bitWidth };
    });
    assert.deepEqual(types, [
      { precision: 10, scale: 2, bitWidth: 128 },
      { precision: 38, scale: 1, bitWidth: 128 },
      { precision: 38, scale: 0, bitWidth: 128 },
    ]);
    const unscaled = (words: Uint32Array) =>
      BigInt.asIntN(
        128,
        [...words].reduceRight((value, word) => (value << 32n) | BigInt(word), 0n),
      );
    assert.equal(unscaled(table.getChild("d")!.get(0)), -1234n);
    assert.equal(unscaled(table.getChild("w")!.get(0)), 123456789012345678901235n);
    assert.equal(unscaled(table.getChild("h")!.get(0)), 5n);
    await db.close();
  },
);

driverTest(
  "decimals are numbers exactly when the number's text is the decimal (random values)",
  async (open) => {
    // random decimals of 1 to `precision` digits, from a fixed seed
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const db = await open(":memory:");
    for (const [precision, scale] of [[38, 9], [18, 3], [38, 20], [17, 16], [38, 30], [10, 2]]) {
      const literals = Array.from({ length: 300 }, () => {
        const length = 1 + Math.floor(random() * precision);
        const digits = Array.from({ length }, () => Math.floor(random() * 10)).join("")
          .padStart(scale + 1, "0");
        const point = digits.length - scale;
        const sign = random() < 0.5 ? "-" : "";
        return `('${sign}${digits.slice(0, point)}.${
          digits.slice(point)
        }'::DECIMAL(${precision}, ${scale}))`;
      });
      const rows = await db.query<{ value: unknown; text: string }>(
        `SELECT value, value::VARCHAR AS text FROM (VALUES ${literals.join(", ")}) AS t(value)`,
      );
      for (const { value, text } of rows) {
        if (typeof value === "number") assert.equal(value, Number(text), text);
        else assert.equal(value, text);
      }
    }
    await db.close();
  },
);

driverTest(
  "parameters of every bound form reach DuckDB as bindParameters makes them",
  async (open) => {
    const db = await open(":memory:");
    await db.run(
      `CREATE TABLE kinds (i BIGINT, d DOUBLE, s VARCHAR, b BOOLEAN, n INTEGER, h HUGEINT,
       t TIMESTAMPTZ, x BLOB, u BIGINT, e DECIMAL(38, 9))`,
    );
    const values = [
      42,
      1.5,
      "it's",
      true,
      null,
      2n ** 64n,
      new Date("2024-01-02T03:04:05.678Z"),
      new Uint8Array([0, 255]),
      2 ** 60,
      "-0.000000001",
    ];
    await db.run("INSERT INTO kinds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", bindParameters(values));
    assert.deepEqual(await db.query("SELECT * FROM kinds"), [{
      i: 42,
      d: 1.5,
      s: "it's",
      b: true,
      n: null,
      h: 2n ** 64n,
      t: new Date("2024-01-02T03:04:05.678Z"),
      x: new Uint8Array([0, 255]),
      u: 2n ** 60n,
      e: -1e-9,
    }]);
    // the type each form binds as where nothing else gives the placeholder one
    assert.deepEqual(
      await db.query(
        "SELECT typeof(?) AS number, typeof(?) AS integer, typeof(?) AS text, typeof(?) AS flag",
        bindParameters([1.5, 7, "x", false]),
      ),
      [{ number: "DOUBLE", integer: "DOUBLE", text: "VARCHAR", flag: "BOOLEAN" }],
    );
    // `$n` placeholders, one used twice; a comparison casts the text to the column's type
    assert.deepEqual(
      await db.query(
        "SELECT $1 || $1 AS twice, count(*) AS n FROM kinds WHERE t = $2 AND x = $3 AND h = $4",
        bindParameters([
          "ab",
          new Date("2024-01-02T03:04:05.678Z"),
          new Uint8Array([0, 255]),
          2n ** 64n,
        ]),
      ),
      [{ twice: "abab", n: 1 }],
    );
    await assert.rejects(
      db.query("SELECT ? AS a, ? AS b", bindParameters([1])),
      /parameter|2/i,
    );
    await db.close();
  },
);

driverTest("run and query take several statements, split where statements end", async (open) => {
  const db = await open(":memory:");
  await db.run(
    "CREATE TABLE t (s VARCHAR); INSERT INTO t VALUES ('a;b'); -- a comment; with a semicolon\n" +
      "INSERT INTO t VALUES ('c')",
  );
  assert.deepEqual(await db.query("SELECT s FROM t ORDER BY s"), [{ s: "a;b" }, { s: "c" }]);
  assert.deepEqual(
    await db.query("CREATE TABLE u (s VARCHAR); SELECT 1 AS one; SELECT ';' AS s;"),
    [{ s: ";" }],
  );
  assert.equal((await db.queryArrow("SELECT 2 AS two -- a comment; with a semicolon")).numRows, 1);
  // a transaction over several calls, rolled back
  await db.run("BEGIN TRANSACTION; INSERT INTO t VALUES ('rolled back')");
  await db.run("ROLLBACK");
  assert.deepEqual(await db.query("SELECT count(*) AS n FROM t"), [{ n: 2 }]);
  await db.close();
});

driverTest(
  "a failing statement rejects with DuckDB's error and the database stays usable",
  async (open, dir) => {
    const db = await open(join(dir, "errors.duckdb"));
    await db.run("CREATE TABLE items (id BIGINT PRIMARY KEY)");
    await db.run("INSERT INTO items VALUES (1)");
    await assert.rejects(db.query("SELECT nosuch FROM items"), {
      name: "Error",
      message: /Referenced column "nosuch" not found/,
    });
    await assert.rejects(db.run("INSERT INTO items VALUES (2), (1)"), /Duplicate key "id: 1"/);
    // the statements before the failing one have run, as with DuckDB's own clients
    await assert.rejects(db.run("INSERT INTO items VALUES (3); SELECT nosuch"), /nosuch/);
    await assert.rejects(db.run("SELECT nosuch FROM items WHERE id = ?", [1]), /nosuch/);
    const missing = join(dir, "missing.csv");
    await assert.rejects(db.query(`SELECT * FROM read_csv('${missing}')`), /missing\.csv/);
    assert.deepEqual(await db.query("SELECT id FROM items ORDER BY id"), [{ id: 1 }, { id: 3 }]);
    await db.close();
    await assert.rejects(db.run("SELECT 1"), /is closed/);
    await db.close();
  },
);

driverTest("a checkpoint removes the write-ahead log, and so does closing", async (open, dir) => {
  const path = join(dir, "wal.duckdb");
  const db = await open(path);
  assert.equal(db.path, path);
  await db.run("CREATE TABLE items (id BIGINT, label VARCHAR)");
  await db.run("INSERT INTO items VALUES (1, 'one'), (2, 'two')");
  assert.ok(fs.existsSync(`${path}.wal`), "a commit writes the write-ahead log");
  await db.checkpoint();
  assert.ok(!fs.existsSync(`${path}.wal`));
  await db.run("INSERT INTO items VALUES (3, 'three')");
  assert.ok(fs.statSync(`${path}.wal`).size > 0);
  await db.close();
  assert.deepEqual(fs.readdirSync(dir), ["wal.duckdb"]);
  const reopened = await open(path);
  assert.deepEqual(await reopened.query("SELECT count(*) AS n, max(label) AS last FROM items"), [
    { n: 3, last: "two" },
  ]);
  await reopened.close();
});

/** The block size and storage format of the database `db` has open. */
async function layoutOf(db: DuckDbDriver): Promise<{ blockSize: number; storage: string }> {
  const [{ blockSize, storage }] = await db.query<{ blockSize: number; storage: string }>(
    LAYOUT_QUERY,
  );
  return { blockSize, storage };
}

driverTest(
  "new files get small blocks in DuckDB 1.0's format, and small row groups",
  async (open, dir) => {
    const db = await open(join(dir, "layout.duckdb"));
    await db.run("CREATE TABLE items AS SELECT range AS id FROM range(50000)");
    const layout = await layoutOf(db);
    const [{ row_groups }] = await db.query<{ row_groups: number }>(
      "SELECT count(DISTINCT row_group_id)::INT AS row_groups FROM pragma_storage_info('items')",
    );
    const [{ catalog }] = await db.query<{ catalog: string }>(
      "SELECT current_database() AS catalog",
    );
    await db.close();
    // the format DuckDB 1.4 creates unless told otherwise, which DuckDB 1.0 and later read
    assert.deepEqual(layout, { blockSize: 16384, storage: "v1.0.0+" });
    // 50,000 rows in groups of 8,192, not in one group of DuckDB's default 122,880
    assert.equal(row_groups, 7);
    assert.equal(catalog, "layout");
  },
);

driverTest("a file DuckDB created keeps its block size and storage format", async (open, dir) => {
  const path = join(dir, "theirs.duckdb");
  await createNewerFormatFile(path, "CREATE TABLE items AS SELECT range AS id FROM range(3)");

  const db = await open(path);
  await db.run("INSERT INTO items SELECT range FROM range(3, 5)");
  await db.checkpoint();
  await db.close();
  const reopened = await open(path);
  const layout = await layoutOf(reopened);
  const [{ n }] = await reopened.query<{ n: number }>("SELECT count(*)::INT AS n FROM items");
  await reopened.close();
  assert.deepEqual(layout, { blockSize: 262144, storage: "v1.3.0+" });
  assert.equal(n, 5);
});
