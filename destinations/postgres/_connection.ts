/**
 * One connection to Postgres through `pg`: the `SqlConnection` the shared SQL job client loads
 * through, and the statements of the SQL client. Declares only the slice of `pg` and
 * `pg-copy-streams` it uses.
 *
 * The session is set up for the conversions here: `TimeZone` UTC (a timestamp without offset
 * is UTC, as dlt reads it), ISO dates, hex `bytea`, exact floats, and `search_path` the dataset
 * (then `public`, as dlt's), so unqualified names resolve in the dataset. Values come from the
 * server as text and are converted by `_values.ts`.
 *
 * @module
 */
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import type { Readable, Writable } from "node:stream";
import { copyFrom, copyTo, pg } from "../../lib/deps/pg.ts";
import type { LoadJob } from "../../lib/destination.ts";
import { DestinationError } from "../../lib/errors.ts";
import {
  type CopyOptions,
  runInTransaction,
  type SqlConnection,
} from "../../lib/load/sql_dialect.ts";
import { quoteIdentifier } from "../../lib/load/sql.ts";
import type { TableSchema } from "../../lib/schema/schema.ts";
import { copyPlan } from "./_copy.ts";
import { insertStatements } from "./_insert_values.ts";
import type { PostgresCredentials } from "./_credentials.ts";
import { connectionError, statementError } from "./_errors.ts";
import { keepIdle, takeIdle } from "./_idle_connections.ts";
import { pgRows, type ResultField } from "./_values.ts";

/** A statement's result as pg gives it with `rowMode: "array"` and text values. */
export interface RawResult {
  /** The result's columns. */
  fields: ResultField[];
  /** Rows, each a list of the server's texts (`null` for NULL). */
  rows: (string | null)[][];
}

/** The slice of `pg.Client` used here. */
interface PgClient {
  connect(): Promise<void>;
  query(config: { text: string; values?: unknown[]; rowMode: "array" }): Promise<
    RawResult | RawResult[]
  >;
  query<S extends Writable | Readable>(stream: S): S;
  end(): Promise<void>;
  /**
   * The client's socket: destroyed when a COPY is left unread, unreferenced while the connection
   * is idle.
   */
  connection: { stream: { destroy(): void; ref?(): unknown; unref?(): unknown } };
  on(event: "error", listener: (error: Error) => void): void;
  removeListener(event: "error", listener: (error: Error) => void): void;
}

/** What `pg.Client`'s constructor takes here. */
interface PgClientConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  connectionTimeoutMillis: number;
  keepAlive: boolean;
  keepAliveInitialDelayMillis: number;
  application_name: string;
  options: string;
  ssl: false | {
    rejectUnauthorized?: boolean;
    ca?: string;
    checkServerIdentity?: () => undefined;
  };
  types: { getTypeParser(): (text: string) => string };
}

const PgClient = pg.Client as new (config: PgClientConfig) => PgClient;

/** Every value as the server's text: `_values.ts` converts them. */
const TEXT_VALUES = { getTypeParser: () => (text: string) => text };

/** Session settings sent when connecting (libpq's `options`), for the conversions here. */
const SESSION_OPTIONS = [
  "TimeZone=UTC",
  "DateStyle=ISO",
  "IntervalStyle=postgres",
  "bytea_output=hex",
  "extra_float_digits=3",
].map((setting) => `-c ${setting}`).join(" ");

/** Idle time before TCP keepalive probes start, in ms. */
const KEEPALIVE_DELAY_MS = 10_000;

/**
 * How long `close()` waits for the server's answers (its session reset, its goodbye) before
 * dropping the socket, in ms.
 */
const CLOSE_TIMEOUT_MS = 5_000;

/** pg's message when the server has no SSL, which `prefer` and `allow` fall back from. */
const NO_SSL = /does not support SSL/i;

/**
 * pg's SSL settings for `credentials`: certificates checked only by `verify-ca` (the chain) and
 * `verify-full` (and the host name), against `sslrootcert`'s certificates when given.
 */
