/**
 * The SQL client of the postgres destination: the user's statements (`dataset()`,
 * `sqlClient()`) on the connection the job client loads through.
 *
 * @module
 */
import type { Table as ArrowTable } from "../../lib/deps/apache_arrow.ts";
import type { SqlClient } from "../../lib/destination.ts";
import { quoteIdentifier } from "../../lib/load/sql.ts";
import { readQueryArguments } from "../../lib/query_arguments.ts";
import type { PostgresConnection, RawResult } from "./_connection.ts";
import { bindParameters } from "./_parameters.ts";
import { numberPlaceholders } from "./_placeholders.ts";
import { pgArrowTable, pgRows } from "./_values.ts";

/** SQL on one dataset (a Postgres schema) of a connection. */
export class PostgresSqlClient implements SqlClient {
  readonly #connection: PostgresConnection;
  readonly #dataset: string;

  /** A client of `datasetName` on `connection` (whose search path starts with the dataset). */
  constructor(connection: PostgresConnection, datasetName: string) {
    this.#connection = connection;
    this.#dataset = quoteIdentifier(datasetName);
  }

  /** `"dataset"."table"`. */
  qualifiedName(table: string): string {
    return `${this.#dataset}.${quoteIdentifier(table)}`;
  }

  /**
   * Runs SQL (one or more statements; with `params`, one statement whose placeholders they
   * bind, `$1`, `$2`, … or `?` in order) in this client's dataset (unqualified names resolve
   * there, then in `public`) and returns the rows of the last statement as plain objects,
   * converted as `_values.ts` says: integers as numbers where safe, else `bigint`; numerics as
   * numbers where exact, else the server's text; timestamps and dates as `Date`; `bytea` as
   * `Uint8Array`; `json`/`jsonb` as JSON text. Parameters bind as `_parameters.ts` says. A
   * failing statement is a `DestinationError` with the server's message (its `cause` the
   * driver's error); a parameter that cannot be bound, a `TypeError`.
   */
  async query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    const { fields, rows } = await this.#execute("query()", arguments, sql, params);
    return pgRows<T>(fields, rows);
  }

  /**
   * Runs SQL as {@linkcode PostgresSqlClient.query} does and returns the result as an Arrow table:
   * integers as Int16/32/64, numerics of up to 38 digits as Decimal (other numerics as text),
   * timestamps as microsecond Timestamps (`UTC` for `timestamptz`), dates as Date(day), `bytea`
   * as Binary, anything else as Utf8 (the server's text).
   */
  async queryArrow(sql: string, params?: readonly unknown[]): Promise<ArrowTable> {
    const { fields, rows } = await this.#execute("queryArrow()", arguments, sql, params);
    return pgArrowTable(fields, rows);
  }

  /** Runs SQL as {@linkcode PostgresSqlClient.query} does, for its effect. */
  async execute(sql: string, params?: readonly unknown[]): Promise<void> {
    await this.#execute("execute()", arguments, sql, params);
  }

  /** Checks the arguments of `method` and runs the statement. */
  #execute(
    method: string,
    args: IArguments,
    sql: string,
    params: readonly unknown[] | undefined,
  ): Promise<RawResult> {
    try {
      readQueryArguments(method, args);
      // without parameters, several statements may run (the simple query protocol)
      if (params === undefined || params.length === 0) return this.#connection.execute(sql);
      return this.#connection.execute(numberPlaceholders(sql), bindParameters(params));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
