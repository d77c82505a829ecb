/**
 * The filesystem source end to end: file items by glob, incremental runs after real
 * modification-time changes, CSV, JSONL and Parquet files (gzip ones too) loaded into DuckDB
 * (WASM) and read back, files that are malformed or gone, and one file over HTTP.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  Decimal,
  makeData,
  makeVector,
  Table as ArrowTable,
  tableToIPC,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
} from "../lib/deps/apache_arrow.ts";
import { Table, writeParquet, WriterPropertiesBuilder } from "../lib/deps/parquet_wasm.ts";
import { incremental, MissingConfigError, PipelineStepFailed } from "../mod.ts";
import {
  FileItem,
  filesystem,
  readCsv,
  readers,
  readJsonl,
  readParquet,
} from "../sources/filesystem.ts";
import type { DltResource } from "../lib/resource.ts";
import { tempDir, tempPipeline } from "./_helpers.ts";
import { isolatedTest } from "./_isolated.ts";

const CONTEXT = {
  state: {},
  sourceState: {},
  signal: new AbortController().signal,
  config: {},
};

/** The pages a filesystem resource yields, flattened. */
async function listed(files: DltResource): Promise<FileItem[]> {
  return (await Array.fromAsync(files.yields(CONTEXT))).flat() as FileItem[];
}

/** Writes `files` (path → text) below `dir`, each with modification time `at`. */
async function writeFiles(dir: string, files: Record<string, string>, at: Date): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    await Deno.mkdir(join(full, ".."), { recursive: true });
    await Deno.writeTextFile(full, content);
    await Deno.utime(full, at, at);
  }
}

async function gzip(text: string): Promise<Uint8Array> {
  const packed = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(packed).arrayBuffer());
}

const T0 = new Date("2024-05-01T10:00:00Z");

Deno.test("file items: dlt's fields, globs on relative paths, pages, content", async () => {
  const dir = await tempDir("fs_items");
  await writeFiles(dir, {
    "a.csv": "x\n1\n",
    "b.jsonl": "{}\n",
    "sub/c.csv": "x\n2\n",
    "sub/deep/d.csv": "x\n3\n",
    "sub/deep/e.parquet": "",
    "with space.csv": "x\n4\n",
  }, T0);
  await Deno.writeFile(join(dir, "sub/f.csv.gz"), await gzip("x\n5\n"));

  const names = async (fileGlob?: string) =>
    (await listed(filesystem({ bucketUrl: dir, fileGlob }))).map((f) => f.relative_path).sort();
  assert.deepEqual(await names(), ["a.csv", "b.jsonl", "with space.csv"]);
  assert.deepEqual(await names("**/*.csv"), [
    "a.csv",
    "sub/c.csv",
    "sub/deep/d.csv",
    "with space.csv",
  ]);
  assert.deepEqual(await names("sub/*.{csv,csv.gz}"), ["sub/c.csv", "sub/f.csv.gz"]);
  assert.deepEqual(await names("sub/**/?.*"), [
    "sub/c.csv",
    "sub/deep/d.csv",
    "sub/deep/e.parquet",
    "sub/f.csv.gz",
  ]);
  assert.deepEqual(await names("nothing/**"), []);

  const [space] = await listed(filesystem({ bucketUrl: dir, fileGlob: "with*" }));
  assert.ok(space instanceof FileItem);
  assert.deepEqual({ ...space }, {
    file_name: "with space.csv",
    relative_path: "with space.csv",
    file_url: new URL(`file://${dir}/with space.csv`).href,
    mime_type: "text/csv",
    modification_date: T0,
    size_in_bytes: 4,
  });
  const [gz] = await listed(filesystem({ bucketUrl: dir, fileGlob: "**/*.gz" }));
  assert.deepEqual([gz.mime_type, gz.encoding, gz.file_name], ["text/csv", "gzip", "f.csv.gz"]);
  assert.equal(await new Response(await gz.open()).text(), "x\n5\n");
  assert.equal((await gz.readBytes())[0], 0x1f); // as stored

  // with a row order, files come sorted by the cursor (dlt reverses for "desc" with max)
  await Deno.utime(
    join(dir, "sub/c.csv"),
    new Date(T0.getTime() + 2000),
    new Date(T0.getTime() + 2000),
  );
  await Deno.utime(
    join(dir, "a.csv"),
    new Date(T0.getTime() - 2000),
    new Date(T0.getTime() - 2000),
  );
  const ordered = async (rowOrder: "asc" | "desc") =>
    (await listed(
      filesystem({
        bucketUrl: dir,
        fileGlob: "**/*.csv",
        incremental: incremental("modification_date", { rowOrder }),
      }),
    )).map((f) => f.relative_path);
  assert.deepEqual((await ordered("asc")).at(0), "a.csv");
  assert.deepEqual((await ordered("asc")).at(-1), "sub/c.csv");
  assert.deepEqual((await ordered("desc")).at(0), "sub/c.csv");
  assert.deepEqual((await ordered("desc")).at(-1), "a.csv");

  const pages = await Array.fromAsync(
    filesystem({ bucketUrl: dir, fileGlob: "**/*.csv", filesPerPage: 3, extractContent: true })
      .yields(CONTEXT),
  ) as FileItem[][];
  assert.deepEqual(pages.map((page) => page.length), [3, 1]);
  const contents = pages.flat().map((f) => new TextDecoder().decode(f.file_content)).sort();
  assert.deepEqual(contents, ["x\n1\n", "x\n2\n", "x\n3\n", "x\n4\n"]);
});

