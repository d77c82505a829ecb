/** Native DuckDB (`@duckdb/node-api`) as an independent reader of the files the pipeline writes. */
import { DuckDBInstance } from "@duckdb/node-api";

/** Options of {@linkcode nativeQuery}. */
export interface NativeQueryOptions {
  /** Statements run first (e.g. `SET TimeZone = 'UTC'`). */
  setup?: string[];
}

/**
 * Opens `path` read-only (`:memory:`: a new in-memory database) with native DuckDB, runs `sql` and returns its rows as JSON values
 * (integers beyond 2^53 and decimals as text, timestamps as ISO-like text).
 */
export async function nativeQuery(
  path: string,
  sql: string,
  options: NativeQueryOptions = {},
): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(
    path,
    path === ":memory:" ? {} : { access_mode: "READ_ONLY" },
  );
  try {
    const connection = await instance.connect();
    try {
      for (const statement of options.setup ?? []) await connection.run(statement);
      return (await connection.runAndReadAll(sql)).getRowObjectsJson();
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** A database opened by {@linkcode openNativeReader}; `await using` closes it. */
export interface NativeReader extends AsyncDisposable {
  /** Runs `sql` and returns its rows as {@linkcode nativeQuery} does. */
  query(sql: string): Promise<Record<string, unknown>[]>;
}

/**
 * Opens `path` read-only with native DuckDB for several queries (each {@linkcode nativeQuery}
 * opens the file anew), running `options.setup` first.
 */
export async function openNativeReader(
  path: string,
  options: NativeQueryOptions = {},
): Promise<NativeReader> {
  const instance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  try {
    const connection = await instance.connect();
    try {
      for (const statement of options.setup ?? []) await connection.run(statement);
    } catch (error) {
      connection.closeSync();
      throw error;
    }
    return {
      query: async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJson(),
      [Symbol.asyncDispose]: () => {
        connection.closeSync();
        instance.closeSync();
        return Promise.resolve();
      },
    };
  } catch (error) {
    instance.closeSync();
    throw error;
  }
}

/**
 * Rows of the CSV file at `path` as native DuckDB reads it: a header row, every value as text,
 * a quoted empty field an empty string (not NULL).
 */
export function readCsvNatively(path: string): Promise<Record<string, unknown>[]> {
  return nativeQuery(
    ":memory:",
    `SELECT * FROM read_csv('${path}', header = true, all_varchar = true, allow_quoted_nulls = false)`,
  );
}
