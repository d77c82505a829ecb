/**
 * The slice of a DuckDB driver the duckdb destination uses. Two drivers implement it:
 * DuckDB-WASM (`_database.ts`, the default, no FFI) and native DuckDB through
 * `@duckdb/node-api` (`_native_database.ts`, needs `--allow-ffi`). Both read and write the same
 * files and return values converted the same way.
 *
 * @module
 */
import type { Table } from "../../lib/deps/apache_arrow.ts";
import type { BoundParameter } from "./_parameters.ts";

/** A DuckDB driver: DuckDB-WASM or native DuckDB (`@duckdb/node-api`). */
export type DuckDbDriverEngine = "wasm" | "native";

/** An open DuckDB database (a file, or in memory) with one connection. */
export interface DuckDbDriver {
  /** Absolute path of the database file, or `:memory:`. */
  readonly path: string;
  /** Which driver this is. */
  readonly engine: DuckDbDriverEngine;
  /**
   * Runs SQL (one or more statements) and returns the result of the last statement as an Arrow
   * table. With `params` (from `bindParameters` of `_parameters.ts`), the SQL is one statement,
   * prepared and run with them bound to its `?` / `$1` placeholders. A DECIMAL column is an
   * Arrow Decimal vector: a value is its unscaled integer, the scale is in the field's type.
   */
  queryArrow(sql: string, params?: readonly BoundParameter[]): Promise<Table>;
  /**
   * Runs SQL as {@linkcode DuckDbDriver.queryArrow} does and returns the rows of the last
   * statement as plain objects, converted as `arrowRows` of `_values.ts` says: integers and
   * DECIMALs as numbers where a number holds them exactly, else exact (`bigint`, or the decimal's
   * text); TIMESTAMP, TIMESTAMPTZ and DATE as `Date`; BLOB as `Uint8Array`; LIST as array; STRUCT
   * and MAP as objects.
   */
  query<T = Record<string, unknown>>(sql: string, params?: readonly BoundParameter[]): Promise<T[]>;
  /** Runs SQL (one or more statements, or one with `params`) for its effect. */
  run(sql: string, params?: readonly BoundParameter[]): Promise<void>;
  /** Checkpoints: the write-ahead log is folded into the file and removed. */
  checkpoint(): Promise<void>;
  /**
   * Has DuckDB drop the blocks it keeps in memory after writing them to the file, where the
   * driver can (native DuckDB), leaving the connection's transaction and memory limit as they
   * were.
   */
  dropWrittenBlocks?(): Promise<void>;
  /**
   * Has DuckDB hand the memory it freed back to the system, where the driver can (native
   * DuckDB), leaving the memory limit as it was, and the connection's transaction too. With
   * `before` (SQL, as {@linkcode DuckDbDriver.run} runs it), after running it in the same call on
   * the connection: a failure of either then fails the call, as a failed statement does.
   */
  releaseFreedMemory?(before?: string): Promise<void>;
  /**
   * Threads a copy of a large job file of a narrow table may use, where the driver has threads
   * (native DuckDB: the open's `threads`, else one per core).
   */
  readonly copyThreads?: number;
  /**
   * Has {@linkcode DuckDbDriver.close} close the DuckDB instance under the database instead of
   * keeping it for the next open: this open made settings of its own (the credentials' global
   * config, extensions, pragmas), which must not carry over.
   */
  forgoReuse(): void;
  /** Checkpoints and closes; afterwards no `.wal` file is left next to the database. */
  close(): Promise<void>;
}
