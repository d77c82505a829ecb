import assert from "node:assert/strict";
import { Type } from "../../lib/deps/apache_arrow.ts";
import { epochMicros, pgArrowTable, pgRows, type ResultField } from "./_values.ts";

const field = (name: string, dataTypeID: number, dataTypeModifier = -1): ResultField => ({
  name,
  dataTypeID,
  dataTypeModifier,
});
const NUMERIC_12_3 = (12 << 16 | 3) + 4;

Deno.test("timestamps and dates in Postgres' ISO output, BC and offsets included", () => {
  const cases: [string, bigint | undefined][] = [
    ["1970-01-01", 0n],
    ["1970-01-01 00:00:00.000001+00", 1n],
    ["1969-12-31 23:59:59.999999+00", -1n],
    ["2024-03-05 21:30:00.5+05:30", BigInt(Date.UTC(2024, 2, 5, 16, 0, 0)) * 1000n + 500000n],
    ["2024-03-05 21:30:00-03:00:30", BigInt(Date.UTC(2024, 2, 6, 0, 30, 30)) * 1000n],
    ["0044-03-15 BC", BigInt(new Date("-000043-03-15T00:00:00Z").getTime()) * 1000n],
    ["0099-12-31", BigInt(new Date("0099-12-31T00:00:00Z").getTime()) * 1000n],
    ["12345-01-01 00:00:00", BigInt(new Date("+012345-01-01T00:00:00Z").getTime()) * 1000n],
    ["infinity", undefined],
    ["-infinity", undefined],
  ];
  for (const [text, micros] of cases) assert.equal(epochMicros(text), micros, text);
});

Deno.test("rows: numbers exact or kept exact, dates, bytes, JSON text", () => {
  const fields = [
    field("i2", 21),
    field("i8", 20),
    field("n", 1700, NUMERIC_12_3),
    field("f", 701),
    field("b", 16),
    field("d", 1082),
    field("ts", 1114),
    field("bin", 17),
    field("j", 3802),
    field("u", 2950),
  ];
  const rows = pgRows(fields, [
    [
      "-5",
      "-9223372036854775808",
      "123456789012345678901.123",
      "-Infinity",
      "f",
      "infinity",
      "2024-01-01 00:00:00.123456",
      "\\x00ff",
      '{"a": 1}',
      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    ],
    ["0", "42", "0.100", "NaN", "t", "2024-02-29", null, "\\x", "[]", null],
  ]);
  assert.deepEqual(rows[0], {
    i2: -5,
    i8: -9223372036854775808n,
    n: "123456789012345678901.123",
    f: -Infinity,
    b: false,
    d: "infinity",
    ts: new Date("2024-01-01T00:00:00.123Z"),
    bin: new Uint8Array([0, 255]),
    j: '{"a": 1}',
    u: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
  });
  assert.equal(rows[1].i8, 42);
  assert.equal(rows[1].n, 0.1);
  assert.ok(Number.isNaN(rows[1].f));
  assert.deepEqual(rows[1].d, new Date("2024-02-29T00:00:00Z"));
  assert.equal(rows[1].ts, null);
  assert.deepEqual(rows[1].bin, new Uint8Array());
  assert.equal(pgRows([field("n", 1700)], [["NaN"]])[0].n, NaN);
});

Deno.test("Arrow tables: typed columns, exact decimals and microseconds, nulls", () => {
  const table = pgArrowTable(
    [
      field("i4", 23),
      field("i8", 20),
      field("n", 1700, NUMERIC_12_3),
      field("big", 1700, (39 << 16) + 4),
      field("any", 1700),
      field("tz", 1184),
      field("d", 1082),
      field("b", 16),
      field("bin", 17),
      field("j", 3802),
    ],
    [
      [
        "1",
        "9223372036854775807",
        "-123456789.125",
        "1" + "0".repeat(38),
        "1.5",
        "2024-01-01 00:00:00.000001+00",
        "2024-01-02",
        "t",
        "\\x01",
        "{}",
      ],
      [null, null, null, null, null, null, "infinity", null, null, null],
    ],
  );
  const types = table.schema.fields.map((f) => [f.name, Type[f.type.typeId]]);
  assert.deepEqual(types, [
    ["i4", "Int"],
    ["i8", "Int"],
    ["n", "Decimal"],
    ["big", "Utf8"],
    ["any", "Utf8"],
    ["tz", "Timestamp"],
    // a date that is no day
    ["d", "Utf8"],
    ["b", "Bool"],
    ["bin", "Binary"],
    ["j", "Utf8"],
  ]);
  const column = (name: string) => table.getChild(name)!;
  assert.equal(column("i8").get(0), 9223372036854775807n);
  // the unscaled value, in 32-bit words (two's complement) as Arrow keeps Decimal128
  const words = column("n").get(0) as Uint32Array;
  const unscaled = BigInt.asIntN(
    128,
    [...words].reverse().reduce((value, word) => (value << 32n) | BigInt(word), 0n),
  );
  assert.equal(unscaled, -123456789125n);
  assert.equal(table.schema.fields[2].type.scale, 3);
  assert.equal(column("tz").get(0), Date.UTC(2024, 0, 1) + 0.001);
  assert.equal(table.schema.fields[5].type.timezone, "UTC");
  assert.equal(column("d").get(1), "infinity");
  assert.deepEqual([...column("bin").get(0)], [1]);
  for (const name of ["i4", "i8", "n", "tz", "b", "bin", "j"]) {
    assert.equal(column(name).get(1), null, name);
  }
  // an empty result keeps its columns
  const empty = pgArrowTable([field("x", 23)], []);
  assert.equal(empty.numRows, 0);
  assert.equal(empty.schema.fields[0].name, "x");
});
