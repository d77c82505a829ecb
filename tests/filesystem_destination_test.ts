/**
 * The filesystem destination end to end, on local buckets: dlt's layout (default and custom),
 * jsonl (gzipped or not) and csv files, append and replace, merge refused, state and schemas
 * restored from the bucket, loads killed and resumed exactly once, a bucket that cannot be
 * written, reading back with and without SQL, and native DuckDB reading the files directly.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DestinationError,
  type Pipeline,
  pipeline,
  PipelineStepFailed,
  resource,
  setLogLevel,
  source,
} from "../mod.ts";
import { filesystem, type FilesystemOptions } from "../destinations/filesystem/mod.ts";
import type { FileContent } from "../lib/filesystem/file_system.ts";
import { LocalFileSystem } from "../lib/filesystem/local.ts";
import {
  type Decimal,
  Int64,
  Table as ArrowTable,
  tableToIPC,
  TimestampMicrosecond,
  vectorFromArray,
} from "../lib/deps/apache_arrow.ts";
import { Table as WasmTable, writeParquet } from "../lib/deps/parquet_wasm.ts";
import { tempDir } from "./_helpers.ts";
import { lake, lakePipeline, runOnTwoMachines } from "./_lake.ts";
import { nativeQuery } from "./_native_duckdb.ts";
import { isolatedTest } from "./_isolated.ts";

// the state sync's messages (a working folder restored from the bucket) stay off the console
setLogLevel("ERROR");

const FFI = Deno.permissions.querySync({ name: "ffi" }).state === "granted";
const KILL_SCRIPT = fileURLToPath(
  new URL("./_scripts/killed_filesystem_load.ts", import.meta.url),
);

/** Every file under `dir`, as sorted paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(join(dir, relative)));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const entry of entries) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else found.push(path);
    }
  };
  await walk("");
  return found.sort();
}

/** The text of a file, gunzipped when its name ends with `.gz`. */
async function fileText(path: string): Promise<string> {
  const file = await Deno.open(path);
  const stream = path.endsWith(".gz")
    ? file.readable.pipeThrough(new DecompressionStream("gzip"))
    : file.readable;
  return await new Response(stream).text();
}

/** A pipeline loading into a new local bucket with `options`. */
async function fsPipeline(
  name: string,
  options: FilesystemOptions = {},
): Promise<{ p: Pipeline; bucket: string; pipelinesDir: string }> {
  const bucket = await tempDir(`${name}_bucket`);
  const pipelinesDir = await tempDir(`${name}_pipelines`);
  const p = pipeline({
    pipelineName: name,
    destination: filesystem({ bucketUrl: bucket, ...options }),
    datasetName: "lake",
    pipelinesDir,
  });
  return { p, bucket, pipelinesDir };
}

Deno.test("default layout: <bucket>/<dataset>/<table>/<load_id>.<file_id>.jsonl.gz and dlt's system files", async () => {
  const { p, bucket } = await fsPipeline("layout_default");
  const info = await p.run(lake(1));
  const [{ loadId }] = info.loadPackages;
  const files = await filesUnder(join(bucket, "lake"));
  const id = loadId.replace(".", "\\.");
  const expected = [
    new RegExp(`^_dlt_loads/lake__${id}\\.jsonl$`),
    new RegExp(`^_dlt_pipeline_state/layout_default__${id}__[0-9a-f]+\\.jsonl$`),
    new RegExp(`^_dlt_version/lake__${id}__[0-9a-f]+\\.jsonl$`),
    new RegExp(`^events/${id}\\.\\d+\\.jsonl\\.gz$`),
    /^init$/,
    new RegExp(`^orders/${id}\\.\\d+\\.jsonl\\.gz$`),
    new RegExp(`^orders__lines/${id}\\.\\d+\\.jsonl\\.gz$`),
  ];
  assert.equal(files.length, expected.length, files.join("\n"));
  files.forEach((file, i) => assert.match(file, expected[i]));
  assert.deepEqual(JSON.parse(await Deno.readTextFile(join(bucket, "lake", "init"))), {
    initial_version: 2,
    current_version: 2,
  });
  const marker = JSON.parse(await Deno.readTextFile(join(bucket, "lake", files[0])));
  assert.equal(marker.load_id, loadId);
  assert.equal(marker.schema_name, "lake");
  assert.equal(marker.status, 0);
  const state = JSON.parse(await Deno.readTextFile(join(bucket, "lake", files[1])));
  assert.equal(state.pipeline_name, "layout_default");
  assert.equal(state._dlt_load_id, loadId);
  assert.equal(JSON.parse(state.state).pipelineName, "layout_default");
  const version = JSON.parse(await Deno.readTextFile(join(bucket, "lake", files[2])));
  assert.equal(version.schema_name, "lake");
  assert.ok(JSON.parse(version.schema).tables.orders__lines);
  // the job files are gzipped JSON lines, one object per row
  const lines = (await fileText(join(bucket, "lake", files[5]))).trim().split("\n");
  assert.deepEqual(lines.map((line) => JSON.parse(line).id).sort(), [11, 12, 13]);
});

