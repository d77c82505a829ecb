import assert from "node:assert/strict";
import {
  Bool,
  Decimal,
  Float64,
  makeData,
  makeVector,
  Table as ArrowTable,
  tableToIPC,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
} from "../deps/apache_arrow.ts";
import { Table, writeParquet, WriterPropertiesBuilder } from "../deps/parquet_wasm.ts";
import { LocalFileSystem } from "../filesystem/local.ts";
import { FileNotFound } from "../filesystem/file_system.ts";
import { FileFormatError } from "./format_error.ts";
import {
  bytesFile,
  fileSystemRanges,
  parquetRowCount,
  readParquetChunks,
  readParquetTables,
} from "./parquet_reader.ts";
import { parseFooter } from "./_parquet_footer.ts";

const ROWS = 2500;
const START_MICROS = BigInt(Date.UTC(2024, 0, 1)) * 1000n;

/** A Parquet file of {@linkcode ROWS} rows in row groups of 1000, written by parquet-wasm. */
function sample(): Uint8Array {
  const ids = BigInt64Array.from({ length: ROWS }, (_, i) => BigInt(i) * 5_000_000_000_000n);
  const micros = BigInt64Array.from({ length: ROWS }, (_, i) => START_MICROS + BigInt(i));
  // decimal(12, 2): four 32-bit words per value, little-endian two's complement
  const words = new Uint32Array(ROWS * 4);
  for (let i = 0; i < ROWS; i++) {
    const unscaled = BigInt(i * 125 - 1000);
    for (let w = 0; w < 4; w++) {
      words[i * 4 + w] = Number(BigInt.asUintN(32, unscaled >> BigInt(32 * w)));
    }
  }
  const table = new ArrowTable({
    id: makeVector(ids),
    score: vectorFromArray(Array.from({ length: ROWS }, (_, i) => i / 4), new Float64()),
    flag: vectorFromArray(Array.from({ length: ROWS }, (_, i) => i % 2 === 0), new Bool()),
    name: vectorFromArray(
      Array.from({ length: ROWS }, (_, i) => i % 3 === 0 ? null : `n-${i}`),
      new Utf8(),
    ),
    at: makeVector(
      makeData({ type: new TimestampMicrosecond("UTC"), length: ROWS, data: micros }),
    ),
    amount: makeVector(makeData({ type: new Decimal(2, 12, 128), length: ROWS, data: words })),
  });
  const properties = new WriterPropertiesBuilder().setMaxRowGroupSize(1000).build();
  return writeParquet(Table.fromIPCStream(tableToIPC(table, "stream")), properties);
}

const BYTES = sample();

Deno.test("rows of every row group, in chunks that never span two, with their types", async () => {
  const chunks = await Array.fromAsync(
    readParquetChunks(bytesFile(BYTES), "s.parquet", { chunkSize: 400 }),
  );
  // 1000 + 1000 + 500 rows: 400, 400, 200 per row group, then 400, 100
  assert.deepEqual(chunks.map((c) => c.length), [400, 400, 200, 400, 400, 200, 400, 100]);
  const rows = chunks.flat();
  assert.equal(rows.length, ROWS);
  assert.deepEqual(rows[0], {
    id: 0,
    score: 0,
    flag: true,
    at: "2024-01-01T00:00:00.000000Z",
    amount: "-10.00",
  });
  assert.deepEqual(rows[2002], {
    id: 10010000000000000n,
    score: 500.5,
    flag: true,
    name: "n-2002",
    at: "2024-01-01T00:00:00.002002Z",
    amount: "2492.50",
  });
});

Deno.test("readParquetTables yields Arrow tables of the Parquet schema", async () => {
  const tables = await Array.fromAsync(readParquetTables(bytesFile(BYTES), "s.parquet"));
  assert.deepEqual(tables.map((t) => t.numRows), [1000, 1000, 500]);
  const amount = tables[0].schema.fields.find((f) => f.name === "amount")?.type as Decimal;
  assert.deepEqual([amount.precision, amount.scale], [12, 2]);
});

Deno.test("ranges of a local file: the footer, then one row group at a time", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const url = new URL(`${dir}/s.parquet`, "file:").href;
    const fs = new LocalFileSystem();
    await fs.write(url, BYTES);
    const ranges: [number, number][] = [];
    const file = fileSystemRanges(fs, url, BYTES.length);
    const counted = {
      size: file.size,
      read: (s: number, e: number) => (ranges.push([s, e]), file.read(s, e)),
    };
    const rows = (await Array.fromAsync(readParquetChunks(counted, url))).flat();
    assert.equal(rows.length, ROWS);
    // the tail (with the footer), then three row groups, none of them the whole file
    assert.equal(ranges.length, 4);
    assert.ok(ranges.slice(1).every(([s, e]) => e - s < BYTES.length / 2));
    await fs.delete(url);
    await assert.rejects(() => Array.fromAsync(readParquetChunks(file, url)), FileNotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parquetRowCount reads only the footer", async () => {
  const ranges: number[][] = [];
  const file = bytesFile(BYTES);
  const counted = {
    size: file.size,
    read: (s: number, e: number) => (ranges.push([s, e]), file.read(s, e)),
  };
  assert.equal(await parquetRowCount(counted, "t.parquet"), ROWS);
  assert.equal(ranges.length, 1);
  assert.ok(ranges[0][1] === BYTES.length);
});

Deno.test("a truncated file is an error naming it", async () => {
  for (const bytes of [BYTES.subarray(0, BYTES.length - 100), BYTES.subarray(0, 5)]) {
    await assert.rejects(() => parquetRowCount(bytesFile(bytes), "cut.parquet"), FileFormatError);
    await assert.rejects(
      () => Array.fromAsync(readParquetChunks(bytesFile(bytes), "cut.parquet")),
      (error: unknown) => {
        assert.ok(error instanceof FileFormatError);
        assert.match(error.message, /^Cannot read "cut\.parquet": it is not a Parquet file/);
        return true;
      },
    );
  }
});

Deno.test("a damaged row group is an error naming the file and the row group", async () => {
  // the page header that starts the second row group, overwritten; the footer is intact
  const length = new DataView(BYTES.buffer, BYTES.byteOffset).getUint32(BYTES.length - 8, true);
  const footer = parseFooter(BYTES.subarray(BYTES.length - 8 - length, BYTES.length - 8));
  const damaged = BYTES.slice();
  damaged.fill(0xff, footer.rowGroups[1].start, footer.rowGroups[1].start + 16);
  const seen: number[] = [];
  await assert.rejects(
    async () => {
      for await (const chunk of readParquetChunks(bytesFile(damaged), "d.parquet")) {
        seen.push(chunk.length);
      }
    },
    (error: unknown) => {
      assert.ok(error instanceof FileFormatError);
      assert.equal(error.rowGroup, 1);
      assert.match(error.message, /^Cannot read "d\.parquet", row group 1: it cannot be decoded/);
      return true;
    },
  );
  assert.deepEqual(seen, [1000]);
});

Deno.test("a file that is no Parquet at all", async () => {
  await assert.rejects(
    () =>
      Array.fromAsync(
        readParquetChunks(bytesFile(new TextEncoder().encode("a,b\n1,2\n".repeat(9))), "x.csv"),
      ),
    /Cannot read "x\.csv": it is not a Parquet file \(it does not end with PAR1\)/,
  );
});
