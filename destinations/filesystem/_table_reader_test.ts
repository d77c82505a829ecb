import assert from "node:assert/strict";
import {
  Decimal,
  Int64,
  Table as ArrowTable,
  tableToIPC,
  TimestampMicrosecond,
  vectorFromArray,
} from "../../lib/deps/apache_arrow.ts";
import {
  Table as WasmTable,
  writeParquet,
  WriterPropertiesBuilder,
} from "../../lib/deps/parquet_wasm.ts";
import {
  type FileContent,
  type FileInfo,
  FileNotFound,
  type FileSystem,
  type ReadOptions,
} from "../../lib/filesystem/file_system.ts";
import type { StoredSchema } from "../../lib/schema/schema.ts";
import { DatasetFolder } from "./_dataset_folder.ts";
import { DEFAULT_LAYOUT } from "./_layout.ts";
import { FilesystemSqlClient } from "./_sql_client.ts";
import { FilesystemTableReader } from "./_table_reader.ts";

/** An object store in memory (no folders, no renames), as S3 behaves. */
class MemoryFileSystem implements FileSystem {
  readonly scheme = "mem";
  readonly files = new Map<string, Uint8Array>();

  async *list(url: string): AsyncIterable<FileInfo> {
    for (const [key, bytes] of this.files) {
      if (key.startsWith(url)) yield { url: key, size: bytes.length, modified: new Date(0) };
    }
  }
  stat(url: string): Promise<FileInfo> {
    const bytes = this.files.get(url);
    if (bytes === undefined) return Promise.reject(new FileNotFound(url));
    return Promise.resolve({ url, size: bytes.length, modified: new Date(0) });
  }
  read(url: string, options: ReadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const bytes = this.files.get(url);
    if (bytes === undefined) return Promise.reject(new FileNotFound(url));
    const range = bytes.slice(options.start ?? 0, options.end ?? bytes.length);
    return Promise.resolve(new Blob([range]).stream());
  }
  async write(url: string, content: FileContent): Promise<number> {
    const body = content instanceof Uint8Array ? content as Uint8Array<ArrayBuffer> : content;
    const bytes = new Uint8Array(await new Response(body).arrayBuffer());
    this.files.set(url, bytes);
    return bytes.length;
  }
  async copy(from: string, to: string): Promise<void> {
    await this.write(to, await this.read(from));
  }
  delete(url: string): Promise<void> {
    this.files.delete(url);
    return Promise.resolve();
  }
}

const SCHEMA: StoredSchema = {
  name: "shop",
  version: 1,
  versionHash: "h",
  engineVersion: 1,
  naming: "snake_case",
  tables: {
    orders: {
      name: "orders",
      columns: {
        id: { name: "id", dataType: "bigint" },
        at: { name: "at", dataType: "timestamp" },
        price: { name: "price", dataType: "decimal" },
        note: { name: "note", dataType: "text" },
        untyped: { name: "untyped" },
      },
    },
  },
};

/**
 * A Parquet file of two orders, as the normalizer writes one (µs timestamps in UTC), in row
 * groups of `rowGroupSize` rows.
 */
function parquetOrders(rowGroupSize = 1024): Uint8Array {
  const arrow = new ArrowTable({
    id: vectorFromArray([3n, 2n ** 60n], new Int64()),
    at: vectorFromArray([new Date("2024-01-03T00:00:00Z"), null], new TimestampMicrosecond("UTC")),
    price: vectorFromArray([new Uint32Array([1250, 0, 0, 0]), null], new Decimal(2, 10, 128)),
  });
  const properties = new WriterPropertiesBuilder().setMaxRowGroupSize(rowGroupSize).build();
  return writeParquet(WasmTable.fromIPCStream(tableToIPC(arrow, "stream")), properties);
}

/** A dataset `ds` in `s3://bucket` with orders in three formats, and a load that never completed. */
async function bucket(): Promise<{ fs: MemoryFileSystem; reader: FilesystemTableReader }> {
  const fs = new MemoryFileSystem();
  const folder = new DatasetFolder(fs, "mem://bucket", "ds");
  const completed = new Set(["100.5"]);
  const gzip = (text: string) =>
    new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  await folder.write(
    "orders/100.5.1.jsonl.gz",
    gzip('{"id":1,"at":"2024-01-01T02:00:00+02:00","price":"12.50","note":"a"}\n'),
  );
  await folder.write("orders/100.5.2.csv", 'id,note,price\n2,"",0.1\n');
  // two row groups, read one at a time
  await folder.write("orders/100.5.3.parquet", parquetOrders(1));
  // a load without its marker: never read
  await folder.write("orders/200.5.1.jsonl", '{"id":99}\n');
  await folder.write(
    "_dlt_loads/shop__100.5.jsonl",
    '{"load_id":"100.5","schema_name":"shop","status":0,"inserted_at":"2024-01-01T00:00:00Z"}\n',
  );
  const reader = new FilesystemTableReader(
    folder,
    "ds",
    DEFAULT_LAYOUT,
    () => Promise.resolve([SCHEMA]),
    () => Promise.resolve(completed),
  );
  return { fs, reader };
}