Deno.test("a custom layout with dlt's placeholders places the files and reads back", async () => {
  const layout = "{schema_name}/{table_name}/{YYYY}-{MM}-{DD}/{HH}/{load_id}.{file_id}.{ext}";
  const { p, bucket } = await fsPipeline("layout_custom", { layout, disableCompression: true });
  const info = await p.run(lake(1));
  const { loadId } = info.loadPackages[0];
  const time = new Date(Number(loadId) * 1000).toISOString();
  const folder = `${time.slice(0, 10)}/${time.slice(11, 13)}`;
  const files = (await filesUnder(join(bucket, "lake"))).filter((f) => !f.startsWith("_dlt"));
  assert.deepEqual(files.map((f) => f.replace(/\d+\.\d+\.\d+\.jsonl$/, "*")), [
    "init",
    `lake/events/${folder}/*`,
    `lake/orders/${folder}/*`,
    `lake/orders__lines/${folder}/*`,
  ]);
  assert.deepEqual(await p.dataset().rowCounts(), { events: 2, orders: 3, orders__lines: 6 });
  // a replace finds the files of its tables under the layout, and only those
  await p.run(lake(2));
  assert.deepEqual(await p.dataset().rowCounts(), { events: 4, orders: 3, orders__lines: 6 });
  assert.deepEqual(
    (await p.dataset().table("orders").select("id").orderBy("id").rows()).map((r) => r.id),
    [21, 22, 23],
  );
});

Deno.test("layouts and options are checked as filesystem() is called", () => {
  assert.throws(
    () => filesystem({ layout: "{table_name}/{week}/{load_id}.{file_id}.{ext}" }),
    /Layout "\{table_name\}\/\{week\}\/\{load_id\}\.\{file_id\}\.\{ext\}" \(option "layout" of filesystem\(\)\) has unknown placeholder "week"; known placeholders: \{schema_name\}, \{table_name\}/,
  );
  assert.throws(() => filesystem({ layout: "{table_name}/{load_id}.{ext}" }), /lacks \{file_id\}/);
  assert.throws(
    () => filesystem({ layout: "{YYYY}/{table_name}/{load_id}.{file_id}" }),
    /has \{YYYY\} before \{table_name\}: only \{schema_name\} may come before it/,
  );
  assert.throws(
    () => filesystem({ layout: "{table_name}_{load_id}.{file_id}" }),
    /needs a separator after \{table_name\}/,
  );
  // extra placeholders make a layout valid; names of standard ones are refused
  filesystem({
    layout: "{table_name}/{region}/{load_id}.{file_id}.{ext}",
    extraPlaceholders: { region: "eu" },
  });
  assert.throws(() => filesystem({ extraPlaceholders: { ext: "x" } }), RangeError);
  const fromPython = JSON.parse('{ "bucket_url": "/tmp/x" }');
  assert.throws(() => filesystem(fromPython), /write "bucketUrl"/);
  assert.throws(() => filesystem({ currentDatetime: 1 } as never), /not supported/);
  assert.throws(
    () => filesystem("/tmp/a", { bucketUrl: "/tmp/b" } as never),
    /given the bucket URL first and the option "bucketUrl"/,
  );
});

Deno.test("credentials for a local bucket are refused, not ignored", async () => {
  const { p } = await fsPipeline("local_credentials", {
    credentials: { awsAccessKeyId: "AKIAEXAMPLE", awsSecretAccessKey: "example-secret" },
  });
  const error = await p.run(resource([{ id: 1 }], { name: "items" })).catch((e) => e);
  let cause = error as Error;
  while (cause.cause instanceof Error) cause = cause.cause;
  assert.match(
    cause.message,
    /^Bucket URL "file:\/\/.*" is a local folder: it takes no credentials$/,
  );
  assert.doesNotMatch(String(error), /example-secret/);
});

