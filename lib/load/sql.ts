/**
 * SQL building blocks shared by SQL destinations: quoting and the dlt system tables.
 *
 * @module
 */
import type { CatalogQueries } from "../destination.ts";
import type { ColumnSchema, TableSchema } from "../schema/schema.ts";

/** Quotes an SQL identifier: `my"table` → `"my""table"`. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes an SQL string literal: `it's` → `'it''s'`. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Longest line of a database's error message kept in ours (some quote whole CSV lines). */
const ERROR_LINE_CHARS = 500;

/** `message` with its long lines cut, so an error never carries megabytes of quoted data. */
export function cutLongLines(message: string): string {
  return message.split("\n").map((line) =>
    line.length > ERROR_LINE_CHARS
      ? `${line.slice(0, ERROR_LINE_CHARS)}… (${line.length} characters)`
      : line
  ).join("\n");
}

/** The columns of `table` that have a type (the ones its SQL table has). */
export function typedColumns(table: TableSchema): ColumnSchema[] {
  return Object.values(table.columns).filter((c) => c.dataType !== undefined);
}

/** `"a", "b"`: a list of quoted column names. */
export function columnList(columns: readonly ColumnSchema[]): string {
  return columns.map((c) => quoteIdentifier(c.name)).join(", ");
}

/** A system table: its name and `column TYPE` definitions with `{text}`-style type slots. */
export interface SystemTable {
  /** Table name. */
  name: string;
  /** Columns: name, portable type, nullable. */
  columns: [name: string, type: "text" | "bigint" | "timestamp", nullable: boolean][];
}

/**
 * dlt's system tables: completed loads, schema versions and pipeline state; plus
 * `_dlt_load_jobs`, the job files each load committed (an empty file name: the tables of a
 * replaced root were emptied).
 */
export const SYSTEM_TABLES: readonly SystemTable[] = [
  {
    name: "_dlt_loads",
    columns: [
      ["load_id", "text", false],
      ["schema_name", "text", true],
      ["status", "bigint", false],
      ["inserted_at", "timestamp", false],
      ["schema_version_hash", "text", true],
    ],
  },
  {
    name: "_dlt_load_jobs",
    columns: [
      ["load_id", "text", false],
      ["table_name", "text", false],
      ["file_name", "text", false],
      ["row_count", "bigint", false],
      ["inserted_at", "timestamp", false],
    ],
  },
  {
    name: "_dlt_version",
    columns: [
      ["version", "bigint", false],
      ["engine_version", "bigint", false],
      ["inserted_at", "timestamp", false],
      ["schema_name", "text", false],
      ["version_hash", "text", false],
      ["schema", "text", false],
    ],
  },
  {
    name: "_dlt_pipeline_state",
    columns: [
      ["version", "bigint", false],
      ["engine_version", "bigint", false],
      ["pipeline_name", "text", false],
      ["state", "text", false],
      ["created_at", "timestamp", false],
      ["version_hash", "text", true],
      ["_dlt_load_id", "text", false],
      ["_dlt_id", "text", false],
    ],
  },
];

/** `FROM information_schema.<view>` of the rows of `dataset`. */
const inSchema = (view: "tables" | "columns", dataset: string) =>
  `FROM information_schema.${view} WHERE table_schema = ${quoteLiteral(dataset)}`;

/** The {@linkcode CatalogQueries} of `information_schema`, which any SQL database answers. */
export const INFORMATION_SCHEMA_QUERIES: CatalogQueries = {
  tables: (dataset) => `SELECT table_name ${inSchema("tables", dataset)}`,
  tableExists: (dataset, table) =>
    `SELECT 1 ${inSchema("tables", dataset)} AND table_name = ${quoteLiteral(table)}`,
  columns: (dataset, table) =>
    `SELECT column_name, is_nullable ${inSchema("columns", dataset)} AND table_name = ${
      quoteLiteral(table)
    } ORDER BY ordinal_position`,
};