Deno.test("CSV files into DuckDB and back: types, delimiter, encoding, gzip", async () => {
  const dir = await tempDir("fs_csv");
  const data = join(dir, "data");
  await writeFiles(data, {
    "2024/orders_1.csv":
      'id;customer;amount;paid\n1;"Ada; the first";9.50;True\n2;Grace;12;False\n',
  }, T0);
  await Deno.writeFile(
    join(data, "2024/orders_2.csv.gz"),
    await gzip('id;customer;amount;paid\n3;"multi\nline";0.25;true\n'),
  );
  // latin1: ü is one byte
  await Deno.writeFile(
    join(data, "2024/orders_3.csv"),
    Uint8Array.from([
      ...new TextEncoder().encode("id;customer;amount;paid\n4;J"),
      0xfc,
      0x72,
      0x67,
      ...new TextEncoder().encode(";1;true\n"),
    ]),
  );
  const { p } = await tempPipeline("fs_csv", dir);
  const utf8 = filesystem({ bucketUrl: data, fileGlob: "**/orders_[12].csv*" })
    .pipe(readCsv({ delimiter: ";" })).withName("orders");
  const latin1 = filesystem({ bucketUrl: data, fileGlob: "**/orders_3.csv" })
    .pipe(readCsv({ delimiter: ";", encoding: "latin1" })).withName("orders");
  await p.run(utf8);
  await p.run(latin1);
  const rows = await p.dataset().query(
    "SELECT id, customer, amount, paid FROM orders ORDER BY id",
  );
  assert.deepEqual(rows, [
    { id: 1, customer: "Ada; the first", amount: 9.5, paid: true },
    { id: 2, customer: "Grace", amount: 12, paid: false },
    { id: 3, customer: "multi\nline", amount: 0.25, paid: true },
    { id: 4, customer: "Jürg", amount: 1, paid: true },
  ]);
  const types = await p.dataset().query<{ column_name: string; data_type: string }>(
    "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'orders' AND column_name IN ('id', 'amount', 'paid') ORDER BY column_name",
  );
  assert.deepEqual(types.map((t) => t.data_type), ["DOUBLE", "BIGINT", "BOOLEAN"]);
});

Deno.test("incremental on modification_date: a rerun reads only new or changed files", async () => {
  const dir = await tempDir("fs_incremental");
  const data = join(dir, "data");
  await writeFiles(data, {
    "a.csv": "id,v\n1,a\n2,a\n",
    "b.csv": "id,v\n3,b\n",
    "c.csv": "id,v\n4,c\n",
  }, T0);
  const { p } = await tempPipeline("fs_incremental", dir);
  const run = () =>
    p.run(
      filesystem({
        bucketUrl: data,
        fileGlob: "*.csv",
        incremental: incremental("modification_date"),
      }).pipe(readCsv()).withName("rows"),
    );
  const loadedValues = async () =>
    (await p.dataset().query<{ v: string }>("SELECT v FROM rows ORDER BY id")).map((r) => r.v);

  assert.deepEqual((await run()).rowCounts, { rows: 4 });
  assert.deepEqual((await run()).rowCounts, {});

  // b is rewritten and d is added, both later; a and c keep their time
  const T1 = new Date(T0.getTime() + 60_000);
  await writeFiles(data, { "b.csv": "id,v\n5,b2\n", "d.csv": "id,v\n6,d\n" }, T1);
  assert.deepEqual((await run()).rowCounts, { rows: 2 });
  assert.deepEqual(await loadedValues(), ["a", "a", "b", "c", "b2", "d"]);

  // a file at the boundary time that was not seen before is read; the ones seen are not
  await writeFiles(data, { "e.csv": "id,v\n7,e\n" }, T1);
  assert.deepEqual((await run()).rowCounts, { rows: 1 });
  assert.deepEqual((await run()).rowCounts, {});
});