Deno.test("extra placeholders fill the layout", async () => {
  const { p, bucket } = await fsPipeline("layout_extra", {
    layout: "{table_name}/region={region}/{load_id}.{file_id}.{ext}",
    extraPlaceholders: { region: "eu" },
  });
  await p.run(resource([{ id: 1 }], { name: "items" }));
  const files = await filesUnder(join(bucket, "lake", "items"));
  assert.equal(files.length, 1);
  assert.match(files[0], /^region=eu\/\d+\.\d+\.\d+\.jsonl\.gz$/);
  assert.equal(await p.dataset().table("items").count(), 1);
});

Deno.test("plain jsonl and csv (gzipped or not) hold the rows, RFC 4180 quoted", async () => {
  const rows = [
    { id: 1, note: 'say "hi", then\nleave', empty: "" },
    { id: 2, note: null, empty: "x" },
  ];
  for (
    const [format, disableCompression, extension] of [
      ["jsonl", true, "jsonl"],
      ["csv", false, "csv.gz"],
      ["csv", true, "csv"],
    ] as const
  ) {
    const { p, bucket } = await fsPipeline(`formats_${extension.replace(".", "_")}`, {
      disableCompression,
    });
    await p.run(resource(rows, { name: "notes" }), { loaderFileFormat: format });
    const [file] = await filesUnder(join(bucket, "lake", "notes"));
    assert.ok(file.endsWith(`.${extension}`), file);
    const text = await fileText(join(bucket, "lake", "notes", file));
    if (format === "csv") {
      assert.ok(text.startsWith("id,note,empty,_dlt_load_id,_dlt_id\n"), text);
      assert.ok(text.includes('"say ""hi"", then\nleave",""'), text);
    } else {
      assert.deepEqual(JSON.parse(text.split("\n")[0]).note, rows[0].note);
    }
    // NULL and "" stay apart
    assert.deepEqual(
      await p.dataset().table("notes").select("id", "note", "empty").orderBy("id").rows(),
      [{ id: 1, note: rows[0].note, empty: "" }, { id: 2, note: null, empty: "x" }],
    );
  }
});

Deno.test("append adds files; replace leaves only the new ones, of the table and its nested tables", async () => {
  const { p, bucket } = await fsPipeline("dispositions");
  await p.run(lake(1));
  await p.run(lake(2));
  const count = async (table: string) => (await filesUnder(join(bucket, "lake", table))).length;
  assert.deepEqual(await p.dataset().rowCounts(), { events: 4, orders: 3, orders__lines: 6 });
  assert.equal(await count("events"), 2);
  assert.equal(await count("orders"), 1);
  assert.equal(await count("orders__lines"), 1);
  const info = await p.run(lake(3));
  const [orders] = await filesUnder(join(bucket, "lake", "orders"));
  assert.ok(orders.startsWith(info.loadPackages[0].loadId), orders);
  assert.deepEqual(await p.dataset().rowCounts(), { events: 6, orders: 3, orders__lines: 6 });
  // a replace that brings no rows empties the tables
  await p.run(
    source([resource([], { name: "orders", writeDisposition: "replace" })], { name: "lake" }),
  );
  assert.equal(await count("orders"), 0);
  assert.equal(await count("orders__lines"), 0);
  assert.deepEqual(await p.dataset().rowCounts(), { events: 6, orders: 0, orders__lines: 0 });
});

