/**
 * DuckDB views over a table's files: the SQL of the filesystem destination's SQL client. A view
 * reads the table's files with DuckDB's readers (`read_json`, `read_csv`, `read_parquet`, each
 * gzip-aware by extension) and gives every column the type the DuckDB destination gives it,
 * converting the files' text as that destination converts its CSV job files, so SQL sees the
 * same values in both.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { quoteIdentifier, quoteLiteral } from "../../lib/load/sql.ts";
import type { ColumnSchema } from "../../lib/schema/schema.ts";
import { csvRead, sqlType } from "../duckdb/_dialect.ts";
import type { DatasetFile } from "./_dataset_folder.ts";
import { type TableFileFormat, tableFileFormat } from "./_table_files.ts";

/** Runs a query on the DuckDB the views are made in (to learn which columns files have). */
export type QueryRunner = (sql: string) => Promise<Record<string, unknown>[]>;

/** The DuckDB expression that reads a column's files as the text `field` gives it. */
function fromText(column: ColumnSchema, field: string): string {
  const read = csvRead(column);
  return read.csvType === "VARCHAR" ? read.expr(field) : `CAST(${field} AS ${read.csvType})`;
}

/** `CAST(NULL AS <type>) AS "<name>"`: a column the files do not have. */
function nullColumn(column: ColumnSchema): string {
  return `CAST(NULL AS ${sqlType(column)}) AS ${quoteIdentifier(column.name)}`;
}

/** The DuckDB list of the local paths of `files`. */
function pathList(files: readonly DatasetFile[]): string {
  return `[${files.map((file) => quoteLiteral(fileURLToPath(file.url))).join(", ")}]`;
}

/** The table function reading `files` of `format` (all of `columns` as text, for JSONL). */
function reader(
  format: TableFileFormat,
  files: readonly DatasetFile[],
  columns: readonly ColumnSchema[],
): string {
  switch (format) {
    case "jsonl": {
      const types = columns.map((c) => `${quoteLiteral(c.name)}: 'VARCHAR'`).join(", ");
      return `read_json(${pathList(files)}, format = 'newline_delimited', columns = {${types}})`;
    }
    case "csv":
      return `read_csv(${
        pathList(files)
      }, header = true, all_varchar = true, union_by_name = true, delim = ',', quote = '"', escape = '"', nullstr = '', allow_quoted_nulls = false, new_line = '\\n')`;
    case "parquet":
      return `read_parquet(${pathList(files)}, union_by_name = true)`;
  }
}

/**
 * The `SELECT` of a view of a table with `columns` over its `files` (local `file://` URLs): one
 * reader per file format, `UNION ALL`; a column the files of a format lack is NULL there; no
 * files, no rows. `query` runs on the DuckDB the view is made in.
 *
 * @example
 * ```ts ignore
 * const sql = await viewSelect([{ name: "id", dataType: "bigint" }], files, (sql) => db.query(sql));
 * await db.run(`CREATE VIEW items AS ${sql}`);
 * ```
 */
export async function viewSelect(
  columns: readonly ColumnSchema[],
  files: readonly DatasetFile[],
  query: QueryRunner,
): Promise<string> {
  const byFormat = new Map<TableFileFormat, DatasetFile[]>();
  for (const file of files) {
    const format = tableFileFormat(file.path);
    if (format === undefined) continue;
    byFormat.set(format, [...byFormat.get(format) ?? [], file]);
  }
  if (byFormat.size === 0) return `SELECT ${columns.map(nullColumn).join(", ")} WHERE false`;
  const selects: string[] = [];
  for (const [format, group] of byFormat) {
    const from = reader(format, group, columns);
    // JSONL is read with every column declared; CSV and Parquet files name their own
    const present = format === "jsonl" ? undefined : new Set(
      (await query(`DESCRIBE SELECT * FROM ${from}`)).map((row) => String(row.column_name)),
    );
    const exprs = columns.map((column) => {
      const name = quoteIdentifier(column.name);
      if (present !== undefined && !present.has(column.name)) return nullColumn(column);
      const value = format === "parquet"
        ? `CAST(${name} AS ${sqlType(column)})`
        : fromText(column, name);
      return `${value} AS ${name}`;
    });
    selects.push(`SELECT ${exprs.join(", ")} FROM ${from}`);
  }
  return selects.join(" UNION ALL ");
}
