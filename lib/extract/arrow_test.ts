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