Deno.test("a replace that fails before its new files are in keeps the old ones; resumed, it swaps them", async () => {
  const { p, bucket } = await fsPipeline("replace_fault");
  await p.run(lake(1));
  const before = await filesUnder(join(bucket, "lake", "orders"));
  // a file where the nested table's folder goes: its job cannot be written
  await Deno.remove(join(bucket, "lake", "orders__lines"), { recursive: true });
  await Deno.writeTextFile(join(bucket, "lake", "orders__lines"), "in the way");
  const error = await p.run(lake(2)).catch((e) => e);
  assert.ok(error instanceof PipelineStepFailed, String(error));
  assert.match(error.message, /Cannot write job file ".*" of table "orders__lines"/);
  assert.match(
    String((error.cause as Error).message),
    /lake\/orders__lines\/\d+\.\d+\.\d+\.jsonl\.gz/,
  );
  // the old orders file is still there beside the new one, and readers see the old rows only
  const during = await filesUnder(join(bucket, "lake", "orders"));
  assert.equal(during.length, 2);
  assert.ok(during.includes(before[0]));
  assert.deepEqual(
    (await p.dataset().table("orders").select("id").orderBy("id").rows()).map((r) => r.id),
    [11, 12, 13],
  );
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 1 });

  await Deno.remove(join(bucket, "lake", "orders__lines"));
  await p.load();
  const after = await filesUnder(join(bucket, "lake", "orders"));
  assert.equal(after.length, 1);
  assert.ok(!after.includes(before[0]));
  assert.deepEqual(await p.dataset().rowCounts(), { events: 4, orders: 3, orders__lines: 6 });
  assert.deepEqual(
    (await p.dataset().table("orders").select("id").orderBy("id").rows()).map((r) => r.id),
    [21, 22, 23],
  );
});

Deno.test("merge fails before anything loads, naming the write dispositions it takes", async () => {
  const { p, bucket } = await fsPipeline("merge_refused");
  await p.run(resource([{ id: 1 }], { name: "others" }));
  const issues = resource([{ id: 1 }], {
    name: "issues",
    primaryKey: "id",
    writeDisposition: "merge",
  });
  const error = await p.run(issues).catch((e) => e);
  assert.ok(error instanceof PipelineStepFailed, String(error));
  assert.match(
    error.message,
    /Table "issues" has write disposition "merge", which destination "filesystem" does not support; it takes "append", "replace"/,
  );
  assert.deepEqual(await filesUnder(join(bucket, "lake", "issues")), []);
  assert.deepEqual(await p.dataset().rowCounts(), { others: 1 });
});

Deno.test("state and schemas come back from the bucket into an empty working folder", async () => {
  const bucket = await tempDir("restore_bucket");
  const open = async () =>
    pipeline({
      pipelineName: "restore",
      destination: filesystem({ bucketUrl: bucket }),
      datasetName: "lake",
      pipelinesDir: await tempDir("restore_pipelines"),
    });
  const [, second] = await runOnTwoMachines(open, "restore");
  // the stored state is the newest committed one
  const client = await (await second.destination()).client({
    pipelineName: "restore",
    datasetName: "lake",
  });
  const stored = await client.storedState("restore");
  await client.close();
  assert.equal(stored?.version, second.state.version);
});

/** The bucket operations (writes and deletes) of loading `lake(2)` after `lake(1)`. */
async function operationsOfSecondLoad(): Promise<("write" | "delete")[]> {
  const { p } = await fsPipeline("operations");
  await p.run(lake(1));
  const operations: ("write" | "delete")[] = [];
  const { write, delete: remove } = LocalFileSystem.prototype;
  LocalFileSystem.prototype.write = function (url: string, content: FileContent) {
    operations.push("write");
    return write.call(this, url, content);
  };
  LocalFileSystem.prototype.delete = function (url: string) {
    operations.push("delete");
    return remove.call(this, url);
  };
  try {
    await p.run(lake(2));
  } finally {
    Object.assign(LocalFileSystem.prototype, { write, delete: remove });
  }
  return operations;
}