Deno.test("the reader reads JSONL, CSV and Parquet files of completed loads, typed by the schema", async () => {
  const { reader } = await bucket();
  assert.deepEqual(await reader.tableNames(), ["_dlt_loads", "orders"]);
  assert.deepEqual((await reader.columns("orders")).map((c) => c.name), [
    "id",
    "at",
    "price",
    "note",
  ]);
  assert.deepEqual(await Array.fromAsync(reader.rows("orders")), [
    { id: 1, at: new Date("2024-01-01T00:00:00Z"), price: 12.5, note: "a" },
    { id: 2, at: null, price: 0.1, note: "" },
    { id: 3, at: new Date("2024-01-03T00:00:00Z"), price: 12.5, note: null },
    { id: 2n ** 60n, at: null, price: null, note: null },
  ]);
  assert.equal(await reader.count("orders"), 4);
  assert.deepEqual(await Array.fromAsync(reader.rows("orders", ["note", "id"])), [
    { note: "a", id: 1 },
    { note: "", id: 2 },
    { note: null, id: 3 },
    { note: null, id: 2n ** 60n },
  ]);
  await assert.rejects(
    Array.fromAsync(reader.rows("orders", ["untyped"])),
    /Table "orders" of dataset "ds" has no column "untyped"; its columns: id, at, price, note/,
  );
});

Deno.test("files gzipped without .gz (dlt's storage version 1) are told by their bytes", async () => {
  const { fs, reader } = await bucket();
  for (const path of [...fs.files.keys()]) {
    if (path.includes("/orders/")) fs.files.delete(path);
  }
  const gzip = async (text: string) =>
    new Uint8Array(
      await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")))
        .arrayBuffer(),
    );
  fs.files.set("mem://bucket/ds/orders/100.5.1.jsonl", await gzip('{"id":1}\n{"id":2}\n'));
  fs.files.set("mem://bucket/ds/orders/100.5.2.csv", await gzip('id,note\n3,""\n4,\n'));
  assert.deepEqual(await Array.fromAsync(reader.rows("orders", ["id", "note"])), [
    { id: 1, note: null },
    { id: 2, note: null },
    { id: 3, note: "" },
    { id: 4, note: null },
  ]);
  assert.equal(await reader.count("orders"), 4);
});

Deno.test("a damaged file is an error naming it, its table and the line or row group", async () => {
  // `count` reads CSV records, gzip streams and Parquet footers, not JSON values or row groups:
  // `rows` is the count it gives where it reads nothing damaged (the four orders and the file's)
  const damaged = async (path: string, bytes: Uint8Array, message: RegExp, rows?: number) => {
    const { fs, reader } = await bucket();
    fs.files.set(`mem://bucket/ds/orders/${path}`, bytes);
    const url = `mem://bucket/ds/orders/${path}`.replaceAll(".", "\\.");
    const expected = new RegExp(`Cannot read file "${url}" of table "orders"${message.source}`);
    await assert.rejects(Array.fromAsync(reader.rows("orders")), expected);
    if (rows === undefined) await assert.rejects(reader.count("orders"), expected);
    else assert.equal(await reader.count("orders"), rows);
  };
  const text = (s: string) => new TextEncoder().encode(s);
  await damaged(
    "100.5.9.jsonl",
    text('{"id":1}\n\n{not json\n'),
    /, line 3: it is not JSON \(/,
    6,
  );
  await damaged("100.5.9.csv", text('id\n1\n"open\n'), /, line 3: a quoted field is not closed/);
  await damaged("100.5.9.jsonl.gz", Uint8Array.of(0x1f, 0x8b, 1, 2, 3), /: it is not valid gzip/);
  // the first row group starts right after the file's magic bytes: its page header overwritten
  const parquet = parquetOrders();
  parquet.fill(0xff, 4, 20);
  await damaged("100.5.9.parquet", parquet, /, row group 0: it cannot be decoded/, 6);
  await damaged("100.5.9.parquet", parquetOrders().subarray(0, 100), /: it is not a Parquet file/);
});

Deno.test("SQL on a bucket that is not local is refused, pointing at reading without SQL", async () => {
  const { fs, reader } = await bucket();
  const sql = new FilesystemSqlClient(new DatasetFolder(fs, "mem://bucket", "ds"), "ds", reader);
  await assert.rejects(
    sql.query("SELECT 1"),
    Deno.permissions.querySync({ name: "ffi" }).state === "granted"
      ? /SQL on bucket "mem:\/\/bucket\/ds" is not supported: native DuckDB reads local buckets only here .*dataset\(\)\.table\(name\)\.rows\(\)/
      : /needs --allow-ffi/,
  );
  await sql.close();
});
