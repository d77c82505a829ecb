/**
 * SQL on a filesystem dataset (`pipeline.dataset().query()`, `pipeline.sqlClient()`), as dlt's
 * filesystem SQL client: native DuckDB in memory, with a schema named after the dataset holding
 * one view per table over the table's files (`_views.ts`), dlt's system tables included.
 *
 * Native DuckDB needs `--allow-ffi`, and reads local buckets only here (its `httpfs` extension,
 * which reads S3, is not available): otherwise every statement fails with a `DestinationError`
 * that says so and points at `dataset().table(name).rows()`, which reads without SQL. The views
 * are made at the first statement of a client, over the files there then.
 *
 * @module
 */
import type { Table as ArrowTable } from "../../lib/deps/apache_arrow.ts";
import type { SqlClient } from "../../lib/destination.ts";
import { DestinationError } from "../../lib/errors.ts";
import { schemeOf } from "../../lib/filesystem/open.ts";
import { cutLongLines, quoteIdentifier, quoteLiteral } from "../../lib/load/sql.ts";
import { readQueryArguments } from "../../lib/query_arguments.ts";
import type { DuckDbDriver } from "../duckdb/_driver.ts";
import { importNativeDatabase } from "../duckdb/_native_module.ts";
import { bindParameters, type BoundParameter } from "../duckdb/_parameters.ts";
import type { DatasetFolder } from "./_dataset_folder.ts";
import type { FilesystemTableReader } from "./_table_reader.ts";
import { viewSelect } from "./_views.ts";

/** SQL through native DuckDB on one dataset of a bucket. */
export class FilesystemSqlClient implements SqlClient {
  #folder: DatasetFolder;
  #datasetName: string;
  #reader: FilesystemTableReader;
  #database: Promise<DuckDbDriver> | undefined;

  /** A client of `datasetName` in `folder`, whose tables `reader` knows. */
  constructor(folder: DatasetFolder, datasetName: string, reader: FilesystemTableReader) {
    this.#folder = folder;
    this.#datasetName = datasetName;
    this.#reader = reader;
  }

  qualifiedName(table: string): string {
    return `${quoteIdentifier(this.#datasetName)}.${quoteIdentifier(table)}`;
  }

  /**
   * Runs SQL (one or more statements; with `params`, one statement whose `?` / `$1`
   * placeholders they bind) and returns the rows of the last as plain objects, converted as the
   * DuckDB destination's `query` converts them. Unqualified table names resolve in the dataset.
   */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.#statement("query()", arguments, params, (db, bound) => db.query<T>(sql, bound));
  }

  /** Runs SQL as {@linkcode FilesystemSqlClient.query} does and returns an Arrow table. */
  queryArrow(sql: string, params?: readonly unknown[]): Promise<ArrowTable> {
    return this.#statement(
      "queryArrow()",
      arguments,
      params,
      (db, bound) => db.queryArrow(sql, bound),
    );
  }

  /**
   * Runs SQL as {@linkcode FilesystemSqlClient.query} does, for its effect (on DuckDB in memory:
   * the bucket's files never change through SQL).
   */
  execute(sql: string, params?: readonly unknown[]): Promise<void> {
    return this.#statement("execute()", arguments, params, (db, bound) => db.run(sql, bound));
  }

  /** Closes DuckDB, if a statement opened it. */
  async close(): Promise<void> {
    const database = this.#database;
    this.#database = undefined;
    await (await database?.catch(() => undefined))?.close();
  }

  async #statement<T>(
    method: string,
    args: IArguments,
    params: readonly unknown[] | undefined,
    run: (db: DuckDbDriver, params: BoundParameter[] | undefined) => Promise<T>,
  ): Promise<T> {
    readQueryArguments(method, args);
    const bound = params === undefined ? undefined : bindParameters(params);
    const db = await (this.#database ??= this.#open());
    try {
      return await run(db, bound);
    } catch (error) {
      throw new DestinationError(cutLongLines((error as Error).message), { cause: error });
    }
  }

  /** Native DuckDB in memory with the dataset's views; the reasons it cannot be, as errors. */
  async #open(): Promise<DuckDbDriver> {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
      throw new DestinationError(
        `SQL on the filesystem destination runs on native DuckDB, which needs --allow-ffi: grant it, or read tables without SQL with dataset().table(name).rows()`,
      );
    }
    if (schemeOf(this.#folder.url) !== "file") {
      throw new DestinationError(
        `SQL on bucket "${this.#folder.url}" is not supported: native DuckDB reads local buckets only here (its httpfs extension is not available); read tables without SQL with dataset().table(name).rows()`,
      );
    }
    const { openNativeDuckDb } = await importNativeDatabase();
    const db = await openNativeDuckDb(":memory:");
    try {
      const schema = quoteIdentifier(this.#datasetName);
      await db.run(`CREATE SCHEMA ${schema}`);
      for (const table of (await this.#reader.knownTables()).values()) {
        const select = await viewSelect(
          table.columns,
          await this.#reader.files(table),
          (sql) => db.query(sql),
        );
        await db.run(`CREATE VIEW ${this.qualifiedName(table.name)} AS ${select}`);
      }
      await db.run(`SET search_path = ${quoteLiteral(schema)}`);
      return db;
    } catch (error) {
      await db.close();
      throw new DestinationError(
        `Cannot make the SQL views of dataset "${this.#datasetName}" at "${this.#folder.url}": ${
          cutLongLines((error as Error).message)
        }`,
        { cause: error },
      );
    }
  }
}