Deno.test("the file items themselves load as a table, incrementally", async () => {
  const dir = await tempDir("fs_items_table");
  const data = join(dir, "data");
  await writeFiles(data, { "a.csv": "x\n", "b.csv": "y\n" }, T0);
  const { p } = await tempPipeline("fs_items_table", dir);
  const files = () =>
    filesystem({ bucketUrl: data, incremental: incremental("modification_date") });
  assert.deepEqual((await p.run(files())).rowCounts, { filesystem: 2 });
  await writeFiles(data, { "b.csv": "yy\n" }, new Date(T0.getTime() + 1000));
  assert.deepEqual((await p.run(files())).rowCounts, { filesystem: 1 });
  const rows = await p.dataset().query(
    "SELECT file_name, size_in_bytes, mime_type FROM filesystem ORDER BY modification_date, file_name",
  );
  assert.deepEqual(rows, [
    { file_name: "a.csv", size_in_bytes: 2, mime_type: "text/csv" },
    { file_name: "b.csv", size_in_bytes: 2, mime_type: "text/csv" },
    { file_name: "b.csv", size_in_bytes: 3, mime_type: "text/csv" },
  ]);
});

/** A Parquet file of `rows` rows in row groups of `groupRows`, written by parquet-wasm. */
function parquetBytes(rows: number, groupRows: number): Uint8Array {
  const micros = BigInt64Array.from(
    { length: rows },
    (_, i) => BigInt(Date.UTC(2024, 0, 1)) * 1000n + BigInt(i) * 1_000_001n,
  );
  const words = new Uint32Array(rows * 4);
  for (let i = 0; i < rows; i++) words[i * 4] = i * 7; // decimal(10, 2): i * 0.07
  const table = new ArrowTable({
    id: makeVector(BigInt64Array.from({ length: rows }, (_, i) => BigInt(i))),
    label: vectorFromArray(Array.from({ length: rows }, (_, i) => `label ${i}`), new Utf8()),
    created: makeVector(
      makeData({ type: new TimestampMicrosecond("UTC"), length: rows, data: micros }),
    ),
    price: makeVector(makeData({ type: new Decimal(2, 10, 128), length: rows, data: words })),
  });
  return writeParquet(
    Table.fromIPCStream(tableToIPC(table, "stream")),
    new WriterPropertiesBuilder().setMaxRowGroupSize(groupRows).build(),
  );
}

Deno.test("Parquet files into DuckDB: row groups, chunks, the file's types", async () => {
  const dir = await tempDir("fs_parquet");
  const data = join(dir, "data");
  await Deno.mkdir(data);
  await Deno.writeFile(join(data, "part-0.parquet"), parquetBytes(2500, 1000));
  await Deno.writeFile(join(data, "part-1.parquet.gz"), await gzip("x")); // not selected
  await Deno.writeFile(join(data, "part-2.parquet"), parquetBytes(10, 10));

  const files = await listed(filesystem({ bucketUrl: data, fileGlob: "*.parquet" }));
  const chunks = await Array.fromAsync(readParquet({ chunkSize: 600 }).transform(files, CONTEXT));
  // 1000, 1000 and 500 rows of the first file in chunks of at most 600; 10 of the second
  assert.deepEqual(
    (chunks as unknown[][]).map((c) => c.length).toSorted((a, b) => a - b),
    [10, 400, 400, 500, 600, 600],
  );

  const { p } = await tempPipeline("fs_parquet", dir);
  const info = await p.run(
    filesystem({ bucketUrl: data, fileGlob: "*.parquet" }).pipe(readParquet()).withName("events"),
  );
  assert.deepEqual(info.rowCounts, { events: 2510 });
  const [last] = await p.dataset().query(
    "SELECT id, label, CAST(created AS VARCHAR) AS created, CAST(price AS VARCHAR) AS price FROM events WHERE id = 2499",
  );
  assert.deepEqual(last, {
    id: 2499,
    label: "label 2499",
    created: "2024-01-01 00:41:39.002499+00",
    price: "174.93",
  });
  const types = await p.dataset().query<{ column_name: string; data_type: string }>(
    "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'events' AND column_name IN ('created', 'price') ORDER BY column_name",
  );
  assert.deepEqual(types.map((t) => t.data_type), ["TIMESTAMP WITH TIME ZONE", "DECIMAL(10,2)"]);
});

