/**
 * sql_database benchmark: a 1,000,000-row, 10-column PostgreSQL table copied by `sqlTable` into
 * the default duckdb destination (native DuckDB under `-A`, DuckDB-WASM with
 * `DESTINATION__DUCKDB__ENGINE=wasm`), in a process of its own; reference in the same run:
 * `COPY (SELECT …) TO STDOUT` of the same table into a CSV file, then native DuckDB `read_csv` of
 * it into a table. Prints rows/s and peak RSS of each, and the ratio.
 *
 *     deno run -A bench/sql_database.ts [rows=1000000] [postgresql://user:password@host:port/db]
 *
 * The server is the URL given, else `DLT_TEST_POSTGRES_URL`, else a throwaway cluster started
 * with `tests/_scripts/postgres_server.sh` and stopped at the end.
 */
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { pipeline as streamPipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { pipeline } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { copyTo, pg } from "../lib/deps/pg.ts";
import { sqlTable } from "../sources/sql_database.ts";
import { peakRssMiB } from "./_stages.ts";
import { measureInChild } from "./_child.ts";

/** What one measured process reports. */
interface Measured {
  seconds: number;
  rows: number;
  peakMiB: number;
}

const SELF = fileURLToPath(import.meta.url);
const SERVER_SCRIPT = fileURLToPath(
  new URL("../tests/_scripts/postgres_server.sh", import.meta.url),
);
const SCHEMA = "bench_sql_database";

if (Deno.args[0] === "--child") {
  const [, what, url, dir] = Deno.args;
  console.log(JSON.stringify(what === "ours" ? await ours(url, dir) : await reference(url, dir)));
  Deno.exit(0);
}

const total = Number(Deno.args[0] ?? 1_000_000);
let url = Deno.args[1] ?? Deno.env.get("DLT_TEST_POSTGRES_URL");
const dir = await Deno.makeTempDir({ prefix: "denodlt_bench_sql_" });
let cluster: string | undefined;
if (url === undefined) {
  cluster = join(dir, "cluster");
  await Deno.chmod(dir, 0o755);
  url = await serverScript("start", cluster);
}
try {
  await createTable(url, total);
  console.log(
    `sql_database: ${
      total.toLocaleString("en-US")
    } rows × 10 columns, PostgreSQL → duckdb (engine ${
      Deno.env.get("DESTINATION__DUCKDB__ENGINE") ?? "auto"
    })`,
  );
  const native = await measure("reference", url, dir);
  report("COPY TO STDOUT + native read_csv", native);
  report("ours, sqlTable → duckdb", await measure("ours", url, dir), native);
} finally {
  const client = await connect(url);
  await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).finally(() => client.end());
  if (cluster !== undefined) await serverScript("stop", cluster);
  await Deno.remove(dir, { recursive: true });
}

/** Runs the throwaway-cluster script; its output (the URL, for `start`). */
async function serverScript(command: "start" | "stop", folder: string): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command("bash", {
    args: [SERVER_SCRIPT, command, folder],
  }).output();
  if (!success) {
    throw new Error(`postgres_server.sh ${command} failed: ${new TextDecoder().decode(stderr)}`);
  }
  return new TextDecoder().decode(stdout).trim();
}

/** The slice of `pg.Client` used here. */
interface AdminClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  query<S>(stream: S): S;
  end(): Promise<void>;
}

async function connect(url: string): Promise<AdminClient> {
  const client = new pg.Client({ connectionString: url }) as AdminClient;
  await client.connect();
  return client;
}

/** Creates the table of `total` rows (ten columns of common types) in schema `SCHEMA`. */
async function createTable(url: string, total: number): Promise<void> {
  const client = await connect(url);
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}`);
    await client.query(`CREATE TABLE ${SCHEMA}.orders AS SELECT
        i AS id,
        i % 1000 AS customer_id,
        'order ' || i AS title,
        (i % 100000)::numeric(12, 2) / 100 AS amount,
        i * 0.5::double precision AS score,
        i % 2 = 0 AS paid,
        TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL '1 second' AS created_at,
        DATE '2024-01-01' + (i % 365) AS due_on,
        md5(i::text) AS token,
        CASE WHEN i % 10 = 0 THEN NULL ELSE 'note ' || (i % 97) END AS note
      FROM generate_series(1, ${total}) AS g(i)`);
    await client.query(`ALTER TABLE ${SCHEMA}.orders ADD PRIMARY KEY (id)`);
    // hint bits and statistics now: else the first reader sets them, and autovacuum runs
    // during the measurements
    await client.query(`VACUUM ANALYZE ${SCHEMA}.orders`);
  } finally {
    await client.end();
  }
}

function measure(what: string, url: string, folder: string): Promise<Measured> {
  return measureInChild<Measured>([SELF, "--child", what, url, folder]);
}

function report(label: string, m: Measured, reference?: Measured): void {
  const rate = m.rows / m.seconds;
  let line = `  ${label.padEnd(34)} ${m.seconds.toFixed(2).padStart(6)} s  ${
    Math.round(rate).toLocaleString("en-US").padStart(10)
  } rows/s  peak RSS ${m.peakMiB.toFixed(0).padStart(4)} MiB`;
  if (reference !== undefined) {
    line += `  ratio ${(rate / (reference.rows / reference.seconds)).toFixed(2)}`;
  }
  console.log(line);
}

/** `COPY … TO STDOUT` into a CSV file, then native DuckDB reading it into a table. */
async function reference(url: string, folder: string): Promise<Measured> {
  const t0 = performance.now();
  const csv = join(folder, "orders.csv");
  const client = await connect(url);
  try {
    await streamPipeline(
      client.query(
        copyTo(`COPY (SELECT * FROM ${SCHEMA}.orders) TO STDOUT WITH (FORMAT csv, HEADER true)`),
      ),
      createWriteStream(csv),
    );
  } finally {
    await client.end();
  }
  const instance = await DuckDBInstance.create(join(folder, "native.duckdb"));
  const connection = await instance.connect();
  await connection.run(`CREATE TABLE orders AS SELECT * FROM read_csv('${csv}')`);
  const reader = await connection.runAndReadAll("SELECT count(*) AS n FROM orders");
  const rows = Number(reader.getRowObjects()[0].n);
  connection.closeSync();
  instance.closeSync();
  return { seconds: (performance.now() - t0) / 1000, rows, peakMiB: peakRssMiB() };
}

/** The table copied by `sqlTable` into the default duckdb destination. */
async function ours(url: string, folder: string): Promise<Measured> {
  const t0 = performance.now();
  const p = pipeline({
    pipelineName: "bench_sql_database",
    destination: duckdb({ path: join(folder, "ours.duckdb") }),
    pipelinesDir: join(folder, "pipelines"),
  });
  await p.run(await sqlTable({ credentials: url, schema: SCHEMA, table: "orders" }));
  const seconds = (performance.now() - t0) / 1000;
  const rows = await p.dataset().table("orders").count();
  return { seconds, rows, peakMiB: peakRssMiB() };
}
