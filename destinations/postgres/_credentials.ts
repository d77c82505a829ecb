/**
 * The credentials of the postgres destination, in the forms of dlt's `PostgresCredentials`:
 *
 * - a URL: `postgresql://user:password@host:port/database?sslmode=…&connect_timeout=…` (also
 *   `postgres://`; user and password percent-encoded);
 * - an object (in code, camelCase): `{ database, username, password, host, port,
 *   connectTimeout, sslmode, sslrootcert }`;
 * - from config: `destination.postgres.credentials` as such a URL
 *   (`DESTINATION__POSTGRES__CREDENTIALS`) or as a table of those fields in dlt's snake_case
 *   (`[destination.postgres.credentials]` in `.dlt/secrets.toml`), each field also on its own
 *   (`DESTINATION__POSTGRES__CREDENTIALS__PASSWORD`).
 *
 * As in dlt, credentials given whole are used as they are; fields they lack (a URL without a
 * password) are looked up one by one in config. `database`, `username`, `password` and `host`
 * are required; `port` defaults to 5432, `connect_timeout` to 15 seconds. Every password read is
 * registered as a secret, so it never shows in a message.
 *
 * @module
 */
import {
  config,
  type ConfigValue,
  findConfig,
  resolveConfigSpec,
  secret,
} from "../../lib/config.ts";
import type { ResolveConfigOptions } from "../../lib/config.ts";
import { ConfigError } from "../../lib/errors.ts";
import {
  checkOptions,
  invalidValue,
  type OptionCheck,
  type OptionSpec,
  text,
} from "../../lib/options.ts";
import { redactUrl, registerSecret } from "../../lib/redact.ts";

/** libpq's SSL modes, which dlt passes on as they are. */
export type SslMode = "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full";

/** The SSL modes, in libpq's order. */
export const SSL_MODES: readonly SslMode[] = [
  "disable",
  "allow",
  "prefer",
  "require",
  "verify-ca",
  "verify-full",
];

/** Where and as whom the destination connects: dlt's `PostgresCredentials`, in camelCase. */
export interface PostgresCredentials {
  /** The database to connect to. */
  database: string;
  /** The user to connect as. */
  username: string;
  /** The user's password (a secret). */
  password: string;
  /** Host name or address of the server. */
  host: string;
  /** TCP port of the server. @default {5432} */
  port: number;
  /** Seconds to wait for a connection before giving up. @default {15} */
  connectTimeout: number;
  /**
   * libpq's SSL mode: `disable`; `allow` and `prefer` (SSL without certificate checks when the
   * server offers it, else none); `require` (SSL without certificate checks); `verify-ca` (the
   * certificate must be signed by a trusted CA); `verify-full` (and name the host).
   * @default {"prefer"}
   */
  sslmode?: SslMode;
  /**
   * Path of a file of PEM certificates (the CA of a private or cloud server) that `verify-ca`
   * and `verify-full` trust instead of the system's CAs, as libpq's `sslrootcert`.
   */
  sslrootcert?: string;
  /** The name the server shows for the connection (`pg_stat_activity`). @default {"denodlt"} */
  applicationName?: string;
}

/** Credentials as given: any of their fields, the password too, may still come from config. */
export type PartialPostgresCredentials = Partial<PostgresCredentials>;

/** dlt's default port and connect timeout. */
const DEFAULTS = { port: 5432, connectTimeout: 15 };

/** The config key of the destination's credentials. */
export const CREDENTIALS_KEY = "destination.postgres.credentials";

/** A TCP port. */
function port(): OptionCheck<number> {
  return (value) =>
    Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535
      ? value as number
      : invalidValue("a port number from 1 to 65535", typeof value === "number");
}

/** A positive number of seconds. */
function seconds(): OptionCheck<number> {
  return (value) =>
    typeof value === "number" && Number.isFinite(value) && value > 0
      ? value
      : invalidValue("a number of seconds > 0", typeof value === "number");
}