Deno.test("a load killed at any step and resumed loads each file once; a replace never loses the old rows first", async () => {
  const operations = await operationsOfSecondLoad();
  // jobs first, then the replaced tables' old files, then the marker last
  assert.equal(operations.at(-1), "write");
  const firstDelete = operations.indexOf("delete");
  assert.ok(firstDelete > 1, operations.join());
  const steps = [2, firstDelete + 1, operations.length];
  for (const step of steps) {
    const bucket = await tempDir(`killed_${step}_bucket`);
    const pipelinesDir = await tempDir(`killed_${step}_pipelines`);
    await lakePipeline(bucket, pipelinesDir).run(lake(1));
    const oldOrders = await filesUnder(join(bucket, "lake", "orders"));
    const { code, signal, stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", KILL_SCRIPT, bucket, pipelinesDir, "2", String(step)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(
      signal,
      "SIGKILL",
      `step ${step}: exited with ${code}: ${new TextDecoder().decode(stdout)}`,
    );
    const p = lakePipeline(bucket, pipelinesDir);
    // killed before its marker: readers see nothing of the second load; the replaced tables
    // read as the first load left them, or, once their old files went, empty
    const replaced = step === operations.length ? 0 : 1;
    assert.deepEqual(await p.dataset().rowCounts(), {
      events: 2,
      orders: 3 * replaced,
      orders__lines: 6 * replaced,
    });
    if (step === firstDelete + 1) {
      // every new file is in and no old one is gone yet
      const orders = await filesUnder(join(bucket, "lake", "orders"));
      assert.equal(orders.length, 2);
      assert.ok(orders.includes(oldOrders[0]));
    }
    const info = await p.load();
    assert.equal(info.loadPackages.length, 1, `step ${step}`);
    assert.deepEqual(await p.dataset().rowCounts(), { events: 4, orders: 3, orders__lines: 6 });
    assert.deepEqual(
      (await filesUnder(join(bucket, "lake"))).filter((f) => !f.startsWith("_dlt") && f !== "init")
        .map((f) => f.split("/")[0]),
      ["events", "events", "orders", "orders__lines"],
    );
    assert.equal((await filesUnder(join(bucket, "lake", "_dlt_loads"))).length, 2);
    const ids = await p.dataset().table("events").select("id").orderBy("id").rows();
    assert.deepEqual(ids.map((r) => r.id), [11, 12, 21, 22]);
  }
});

Deno.test("a bucket path that cannot be written fails naming the file; nothing is marked loaded", async () => {
  const bucket = await tempDir("unwritable");
  // a file where the dataset's folder goes
  await Deno.writeTextFile(join(bucket, "lake"), "not a folder");
  const p = pipeline({
    pipelineName: "unwritable",
    destination: filesystem({ bucketUrl: bucket }),
    datasetName: "lake",
    pipelinesDir: await tempDir("unwritable_pipelines"),
  });
  const error = await p.run(resource([{ id: 1 }], { name: "items" })).catch((e) => e);
  assert.ok(error instanceof PipelineStepFailed, String(error));
  let cause = error as Error;
  while (cause.cause instanceof Error && !(cause instanceof DestinationError)) {
    cause = cause.cause;
  }
  assert.ok(cause instanceof DestinationError, String(cause));
  assert.match(cause.message, new RegExp(`"file://${bucket}/lake/`));
  assert.equal(await Deno.readTextFile(join(bucket, "lake")), "not a folder");
  // it failed as the run started, before anything was extracted
  assert.equal(error.step, "sync");
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
});

Deno.test("dataset() reads the files without SQL: tableNames, rowCounts, rows, arrow, count, select, orderBy, limit", async () => {
  const { p } = await fsPipeline("read_back");
  const rows = [
    { id: 3, big: 2n ** 62n, at: "2024-01-01T02:00:00+02:00", price: "12.50", ok: true },
    { id: 1, big: 1, at: "2024-03-01T00:00:00Z", price: "0.1", ok: false },
    { id: 2, big: null, at: null, price: null, ok: null },
  ];
  await p.run(
    resource(rows, {
      name: "things",
      columns: { price: { dataType: "decimal" }, doc: { dataType: "json" } },
    }),
  );
  const ds = p.dataset();
  assert.deepEqual(await ds.tableNames(), [
    "_dlt_loads",
    "_dlt_pipeline_state",
    "_dlt_version",
    "things",
  ]);
  assert.deepEqual(await ds.rowCounts(), { things: 3 });
  const things = ds.table("things");
  assert.deepEqual(await things.select("id", "big", "at", "price", "ok").orderBy("id").rows(), [
    { id: 1, big: 1, at: new Date("2024-03-01T00:00:00Z"), price: 0.1, ok: false },
    { id: 2, big: null, at: null, price: null, ok: null },
    { id: 3, big: 2n ** 62n, at: new Date("2024-01-01T00:00:00Z"), price: 12.5, ok: true },
  ]);
  assert.equal(await things.count(), 3);
  assert.equal(await things.limit(2).count(), 2);
  assert.deepEqual(await things.select("id").limit(1).rows(), [{ id: 3 }]);
  // ordered by a column not selected; NULLs last
  assert.deepEqual(await things.select("id").orderBy("at").rows(), [{ id: 3 }, { id: 1 }, {
    id: 2,
  }]);
  const arrow = await things.select("id", "big", "at", "price").orderBy("id").arrow();
  assert.equal(arrow.numRows, 3);
  assert.equal(arrow.getChild("big")!.get(2), 2n ** 62n);
  assert.equal(String(arrow.schema.fields[2].type), "Timestamp<MICROSECOND, UTC>");
  const decimal = arrow.schema.fields[3].type as Decimal;
  assert.deepEqual([decimal.precision, decimal.scale], [38, 9]);
  const words = arrow.getChild("price")!.get(2) as Uint32Array;
  assert.equal(BigInt(words[0]) + (BigInt(words[1]) << 32n), 12_500_000_000n);
  await assert.rejects(things.select("nope").rows(), /Table "things" has no column "nope"/);
  await assert.rejects(
    ds.table("missing").rows(),
    /Table "missing" is not in dataset "lake" at ".*"; its tables: _dlt_loads, _dlt_pipeline_state, _dlt_version, things/,
  );
  const loads = await ds.table("_dlt_loads").rows();
  assert.equal(loads.length, 1);
  assert.ok(loads[0].inserted_at instanceof Date);
});

