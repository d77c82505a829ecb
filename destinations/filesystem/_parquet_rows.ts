/**
 * Parquet table files read back without SQL: a file is decoded whole by parquet-wasm into Arrow
 * (only the columns asked for), and its values are converted as the DuckDB destination converts
 * the Arrow results of its queries (`arrowRows` of `../duckdb/_values.ts`), so a Parquet table
 * reads as a JSONL one does.
 *
 * @module
 */
import { type Table, tableFromIPC } from "../../lib/deps/apache_arrow.ts";
import { readParquet, readSchema } from "../../lib/deps/parquet_wasm.ts";
import { readBytes } from "../../lib/filesystem/file_system.ts";
import type { ColumnSchema } from "../../lib/schema/schema.ts";
import { arrowRows } from "../duckdb/_values.ts";
import type { DatasetFile, DatasetFolder } from "./_dataset_folder.ts";

/** The names of the columns of the Parquet file `bytes`. */
function columnNames(bytes: Uint8Array): string[] {
  return tableFromIPC(readSchema(bytes).intoIPCStream()).schema.fields.map((field) => field.name);
}

/** The columns `names` of the Parquet file `bytes`, decoded. */
function decode(bytes: Uint8Array, names: string[]): Table {
  return tableFromIPC(readParquet(bytes, { columns: names }).intoIPCStream());
}

/**
 * The rows of Parquet `file` with the `columns` (one the file lacks is `null` in every row), in
 * the file's order.
 */
export async function* parquetRows(
  folder: DatasetFolder,
  file: DatasetFile,
  columns: readonly ColumnSchema[],
): AsyncGenerator<Record<string, unknown>> {
  const bytes = await readBytes(folder.fs, file.url);
  const present = new Set(columns.map((c) => c.name));
  const names = columnNames(bytes).filter((name) => present.has(name));
  if (names.length === 0) {
    // none of the columns: as many rows of NULLs as the file has
    const empty = Object.fromEntries(columns.map((c) => [c.name, null]));
    for (let i = parquetCount(bytes); i > 0; i--) yield { ...empty };
    return;
  }
  for (const values of arrowRows<Record<string, unknown>>(decode(bytes, names))) {
    const row: Record<string, unknown> = {};
    for (const { name } of columns) row[name] = values[name] ?? null;
    yield row;
  }
}

/** The number of rows of Parquet `file`. */
export async function parquetRowCount(folder: DatasetFolder, file: DatasetFile): Promise<number> {
  return parquetCount(await readBytes(folder.fs, file.url));
}

/** The number of rows of the Parquet file `bytes` (one column decoded). */
function parquetCount(bytes: Uint8Array): number {
  const [first] = columnNames(bytes);
  return first === undefined ? 0 : decode(bytes, [first]).numRows;
}
