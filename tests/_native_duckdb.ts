/** Native DuckDB (`@duckdb/node-api`) as an independent reader of the files the pipeline writes. */
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { catalogName, IN_MEMORY } from "../destinations/duckdb/_database_file.ts";
import { quoteIdentifier, quoteLiteral } from "../lib/load/sql.ts";

/** Options of {@linkcode nativeQuery}. */
export interface NativeQueryOptions {
  /** Statements run first (e.g. `SET TimeZone = 'UTC'`). */
  setup?: string[];
}

/**
 * The in-memory instance every read of this isolate attaches its file to. Starting an instance
 * has DuckDB trim the process's heap, and so does each of its worker threads when idle (see
 * `destinations/duckdb/_native_instances.ts`): in the test suite's process, an instance per read
 * cost more CPU than the reads. One thread: the reads are small, and it starts no worker.
 */
let readerInstance: Promise<DuckDBInstance> | undefined;

/** Databases attached so far, for a name of their own. */
let attached = 0;

/** The last attach, which the next one waits for. */
let attachedTurn: Promise<unknown> = Promise.resolve();

/**
 * A new connection to the shared reader instance, with `path` attached read-only (`:memory:`: a
 * new in-memory database) as its default database and `setup` run; its disposal detaches it.
 */
async function attachReader(
  path: string,
  setup: readonly string[] = [],
): Promise<{ connection: DuckDBConnection } & AsyncDisposable> {
  readerInstance ??= DuckDBInstance.create(IN_MEMORY, {
    threads: "1",
    // a file written again under its name must be read anew
    enable_external_file_cache: "false",
  });
  const connection = await (await readerInstance).connect();
  // one attach at a time, so that two reads of files of the same name take different names
  const attaching = attachedTurn.then(() => attachAs(connection, path));
  attachedTurn = attaching.catch(() => {});
  let alias: string;
  try {
    alias = await attaching;
  } catch (error) {
    connection.closeSync();
    throw error;
  }
  const detach = async () => {
    try {
      await connection.run(`USE memory; DETACH DATABASE IF EXISTS ${alias}`);
    } finally {
      connection.closeSync();
    }
  };
  try {
    await connection.run(`USE ${alias}`);
    for (const statement of setup) await connection.run(statement);
  } catch (error) {
    await detach();
    throw error;
  }
  return { connection, [Symbol.asyncDispose]: detach };
}

/**
 * Attaches `path` on `connection` and returns its quoted name: the name DuckDB gives a file it
 * opens (queries may name it), unless that name is taken; else a name of its own.
 */
async function attachAs(connection: DuckDBConnection, path: string): Promise<string> {
  const reader = await connection.runAndReadAll(
    "SELECT lower(database_name) FROM duckdb_databases()",
  );
  const taken = reader.getRows().map(([name]) => String(name));
  const name = catalogName(path);
  const memory = path === IN_MEMORY;
  const alias = quoteIdentifier(
    !memory && !taken.includes(name.toLowerCase()) ? name : `native_reader_${++attached}`,
  );
  await connection.run(
    memory
      ? `ATTACH ':memory:' AS ${alias}`
      : `ATTACH ${quoteLiteral(path)} AS ${alias} (READ_ONLY)`,
  );
  return alias;
}

/**
 * Opens `path` read-only (`:memory:`: a new in-memory database) with native DuckDB, runs `sql`
 * and returns its rows as JSON values (integers beyond 2^53 and decimals as text, timestamps as
 * ISO-like text).
 */
export async function nativeQuery(
  path: string,
  sql: string,
  options: NativeQueryOptions = {},
): Promise<Record<string, unknown>[]> {
  await using reader = await attachReader(path, options.setup);
  return (await reader.connection.runAndReadAll(sql)).getRowObjectsJson();
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
  const reader = await attachReader(path, options.setup);
  return {
    query: async (sql) => (await reader.connection.runAndReadAll(sql)).getRowObjectsJson(),
    [Symbol.asyncDispose]: () => reader[Symbol.asyncDispose](),
  };
}

/**
 * Rows of the CSV file at `path` as native DuckDB reads it: a header row, every value as text,
 * a quoted empty field an empty string (not NULL).
 */
export function readCsvNatively(path: string): Promise<Record<string, unknown>[]> {
  return nativeQuery(
    IN_MEMORY,
    `SELECT * FROM read_csv('${path}', header = true, all_varchar = true, allow_quoted_nulls = false)`,
  );
}
