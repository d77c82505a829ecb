/**
 * Errors of the postgres destination: what the server or the network says, as a
 * `DestinationError` that names the server (host, port, database, user; never the password)
 * and tells whether retrying may help (`transient`).
 *
 * @module
 */
import { DestinationError } from "../../lib/errors.ts";
import { cutLongLines } from "../../lib/load/sql.ts";
import type { PostgresCredentials } from "./_credentials.ts";

/** What pg's errors carry: Postgres' SQLSTATE and fields, or Node's network error code. */
interface DriverError {
  message?: string;
  code?: string;
  detail?: string;
  hint?: string;
  where?: string;
}

/** SQLSTATEs of a connection that is gone: class 08, the server shutting down (57P01–57P05). */
const LOST_SQLSTATE = /^(08|57P0[1-5])/;

/**
 * Other SQLSTATEs after which the same work may succeed later: insufficient resources (53: too
 * many connections, out of memory), serialization failures and deadlocks (40001, 40P01), a lock
 * not available (55P03).
 */
const RETRY_SQLSTATE = /^(53|40001|40P01|55P03)/;

/** Network errors after which connecting again may succeed. */
const TRANSIENT_NETWORK = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EHOSTDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

/** pg's messages when the connection is gone or never came up in time. */
const LOST_CONNECTION = /^(Connection terminated|timeout expired)/i;

/** Whether the driver error `error` says the connection is gone (or never came up). */
function lostConnection(error: unknown): boolean {
  const { code = "", message = "" } = (error ?? {}) as DriverError;
  return LOST_SQLSTATE.test(code) || TRANSIENT_NETWORK.has(code) || LOST_CONNECTION.test(message);
}

/** Whether the driver error `error` may not happen again when the same work is retried. */
export function isTransient(error: unknown): boolean {
  const { code = "" } = (error ?? {}) as DriverError;
  return lostConnection(error) || RETRY_SQLSTATE.test(code);
}

/** `postgres at host:port, database "db" as user "u"`: where an error happened. */
export function serverName(credentials: PostgresCredentials): string {
  const host = credentials.host.includes(":") ? `[${credentials.host}]` : credentials.host;
  return `Postgres at ${host}:${credentials.port}, database "${credentials.database}" as user "${credentials.username}"`;
}

/** Why a connection failed, for people: the server's message, or what a network code means. */
function connectReason(error: unknown, credentials: PostgresCredentials): string {
  const { code, message = String(error) } = (error ?? {}) as DriverError;
  const where = `${credentials.host}:${credentials.port}`;
  switch (code) {
    case "ECONNREFUSED":
      return `connection refused (is the server running and accepting TCP connections on ${where}?)`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `host "${credentials.host}" not found`;
    case "28P01":
      return `${message} (check the password, e.g. DESTINATION__POSTGRES__CREDENTIALS__PASSWORD)`;
    case "3D000":
      return `${message} (create it, or name another in the credentials)`;
  }
  if (/^timeout expired$/i.test(message)) {
    return `no answer within ${credentials.connectTimeout} s (connect_timeout)`;
  }
  return withDetails(error);
}

/** The server's message with its detail and hint, when it gave them; long lines cut. */
function withDetails(error: unknown): string {
  const { message = String(error), detail, hint } = (error ?? {}) as DriverError;
  return cutLongLines(
    [message, detail && `Detail: ${detail}`, hint && `Hint: ${hint}`].filter(Boolean).join("\n"),
  );
}

/**
 * A failed connection attempt as a `DestinationError` naming the server, transient when the
 * server may be back later (refused, unreachable, timed out, starting or shutting down), not
 * when the credentials are wrong (28P01), the database is missing (3D000) or the user may not
 * connect (42501).
 */
export function connectionError(
  error: unknown,
  credentials: PostgresCredentials,
): DestinationError {
  return new DestinationError(
    `Cannot connect to ${serverName(credentials)}: ${connectReason(error, credentials)}`,
    { cause: error, transient: isTransient(error) },
  );
}

/**
 * A failed statement as a `DestinationError` with the server's message (and detail, hint and
 * context: a COPY names the line and column), transient where retrying may help; a lost
 * connection (the server shutting down, the network) names the server.
 */
export function statementError(error: unknown, credentials: PostgresCredentials): DestinationError {
  const { where } = (error ?? {}) as DriverError;
  const lines = [withDetails(error), where && `Context: ${where}`].filter(Boolean).join("\n");
  return new DestinationError(
    lostConnection(error) ? `Lost the connection to ${serverName(credentials)}: ${lines}` : lines,
    { cause: error, transient: isTransient(error) },
  );
}