Deno.test("JSONL files, and the readers source", async () => {
  const dir = await tempDir("fs_jsonl");
  const data = join(dir, "data");
  await writeFiles(data, {
    "a.jsonl": '{"id":1,"tags":["x","y"]}\n\n{"id":2,"tags":[]}\n',
    "b.jsonl": '{"id":3,"nested":{"k":"v"}}',
  }, T0);
  const { p } = await tempPipeline("fs_jsonl", dir);
  assert.deepEqual(
    (await p.run(filesystem({ bucketUrl: data }).pipe(readJsonl({ chunkSize: 1 })))).rowCounts,
    { read_jsonl: 3, read_jsonl__tags: 2 },
  );
  const source = readers({ bucketUrl: data, fileGlob: "*.jsonl" });
  assert.deepEqual([...source.resources.keys()], ["read_csv", "read_jsonl", "read_parquet"]);
  const info = await p.run(source.withResources("read_jsonl"));
  assert.deepEqual(info.rowCounts, { read_jsonl: 3, read_jsonl__tags: 2 });
});

Deno.test("a malformed file fails the run naming it and its line; nothing of it is loaded", async () => {
  const dir = await tempDir("fs_bad");
  const data = join(dir, "data");
  await writeFiles(data, {
    "1_good.csv": "id,v\n1,a\n2,b\n",
    "2_bad.csv": "id,v\n3,c\n4,d,extra\n",
  }, T0);
  const { p } = await tempPipeline("fs_bad", dir);
  const run = () =>
    p.run(
      filesystem({
        bucketUrl: data,
        fileGlob: "*.csv",
        incremental: incremental("modification_date"),
      })
        .pipe(readCsv()).withName("rows"),
    );
  await assert.rejects(run, (error: unknown) => {
    assert.ok(error instanceof PipelineStepFailed);
    assert.equal(error.step, "extract");
    assert.match(
      error.message,
      /Cannot read "file:\/\/.*\/2_bad\.csv", line 3: Expected 2 fields, saw 3/,
    );
    return true;
  });
  // the fixed file loads with the good one, once: neither rows nor the cursor were kept
  await writeFiles(data, { "2_bad.csv": "id,v\n3,c\n4,d\n" }, T0);
  assert.deepEqual((await run()).rowCounts, { rows: 4 });

  await writeFiles(data, { "bad.jsonl": '{"id":1}\n{"id":\n' }, T0);
  await assert.rejects(
    () => p.run(filesystem({ bucketUrl: data, fileGlob: "*.jsonl" }).pipe(readJsonl())),
    /Cannot read "file:\/\/.*\/bad\.jsonl", line 2: it is not JSON/,
  );
  await Deno.writeFile(join(data, "cut.parquet"), parquetBytes(100, 50).subarray(0, 900));
  await assert.rejects(
    () => p.run(filesystem({ bucketUrl: data, fileGlob: "*.parquet" }).pipe(readParquet())),
    /Cannot read "file:\/\/.*\/cut\.parquet": it is not a Parquet file/,
  );
});

Deno.test("a file that disappears between listing and reading is an error naming it", async () => {
  const dir = await tempDir("fs_gone");
  const data = join(dir, "data");
  await writeFiles(data, { "a.csv": "id\n1\n", "b.csv": "id\n2\n" }, T0);
  const { p } = await tempPipeline("fs_gone", dir);
  const files = filesystem({ bucketUrl: data, fileGlob: "*.csv" })
    .addMap((item: FileItem) => {
      if (item.file_name === "b.csv") Deno.removeSync(join(data, "b.csv"));
      return item;
    });
  await assert.rejects(
    () => p.run(files.pipe(readCsv()).withName("rows")),
    /File "file:\/\/.*\/b\.csv" does not exist/,
  );
  await assert.rejects(() => p.dataset().table("rows").count());
});

