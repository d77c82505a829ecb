/**
 * The DuckDB destination: loads into a durable `.duckdb` file, through native DuckDB
 * (`@duckdb/node-api`) when the process may use FFI, else through DuckDB-WASM; the files of both
 * are the same, and the DuckDB CLI reads them.
 *
 * @example Loading into a file of your choice
 * ```ts ignore
 * import { pipeline } from "@denodlt/dlt";
 * import { duckdb } from "@denodlt/dlt/destinations/duckdb";
 * const p = pipeline({ pipelineName: "demo", destination: duckdb({ path: "./demo.duckdb" }) });
 * ```
 *
 * @module
 */
import type {
  Destination,
  DestinationClient,
  DestinationClientOptions,
} from "../../lib/destination.ts";
import { SqlJobClient } from "../../lib/load/sql_job_client.ts";
import { checkDatabaseFolder, IN_MEMORY } from "./_database_file.ts";
import {
  checkOptions,
  integer,
  invalidValue,
  isPlainObject,
  oneOf,
  type OptionCheck,
  type OptionSpec,
  readCredentialsArguments,
  text,
} from "../../lib/options.ts";
import {
  type DuckDbDatabaseName,
  type DuckDbLocation,
  locateDuckDb,
  parseDuckDbCredentials,
} from "./_location.ts";
import { DUCKDB_CAPABILITIES, duckdbDialect, NATIVE_DUCKDB_CAPABILITIES } from "./_dialect.ts";
import { DuckDbConnection } from "./_connection.ts";
import { DuckDbSqlClient } from "./_sql_client.ts";
import { type DuckDbEngineChoice, ENGINE_CHOICES, pickEngine } from "./_engine.ts";
import { acquireDatabase, isDatabaseOpen, releaseDatabase } from "./_shared_database.ts";
import {
  CREDENTIALS_FIELDS,
  type DuckDbCredentials,
  readDuckDbCredentials,
  resolveDuckDbSettings,
  withoutSecretSettings,
} from "./_credentials.ts";

export { DUCKDB_CAPABILITIES, NATIVE_DUCKDB_CAPABILITIES } from "./_dialect.ts";
export type { DuckDbCredentials, DuckDbSettingValue } from "./_credentials.ts";

/** Options of {@linkcode duckdb}. */
export interface DuckDbOptions {
  /**
   * Path of the database file (relative to the directory where the pipeline first ran): the
   * same as `credentials` given a path. Give one of the two (credentials without a `database`
   * may come beside it, for their settings). Its folder must exist.
   */
  path?: string;
  /**
   * Where the data goes, as dlt's duckdb credentials: a file path, a `duckdb:///relative.duckdb`
   * or `duckdb:////absolute.duckdb` URL (relative paths are resolved against the directory where
   * the pipeline first ran, as in dlt), `":pipeline:"` (`<pipelineName>.duckdb` in the
   * pipeline's working folder) or `":memory:"` (a database in memory that lives as long as this
   * destination object, for tests). MotherDuck (`md:`) is not supported yet. As an object,
   * dlt's `DuckDbCredentials`: the `database` (one of those strings) with extensions, global
   * config, pragmas and local config that each open applies (see {@linkcode DuckDbCredentials}).
   * @default {`destination.duckdb.credentials` from config (`DESTINATION__DUCKDB__CREDENTIALS`), else `<pipelineName>.duckdb` in the directory where the pipeline first ran}
   */
  credentials?: string | DuckDbCredentials;
  /**
   * DuckDB's memory limit inside WASM, a size in DuckDB's form: a number and a unit, e.g.
   * `"512MB"`, `"1GB"`, `"1.5GiB"` (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), at least 16MB.
   * Larger sorts spill to `<path>.tmp`. WASM memory never shrinks, so this bounds the process's
   * footprint. Without it the limit is 192 MB, raised while loading wide tables (DuckDB needs
   * about 160 KiB per column a load touches).
   */
  memoryLimit?: string;
  /**
   * How long a client waits, in milliseconds, while another process (another pipeline) has the
   * database file open, before it fails with an error that names that process.
   * @default {60000}
   */
  lockTimeoutMs?: number;
  /**
   * The DuckDB engine: `"native"` (`@duckdb/node-api`, needs `--allow-ffi`; brings time zones
   * through ICU, the JSON and Parquet readers and threads, starts in a fraction of WASM's time,
   * and loads CSV and Parquet job files), `"wasm"` (DuckDB-WASM, needs no FFI; no ICU, JSON or
   * Parquet extensions here, so it loads CSV job files), or `"auto"`: native when the process may
   * use FFI (`--allow-ffi`, `-A`) and native DuckDB loads on this platform, else WASM. Both write
   * the same database files.
   * @default {`destination.duckdb.engine` from config (`DESTINATION__DUCKDB__ENGINE`), else "auto"}
   */
  engine?: DuckDbEngine;
}

