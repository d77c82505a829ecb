/**
 * sql_database benchmark: a Postgres table of `rows` rows (bigint key, numeric, text,
 * timestamptz, jsonb) read by `sqlTable` and loaded into DuckDB, each stage timed with peak RSS;
 * then 1% of the rows updated and an incremental rerun that reads and merges only those.
 *
 *     deno run -A bench/sql_database.ts [rows=1000000] [postgresql://user:password@host:port/db]
 *
 * The server is the URL given, else `DLT_TEST_POSTGRES_URL` (start one with
 * `tests/_scripts/postgres_server.sh start DIR`). The table is made in a schema of its own,
 * dropped at the end.
 */
import { join } from "node:path";
import { incremental, pipeline } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { pg } from "../lib/deps/pg.ts";
import { sqlTable } from "../sources/sql_database.ts";
import { peakRssMiB } from "./_stages.ts";

const rows = Number(Deno.args[0] ?? 1_000_000);
const url = Deno.args[1] ?? Deno.env.get("DLT_TEST_POSTGRES_URL");
if (url === undefined) {
  console.error("sql_database: give a postgresql:// URL or set DLT_TEST_POSTGRES_URL");
  Deno.exit(2);
}
const schema = `bench_sqldb_${crypto.randomUUID().slice(0, 8)}`;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

await admin(`CREATE SCHEMA ${schema};
  CREATE TABLE ${schema}.orders (id bigint PRIMARY KEY, amount numeric(12,2), label text,
    updated_at timestamptz NOT NULL, payload jsonb);
  INSERT INTO ${schema}.orders SELECT 9007199254740993 + i, i / 100.0, 'order ' || i,
    TIMESTAMPTZ '2024-01-01Z' + i * INTERVAL '1 second', jsonb_build_object('n', i)
  FROM generate_series(1, ${rows}) i;`);
const dir = await Deno.makeTempDir({ prefix: "bench_sqldb_" });
try {
  const p = pipeline({
    pipelineName: "bench_sqldb",
    destination: duckdb({ path: join(dir, "bench.duckdb") }),
    pipelinesDir: join(dir, "pipelines"),
  });
  const orders = () =>
    sqlTable({
      credentials: url,
      schema,
      table: "orders",
      incremental: incremental("updated_at"),
      writeDisposition: "merge",
    });
  const stages = async () => {
    const t0 = performance.now();
    await p.extract(await orders());
    const t1 = performance.now();
    const extractMiB = peakRssMiB();
    const normalized = await p.normalize();
    const t2 = performance.now();
    await p.load();
    const t3 = performance.now();
    const n = normalized.rowCounts.orders ?? 0;
    const rate = (ms: number) => Math.round(n / (ms / 1000)).toLocaleString("en");
    return `${n.toLocaleString("en")} rows: extract ${((t1 - t0) / 1000).toFixed(1)} s (${
      rate(t1 - t0)
    } rows/s, peak RSS ${extractMiB.toFixed(0)} MiB), normalize ${
      ((t2 - t1) / 1000).toFixed(1)
    } s, load ${((t3 - t2) / 1000).toFixed(1)} s; peak RSS ${peakRssMiB().toFixed(0)} MiB`;
  };
  console.log(`sql_database first run: ${await stages()}`);
  await admin(
    `UPDATE ${schema}.orders SET label = 'changed', updated_at = now() WHERE id % 100 = 0`,
  );
  console.log(`sql_database incremental rerun (1% updated): ${await stages()}`);
} finally {
  await admin(`DROP SCHEMA ${schema} CASCADE`);
  await Deno.remove(dir, { recursive: true });
}
