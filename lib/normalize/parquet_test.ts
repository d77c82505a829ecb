import assert from "node:assert/strict";
import { join } from "node:path";
import { nativeQuery } from "../../tests/_native_duckdb.ts";
import { tableFromIPC } from "../deps/apache_arrow.ts";
import { readParquet } from "../deps/parquet_wasm.ts";
import { NormalizeError } from "../errors.ts";
import { SchemaEvolver } from "../schema/evolution.ts";
import { type ColumnHint, newSchema } from "../schema/schema.ts";
import { DenoStorage } from "../storage/deno_storage.ts";
import { JobWriter } from "./_job_writer.ts";
import { snakeCaseNaming } from "./naming.ts";
import { PARQUET_FORMAT } from "./parquet.ts";
import { bytesFile, parquetRowCount } from "../formats/parquet_reader.ts";
import { FileFormatError } from "../formats/format_error.ts";
import { FlatRow } from "./relational.ts";
import type { NormalizedValue } from "./inference.ts";

import { BigIntValue, BinaryValue } from "./typed_json.ts";

/** A row as the tests write it. */
type Row = Record<string, NormalizedValue>;

const TEMP_ROOT = Deno.makeTempDirSync({ prefix: "denodlt_parquet_test_" });
globalThis.addEventListener("unload", () => Deno.removeSync(TEMP_ROOT, { recursive: true }));

/**
 * A Parquet writer into a new folder whose table `items` has the column hints `columns`, files
 * rotating as `rotation` says.
 */
function parquetWriter(
  columns: Record<string, ColumnHint> = {},
  rotation: { fileMaxBytes?: number; fileMaxItems?: number } = {},
) {
  const dir = Deno.makeTempDirSync({ dir: TEMP_ROOT });
  const evolver = new SchemaEvolver(newSchema("s"), snakeCaseNaming());
  evolver.applyTableHints("items", { resource: "items", writeDisposition: "append", columns });
  const storage = new DenoStorage(dir);
  const writer = new JobWriter(evolver, {
    storage,
    dir: "",
    prefix: "",
    format: PARQUET_FORMAT,
    ...rotation,
  });
  const add = (...rows: Row[]) => {
    for (const row of rows) writer.add(evolver.table("items", undefined), FlatRow.of(row));
  };
  const path = (i = 0) => join(dir, writer.jobs[i].file);
  return { dir, storage, writer, add, evolver, path };
}

/** Rows of `sql` over the Parquet file `path` (as `file`) in native DuckDB, in UTC. */
function duckdb(path: string, sql: string) {
  return nativeQuery(":memory:", sql.replaceAll("file", `read_parquet('${path}')`), {
    setup: ["SET TimeZone = 'UTC'"],
  });
}

const HINTS: Record<string, ColumnHint> = {
  tiny: { dataType: "bigint", precision: 8 },
  small: { dataType: "bigint", precision: 16 },
  int: { dataType: "bigint", precision: 32 },
  naive: { dataType: "timestamp", timezone: false },
  ms: { dataType: "timestamp", precision: 3 },
  ns: { dataType: "timestamp", timezone: false, precision: 9 },
  day: { dataType: "date" },
  price: { dataType: "decimal", precision: 12, scale: 2 },
  amount: { dataType: "decimal" },
  doc: { dataType: "json" },
};

const ROWS: Row[] = [
  {
    id: 1,
    big: new BigIntValue("9223372036854775807"),
    tiny: -128,
    small: 32767,
    int: new BigIntValue("2147483647"),
    x: 1.5,
    ok: true,
    name: 'a, "quoted"\nname',
    at: "2024-05-01T10:00:00.1234567+02:00",
    naive: "2024-05-01T10:00:00+02:00",
    ms: "1969-12-31T23:59:59.9995Z",
    ns: "2200-01-01 00:00:00.123456789",
    day: "2024-02-29",
    price: "-12.345",
    amount: new BigIntValue("12345678901234567890123"),
    bin: new BinaryValue("AAH/"),
    doc: { a: [1, "\uE000n12345678901234567890"], s: "x" },
  },
  {
    id: 2,
    big: new BigIntValue("-9223372036854775808"),
    x: NaN,
    ok: false,
    name: "",
    at: "2024-05-01 10:00",
    day: "0001-01-01",
    price: "1e3",
    amount: "0.000000001",
    doc: "text",
  },
  { id: 3, name: "ünï ✓ 😀", x: -Infinity, price: "0.005", amount: "-1.5e-10", doc: [] },
];

