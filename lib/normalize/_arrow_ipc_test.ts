import assert from "node:assert/strict";
import {
  Field,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  tableFromIPC,
  VectorAssembler,
} from "../deps/apache_arrow.ts";
import { Table as WasmTable } from "../deps/parquet_wasm.ts";
import type { DataType } from "../schema/schema.ts";
import { ipcStream } from "./_arrow_ipc.ts";
import { columnBuilder } from "./_arrow_columns.ts";
import type { NormalizedValue } from "./inference.ts";
import { BinaryValue } from "./typed_json.ts";

/** A value of each data type (the Parquet writer's column builders). */
const VALUES: [DataType, NormalizedValue][] = [
  ["bool", true],
  ["bigint", 7],
  ["double", 1.5],
  ["text", "a"],
  ["json", "a"],
  ["date", "2024-02-29"],
  ["timestamp", "2024-05-01T10:00:00Z"],
  ["decimal", "1.5"],
  ["binary", new BinaryValue("AAH/")],
];

/**
 * A batch of `rows` rows: `id` (the row) and a column of each data type, set in the rows
 * `filled` keeps (the others NULL).
 */
function batch(rows: number, filled: (row: number) => boolean): RecordBatch {
  const builders = VALUES.map(([dataType]) => columnBuilder({ name: dataType, dataType }));
  const id = columnBuilder({ name: "id", dataType: "bigint" });
  for (let row = 0; row < rows; row++) {
    id.set(row, row);
    if (!filled(row)) continue;
    builders.forEach((builder, i) => {
      const value = VALUES[i][1];
      builder.set(row, VALUES[i][0] === "bool" ? row % 2 === 0 : value);
    });
  }
  const fields = [
    new Field("id", id.type, true),
    ...VALUES.map(([name], i) => new Field(name, builders[i].type, true)),
  ];
  const children = [id.finish(rows), ...builders.map((builder) => builder.finish(rows))];
  const data = makeData({ type: new Struct(fields), length: rows, nullCount: 0, children });
  return new RecordBatch(new Schema(fields), data);
}

/** `batch` through arrow-rs (`parquet-wasm` reads the stream and writes it again), as rows. */
function throughArrowRs(batch: RecordBatch) {
  // `intoIPCStream` frees the table
  const back = tableFromIPC(WasmTable.fromIPCStream(ipcStream(batch)).intoIPCStream());
  assert.deepEqual(
    back.schema.fields.map((f) => String(f.type)),
    batch.schema.fields.map((f) => String(f.type)),
  );
  return back.toArray().map((row) => row.toJSON());
}

Deno.test("a column NULL in every row of a batch crosses to arrow-rs as NULLs, for every data type (Boolean too)", () => {
  for (const rows of [1, 3, 8, 9, 17]) {
    const back = throughArrowRs(batch(rows, () => false));
    assert.equal(back.length, rows);
    back.forEach((row, i) => {
      assert.equal(row.id, BigInt(i));
      for (const [name] of VALUES) assert.equal(row[name], null, `${name} of row ${i}`);
    });
  }
});

Deno.test("the parts of a sliced batch (not on a byte of the bitmaps) cross with their values and NULLs, a part all NULL too", () => {
  // rows 0 to 4 have no values; from row 5 on, every third is NULL
  const whole = batch(20, (row) => row >= 5 && row % 3 !== 0);
  for (const [start, end] of [[0, 5], [1, 4], [3, 11], [5, 20], [13, 14], [0, 20]]) {
    const back = throughArrowRs(whole.slice(start, end));
    assert.deepEqual(
      back.map((row) => [row.id, row.bool, row.bigint, row.text]),
      Array.from({ length: end - start }, (_, i) => {
        const row = start + i;
        const filled = row >= 5 && row % 3 !== 0;
        return filled ? [BigInt(row), row % 2 === 0, 7n, "a"] : [BigInt(row), null, null, null];
      }),
      `rows ${start} to ${end}`,
    );
  }
});

Deno.test("writing an IPC stream leaves apache-arrow's own assembler as it was", () => {
  const before = VectorAssembler.prototype.visitBool;
  ipcStream(batch(2, () => false));
  assert.equal(VectorAssembler.prototype.visitBool, before);
});
