/**
 * `duckdb({ engine: "native" })`: the same destination on native DuckDB, writing files the
 * default WASM engine reads, with what DuckDB-WASM lacks here (time zones through ICU).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pipeline, resource } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { tempDir } from "./_helpers.ts";

const events = [
  { id: 1, created_at: "2024-03-01T23:30:00Z", tags: ["a", "b"], actor: { login: "x" } },
  { id: 2, created_at: "2024-03-02T10:00:00Z", tags: ["c"], actor: { login: "y" } },
];

Deno.test("the native engine loads, merges and reads back; the WASM engine reads its file", async () => {
  const dir = await tempDir("native");
  const path = join(dir, "native.duckdb");
  const run = (engine: "wasm" | "native") =>
    pipeline({
      pipelineName: "native_engine",
      pipelinesDir: dir,
      destination: duckdb({ credentials: path, engine }),
      datasetName: "events",
    });
  const p = run("native");
  const hinted = (rows: typeof events) =>
    resource(rows, { name: "events", writeDisposition: "merge", primaryKey: "id" });
  await p.run(hinted(events));
  await p.run(hinted([{ ...events[1], actor: { login: "z" } }]));
  const rows = await p.dataset().query<{ id: number; login: string; tags: number }>(
    `SELECT e.id, e.actor__login AS login, count(t.value) AS tags FROM events e
     JOIN events__tags t ON t._dlt_parent_id = e._dlt_id GROUP BY 1, 2 ORDER BY 1`,
  );
  assert.deepEqual(rows.map((r) => [r.id, r.login, Number(r.tags)]), [[1, "x", 2], [2, "z", 1]]);
  // ICU: a time zone conversion that DuckDB-WASM cannot do here
  const [{ day }] = await p.dataset().query<{ day: string }>(
    "SELECT strftime(created_at AT TIME ZONE 'Europe/Berlin', '%Y-%m-%d') AS day FROM events WHERE id = 1",
  );
  assert.equal(day, "2024-03-02");
  const wasm = run("wasm");
  assert.equal(await wasm.dataset().table("events").count(), 2);
  assert.equal(await wasm.dataset().table("events__tags").count(), 3);
});

/** A pipeline `name` loading into a DuckDB file of its own on native DuckDB. */
async function nativePipeline(name: string) {
  const dir = await tempDir(name);
  return pipeline({
    pipelineName: name,
    pipelinesDir: dir,
    destination: duckdb({ credentials: join(dir, "wide.duckdb"), engine: "native" }),
  });
}

/** The thread count DuckDB has now. */
async function threadsOf(client: { query<T>(sql: string): Promise<T[]> }): Promise<number> {
  const [{ threads }] = await client.query<{ threads: number | bigint }>(
    "SELECT current_setting('threads') AS threads",
  );
  return Number(threads);
}

Deno.test("the native engine copies a wide table on one thread, then has its threads back", async () => {
  const p = await nativePipeline("native_wide");
  // wider than the 64 columns DuckDB reads with all its threads
  const row = (id: number) =>
    Object.fromEntries([
      ["id", id],
      ...Array.from({ length: 80 }, (_, i) => [`c${i}`, `${id}.${i}`]),
    ]);
  const narrow = resource([{ id: 1, name: "a" }], { name: "narrow" });
  const wide = resource(Array.from({ length: 3000 }, (_, i) => row(i)), { name: "wide" });
  await p.run([narrow, wide]);
  await using client = await p.sqlClient();
  await client.execute("SET threads = 2");
  await p.run(resource([row(3000)], { name: "wide" }));
  assert.equal(await threadsOf(client), 2);
  const [{ rows, last }] = await p.dataset().query<{ rows: number; last: string }>(
    `SELECT count(*) AS rows, max(c79) FILTER (WHERE id = 3000) AS last FROM wide`,
  );
  assert.deepEqual([Number(rows), last], [3001, "3000.79"]);
  assert.equal(await p.dataset().table("narrow").count(), 1);
});

Deno.test("a wide copy that fails reports DuckDB's error and gives the threads back", async () => {
  const p = await nativePipeline("native_wide_failing");
  const row = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`c${i}`, `text ${i}`]));
  await using client = await p.sqlClient();
  await client.execute("SET threads = 2");
  // the table exists with a column the rows' text does not fit
  await client.execute(`CREATE SCHEMA IF NOT EXISTS ${p.datasetName}`);
  await client.execute(`CREATE TABLE ${p.datasetName}.wide (c0 INTEGER)`);
  await assert.rejects(
    p.run(resource([row], { name: "wide" })),
    (error: Error) => {
      assert.match(
        error.message,
        /Cannot load job file "wide.1.csv" into table "wide": Conversion Error/,
      );
      assert.doesNotMatch(error.message, /transaction is aborted/);
      return true;
    },
  );
  assert.equal(await threadsOf(client), 2);
});

Deno.test("the native engine without FFI permission fails saying to allow FFI", async () => {
  const dir = await tempDir("native_ffi");
  const script = join(dir, "run.ts");
  const mod = new URL("../mod.ts", import.meta.url).href;
  const destination = new URL("../destinations/duckdb/mod.ts", import.meta.url).href;
  await Deno.writeTextFile(
    script,
    `import { pipeline } from "${mod}";
import { duckdb } from "${destination}";
const p = pipeline({ pipelineName: "ffi", pipelinesDir: ${JSON.stringify(dir)},
  destination: duckdb({ credentials: ":memory:", engine: "native" }) });
try {
  await p.run([{ a: 1 }], { tableName: "t" });
} catch (error) {
  let e = error;
  while (e.cause && e.name !== "DestinationError") e = e.cause;
  console.log(e.name + ": " + e.message);
}`,
  );
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", "--allow-sys", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  assert.match(text, /DestinationError: .*needs FFI: run Deno with --allow-ffi/);
});
