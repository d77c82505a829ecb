/**
 * What a dataset of a DuckDB database holds, from DuckDB's own catalog function
 * `duckdb_columns()` in the database attached as a given catalog. The load asks four such
 * queries in a small run, and `pipeline.dataset()` asks for a table's columns; DuckDB builds
 * `information_schema` over every attached database, which costs two to four times as long.
 *
 * @module
 */
import type { CatalogQueries } from "../../lib/destination.ts";
import { quoteLiteral } from "../../lib/load/sql.ts";

/**
 * The {@linkcode CatalogQueries} of the database attached as `catalog`: where the destination's
 * qualified names point, whatever the default catalog. All read `duckdb_columns()`, which has the
 * columns of views as well as of tables (as `information_schema` has both), where DuckDB has no
 * table or view without a column.
 */
export function duckdbCatalogQueries(catalog: string): CatalogQueries {
  const inDataset = (dataset: string) =>
    `FROM duckdb_columns() WHERE database_name = ${quoteLiteral(catalog)} AND schema_name = ${
      quoteLiteral(dataset)
    }`;
  return {
    tables: (dataset) => `SELECT DISTINCT table_name ${inDataset(dataset)}`,
    tableExists: (dataset, table) =>
      `SELECT 1 ${inDataset(dataset)} AND table_name = ${quoteLiteral(table)} LIMIT 1`,
    columns: (dataset, table) =>
      `SELECT column_name, CASE WHEN is_nullable THEN 'YES' ELSE 'NO' END AS is_nullable ${
        inDataset(dataset)
      } AND table_name = ${quoteLiteral(table)} ORDER BY column_index`,
  };
}