Deno.test({
  name:
    "SQL through native DuckDB: views over the files, typed as the duckdb destination types them",
  ignore: !FFI,
  async fn() {
    const { p, bucket } = await fsPipeline("sql");
    const rows = [
      { id: 1, at: "2024-01-01T02:00:00+02:00", big: 2n ** 62n, note: "x" },
      { id: 2, at: "2024-01-02T00:00:00Z", big: 5 },
    ];
    await p.run(resource(rows, { name: "items" }));
    await p.run(resource(rows, { name: "items" }), { loaderFileFormat: "csv" });
    const ds = p.dataset();
    assert.deepEqual(
      await ds.query('SELECT id, "at", big, note FROM items ORDER BY id, _dlt_load_id'),
      [
        { id: 1, at: new Date("2024-01-01T00:00:00Z"), big: 2n ** 62n, note: "x" },
        { id: 1, at: new Date("2024-01-01T00:00:00Z"), big: 2n ** 62n, note: "x" },
        { id: 2, at: new Date("2024-01-02T00:00:00Z"), big: 5, note: null },
        { id: 2, at: new Date("2024-01-02T00:00:00Z"), big: 5, note: null },
      ],
    );
    const [type] = await ds.query<{ t: string }>('SELECT typeof("at") AS t FROM items LIMIT 1');
    assert.equal(type.t, "TIMESTAMP WITH TIME ZONE");
    assert.deepEqual(await ds.query("SELECT count(*) AS n FROM _dlt_loads"), [{ n: 2 }]);
    assert.deepEqual(await ds.query("SELECT count(*) AS n FROM items WHERE id = ?", [2]), [
      { n: 2 },
    ]);
    // a Parquet file of a completed load joins the view with its own types
    const [loadId] = (await ds.query<{ id: string }>("SELECT max(load_id) AS id FROM _dlt_loads"))
      .map((r) => r.id);
    const parquet = new ArrowTable({
      id: vectorFromArray([3n], new Int64()),
      at: vectorFromArray([new Date("2024-01-03T00:00:00Z")], new TimestampMicrosecond("UTC")),
    });
    await Deno.writeFile(
      join(bucket, "lake", "items", `${loadId}.99.parquet`),
      writeParquet(WasmTable.fromIPCStream(tableToIPC(parquet, "stream"))),
    );
    assert.deepEqual(
      await p.dataset().query('SELECT id, "at", note FROM items WHERE id = 3'),
      [{ id: 3, at: new Date("2024-01-03T00:00:00Z"), note: null }],
    );
    assert.equal(await p.dataset().table("items").count(), 5);
    await using client = await p.sqlClient();
    assert.equal(client.qualifiedName("items"), '"lake"."items"');
    assert.equal((await client.queryArrow("SELECT * FROM items")).numRows, 5);
    await assert.rejects(client.query("SELECT * FROM nowhere"), DestinationError);
  },
});