Deno.test("one file over HTTP, read with fetch (ranges for Parquet)", async () => {
  const parquet = parquetBytes(300, 100).slice();
  const ranges: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    const modified = "Wed, 01 May 2024 10:00:00 GMT";
    if (path === "/files/data.csv") {
      return new Response("id,name\n1,web\n", {
        headers: { "last-modified": modified, "content-type": "text/csv" },
      });
    }
    if (path === "/files/data.parquet") {
      const range = request.headers.get("range");
      if (range === null) {
        return new Response(parquet as Uint8Array<ArrayBuffer>, {
          headers: { "last-modified": modified },
        });
      }
      ranges.push(range);
      const [, start, end] = /bytes=(\d+)-(\d+)/.exec(range)!;
      return new Response(parquet.slice(Number(start), Number(end) + 1), { status: 206 });
    }
    return new Response("no", { status: 404 });
  });
  try {
    const base = `http://127.0.0.1:${server.addr.port}/files`;
    const [item] = await listed(filesystem({ bucketUrl: `${base}/data.csv` }));
    assert.deepEqual({ ...item }, {
      file_name: "data.csv",
      relative_path: "data.csv",
      file_url: `${base}/data.csv`,
      mime_type: "text/csv",
      modification_date: new Date("2024-05-01T10:00:00Z"),
      size_in_bytes: 14,
    });
    const rows = await Array.fromAsync(readCsv().transform([item], CONTEXT));
    assert.deepEqual(rows, [[{ id: 1, name: "web" }]]);

    const parquetFiles = await listed(filesystem({ bucketUrl: base, fileGlob: "data.parquet" }));
    const chunks = await Array.fromAsync(readParquet().transform(parquetFiles, CONTEXT));
    assert.equal((chunks as unknown[][]).flat().length, 300);
    assert.equal(ranges.length, 4); // the tail with the footer, then three row groups

    await assert.rejects(
      () => listed(filesystem({ bucketUrl: `${base}/missing.csv` })),
      /File "http:\/\/127\.0\.0\.1:\d+\/files\/missing\.csv" does not exist/,
    );
    assert.throws(() => filesystem({ bucketUrl: base, fileGlob: "*.csv" }), /cannot be listed/);
  } finally {
    await server.shutdown();
  }
});

isolatedTest(
  import.meta.url,
  "options: camelCase only, dlt's names refused with what to write; config",
  async () => {
    assert.throws(
      () => filesystem({ bucket_url: "/tmp" } as never),
      /Unknown option "bucket_url" for filesystem\(\): write "bucketUrl"/,
    );
    assert.throws(
      () => filesystem({ bucketUrl: "/tmp", files_per_page: 2 } as never),
      /"filesPerPage"/,
    );
    assert.throws(() => filesystem({ bucketUrl: "/tmp", kwargs: {} } as never), /fsspec/);
    assert.throws(() => readCsv({ sep: ";" } as never), /write "delimiter"/);
    assert.throws(() => readParquet({ chunksize: 5 } as never), /write "chunkSize"/);
    assert.throws(() => readCsv({ encoding: "no-such" }), RangeError);
    assert.throws(
      () => filesystem({ bucketUrl: "/tmp", credentials: { awsAccessKeyId: "x" } }),
      /takes no credentials/,
    );
    assert.throws(() => filesystem(), (error: unknown) => {
      assert.ok(error instanceof MissingConfigError);
      assert.match(error.message, /SOURCES__FILESYSTEM__FILESYSTEM__BUCKET_URL/);
      return true;
    });
    const dir = await tempDir("fs_config");
    await writeFiles(dir, { "x.csv": "a\n1\n" }, T0);
    Deno.env.set("SOURCES__FILESYSTEM__BUCKET_URL", dir);
    try {
      assert.equal((await listed(filesystem())).length, 1);
    } finally {
      Deno.env.delete("SOURCES__FILESYSTEM__BUCKET_URL");
    }
    await assert.rejects(
      () => Array.fromAsync(readCsv().transform([{ file_url: "x" }], CONTEXT)),
      /readCsv\(\) reads the file items of filesystem\(\); it got an object with keys file_url/,
    );
  },
);