/** One of the SSL modes. */
function sslMode(): OptionCheck<SslMode> {
  return (value) =>
    SSL_MODES.includes(value as SslMode)
      ? value as SslMode
      : invalidValue(`one of ${SSL_MODES.map((m) => `"${m}"`).join(", ")}`, true);
}

/** How the fields of credentials are checked. */
const FIELDS: OptionSpec<PostgresCredentials> = {
  database: text(),
  username: text(),
  password: text({ empty: true }),
  host: text(),
  port: port(),
  connectTimeout: seconds(),
  sslmode: sslMode(),
  sslrootcert: text(),
  applicationName: text(),
};

/** Fields of dlt's credentials that this destination has no use for, with why. */
const DLT_ONLY_FIELDS = {
  drivername: 'it is always "postgresql"',
  clientEncoding: "the connection always uses UTF8",
  query: "give sslmode, sslrootcert, connectTimeout and applicationName as fields",
};

/**
 * The fields of `given` (a URL or an object of credentials fields), checked; the password is
 * registered as a secret first. A malformed URL is a `ConfigError` that shows it without its
 * password; a bad field, a `TypeError` or `RangeError` naming it. `where` names the source in
 * messages (`postgres()`, `destination.postgres.credentials`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readPostgresCredentials } from "./_credentials.ts";
 * assert.deepEqual(
 *   readPostgresCredentials("postgresql://loader:s3cr%40t@db.example.com:5433/dwh?sslmode=require"),
 *   {
 *     username: "loader",
 *     password: "s3cr@t",
 *     host: "db.example.com",
 *     port: 5433,
 *     database: "dwh",
 *     sslmode: "require",
 *   },
 * );
 * assert.deepEqual(readPostgresCredentials({ host: "localhost", connectTimeout: 5 }), {
 *   host: "localhost",
 *   connectTimeout: 5,
 * });
 * ```
 */
export function readPostgresCredentials(
  given: unknown,
  where = "postgres()",
): PartialPostgresCredentials {
  if (typeof given === "string") return parsePostgresUrl(given, where);
  if (typeof given === "object" && given !== null && "password" in given) {
    registerSecret((given as { password: unknown }).password);
  }
  return checkOptions(given, FIELDS, `the credentials of ${where}`, {
    snakeCase: "refuse",
    unsupported: DLT_ONLY_FIELDS,
  });
}

/** URL query parameters, by name, with the field each one sets. */
const URL_PARAMETERS: Record<string, keyof PostgresCredentials> = {
  sslmode: "sslmode",
  sslrootcert: "sslrootcert",
  connect_timeout: "connectTimeout",
  application_name: "applicationName",
};

