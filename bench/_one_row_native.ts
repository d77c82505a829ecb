/**
 * Reference of the 1-row benchmark: native DuckDB (`@duckdb/node-api`) opens a file, creates the
 * table if missing, inserts one row and closes.
 *
 *     deno run -A bench/_one_row_native.ts <file>
 */
import { DuckDBInstance } from "../lib/deps/duckdb_node.ts";

const instance = await DuckDBInstance.create(Deno.args[0]);
const connection = await instance.connect();
await connection.run("CREATE TABLE IF NOT EXISTS items (id BIGINT, name VARCHAR)");
await connection.run(`INSERT INTO items VALUES (${Date.now()}, 'x')`);
connection.closeSync();
instance.closeSync();
