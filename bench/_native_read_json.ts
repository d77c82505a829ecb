/**
 * Reference for the events benchmarks: native DuckDB (`@duckdb/node-api`) reading an NDJSON
 * file with `read_json_auto` into one table. Arguments: <ndjson path> <database path or
 * `:memory:`> [threads]. Prints one JSON line: { seconds, rows, peakMiB }.
 */
import { DuckDBInstance } from "@duckdb/node-api";

const [ndjson, database, threads] = Deno.args;
const t0 = performance.now();
const instance = await DuckDBInstance.create(
  database,
  threads === undefined ? undefined : { threads },
);
const connection = await instance.connect();
await connection.run(
  `CREATE TABLE events AS SELECT * FROM read_json_auto('${ndjson.replaceAll("'", "''")}')`,
);
const reader = await connection.runAndReadAll("SELECT count(*) AS n FROM events");
const rows = Number(reader.getRowObjects()[0].n);
connection.closeSync();
instance.closeSync();
const seconds = (performance.now() - t0) / 1000;
const status = Deno.readTextFileSync("/proc/self/status");
const peakMiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
console.log(JSON.stringify({ seconds, rows, peakMiB }));