Deno.test("Parquet job files have typed columns that native DuckDB reads as the table's types", async () => {
  const { writer, add, path } = parquetWriter(HINTS);
  add(...ROWS);
  await writer.close();
  assert.equal(writer.jobs.length, 1);
  const [job] = writer.jobs;
  assert.equal(job.format, "parquet");
  assert.equal(job.rows, 3);
  assert.equal(job.longestLine, 0);
  assert.equal(job.bytes, (await Deno.stat(path())).size);
  const types = await duckdb(path(), "DESCRIBE SELECT * FROM file");
  assert.deepEqual(
    Object.fromEntries(types.map((r) => [r.column_name, r.column_type])),
    {
      id: "BIGINT",
      big: "BIGINT",
      tiny: "TINYINT",
      small: "SMALLINT",
      int: "INTEGER",
      x: "DOUBLE",
      ok: "BOOLEAN",
      name: "VARCHAR",
      at: "TIMESTAMP WITH TIME ZONE",
      naive: "TIMESTAMP",
      ms: "TIMESTAMP WITH TIME ZONE",
      ns: "TIMESTAMP_NS",
      day: "DATE",
      price: "DECIMAL(12,2)",
      amount: "DECIMAL(38,9)",
      bin: "BLOB",
      doc: "VARCHAR",
    },
  );
  assert.deepEqual(job.columns, Object.keys(ROWS[0]));
});

Deno.test("Parquet job files hold each value exactly: big integers, decimals rounded as DuckDB casts text, timestamps in UTC to their unit, NULLs", async () => {
  const { writer, add, path } = parquetWriter(HINTS);
  add(...ROWS);
  await writer.close();
  const rows = await duckdb(
    path(),
    `SELECT id, big::VARCHAR AS big, tiny, small, int, x::VARCHAR AS x, ok, name,
       "at"::VARCHAR AS "at", naive::VARCHAR AS naive, ms::VARCHAR AS ms, ns::VARCHAR AS ns,
       "day"::VARCHAR AS "day", price::VARCHAR AS price, amount::VARCHAR AS amount,
       hex(bin) AS bin, doc FROM file ORDER BY id`,
  );
  assert.deepEqual(rows, [
    {
      id: "1",
      big: "9223372036854775807",
      tiny: -128,
      small: 32767,
      int: 2147483647,
      x: "1.5",
      ok: true,
      name: 'a, "quoted"\nname',
      at: "2024-05-01 08:00:00.123456+00",
      naive: "2024-05-01 08:00:00",
      ms: "1969-12-31 23:59:59.999+00",
      ns: "2200-01-01 00:00:00.123456789",
      day: "2024-02-29",
      price: "-12.35",
      amount: "12345678901234567890123.000000000",
      bin: "0001FF",
      doc: '{"a":[1,12345678901234567890],"s":"x"}',
    },
    {
      id: "2",
      big: "-9223372036854775808",
      tiny: null,
      small: null,
      int: null,
      x: "nan",
      ok: false,
      name: "",
      at: "2024-05-01 10:00:00+00",
      naive: null,
      ms: null,
      ns: null,
      day: "0001-01-01",
      price: "1000.00",
      amount: "0.000000001",
      bin: null,
      doc: '"text"',
    },
    {
      id: "3",
      big: null,
      tiny: null,
      small: null,
      int: null,
      x: "-inf",
      ok: null,
      name: "ünï ✓ 😀",
      at: null,
      naive: null,
      ms: null,
      ns: null,
      day: null,
      price: "0.01",
      amount: "0.000000000",
      bin: null,
      doc: "[]",
    },
  ]);
});

Deno.test("parquet-wasm's own reader reads the files back: values, types and row count", async () => {
  const { writer, add, path } = parquetWriter(HINTS);
  add(...ROWS);
  await writer.close();
  const bytes = await Deno.readFile(path());
  const table = tableFromIPC(readParquet(bytes).intoIPCStream());
  assert.equal(table.numRows, 3);
  assert.equal(
    String(table.schema.fields.find((f) => f.name === "at")!.type),
    "Timestamp<MICROSECOND, UTC>",
  );
  assert.deepEqual([...table.getChild("big")!], [2n ** 63n - 1n, -(2n ** 63n), null]);
  assert.deepEqual([...table.getChild("name")!], ['a, "quoted"\nname', "", "ünï ✓ 😀"]);
  assert.deepEqual([...table.getChild("ok")!], [true, false, null]);
  assert.deepEqual([...table.getChild("bin")!].map((b) => b && [...b]), [[0, 1, 255], null, null]);
  assert.equal(await parquetRowCount(bytesFile(bytes), path()), 3);
});

