/**
 * The storage layout of a database file, for the tests of both drivers: a query that reads it,
 * and a file created by DuckDB itself in a layout other than the drivers'.
 *
 * @module
 */
import { DuckDBInstance } from "@duckdb/node-api";

/** The block size and storage format (as `v1.0.0+`) of the current database, one row. */
export const LAYOUT_QUERY =
  "SELECT block_size::INT AS blockSize, (SELECT tags['storage_version'] FROM duckdb_databases() " +
  "WHERE database_name = current_database()) AS storage FROM pragma_database_size() " +
  "WHERE database_name = current_database()";

/**
 * Creates `path` with native DuckDB in DuckDB 1.3's storage format and DuckDB's default blocks
 * (256 KiB), as another tool would, running `sql` in it (tables unqualified).
 */
export async function createNewerFormatFile(path: string, sql: string): Promise<void> {
  const instance = await DuckDBInstance.create();
  try {
    const connection = await instance.connect();
    await connection.run(`ATTACH '${path}' AS theirs (STORAGE_VERSION 'v1.3.0')`);
    await connection.run("USE theirs");
    await connection.run(sql);
    connection.closeSync();
  } finally {
    instance.closeSync();
  }
}
