/**
 * Parquet table files read back without SQL: a row group at a time by `readParquetTables` of
 * `lib/formats/parquet_reader.ts` (by byte ranges, memory bounded by a row group; a damaged file
 * is an error naming it and the row group), and its values converted as the DuckDB destination
 * converts the Arrow results of its queries (`arrowRows` of `../duckdb/_values.ts`), so a Parquet
 * table reads as a JSONL one does.
 *
 * @module
 */
import {
  fileSystemRanges,
  parquetRowCount as footerRowCount,
  readParquetTables,
} from "../../lib/formats/parquet_reader.ts";
import type { ColumnSchema } from "../../lib/schema/schema.ts";
import { arrowRows } from "../duckdb/_values.ts";
import type { DatasetFile, DatasetFolder } from "./_dataset_folder.ts";

/**
 * The rows of Parquet `file` with the `columns` (one the file lacks is `null` in every row), in
 * the file's order.
 */
export async function* parquetRows(
  folder: DatasetFolder,
  file: DatasetFile,
  columns: readonly ColumnSchema[],
): AsyncGenerator<Record<string, unknown>> {
  const ranges = fileSystemRanges(folder.fs, file.url, file.size);
  for await (const table of readParquetTables(ranges, file.url)) {
    const present = new Set(table.schema.fields.map((field) => field.name));
    const names = columns.map((c) => c.name).filter((name) => present.has(name));
    if (names.length === 0) {
      // none of the columns: as many rows of NULLs as the file has
      for (let i = table.numRows; i > 0; i--) {
        yield Object.fromEntries(columns.map((c) => [c.name, null]));
      }
      continue;
    }
    for (const values of arrowRows<Record<string, unknown>>(table.select(names))) {
      const row: Record<string, unknown> = {};
      for (const { name } of columns) row[name] = values[name] ?? null;
      yield row;
    }
  }
}

/** The number of rows of Parquet `file`, as its footer says. */
export async function parquetRowCount(folder: DatasetFolder, file: DatasetFile): Promise<number> {
  return await footerRowCount(fileSystemRanges(folder.fs, file.url, file.size), file.url);
}
