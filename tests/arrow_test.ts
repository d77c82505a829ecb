/**
 * Apache Arrow tables and record batches as resource items: their rows load with the column
 * types of the Arrow schema, with the project's `apache-arrow` and with another major version.
 */
import assert from "node:assert/strict";
import * as arrow17 from "../lib/deps/apache_arrow.ts"; // the project's version, 17
// a user's own, other major version: the import map names one version only
// deno-lint-ignore no-import-prefix
import * as arrow21 from "npm:apache-arrow@21.2.0";
import { incremental, PipelineStepFailed, resource, ResourceExtractionError } from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";

type Pipeline = Awaited<ReturnType<typeof tempPipeline>>["p"];

/** Column name → [SQL type, nullable] of `table`, in column order, `_dlt` columns left out. */
async function columnsOf(p: Pipeline, table: string): Promise<Record<string, [string, boolean]>> {
  const rows = await p.dataset().query<
    { column_name: string; data_type: string; is_nullable: string }
  >(
    `SELECT column_name, data_type, is_nullable FROM information_schema.columns
     WHERE table_schema = '${p.datasetName}' AND table_name = '${table}'
       AND column_name NOT LIKE '_dlt%' ORDER BY ordinal_position`,
  );
  return Object.fromEntries(
    rows.map((r) => [r.column_name, [r.data_type, r.is_nullable === "YES"]]),
  );
}