Deno.test("a value that does not fit its column's Parquet type fails naming the table and the column", async () => {
  const cases: [Record<string, ColumnHint>, Row, string, RegExp][] = [
    [
      { n: { dataType: "bigint", precision: 8 } },
      { n: 128 },
      "n",
      /128 does not fit a 8-bit integer/,
    ],
    [
      { n: { dataType: "bigint", precision: 32 } },
      { n: new BigIntValue("-2147483649") },
      "n",
      /-2147483649 does not fit a 32-bit integer/,
    ],
    [
      { d: { dataType: "decimal", precision: 4, scale: 2 } },
      { d: "100.00" },
      "d",
      /"100" does not fit DECIMAL\(4,2\)/,
    ],
    [{ t: { dataType: "timestamp" } }, { t: "2023-02-29T00:00:00Z" }, "t", /is not a valid date/],
  ];
  for (const [hints, row, column, reason] of cases) {
    const { writer, add } = parquetWriter(hints);
    assert.throws(
      () => add(row),
      (e: unknown) =>
        e instanceof NormalizeError && e.tableName === "items" && e.columnName === column &&
        reason.test(e.reason),
    );
    await writer.abort();
  }
});

Deno.test("a column new to a table whose Parquet file is open starts the next file; rows before it are NULL there", async () => {
  const { writer, add, path } = parquetWriter();
  // a drain hands a table's rows to the encoder once there are 10,000 (or 8 MiB of them)
  for (let i = 0; i < 10_000; i++) add({ a: i });
  await writer.drain();
  add({ a: 10_000 }, { a: 10_001, b: "x" });
  await writer.close();
  assert.deepEqual(writer.jobs.map((j) => [j.columns, j.rows]), [[["a"], 10_000], [["a", "b"], 2]]);
  assert.deepEqual(await duckdb(path(1), "SELECT a::INTEGER AS a, b FROM file ORDER BY a"), [
    { a: 10_000, b: null },
    { a: 10_001, b: "x" },
  ]);
  assert.deepEqual(
    await duckdb(path(0), "SELECT count(*)::INTEGER AS n, sum(a)::INTEGER AS s FROM file"),
    [
      { n: 10_000, s: 49_995_000 },
    ],
  );
});

Deno.test("Parquet files rotate at fileMaxBytes and have row groups of at most 10,000 rows", async () => {
  const { writer, add, path, dir } = parquetWriter({}, { fileMaxBytes: 100_000 });
  for (let i = 0; i < 25_000; i++) {
    add({ id: i, text: `row ${i}` });
    if (i % 10_000 === 9_999) await writer.drain();
  }
  await writer.close();
  // each full batch of 10,000 rows is more than 100,000 bytes: a file each
  assert.deepEqual(writer.jobs.map((j) => j.rows), [10_000, 10_000, 5_000]);
  const groups = await duckdb(
    path(0),
    "SELECT count(DISTINCT row_group_id)::INTEGER AS n FROM parquet_metadata('" + path(0) + "')",
  );
  assert.deepEqual(groups, [{ n: 1 }]);
  const all = await nativeQuery(
    ":memory:",
    `SELECT count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids FROM read_parquet('${dir}/*.parquet')`,
  );
  assert.deepEqual(all, [{ n: 25_000, ids: 25_000 }]);

  const big = parquetWriter();
  for (let i = 0; i < 25_000; i++) big.add({ id: i });
  await big.writer.close();
  assert.equal(big.writer.jobs.length, 1);
  const sizes = await nativeQuery(
    ":memory:",
    `SELECT DISTINCT row_group_id::INTEGER AS g, row_group_num_rows::INTEGER AS rows FROM parquet_metadata('${
      big.path(0)
    }') ORDER BY g`,
  );
  assert.deepEqual(sizes.map((r) => r.rows), [10_000, 10_000, 5_000]);
});

Deno.test("a bool column NULL in every row of a batch (one after the rows that had it) is written as NULLs", async () => {
  const { writer, add, path } = parquetWriter();
  for (let i = 0; i < 10_000; i++) add(i === 9 ? { id: i, ok: true } : { id: i });
  await writer.drain();
  // the second batch has the column (the file's schema) but no value in it
  add({ id: 10_000 }, { id: 10_001 });
  await writer.close();
  assert.deepEqual(writer.jobs.map((j) => [j.columns, j.rows]), [[["id", "ok"], 10_002]]);
  assert.deepEqual(
    await duckdb(
      path(),
      `SELECT count(*)::INTEGER AS n, count(ok)::INTEGER AS ok, bool_and(ok) AS "all"
       FROM file`,
    ),
    [{ n: 10_002, ok: 1, all: true }],
  );
  assert.deepEqual(
    await duckdb(
      path(),
      "SELECT id::INTEGER AS id, ok FROM file WHERE id >= 9_999 OR ok ORDER BY id",
    ),
    [
      { id: 9, ok: true },
      { id: 9_999, ok: null },
      { id: 10_000, ok: null },
      { id: 10_001, ok: null },
    ],
  );
});

