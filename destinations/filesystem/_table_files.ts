/**
 * The files of one table in a dataset's folder, as dlt finds them: every file under the table's
 * folder whose path starts with the table's prefix of the layout (`events/` by default). dlt's
 * system tables are folders of their own (`_dlt_loads/`), whatever the layout.
 *
 * @module
 */
import type { DatasetFile, DatasetFolder } from "./_dataset_folder.ts";
import { loadIdPattern, tablePrefix } from "./_layout.ts";
import { INIT_FILE, parseSystemFileName, SYSTEM_FOLDERS } from "./_system_files.ts";

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

/**
 * The files of {@linkcode tableFiles} that completed loads wrote: those whose load id (read from
 * the path by the layout, or from a system file's name) is in `completed`. A file whose path
 * shows no load id (put there by another program) counts as complete; load markers always do.
 * Readers see a package all at once, when its marker is written.
 */
export function completedFiles(
  files: readonly DatasetFile[],
  layout: string,
  schemaName: string,
  table: string,
  completed: ReadonlySet<string>,
): DatasetFile[] {
  if (table === SYSTEM_FOLDERS.loads) return [...files];
  const loadIdOf = table.startsWith("_dlt")
    ? (path: string) => parseSystemFileName(path.slice(table.length + 1), 3)?.loadId
    : (path: string) => pattern.exec(path)?.[1];
  const pattern = loadIdPattern(layout, schemaName, table);
  return files.filter((file) => {
    const loadId = loadIdOf(file.path);
    return loadId === undefined || completed.has(loadId);
  });
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
