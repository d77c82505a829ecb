/**
 * Reference for the end-to-end benchmark: native DuckDB (`@duckdb/node-api`) reading an NDJSON
 * file with `read_json_auto` into one table. Arguments: <ndjson path> <database path>.
 * Prints one JSON line: { seconds, rows }.
 */
import { DuckDBInstance } from "@duckdb/node-api";

const [ndjson, database] = Deno.args;
const t0 = performance.now();
const instance = await DuckDBInstance.create(database);
const connection = await instance.connect();
await connection.run(
  `CREATE TABLE events AS SELECT * FROM read_json_auto('${ndjson.replaceAll("'", "''")}')`,
);
const reader = await connection.runAndReadAll("SELECT count(*) AS n FROM events");
const rows = Number(reader.getRowObjects()[0].n);
connection.closeSync();
instance.closeSync();
console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, rows }));