/** A DuckDB engine of {@linkcode DuckDbOptions.engine}. */
export type DuckDbEngine = DuckDbEngineChoice;

/** Bytes per unit of DuckDB's memory sizes (`SET memory_limit`), by the names DuckDB accepts. */
const MEMORY_UNITS = new Map<string, number>([
  ["b", 1],
  ["byte", 1],
  ["bytes", 1],
  ...[["k", "kilo"], ["m", "mega"], ["g", "giga"], ["t", "tera"]].flatMap(([letter, prefix], i) => {
    const bytes = 1000 ** (i + 1);
    return [
      [letter, bytes],
      [`${letter}b`, bytes],
      [`${prefix}byte`, bytes],
      [`${prefix}bytes`, bytes],
      [`${letter}ib`, 1024 ** (i + 1)],
    ] as [string, number][];
  }),
]);

/** Smallest memory limit accepted: DuckDB fails to load with much less. */
const MIN_MEMORY_BYTES = 16_000_000;

/** A memory size in DuckDB's form (`"512MB"`, `"1.5 GiB"`), checked before DuckDB sees it. */
function memorySize(): OptionCheck<string> {
  const expected = 'a size such as "512MB", "1GB" or "1.5GiB" (a number and one of the units B, ' +
    "KB, MB, GB, TB, KiB, MiB, GiB, TiB), at least 16MB";
  return (value) => {
    if (typeof value !== "string") return invalidValue(expected);
    const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)\s*$/i.exec(value);
    const unit = match === null ? undefined : MEMORY_UNITS.get(match[2].toLowerCase());
    if (unit === undefined || Number(match![1]) * unit < MIN_MEMORY_BYTES) {
      return invalidValue(expected, true);
    }
    return value;
  };
}

/** How {@linkcode duckdb} checks its options. */
const OPTIONS: OptionSpec<DuckDbOptions> = {
  path: text(),
  credentials: (value) =>
    typeof value === "string" && value !== ""
      ? value
      : isPlainObject(value)
      ? readDuckDbCredentials(value)
      : invalidValue(
        'a non-empty string or a credentials object (a path, a duckdb:/// URL, ":pipeline:" or ' +
          '":memory:"; or { database, extensions, globalConfig, pragmas, localConfig })',
      ),
  memoryLimit: memorySize(),
  lockTimeoutMs: integer({ min: 0 }),
  engine: oneOf(ENGINE_CHOICES),
};

/** Options of dlt's duckdb destination that this one lacks, with what to do instead. */
const DLT_ONLY_OPTIONS = {
  createIndexes: "it creates no unique indexes; DuckDB does not enforce primary keys here",
  destinationName: 'configure it under its type, "destination.duckdb"',
  environment: "configuration has no environments here",
  ...Object.fromEntries(
    CREDENTIALS_FIELDS.map((field) => [
      field,
      `it is a field of the credentials, as in dlt: duckdb({ credentials: { ${
        field === "database" ? "database, …" : `database, ${field}`
      } } })`,
    ]),
  ),
};

/** Tells apart the in-memory databases of different destination objects. */
let memoryDatabases = 0;

/**
 * The DuckDB destination (native DuckDB where the process may use FFI, else DuckDB-WASM;
 * a durable file). Options as in dlt's
 * `dlt.destinations.duckdb()`, in camelCase; an unknown option is a `RangeError` that names the
 * option meant. As in dlt, the credentials may come first: `duckdb("data.duckdb")` is
 * `duckdb({ credentials: "data.duckdb" })`, and other options may follow them.
 *
 * @example
 * ```ts ignore
 * import { duckdb } from "./mod.ts";
 * const destination = duckdb({ path: "./data.duckdb" });
 * const inWorkingFolder = duckdb({ credentials: ":pipeline:" });
 * const asInDlt = duckdb("data.duckdb", { memoryLimit: "1GB" });
 * ```
 */