Deno.test({
  name: "without --allow-ffi, SQL is a clear error and tables still read",
  ignore: !FFI,
  async fn() {
    const dir = await tempDir("no_ffi");
    const script = join(dir, "no_ffi.ts");
    const mod = new URL("../mod.ts", import.meta.url).href;
    const destination = new URL("../destinations/filesystem/mod.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { pipeline, resource } from "${mod}";
import { filesystem } from "${destination}";
const p = pipeline({ pipelineName: "no_ffi", pipelinesDir: ${JSON.stringify(dir)},
  destination: filesystem({ bucketUrl: ${JSON.stringify(join(dir, "bucket"))} }) });
await p.run(resource([{ id: 1 }, { id: 2 }], { name: "items" }));
console.log("rows " + (await p.dataset().table("items").rows()).length);
try {
  await p.dataset().query("SELECT 1");
} catch (error) {
  console.log(error.name + ": " + error.message);
}`,
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-write", "--allow-env", "--allow-sys", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout);
    assert.match(text, /rows 2/, new TextDecoder().decode(output.stderr));
    assert.match(
      text,
      /DestinationError: SQL on the filesystem destination runs on native DuckDB, which needs --allow-ffi: grant it, or read tables without SQL with dataset\(\)\.table\(name\)\.rows\(\)/,
    );
  },
});

Deno.test({
  name: "native DuckDB reads the files as they are: read_json_auto and read_csv count the rows",
  ignore: !FFI,
  async fn() {
    const { p, bucket } = await fsPipeline("native_read");
    await p.run(lake(1));
    await p.run(lake(2));
    const count = async (sql: string) => Number((await nativeQuery(":memory:", sql))[0].n);
    assert.equal(
      await count(`SELECT count(*) AS n FROM read_json_auto('${bucket}/lake/events/*.jsonl.gz')`),
      4,
    );
    assert.equal(
      await count(
        `SELECT count(*) AS n FROM read_json_auto('${bucket}/lake/orders__lines/*.jsonl.gz')`,
      ),
      6,
    );
    const { p: csv, bucket: csvBucket } = await fsPipeline("native_read_csv");
    await csv.run(lake(1), { loaderFileFormat: "csv" });
    assert.equal(
      await count(`SELECT count(*) AS n FROM read_csv('${csvBucket}/lake/orders/*.csv.gz')`),
      3,
    );
  },
});

isolatedTest(
  import.meta.url,
  "the bucket URL comes from config; without one, the error says where it was looked up",
  async () => {
    const bucket = await tempDir("configured_bucket");
    const pipelinesDir = await tempDir("configured_pipelines");
    Deno.env.set("DESTINATION__FILESYSTEM__BUCKET_URL", `file://${bucket}`);
    try {
      const p = pipeline({
        pipelineName: "configured",
        destination: "filesystem",
        datasetName: "lake",
        pipelinesDir,
      });
      await p.run(resource([{ id: 1 }], { name: "items" }));
      assert.equal((await filesUnder(join(bucket, "lake", "items"))).length, 1);
      assert.deepEqual(await p.dataset().rowCounts(), { items: 1 });
    } finally {
      Deno.env.delete("DESTINATION__FILESYSTEM__BUCKET_URL");
    }
    const nowhere = pipeline({ pipelineName: "nowhere", destination: "filesystem", pipelinesDir });
    const error = await nowhere.run(resource([{ id: 1 }], { name: "items" })).catch((e) => e);
    assert.ok(error instanceof PipelineStepFailed, String(error));
    assert.match(error.message, /Missing config value: bucketUrl/);
    assert.match((error.cause as Error).message, /DESTINATION__FILESYSTEM__BUCKET_URL/);
  },
);

Deno.test("a pipeline re-opened by name loads into the same bucket with the same layout", async () => {
  const layout = "{table_name}/{load_id}.{file_id}.{ext}";
  const { p, bucket, pipelinesDir } = await fsPipeline("reopened", {
    layout,
    disableCompression: true,
  });
  await p.run(resource([{ id: 1 }], { name: "items" }));
  const reopened = pipeline({ pipelineName: "reopened", pipelinesDir });
  assert.equal((await reopened.destination()).name, "filesystem");
  await reopened.run(resource([{ id: 2 }], { name: "items" }));
  const files = await filesUnder(join(bucket, "lake", "items"));
  assert.equal(files.length, 2);
  assert.ok(files.every((file) => file.endsWith(".jsonl")), String(files));
  assert.deepEqual(await reopened.dataset().rowCounts(), { items: 2 });
});