async function sslOf(credentials: PostgresCredentials): Promise<PgClientConfig["ssl"]> {
  const { sslmode, sslrootcert } = credentials;
  if (sslmode === "disable") return false;
  if (sslmode !== "verify-ca" && sslmode !== "verify-full") return { rejectUnauthorized: false };
  let ca: string | undefined;
  if (sslrootcert !== undefined) {
    try {
      ca = await Deno.readTextFile(sslrootcert);
    } catch (error) {
      throw new DestinationError(
        `Cannot read the certificates of sslrootcert "${sslrootcert}": ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return sslmode === "verify-ca" ? { ca, checkServerIdentity: () => undefined } : { ca };
}

/**
 * What tells apart the connections `credentials` make: idle ones are reused only for the same.
 * Kept in memory only (it holds the password).
 */
function idleKey(credentials: PostgresCredentials): string {
  const { host, port, database, username, password, sslmode, sslrootcert } = credentials;
  const { connectTimeout, applicationName } = credentials;
  return JSON.stringify([
    host,
    port,
    database,
    username,
    password,
    sslmode,
    sslrootcert,
    connectTimeout,
    applicationName,
  ]);
}

/** What `promise` gives, or `otherwise` when it has not settled within a few seconds. */
async function withTimeout<T>(promise: Promise<T>, otherwise: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<T>((resolve) => timer = setTimeout(() => resolve(otherwise), CLOSE_TIMEOUT_MS)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A connection to one dataset of a Postgres database. */
export class PostgresConnection implements SqlConnection {
  readonly #client: PgClient;
  readonly #credentials: PostgresCredentials;
  /** What the connection is kept idle under when closed. */
  readonly #key: string;
  /** The error that broke the connection while it was idle, if one did. */
  #lost: Error | undefined;
  #closed = false;
  readonly #onError = (error: Error) => this.#lost ??= error;

  private constructor(client: PgClient, credentials: PostgresCredentials, key: string) {
    this.#client = client;
    this.#credentials = credentials;
    this.#key = key;
    // without a listener, an error on an idle connection (the server stopping) kills the process
    client.on("error", this.#onError);
  }

  /**
   * Connects with `credentials` (or takes a connection made with the same that a closed
   * connection left idle) and makes `datasetName` (a schema, which need not exist yet) the first
   * in the search path. A failure is a `DestinationError` naming the server (never the password),
   * `transient` when the server may be reachable later.
   */
  static async open(
    credentials: PostgresCredentials,
    datasetName: string,
  ): Promise<PostgresConnection> {
    const key = idleKey(credentials);
    const searchPath = `SET search_path TO ${quoteIdentifier(datasetName)}, public`;
    for (let idle = takeIdle<PgClient>(key); idle !== undefined; idle = takeIdle(key)) {
      const connection = new PostgresConnection(idle, credentials, key);
      try {
        await connection.run(searchPath);
        return connection;
      } catch {
        // ended by the server while idle: the next one, or a new connection
        connection.#drop();
      }
    }
    const ssl = await sslOf(credentials);
    let client = await PostgresConnection.#connect(credentials, ssl).catch(
      (error) => {
        const fallback = credentials.sslmode === undefined || credentials.sslmode === "prefer" ||
          credentials.sslmode === "allow";
        if (fallback && NO_SSL.test(String(error?.message))) return undefined;
        throw connectionError(error, credentials);
      },
    );
    client ??= await PostgresConnection.#connect(credentials, false).catch((error) => {
      throw connectionError(error, credentials);
    });
    const connection = new PostgresConnection(client, credentials, key);
    try {
      await connection.run(searchPath);
    } catch (error) {
      await connection.close();
      throw error;
    }
    return connection;
  }

  static async #connect(
    credentials: PostgresCredentials,
    ssl: PgClientConfig["ssl"],
  ): Promise<PgClient> {
    const client = new PgClient({
      host: credentials.host,
      port: credentials.port,
      database: credentials.database,
      user: credentials.username,
      password: credentials.password,
      connectionTimeoutMillis: Math.ceil(credentials.connectTimeout * 1000),
      // a server gone without a word (a network cut) is noticed by TCP keepalive probes
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
      application_name: credentials.applicationName ?? "denodlt",
      options: SESSION_OPTIONS,
      ssl,
      types: TEXT_VALUES,
    });
    // an error after a failed connect must not go unhandled either
    client.on("error", () => {});
    await client.connect();
    return client;
  }

  /**
   * Runs `sql` with `params` bound to `$1`, `$2`, … (none: one or more statements) and returns
   * the result of the last statement. A failure is a `DestinationError` with the server's
   * message, detail, hint and context; the driver's error is its `cause`.
   */
  async execute(sql: string, params?: readonly unknown[]): Promise<RawResult> {
    this.#checkOpen();
    try {
      const result = await this.#client.query({
        text: sql,
        values: params === undefined ? undefined : [...params],
        rowMode: "array",
      });
      // several statements give a result each; one without rows (empty SQL) none
      const last = Array.isArray(result) ? result.at(-1) : result;
      return { fields: last?.fields ?? [], rows: last?.rows ?? [] };
    } catch (error) {
      throw statementError(error, this.#credentials);
    }
  }

  /** Runs SQL (one or more statements, no parameters) for its effect. */
  async run(sql: string): Promise<void> {
    await this.execute(sql);
  }

  /** Runs one query and returns its rows as plain objects, converted as `_values.ts` says. */
  async query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const { fields, rows } = await this.execute(sql);
    return pgRows<T>(fields, rows);
  }

  /**
   * Streams `job`'s CSV file (with its header row) to `COPY … FROM STDIN` into `into`, through
   * a temporary table where a column needs a conversion COPY cannot do (see `_copy.ts`). A bad
   * value rejects with the server's message naming the line and column. An INSERT VALUES file
   * runs as `INSERT` statements instead (see `_insert_values.ts`).
   */
  async copyJob(
    job: LoadJob,
    table: TableSchema,
    into: string,
    options: CopyOptions = {},
  ): Promise<void> {
    const { followedBy } = options;
    if (job.format === "insert_values") {
      for await (const statement of insertStatements(job, into)) await this.run(statement);
      if (followedBy !== undefined) await this.run(followedBy);
      return;
    }
    const plan = copyPlan(job, table, into);
    for (const statement of plan.before) await this.run(statement);
    this.#checkOpen();
    try {
      await pipeline(createReadStream(job.path), this.#client.query(copyFrom(plan.copy)));
    } catch (error) {
      throw statementError(error, this.#credentials);
    }
    // in one round trip: the server runs the statements of a simple query in turn
    const after = followedBy === undefined ? plan.after : [...plan.after, followedBy];
    if (after.length > 0) await this.run(after.join(";\n"));
  }

  /**
   * The output of `COPY … TO STDOUT` statement `sql`, as the server sends it, a chunk at a
   * time (each read when the one before was taken), as plain `Uint8Array`s. A failure rejects
   * with the server's message; stopping early (or failing) drops the connection.
   */
  async *copyOut(sql: string): AsyncGenerator<Uint8Array> {
    this.#checkOpen();
    // a round trip first: a COPY sent to a connection idle since an earlier macrotask never
    // received its data here (pg-copy-streams pauses the socket and waits for "readable", which
    // Deno's socket did not emit), and one sent as a query's answer is processed always does
    await this.execute("SELECT 1");
    const stream: Readable = this.#client.query(copyTo(sql));
    let ended = false;
    try {
      for await (const chunk of stream as AsyncIterable<Uint8Array>) {
        // a plain view: Deno copies out of a Node `Buffer` (`set`, `indexOf`) ten times slower
        yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      }
      ended = true;
    } catch (error) {
      throw statementError(error, this.#credentials);
    } finally {
      // a COPY stopped early holds the socket, and every later statement would wait behind it:
      // the connection is dropped, and those statements fail at once
      if (!ended) {
        this.#closed = true;
        this.#client.connection.stream.destroy();
      }
    }
  }

  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it rejects. The
   * connection belongs to one client (its job client and SQL client), so nothing else runs on
   * it meanwhile.
   */
  transaction(fn: () => Promise<void>): Promise<void> {
    return runInTransaction((sql) => this.run(sql), fn);
  }

  /**
   * Closes the connection: its session reset (`DISCARD ALL`: settings, temporary tables,
   * cursors), it is kept idle for the next connection to the same database (see
   * `_idle_connections.ts`); one that cannot be reset (a transaction left open, a connection
   * lost) is ended. A server that does not answer is dropped after a few seconds.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.removeListener("error", this.#onError);
    const reset = this.#lost === undefined ? await this.#reset() : "failed";
    if (reset === "reset" && keepIdle(this.#key, this.#client)) return;
    // a server that did not answer the reset in time is not waited for again
    if (reset === "timeout") this.#client.connection.stream.destroy();
    else await withTimeout(this.#client.end().catch(() => {}), undefined);
  }

  /** Resets the session for another client (which fails in a transaction). */
  #reset(): Promise<"reset" | "failed" | "timeout"> {
    const reset = this.#client.query({ text: "DISCARD ALL", rowMode: "array" }).then(
      () => "reset" as const,
      () => "failed" as const,
    );
    return withTimeout(reset, "timeout");
  }

  /** Drops the connection without a word to the server (one found dead). */
  #drop(): void {
    this.#closed = true;
    this.#client.removeListener("error", this.#onError);
    this.#client.connection.stream.destroy();
  }

  /** Fails at once on a connection that is closed or was lost while idle. */
  #checkOpen(): void {
    if (this.#closed) {
      throw statementError(new Error("The connection is closed"), this.#credentials);
    }
    if (this.#lost !== undefined) throw statementError(this.#lost, this.#credentials);
  }
}