export function duckdb(
  credentialsOrOptions: string | DuckDbOptions = {},
  options?: Omit<DuckDbOptions, "path" | "credentials">,
): Destination {
  const given = readCredentialsArguments(
    "duckdb()",
    credentialsOrOptions,
    options,
    arguments.length,
    ["path", "credentials"],
  );
  const { path, credentials, memoryLimit, lockTimeoutMs, engine: engineChoice } = checkOptions(
    given,
    OPTIONS,
    "duckdb()",
    { snakeCase: "refuse", unsupported: DLT_ONLY_OPTIONS },
  );
  const fields = typeof credentials === "object" ? credentials : undefined;
  const database = typeof credentials === "string" ? credentials : fields?.database;
  if (path !== undefined && database !== undefined) {
    throw new RangeError(
      'Options "path" and "credentials" of duckdb() both name the database; give one',
    );
  }
  // a MotherDuck string is refused here, before anything is created
  const named: DuckDbDatabaseName | undefined = path !== undefined
    ? { kind: "path", path }
    : database === undefined
    ? undefined
    : parseDuckDbCredentials(database);
  const { engine, auto } = pickEngine(engineChoice);
  const memoryKey = `:memory:${++memoryDatabases}`;
  const locate = (clientOptions: DestinationClientOptions) => locateDuckDb(named, clientOptions);
  // a file opened by both engines in one process: the second fails on the first's lock
  const keyOf = (location: DuckDbLocation) =>
    location.kind === "memory" ? memoryKey : `${engine}:${location.path}`;
  const capabilities = engine === "native" ? NATIVE_DUCKDB_CAPABILITIES : DUCKDB_CAPABILITIES;
  const dialect = duckdbDialect(capabilities);
  return {
    name: "duckdb",
    capabilities,
    factoryOptions: fields === undefined
      ? { ...given }
      : { ...given, credentials: withoutSecretSettings(fields) },
    async client(clientOptions: DestinationClientOptions): Promise<DestinationClient> {
      const location = locate(clientOptions);
      const settings = resolveDuckDbSettings(fields, { pipelineName: clientOptions.pipelineName });
      const shared = await acquireDatabase(keyOf(location), location, {
        settings,
        memoryLimit,
        lockTimeoutMs,
        engine,
        auto,
      });
      try {
        const sql = await DuckDbSqlClient.open(shared, clientOptions.datasetName);
        return new SqlJobClient(new DuckDbConnection(shared), dialect, {
          datasetName: clientOptions.datasetName,
          qualifiedDataset: sql.qualifiedDataset,
          // dlt stages merges in "<dataset>_staging"
          qualifiedStagingDataset: sql.qualifiedDataset.replace(/"$/, '_staging"'),
          sql,
        });
      } catch (error) {
        await releaseDatabase(shared);
        throw error;
      }
    },
    prepare(clientOptions: DestinationClientOptions): Promise<void> {
      // an open database is shared: nothing to prepare for it
      if (engine === "native" || isDatabaseOpen(keyOf(locate(clientOptions)))) {
        return Promise.resolve();
      }
      // DuckDB-WASM's module is loaded only by a destination that uses it
      return import("./_database.ts").then(({ preloadDuckDbWasm }) => preloadDuckDbWasm());
    },
    async hasStoredData(clientOptions: DestinationClientOptions): Promise<boolean> {
      // the pipeline asks before it extracts: configured settings that cannot work fail first
      resolveDuckDbSettings(fields, { pipelineName: clientOptions.pipelineName });
      const location = locate(clientOptions);
      if (location.kind === "memory") return isDatabaseOpen(memoryKey);
      // the pipeline asks before it extracts: a path that cannot work fails before anything does
      checkDatabaseFolder(location.path);
      return await Deno.stat(location.path).then(() => true, () => false);
    },
    location(clientOptions: DestinationClientOptions): string {
      const location = locate(clientOptions);
      return location.kind === "memory" ? IN_MEMORY : location.path;
    },
  };
}