/** The fields of a `postgresql://` URL; its password is registered as a secret first. */
function parsePostgresUrl(url: string, where: string): PartialPostgresCredentials {
  const match = /^postgres(?:ql)?:\/\/(?:([^@/?#]*)@)?/i.exec(url);
  const shown = redactUrl(url);
  const fail = (why: string): never => {
    throw new ConfigError(`Cannot read the Postgres URL "${shown}" of ${where}: ${why}`);
  };
  if (match === null) {
    // another scheme, or none, may still carry a password in its user info
    const password = /^(?:[a-z][a-z0-9+.-]*:\/\/)?[^:@/]*:([^@]*)@/i.exec(url)?.[1];
    registerSecret(password);
    if (password !== undefined) registerSecret(decodeSafe(password));
    return fail('it must start with "postgresql://" or "postgres://"');
  }
  const [user = "", password] = (match[1] ?? "").split(/:(.*)/s);
  if (password !== undefined) {
    registerSecret(password);
    registerSecret(decodeSafe(password));
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail("it is not a valid URL (check the port; percent-encode / ? # @ in the password)");
  }
  const fields: Record<string, unknown> = {};
  if (user !== "") fields.username = decodeSafe(user);
  if (password !== undefined) fields.password = decodeSafe(password);
  // brackets of an IPv6 address are URL syntax
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host !== "") fields.host = decodeSafe(host);
  if (parsed.port !== "") fields.port = Number(parsed.port);
  const path = parsed.pathname.replace(/^\//, "");
  if (path.includes("/")) fail(`the path "/${path}" is not one database name`);
  if (path !== "") fields.database = decodeSafe(path);
  for (const [name, value] of parsed.searchParams) {
    const field = URL_PARAMETERS[name];
    if (field === undefined) {
      fail(
        `the parameter "${name}" is not supported (supported: ${
          Object.keys(URL_PARAMETERS).join(", ")
        })`,
      );
    }
    fields[field] = field === "connectTimeout" ? Number(value) : value;
  }
  try {
    return checkOptions(fields, FIELDS, `the Postgres URL "${shown}" of ${where}`);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The declarations of every credentials field as its own config key (snake_case, as dlt's). */
function fieldSpec(): Record<keyof PostgresCredentials, ConfigValue<unknown>> {
  const key = (field: string) => `${CREDENTIALS_KEY}.${field}`;
  return {
    database: config(key("database")),
    username: config(key("username")),
    password: secret(key("password")),
    host: config(key("host")),
    port: config<number>(key("port"), { type: "integer", default: DEFAULTS.port }),
    connectTimeout: config<number>(key("connect_timeout"), {
      type: "number",
      default: DEFAULTS.connectTimeout,
    }),
    sslmode: config<string | undefined>(key("sslmode"), { default: undefined }),
    sslrootcert: config<string | undefined>(key("sslrootcert"), { default: undefined }),
    applicationName: config<string | undefined>(key("application_name"), {
      default: undefined,
    }),
  };
}

/**
 * The credentials to connect with: `given` (from code), else the URL configured as
 * `destination.postgres.credentials`; fields they lack come from their own config keys
 * (`destination.postgres.credentials.password`, …), then defaults. A required field found
 * nowhere is a `MissingConfigError` listing every key and variable tried.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolvePostgresCredentials } from "./_credentials.ts";
 * const env = new Map([
 *   ["DESTINATION__POSTGRES__CREDENTIALS", "postgresql://loader@localhost/dwh"],
 *   ["DESTINATION__POSTGRES__CREDENTIALS__PASSWORD", "example-password"],
 * ]);
 * const credentials = resolvePostgresCredentials(undefined, {
 *   env: (name) => env.get(name),
 *   configDirs: [],
 * });
 * assert.deepEqual(credentials, {
 *   database: "dwh",
 *   username: "loader",
 *   password: "example-password",
 *   host: "localhost",
 *   port: 5432,
 *   connectTimeout: 15,
 * });
 * ```
 */
export function resolvePostgresCredentials(
  given: PartialPostgresCredentials | undefined,
  options: ResolveConfigOptions = {},
): PostgresCredentials {
  let known = given;
  if (known === undefined) {
    const native = findConfig(CREDENTIALS_KEY, options);
    // a table is read field by field below, as dlt reads it
    if (typeof native === "string") known = readPostgresCredentials(native, CREDENTIALS_KEY);
  }
  const resolved = resolveConfigSpec(fieldSpec(), { ...options, explicit: known ?? {} });
  const fields = Object.fromEntries(
    Object.entries(resolved).filter(([, value]) => value !== undefined),
  );
  try {
    return checkOptions(
      fields,
      FIELDS,
      `the credentials in ${CREDENTIALS_KEY}`,
    ) as PostgresCredentials;
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/**
 * Where `credentials` connect, without the password: `postgresql://user@host:port/database`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describePostgres } from "./_credentials.ts";
 * const where = describePostgres({
 *   database: "dwh",
 *   username: "loader",
 *   password: "example-password",
 *   host: "::1",
 *   port: 5432,
 *   connectTimeout: 15,
 * });
 * assert.equal(where, "postgresql://loader@[::1]:5432/dwh");
 * ```
 */
export function describePostgres(credentials: PostgresCredentials): string {
  const host = credentials.host.includes(":") ? `[${credentials.host}]` : credentials.host;
  return `postgresql://${encodeURIComponent(credentials.username)}@${host}:${credentials.port}/${
    encodeURIComponent(credentials.database)
  }`;
}
