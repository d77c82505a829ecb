import assert from "node:assert/strict";
import type { PackageJob } from "../load/package_store.ts";
import { TextWriter } from "../load/write_all.ts";
import { csvRecords } from "../formats/csv_records.ts";
import { CsvRecordEnds } from "../formats/csv_record_ends.ts";
import { MemoryStorage } from "../storage/memory_storage.ts";
import type { JobFiles } from "./job_file_format.ts";
import { appendSystemColumns, csvPageItems } from "./_csv_pages.ts";
import { BigIntValue, BinaryValue, decodeMarked } from "./typed_json.ts";

const PAGES = '1,plain\n2,"two\nlines, ""quoted"""\n3,\n4,""\n5,ünïcødé\n';
const RECORDS = [["1", "plain"], ["2", 'two\nlines, "quoted"'], ["3", null], ["4", ""], [
  "5",
  "ünïcødé",
]];

/** A working folder holding `content` as `x.csv`, read back in pieces of `pieceBytes`. */
async function storageWith(content: string, pieceBytes: number): Promise<MemoryStorage> {
  const storage = new MemoryStorage("/p");
  await storage.writeAtomic("x.csv", content);
  const read = storage.readChunks.bind(storage);
  storage.readChunks = (path, options) => read(path, { ...options, chunkBytes: pieceBytes });
  return storage;
}

/** Job files written into `storage`, at most `fileMaxItems` rows each. */
function jobFiles(storage: MemoryStorage, fileMaxItems: number) {
  const jobs: PackageJob[] = [];
  let seq = 0;
  const files: JobFiles = {
    storage,
    dir: "",
    text: new TextWriter(),
    fileMaxBytes: 64 << 20,
    fileMaxItems,
    newFile: (table, extension) => `${table}.${++seq}.${extension}`,
    closed: (job) => jobs.push(job),
  };
  return { files, jobs };
}

Deno.test("CSV records are copied whole with the load id and a row id, however they are read", async () => {
  for (const pieceBytes of [1, 5, 1 << 20]) {
    const storage = await storageWith(PAGES, pieceBytes);
    const { files, jobs } = jobFiles(storage, 2);
    const rows = await appendSystemColumns(files, "items", ["id", "name"], "x.csv", "1712.5");
    assert.equal(rows, 5);
    // files rotate at two rows
    assert.deepEqual(jobs.map((j) => [j.file, j.rows]), [
      ["items.1.csv", 2],
      ["items.2.csv", 2],
      ["items.3.csv", 1],
    ]);
    const records: (string | null)[][] = [];
    for (const job of jobs) {
      assert.deepEqual(job.columns, ["id", "name", "_dlt_load_id", "_dlt_id"]);
      assert.equal(job.format, "csv");
      const bytes = new TextEncoder().encode(storage.readTextSync(job.file));
      assert.equal(job.bytes, bytes.length);
      const ends = new CsvRecordEnds().scan(bytes);
      const longest = Math.max(...ends.map((end, i) => end - (i === 0 ? -1 : ends[i - 1])));
      assert.ok(job.longestLine! >= longest, `${job.longestLine} < ${longest}`);
      const own: (string | null)[][] = [];
      const stream = ReadableStream.from(storage.readChunks(job.file));
      for await (const batch of csvRecords(stream, job.file, { unquotedEmpty: null })) {
        own.push(...batch.records);
      }
      assert.deepEqual(own[0], ["id", "name", "_dlt_load_id", "_dlt_id"]);
      records.push(...own.slice(1));
    }
    const data = records;
    assert.deepEqual(data.map((r) => r.slice(0, 2)), RECORDS, `pieces of ${pieceBytes}`);
    assert.ok(data.every((r) => r[2] === "1712.5" && /^[A-Za-z0-9_-]{14}$/.test(r[3]!)));
    assert.equal(new Set(data.map((r) => r[3])).size, 5);
  }
});

Deno.test("a file that ends inside a CSV record is an error naming the file", async () => {
  for (const content of ['1,"open\n', "1,no end"]) {
    const storage = await storageWith(content, 1 << 20);
    const { files } = jobFiles(storage, Infinity);
    await assert.rejects(
      appendSystemColumns(files, "items", ["id", "name"], "x.csv", "1"),
      /Extracted job "\/p\/x\.csv" ends inside a CSV record \(after 0 records\)/,
    );
  }
});

Deno.test("CSV records read back into items carry the values a source yields", async () => {
  const storage = await storageWith(
    [
      '9007199254740993,12,NaN,true,2024-02-29 23:59:59.5+00,3.10,AP8K,"{""a"":[1]}",x\n',
      ",,,,,,,,\n",
    ].join(""),
    3,
  );
  const items = await Array.fromAsync(csvPageItems(
    storage,
    "x.csv",
    ["big", "small", "ratio", "flag", "at", "price", "data", "doc", "label"],
    ["bigint", "bigint", "double", "bool", "timestamp", "decimal", "binary", "json", "text"],
  )) as Record<string, unknown>[];
  const [first, nulls] = items;
  assert.deepEqual(decodeMarked(first.big as string), new BigIntValue("9007199254740993"));
  assert.equal(first.small, 12);
  assert.ok(Number.isNaN(decodeMarked(first.ratio as string)));
  assert.equal(first.flag, true);
  assert.equal(first.at, "2024-02-29T23:59:59.5Z");
  assert.equal(first.price, "3.10");
  assert.deepEqual(decodeMarked(first.data as string), new BinaryValue("AP8K"));
  assert.deepEqual(first.doc, { a: [1] });
  assert.equal(first.label, "x");
  assert.ok(Object.values(nulls).every((value) => value === null));
});
