import assert from "node:assert/strict";
import { readStruct, T, type ThriftStruct, writeStruct } from "./_thrift_compact.ts";

Deno.test("every wire type reads back as written, long field-id gaps included", () => {
  const struct: ThriftStruct = {
    kind: "struct",
    fields: [
      { id: 1, type: T.true, value: true },
      { id: 2, type: T.true, value: false },
      { id: 3, type: T.byte, value: -5 },
      { id: 4, type: T.i16, value: -300 },
      { id: 5, type: T.i32, value: 2 ** 31 - 1 },
      { id: 40, type: T.i64, value: -(2n ** 63n) },
      { id: 41, type: T.double, value: 1.5 },
      { id: 42, type: T.binary, value: new TextEncoder().encode("PAR1") },
      {
        id: 43,
        type: T.list,
        value: { kind: "list", elementType: T.i32, items: Array.from({ length: 20 }, (_, i) => i) },
      },
      { id: 44, type: T.list, value: { kind: "list", elementType: T.true, items: [true, false] } },
      {
        id: 45,
        type: T.map,
        value: {
          kind: "map",
          keyType: T.binary,
          valueType: T.i64,
          entries: [[new Uint8Array([1]), 7n]],
        },
      },
      {
        id: 46,
        type: T.struct,
        value: { kind: "struct", fields: [{ id: 1, type: T.i64, value: 2n ** 40n }] },
      },
    ],
  };
  const bytes = writeStruct(struct);
  assert.deepEqual(readStruct(bytes), struct);
  assert.deepEqual(writeStruct(readStruct(bytes)), bytes);
});

Deno.test("data that ends early is a RangeError", () => {
  const bytes = writeStruct({ kind: "struct", fields: [{ id: 1, type: T.i64, value: 2n ** 40n }] });
  assert.throws(() => readStruct(bytes.subarray(0, 3)), RangeError);
});
