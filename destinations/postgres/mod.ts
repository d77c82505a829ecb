/**
 * The PostgreSQL destination: loads each dataset into a Postgres schema of that name, with
 * `COPY` (through `pg` and `pg-copy-streams`), dlt's type mapping, every write disposition and
 * merge strategy, and the pipeline's state kept in the database.
 *
 * Credentials take dlt's forms: a `postgresql://user:password@host:port/database` URL, an object
 * of fields, or config (`DESTINATION__POSTGRES__CREDENTIALS`, the
 * `[destination.postgres.credentials]` table in `.dlt/secrets.toml`, a field such as
 * `DESTINATION__POSTGRES__CREDENTIALS__PASSWORD` on its own). The password never shows in a
 * message. The connecting user needs `CREATE` on the database (for the dataset's schema and
 * `<dataset>_staging`, where merges stage rows), or a dataset schema it owns.
 *
 * @example Loading into Postgres
 * ```ts ignore
 * import { pipeline } from "@denodlt/dlt";
 * import { postgres } from "@denodlt/dlt/destinations/postgres";
 * const p = pipeline({
 *   pipelineName: "github",
 *   destination: postgres("postgresql://loader:secret@localhost:5432/analytics"),
 *   datasetName: "github_data",
 * });
 * // or, with the credentials in config: pipeline({ destination: "postgres", … })
 * ```
 *
 * @module
 */
import type {
  Destination,
  DestinationClient,
  DestinationClientOptions,
} from "../../lib/destination.ts";
import { quoteIdentifier } from "../../lib/load/sql.ts";
import { SqlJobClient } from "../../lib/load/sql_job_client.ts";
import {
  anyValue,
  checkOptions,
  type OptionSpec,
  readCredentialsArguments,
} from "../../lib/options.ts";
import { PostgresConnection } from "./_connection.ts";
import {
  describePostgres,
  type PartialPostgresCredentials,
  type PostgresCredentials,
  readPostgresCredentials,
  resolvePostgresCredentials,
} from "./_credentials.ts";
import {
  checkDatasetName,
  POSTGRES_CAPABILITIES,
  POSTGRES_DIALECT,
  stagingDatasetName,
} from "./_dialect.ts";
import { PostgresSqlClient } from "./_sql_client.ts";

export type { PostgresCredentials, SslMode } from "./_credentials.ts";
export { POSTGRES_CAPABILITIES } from "./_dialect.ts";

/** Options of {@linkcode postgres}. */
export interface PostgresOptions {
  /**
   * Where to connect and as whom: a `postgresql://user:password@host:port/database` URL (also
   * `postgres://`; `?sslmode=…&connect_timeout=…` as libpq takes them), or an object of its
   * fields (`{ database, username, password, host, port, connectTimeout, sslmode }`). Fields
   * it lacks, the password for one, come from config (`DESTINATION__POSTGRES__CREDENTIALS__PASSWORD`).
   * @default {`destination.postgres.credentials` from config (`DESTINATION__POSTGRES__CREDENTIALS`, `[destination.postgres.credentials]` in `.dlt/secrets.toml`)}
   */
  credentials?: string | Partial<PostgresCredentials>;
}

/** How {@linkcode postgres} checks its options (the credentials are read on their own). */
const OPTIONS: OptionSpec<PostgresOptions> = {
  credentials: anyValue(),
};

/** Options of dlt's postgres destination that this one lacks, with what to do instead. */
const DLT_ONLY_OPTIONS = {
  createIndexes:
    "it creates no indexes or constraints for primaryKey and unique hints; create them in the database",
  csvFormat: "job files are always the normalizer's CSV (comma-separated, with a header row)",
  destinationName: 'configure it under its type, "destination.postgres"',
  environment: "configuration has no environments here",
};

/**
 * The postgres destination. Options as in dlt's `dlt.destinations.postgres()`, in camelCase; an
 * unknown option is a `RangeError` that names the option meant. As in dlt, the credentials may
 * come first: `postgres("postgresql://…")` is `postgres({ credentials: "postgresql://…" })`.
 * Credentials given here are checked at once (a malformed URL is a `ConfigError` that shows it
 * without its password); missing ones are looked up in config when the pipeline connects.
 *
 * The pipeline stores the non-secret options in its working folder (`factoryOptions`: the
 * credentials without the password), so a pipeline re-opened by name connects to the same
 * server, with the password from config.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { postgres } from "./mod.ts";
 * const destination = postgres("postgresql://loader:example-pass@localhost:5432/analytics");
 * assert.equal(destination.name, "postgres");
 * assert.deepEqual(destination.factoryOptions, {
 *   credentials: { username: "loader", host: "localhost", port: 5432, database: "analytics" },
 * });
 * assert.equal(
 *   destination.location!({ pipelineName: "p", datasetName: "github_data" }),
 *   "postgresql://loader@localhost:5432/analytics",
 * );
 * ```
 */
export function postgres(
  credentialsOrOptions: string | PostgresOptions = {},
  options?: Omit<PostgresOptions, "credentials">,
): Destination {
  const given = readCredentialsArguments(
    "postgres()",
    credentialsOrOptions,
    options,
    arguments.length,
    ["credentials"],
  );
  const { credentials } = checkOptions(given, OPTIONS, "postgres()", {
    snakeCase: "refuse",
    unsupported: DLT_ONLY_OPTIONS,
  });
  const explicit = credentials === undefined ? undefined : readPostgresCredentials(credentials);
  const resolve = ({ pipelineName }: DestinationClientOptions) =>
    resolvePostgresCredentials(explicit, { pipelineName });
  return {
    name: "postgres",
    capabilities: POSTGRES_CAPABILITIES,
    factoryOptions: explicit === undefined ? {} : { credentials: withoutPassword(explicit) },
    async client(clientOptions: DestinationClientOptions): Promise<DestinationClient> {
      const { datasetName } = clientOptions;
      checkDatasetName(datasetName);
      const connection = await PostgresConnection.open(resolve(clientOptions), datasetName);
      return new SqlJobClient(connection, POSTGRES_DIALECT, {
        datasetName,
        qualifiedDataset: quoteIdentifier(datasetName),
        qualifiedStagingDataset: quoteIdentifier(stagingDatasetName(datasetName)),
        sql: new PostgresSqlClient(connection, datasetName),
      });
    },
    location(clientOptions: DestinationClientOptions): string {
      return describePostgres(resolve(clientOptions));
    },
  };
}

/** `credentials` without the password (what may be stored in a working folder). */
function withoutPassword(credentials: PartialPostgresCredentials): PartialPostgresCredentials {
  const { password: _, ...rest } = credentials;
  return rest;
}
