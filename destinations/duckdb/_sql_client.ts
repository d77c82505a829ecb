/**
 * SQL for users on a DuckDB dataset (`pipeline.dataset()`, `pipeline.sqlClient()`): statements
 * run in the dataset, with the date and time functions that DuckDB-WASM lacks without ICU.
 *
 * @module
 */
import type { Table as ArrowTable } from "../../lib/deps/apache_arrow.ts";
import type { CatalogQueries, SqlClient } from "../../lib/destination.ts";
import { DestinationError, DltError } from "../../lib/errors.ts";
import { cutLongLines, quoteIdentifier, quoteLiteral } from "../../lib/load/sql.ts";
import { readQueryArguments } from "../../lib/query_arguments.ts";
import { duckdbCatalogQueries } from "./_catalog_queries.ts";
import { bindParameters, type BoundParameter } from "./_parameters.ts";
import type { SharedDatabase } from "./_shared_database.ts";
import { callsIcuFunction, explainTimestampError } from "./_timestamp_functions.ts";

/**
 * The error of a user's statement as a `DestinationError`: DuckDB's own (its message, long lines
 * cut; DuckDB's error the cause), or with advice where DuckDB-WASM lacks ICU.
 */
function statementError(error: unknown): DltError {
  const explained = explainTimestampError(error);
  if (explained instanceof DltError) return explained;
  const message = error instanceof Error ? error.message : String(error);
  return new DestinationError(cutLongLines(message), { cause: error });
}

/** SQL for users on one dataset of a shared DuckDB database. */
export class DuckDbSqlClient implements SqlClient {
  #shared: SharedDatabase;
  /** `"catalog"."dataset"`: the catalog (named after the file) keeps a dataset of the same name unambiguous. */
  readonly qualifiedDataset: string;
  /** What the dataset holds, from DuckDB's own catalog of the file (`_catalog_queries.ts`). */
  readonly catalogQueries: CatalogQueries;
  /** `"catalog".main`: where names resolve before the dataset exists. */
  #mainSchema: string;

  /** Use {@linkcode DuckDbSqlClient.open}. */
  private constructor(shared: SharedDatabase, catalog: string, dataset: string) {
    this.#shared = shared;
    this.catalogQueries = duckdbCatalogQueries(catalog);
    this.qualifiedDataset = `${quoteIdentifier(catalog)}.${quoteIdentifier(dataset)}`;
    this.#mainSchema = `${quoteIdentifier(catalog)}.main`;
  }

  /** A client of `dataset` in `shared`. */
  static async open(shared: SharedDatabase, dataset: string): Promise<DuckDbSqlClient> {
    const [{ name }] = await shared.exclusive(() =>
      shared.driver.query<{ name: string }>("SELECT current_database() AS name")
    );
    return new DuckDbSqlClient(shared, name, dataset);
  }

  qualifiedName(table: string): string {
    return `${this.qualifiedDataset}.${quoteIdentifier(table)}`;
  }

  /**
   * Runs SQL (one or more statements; with `params`, one statement whose `?` / `$1`
   * placeholders they bind) in this client's dataset and returns the rows of the last statement
   * as plain objects. Values: integers (BIGINT, HUGEINT, UBIGINT, …) as numbers where
   * `Number.isSafeInteger`, else `bigint`; DECIMAL of scale 0 the same, of scale > 0 as a number
   * where the number's shortest text is the same decimal (`12.34`), else as DuckDB's exact text
   * of it (`"12345678901234567890123.000000000"`, for a decimal library; dlt returns a
   * `Decimal`); TIMESTAMP, TIMESTAMPTZ and DATE as `Date`; BLOB as `Uint8Array`; LIST as array;
   * STRUCT and MAP as objects. Parameters bind as `_parameters.ts` says: strings, booleans, `null`
   * and finite numbers (as DOUBLE); a `bigint`, `Date` or `Uint8Array` as text DuckDB casts where
   * it meets a column. A failing statement is a `DestinationError` with DuckDB's message (long
   * lines cut) and DuckDB's error as its `cause`; a parameter that cannot be bound, a `TypeError`.
   */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.#userStatement(
      "query()",
      arguments,
      sql,
      params,
      (bound) => this.#shared.driver.query<T>(sql, bound),
    );
  }

  /**
   * Runs SQL as {@linkcode DuckDbSqlClient.query} does and returns the result of the last
   * statement as an Arrow table. A DECIMAL column is an Arrow Decimal vector: a value is its
   * unscaled integer, the scale is in the field's type.
   */
  queryArrow(sql: string, params?: readonly unknown[]): Promise<ArrowTable> {
    return this.#userStatement(
      "queryArrow()",
      arguments,
      sql,
      params,
      (bound) => this.#shared.driver.queryArrow(sql, bound),
    );
  }

  /** Runs SQL as {@linkcode DuckDbSqlClient.query} does, for its effect. */
  execute(sql: string, params?: readonly unknown[]): Promise<void> {
    return this.#userStatement(
      "execute()",
      arguments,
      sql,
      params,
      (bound) => this.#shared.driver.run(sql, bound),
    );
  }

  /**
   * Runs SQL of the user's in this client's dataset, with the date and time functions that work
   * on `TIMESTAMPTZ` without ICU (`_timestamp_functions.ts`) and advice on what still does not.
   * A single statement that fails for want of ICU, maybe through a stored view that calls such a
   * function, is tried again once with every macro created. `args` are all the arguments of the
   * calling `method`, checked; every error of the statement is a `DestinationError`.
   */
  async #userStatement<T>(
    method: string,
    args: IArguments,
    sql: string,
    params: readonly unknown[] | undefined,
    run: (params: BoundParameter[] | undefined) => Promise<T>,
  ): Promise<T> {
    readQueryArguments(method, args);
    const bound = params === undefined ? undefined : bindParameters(params);
    const functions = this.#shared.timestampFunctions;
    return await this.#shared.exclusive(async () => {
      try {
        await this.#useDataset();
        functions?.prepare(sql);
        try {
          return await run(bound);
        } catch (error) {
          const single = bound !== undefined || !sql.trim().replace(/;$/, "").includes(";");
          if (!callsIcuFunction(error) || !functions?.createAll() || !single) throw error;
          try {
            return await run(bound);
          } catch (again) {
            // in a transaction, the first error aborted it
            throw /transaction is aborted/i.test((again as Error).message) ? error : again;
          }
        }
      } catch (error) {
        throw statementError(error);
      }
    });
  }

  /**
   * Resolves unqualified table names in this client's dataset (once it exists), as dlt's SQL
   * client does. Set before every statement: clients of other datasets share the connection.
   */
  async #useDataset(): Promise<void> {
    try {
      await this.#shared.driver.run(`SET search_path = ${quoteLiteral(this.qualifiedDataset)}`);
    } catch {
      // the dataset is not created yet (RESET would leave the file for the in-memory catalog)
      await this.#shared.driver.run(`SET search_path = ${quoteLiteral(this.#mainSchema)}`);
    }
  }
}
