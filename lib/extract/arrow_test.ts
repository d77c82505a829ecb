import assert from "node:assert/strict";
import * as A from "../deps/apache_arrow.ts";
import { arrowColumnHints, arrowRows, isArrowData } from "./arrow.ts";

/** A record batch shaped like apache-arrow's, with `numRows` rows computed on demand. */
function computedBatch(numRows: number) {
  const int32 = { typeId: 2, bitWidth: 32, isSigned: true, toString: () => "Int32" };
  const utf8 = { typeId: 5, toString: () => "Utf8" };
  const column = (get: (i: number) => unknown) => ({ length: numRows, get, data: [{}] });
  const columns = [column((i) => i), column((i) => (i % 2 ? null : `row ${i}`))];
  return {
    schema: {
      fields: [
        { name: "id", type: int32, nullable: false },
        { name: "label", type: utf8, nullable: true },
      ],
    },
    numRows,
    getChildAt: (i: number) => columns[i],
  };
}

Deno.test("Arrow data is recognised by its shape, not by its class", () => {
  assert.ok(isArrowData(computedBatch(1)));
  assert.ok(!isArrowData({ numRows: 1, schema: { fields: [] } }));
  assert.ok(!isArrowData([{ numRows: 1 }]));
  assert.ok(!isArrowData(null));
  assert.deepEqual(arrowColumnHints(computedBatch(1)), {
    id: { dataType: "bigint", precision: 32, nullable: false },
    label: { dataType: "text", nullable: true },
  });
});

Deno.test("rows are made one at a time: a batch of a trillion rows yields its first at once", () => {
  const rows = arrowRows(computedBatch(1e12));
  assert.deepEqual(rows.next().value, { id: 0, label: "row 0" });
  // NULLs are left out of the row
  assert.deepEqual(rows.next().value, { id: 1 });
  rows.return(undefined);
});

Deno.test("values of apache-arrow convert as their column hints expect", () => {
  const micros = A.makeVector(A.makeData({
    type: new A.TimestampMicrosecond(),
    length: 3,
    data: BigInt64Array.from([-1n, 1_000_001n, 2_000_002n]),
  }));
  const table = new A.Table({
    ts: micros,
    time: A.makeVector(A.makeData({
      type: new A.TimeMicrosecond(),
      length: 3,
      data: BigInt64Array.from([3_723_000_001n, 0n, 1n]),
    })),
    big: A.vectorFromArray([2n ** 60n, 1n, -5n], new A.Int64()),
    tags: A.vectorFromArray(
      [new Map([["a", 1]]), new Map(), null],
      new A.Map_<A.Utf8, A.Int32>(
        new A.Field(
          "entries",
          new A.Struct<{ key: A.Utf8; value: A.Int32 }>([
            new A.Field("key", new A.Utf8(), false),
            new A.Field("value", new A.Int32(), true),
          ]),
        ),
      ),
    ),
    points: A.vectorFromArray(
      [[{ x: 1n }], [], [{ x: 2n }, { x: 3n }]],
      new A.List(new A.Field("item", new A.Struct([new A.Field("x", new A.Int64())]))),
    ),
  });
  // a slice starts its batches mid-buffer
  const rows = [...arrowRows(table.slice(0, 3))];
  assert.deepEqual(rows[0], {
    ts: "1969-12-31T23:59:59.999999",
    time: "01:02:03.000001",
    big: 2n ** 60n,
    tags: { a: 1 },
    points: [{ x: 1 }],
  });
  assert.deepEqual(rows[1], {
    ts: "1970-01-01T00:00:01.000001",
    time: "00:00:00.000000",
    big: 1,
    tags: {},
    points: [],
  });
  assert.deepEqual([...arrowRows(table.slice(1, 3))][1].points, [{ x: 2 }, { x: 3 }]);
  assert.deepEqual(arrowColumnHints(table).time, { dataType: "text", nullable: true });
  assert.deepEqual(arrowColumnHints(table).tags, { dataType: "json", nullable: true });
});

Deno.test("values read from the buffers: slices, nulls, text beyond ASCII, every time unit", () => {
  const nanos = BigInt64Array.from([1n, -1n, 2n ** 62n, 1_700_000_000_123_456_789n]);
  const table = new A.Table({
    i64: A.vectorFromArray([1n, null, -(2n ** 60n), 7n], new A.Int64()),
    u8: A.vectorFromArray([1, 2, null, 255], new A.Uint8()),
    f32: A.vectorFromArray([0.5, null, -2, 1e30], new A.Float32()),
    ascii: A.vectorFromArray(["a", null, "", "abc"], new A.Utf8()),
    text: A.vectorFromArray(["ü", "€uro", null, "日本"], new A.Utf8()),
    ns: A.makeVector(
      A.makeData({ type: new A.TimestampNanosecond("UTC"), length: 4, data: nanos }),
    ),
    s: A.makeVector(
      A.makeData({
        type: new A.TimestampSecond(),
        length: 4,
        data: BigInt64Array.from([0n, -86_401n, 59n, 60n]),
      }),
    ),
  });
  const expected = [
    {
      i64: 1,
      u8: 1,
      f32: 0.5,
      ascii: "a",
      text: "ü",
      ns: "1970-01-01T00:00:00.000000001Z",
      s: "1970-01-01T00:00:00",
    },
    { u8: 2, text: "€uro", ns: "1969-12-31T23:59:59.999999999Z", s: "1969-12-30T23:59:59" },
    {
      i64: -(2n ** 60n),
      f32: -2,
      ascii: "",
      ns: "2116-02-20T23:53:38.427387904Z",
      s: "1970-01-01T00:00:59",
    },
    {
      i64: 7,
      u8: 255,
      f32: Math.fround(1e30),
      ascii: "abc",
      text: "日本",
      ns: "2023-11-14T22:13:20.123456789Z",
      s: "1970-01-01T00:01:00",
    },
  ];
  assert.deepEqual([...arrowRows(table)], expected);
  for (let start = 0; start < 4; start++) {
    assert.deepEqual([...arrowRows(table.slice(start))], expected.slice(start), `from ${start}`);
  }
});