Deno.test("an Arrow table loads with the types of its schema (apache-arrow 17)", async () => {
  const A = arrow17;
  const micros = 1_700_000_000_123_456n;
  const table = new A.Table({
    i8: A.vectorFromArray([1, -2], new A.Int8()),
    i16: A.vectorFromArray([300, null], new A.Int16()),
    i32: A.vectorFromArray([70_000, 1], new A.Int32()),
    i64: A.vectorFromArray([2n ** 62n, -1n], new A.Int64()),
    u8: A.vectorFromArray([200, 0], new A.Uint8()),
    f32: A.vectorFromArray([1.5, NaN], new A.Float32()),
    // whole numbers: inference alone would make this a bigint column
    f64: A.vectorFromArray([2, 3], new A.Float64()),
    // an ISO timestamp string: inference alone would make this a timestamp column
    s: A.vectorFromArray(["2024-01-01T00:00:00Z", "plain"], new A.Utf8()),
    flag: A.vectorFromArray([true, null], new A.Bool()),
    ts_us: A.makeVector(A.makeData({
      type: new A.TimestampMicrosecond("UTC"),
      length: 2,
      data: BigInt64Array.from([micros, 0n]),
    })),
    ts_ns: A.makeVector(A.makeData({
      type: new A.TimestampNanosecond(),
      length: 2,
      data: BigInt64Array.from([micros * 1000n + 789n, 0n]),
    })),
    ts_ms: A.makeVector(A.makeData({
      type: new A.TimestampMillisecond(),
      length: 2,
      data: BigInt64Array.from([micros / 1000n, 0n]),
    })),
    ts_s: A.makeVector(A.makeData({
      type: new A.TimestampSecond("Europe/Berlin"),
      length: 2,
      data: BigInt64Array.from([micros / 1_000_000n, 0n]),
    })),
    day: A.vectorFromArray([new Date("2024-02-29"), new Date("1969-12-31")], new A.DateDay()),
    price: A.makeVector(A.makeData({
      type: new A.Decimal(2, 12, 128),
      length: 2,
      // 123.45 and -1.00, 128-bit two's complement in 32-bit words, little-endian
      data: Uint32Array.from([12345, 0, 0, 0, 0xffffff9c, 0xffffffff, 0xffffffff, 0xffffffff]),
    })),
    bytes: A.vectorFromArray([new Uint8Array([0, 255]), null], new A.Binary()),
    list: A.vectorFromArray([[1, 2], []], new A.List(new A.Field("item", new A.Int32(), true))),
    pair: A.vectorFromArray(
      [{ a: 1, b: "x" }, { a: 2, b: null }],
      new A.Struct([new A.Field("a", new A.Int32()), new A.Field("b", new A.Utf8(), true)]),
    ),
    kind: A.vectorFromArray(["x", "y"], new A.Dictionary(new A.Utf8(), new A.Int32())),
  });
  const { p } = await tempPipeline("arrow17");
  await p.run(resource([table], { name: "typed" }));

  const columns = await columnsOf(p, "typed");
  const types = Object.fromEntries(Object.entries(columns).map(([name, [type]]) => [name, type]));
  assert.deepEqual(types, {
    i8: "TINYINT",
    i16: "SMALLINT",
    i32: "INTEGER",
    i64: "BIGINT",
    u8: "SMALLINT",
    f32: "DOUBLE",
    f64: "DOUBLE",
    s: "VARCHAR",
    flag: "BOOLEAN",
    ts_us: "TIMESTAMP WITH TIME ZONE",
    ts_ns: "TIMESTAMP_NS",
    ts_ms: "TIMESTAMP_MS",
    ts_s: "TIMESTAMP WITH TIME ZONE",
    day: "DATE",
    price: "DECIMAL(12,2)",
    bytes: "BLOB",
    list: "VARCHAR",
    pair: "VARCHAR",
    kind: "VARCHAR",
  });
  // nullability follows the Arrow fields
  for (const field of table.schema.fields) {
    assert.equal(columns[field.name][1], field.nullable, field.name);
  }
  // nested types stay whole (json), as dlt loads them: no child tables
  const tables = await p.dataset().query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = '${p.datasetName}'
     AND table_name LIKE 'typed%'`,
  );
  assert.deepEqual(tables.map((t) => t.table_name), ["typed"]);

  const rows = await p.dataset().query<Record<string, unknown>>(
    `SELECT i8, i16, i32, i64::VARCHAR AS i64, u8, f32, f64, s, flag, ts_us::VARCHAR AS ts_us,
       ts_ns::VARCHAR AS ts_ns, ts_ms::VARCHAR AS ts_ms, ts_s::VARCHAR AS ts_s,
       day::VARCHAR AS day, price::VARCHAR AS price, bytes, list, pair, kind
     FROM typed ORDER BY i8 DESC`,
  );
  const [first, second] = rows;
  assert.deepEqual(
    { ...first, bytes: [...first.bytes as Uint8Array] },
    {
      i8: 1,
      i16: 300,
      i32: 70_000,
      i64: (2n ** 62n).toString(),
      u8: 200,
      f32: 1.5,
      f64: 2,
      s: "2024-01-01T00:00:00Z",
      flag: true,
      ts_us: "2023-11-14 22:13:20.123456+00",
      // the load path goes through DuckDB's microsecond timestamps
      ts_ns: "2023-11-14 22:13:20.123456",
      ts_ms: "2023-11-14 22:13:20.123",
      ts_s: "2023-11-14 22:13:20+00",
      day: "2024-02-29",
      price: "123.45",
      bytes: [0, 255],
      list: "[1,2]",
      pair: '{"a":1,"b":"x"}',
      kind: "x",
    },
  );
  assert.equal(second.i16, null);
  assert.ok(Number.isNaN(second.f32));
  assert.equal(second.flag, null);
  assert.equal(second.day, "1969-12-31");
  assert.equal(second.price, "-1.00");
  assert.equal(second.bytes, null);
  assert.equal(second.list, "[]");
  assert.equal(second.pair, '{"a":2}');
});

Deno.test("record batches and lists of tables of apache-arrow 21 load, typed by the schema", async () => {
  const A = arrow21;
  const batchOf = (ids: number[]) =>
    new A.Table({
      id: A.makeVector(BigInt64Array.from(ids.map(BigInt))),
      name: A.vectorFromArray(ids.map((i) => `n${i}`), new A.Utf8()),
      seen_at: A.makeVector(A.makeData({
        type: new A.TimestampMillisecond("UTC"),
        length: ids.length,
        data: BigInt64Array.from(ids.map((i) => BigInt(i) * 1000n)),
      })),
    });
  const { p } = await tempPipeline("arrow21");
  await p.run(resource(function* () {
    yield [batchOf([1, 2]), batchOf([3])];
    yield batchOf([4, 5]).batches[0];
  }, { name: "batches" }));
  const nullable = Object.fromEntries(batchOf([1]).schema.fields.map((f) => [f.name, f.nullable]));
  assert.deepEqual(await columnsOf(p, "batches"), {
    id: ["BIGINT", nullable.id],
    name: ["VARCHAR", nullable.name],
    seen_at: ["TIMESTAMP WITH TIME ZONE", nullable.seen_at],
  });
  const rows = await p.dataset().query<{ id: number; name: string; seen_at: string }>(
    "SELECT id, name, seen_at::VARCHAR AS seen_at FROM batches ORDER BY id",
  );
  assert.deepEqual(rows.map((r) => [r.id, r.name, r.seen_at]), [
    [1, "n1", "1970-01-01 00:00:01+00"],
    [2, "n2", "1970-01-01 00:00:02+00"],
    [3, "n3", "1970-01-01 00:00:03+00"],
    [4, "n4", "1970-01-01 00:00:04+00"],
    [5, "n5", "1970-01-01 00:00:05+00"],
  ]);
});

Deno.test("a resource's own column hints win over the Arrow schema's", async () => {
  const A = arrow17;
  const table = A.tableFromArrays({
    score: Float64Array.from([1.25, 2]),
    note: ["a", "b"],
  });
  const { p } = await tempPipeline("arrow_hints");
  await p.run(resource([table], {
    name: "scores",
    columns: { score: { dataType: "decimal", precision: 10, scale: 2 }, note: { nullable: false } },
  }));
  assert.deepEqual(await columnsOf(p, "scores"), {
    score: ["DECIMAL(10,2)", false],
    // the Arrow type stays, the hint's nullability wins
    note: ["VARCHAR", false],
  });
  const rows = await p.dataset().query<{ score: string }>(
    "SELECT score::VARCHAR AS score FROM scores ORDER BY score",
  );
  assert.deepEqual(rows.map((r) => r.score), ["1.25", "2.00"]);
});

Deno.test("an Arrow column of a type dlt does not load is an error naming resource and column", async () => {
  const A = arrow17;
  const table = new A.Table({
    id: A.vectorFromArray([1], new A.Int32()),
    took: A.makeVector(A.makeData({
      type: new A.Duration(A.TimeUnit.MILLISECOND),
      length: 1,
      data: BigInt64Array.from([5n]),
    })),
  });
  const { p } = await tempPipeline("arrow_duration");
  await assert.rejects(p.run(resource([table], { name: "timings" })), (e: unknown) => {
    assert.ok(e instanceof PipelineStepFailed && e.step === "extract");
    assert.ok(e.cause instanceof ResourceExtractionError);
    assert.equal(e.cause.resourceName, "timings");
    assert.match(e.message, /Arrow column "took" has type "Duration<MILLISECOND>"/);
    return true;
  });
});

Deno.test("an incremental cursor filters an Arrow table row by row; the kept rows keep its types", async () => {
  const A = arrow17;
  const { p } = await tempPipeline("arrow_incremental");
  const page = (ids: number[]) =>
    new A.Table({
      id: A.vectorFromArray(ids, new A.Int32()),
      // whole numbers in a float column: typed by the schema, not by inference
      score: A.vectorFromArray(ids.map((id) => id * 2), new A.Float64()),
      at: A.vectorFromArray(ids.map((id) => `2024-01-0${id}`), new A.Utf8()),
    });
  const events = (ids: number[]) =>
    resource(function* () {
      yield page(ids);
    }, { name: "events", primaryKey: "id", incremental: incremental("id") })
      .addMap((row: { id: number; score: number }) => ({ ...row, score: row.score + 0.5 }));
  await p.run(events([1, 2, 3]));
  await p.run(events([2, 3, 4, 5]));
  const rows = await p.dataset().query<{ id: number; score: number }>(
    "SELECT id, score FROM events ORDER BY id",
  );
  assert.deepEqual(rows.map((r) => `${r.id}:${r.score}`), [
    "1:2.5",
    "2:4.5",
    "3:6.5",
    "4:8.5",
    "5:10.5",
  ]);
  const types = await columnsOf(p, "events");
  assert.deepEqual(types.id, ["INTEGER", false]);
  assert.deepEqual(types.score, ["DOUBLE", true]);
  assert.deepEqual(types.at, ["VARCHAR", true]);
});

Deno.test("an unsigned 64-bit Arrow column loads whole, beyond the signed range", async () => {
  const A = arrow17;
  const { p } = await tempPipeline("arrow_uint64");
  const max = 2n ** 64n - 1n;
  await p.run(
    resource([A.tableFromArrays({ c: BigUint64Array.from([1n, max]) })], { name: "u64" }),
  );
  const types = await columnsOf(p, "u64");
  assert.deepEqual(types.c, ["DECIMAL(20,0)", false]);
  const rows = await p.dataset().query<{ c: string }>(
    "SELECT CAST(c AS VARCHAR) AS c FROM u64 ORDER BY c",
  );
  assert.deepEqual(rows.map((r) => r.c), ["1", max.toString()]);
});