Deno.test("a batch split between files at fileMaxItems keeps its bools, NULLs and numbers exact, also a part whose bools are all NULL", async () => {
  const { writer, add, path, dir, storage } = parquetWriter({}, { fileMaxItems: 3 });
  const rows: Row[] = [{ id: 0 }, { id: 1 }, { id: 2 }];
  for (let id = 3; id < 20; id++) {
    const row: Row = { id };
    if (id % 3 !== 0) row.ok = id % 2 === 0;
    if (id % 4 !== 0) row.x = id / 2;
    rows.push(row);
  }
  add(...rows);
  await writer.close();
  // one batch of 20 rows, in parts at rows 3, 6, 9, ... (not on a byte of the bitmaps)
  assert.deepEqual(writer.jobs.map((j) => j.rows), [3, 3, 3, 3, 3, 3, 2]);
  assert.deepEqual(
    await nativeQuery(
      ":memory:",
      `SELECT id::INTEGER AS id, ok, x FROM read_parquet('${dir}/*.parquet') ORDER BY id`,
    ),
    rows.map(({ id, ok, x }) => ({ id, ok: ok ?? null, x: x ?? null })),
  );
  // the first file's bools are all NULL: parquet-wasm reads it, and writes it again renamed
  const table = tableFromIPC(readParquet(await Deno.readFile(path(0))).intoIPCStream());
  assert.deepEqual([...table.getChild("ok")!], [null, null, null]);
  await PARQUET_FORMAT.renameColumns(storage, "", writer.jobs[0], new Map([["ok", "ok__v_bool"]]));
  assert.deepEqual(await duckdb(path(0), "SELECT id::INTEGER AS id, ok__v_bool FROM file"), [
    { id: 0, ok__v_bool: null },
    { id: 1, ok__v_bool: null },
    { id: 2, ok__v_bool: null },
  ]);
});

Deno.test("renaming columns rewrites a Parquet file with the new names, values and types intact", async () => {
  const { writer, add, path, storage } = parquetWriter(HINTS);
  add(...ROWS);
  await writer.close();
  const [job] = writer.jobs;
  const before = await duckdb(path(), "SELECT * EXCLUDE (price) FROM file ORDER BY id");
  const renamed = await PARQUET_FORMAT.renameColumns(
    storage,
    "",
    job,
    new Map([["price", "price__v_text"]]),
  );
  assert.deepEqual(renamed.columns, job.columns!.map((c) => c === "price" ? "price__v_text" : c));
  assert.equal(renamed.bytes, (await Deno.stat(path())).size);
  const types = await duckdb(path(), "DESCRIBE SELECT * FROM file");
  assert.deepEqual(types.map((r) => r.column_name), renamed.columns);
  assert.equal(types.find((r) => r.column_name === "price__v_text")!.column_type, "DECIMAL(12,2)");
  assert.deepEqual(
    await duckdb(path(), "SELECT * EXCLUDE (price__v_text) FROM file ORDER BY id"),
    before,
  );
  assert.deepEqual(
    await Array.fromAsync(Deno.readDir(join(path(), ".."))).then((e) => e.length),
    1,
  );
});

Deno.test("renaming the columns of a damaged Parquet file fails naming the file and the row group, leaving it as it was", async () => {
  const { writer, add, path, storage } = parquetWriter();
  for (let i = 0; i < 100; i++) add({ id: i, text: `row ${i}` });
  await writer.close();
  const [job] = writer.jobs;
  const damaged = await Deno.readFile(path());
  // the pages of the row group, after the leading magic bytes; the footer stays whole
  damaged.fill(0xff, 4, 200);
  await Deno.writeFile(path(), damaged);
  await assert.rejects(
    PARQUET_FORMAT.renameColumns(storage, "", job, new Map([["text", "text__v_text"]])),
    (e: unknown) =>
      e instanceof FileFormatError && e.fileName === path() && e.rowGroup === 0 &&
      e.message.startsWith(`Cannot read "${path()}", row group 0: `),
  );
  assert.deepEqual(await Deno.readFile(path()), damaged);
  assert.deepEqual(
    await Array.fromAsync(Deno.readDir(join(path(), ".."))).then((e) => e.length),
    1,
  );
});
