/**
 * The files of one table in a dataset's folder, as dlt finds them: every file under the table's
 * folder whose path starts with the table's prefix of the layout (`events/` by default). dlt's
 * system tables are folders of their own (`_dlt_loads/`), whatever the layout.
 *
 * @module
 */
import type { DatasetFile, DatasetFolder } from "./_dataset_folder.ts";
import { tablePrefix } from "./_layout.ts";
import { INIT_FILE } from "./_system_files.ts";

/** The prefix of the paths of `table`'s files: `<table>/` for dlt's system tables. */
export function tableFilesPrefix(layout: string, schemaName: string, table: string): string {
  return table.startsWith("_dlt") ? `${table}/` : tablePrefix(layout, schemaName, table);
}

/**
 * The files of `table` (of schema `schemaName`) in `folder`, sorted by path (with the default
 * layout, the order they were loaded in).
 */
export async function tableFiles(
  folder: DatasetFolder,
  layout: string,
  schemaName: string,
  table: string,
): Promise<DatasetFile[]> {
  const prefix = tableFilesPrefix(layout, schemaName, table);
  const files: DatasetFile[] = [];
  for await (const file of folder.list(prefix.slice(0, prefix.lastIndexOf("/") + 1))) {
    if (file.path.startsWith(prefix) && file.path !== INIT_FILE) files.push(file);
  }
  return files.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/** The formats of table files, by extension (`.gz` aside). */
export type TableFileFormat = "jsonl" | "csv" | "parquet";

/**
 * The format of the table file at `path`, by its extension (`.jsonl`, `.csv`, `.parquet`, each
 * maybe with `.gz`); `undefined` for another.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tableFileFormat } from "./_table_files.ts";
 * assert.equal(tableFileFormat("events/1.2.jsonl.gz"), "jsonl");
 * assert.equal(tableFileFormat("events/1.2.parquet"), "parquet");
 * assert.equal(tableFileFormat("events/notes.txt"), undefined);
 * ```
 */
export function tableFileFormat(path: string): TableFileFormat | undefined {
  const name = path.endsWith(".gz") ? path.slice(0, -3) : path;
  const extension = name.slice(name.lastIndexOf(".") + 1);
  return extension === "jsonl" || extension === "csv" || extension === "parquet"
    ? extension
    : undefined;
}
