/**
 * The settings in the duckdb destination's credentials, as dlt's `DuckDbCredentials` has them:
 * extensions to load, global config, pragmas and local config, run in that order on each open of
 * the database (`LOAD x`, `SET GLOBAL name = value`, `PRAGMA x`, `SET SESSION name = value`).
 *
 * In code they are fields of the credentials object, in camelCase (`globalConfig`); in config,
 * dlt's snake_case keys under `destination.duckdb.credentials` (a `[destination.duckdb.credentials]`
 * table, or each on its own: `DESTINATION__DUCKDB__CREDENTIALS__PRAGMAS='["enable_logging"]'`).
 * A field the credentials in code lack is looked up in config, as for the other destinations.
 * Settings the destination makes itself (threads, memory limit, temporary directory, time zone)
 * are refused with what to do instead; so is an unknown field, and `readOnly: true`.
 *
 * @module
 */
import { config, findConfig, isSecretKey, resolveConfigSpec } from "../../lib/config.ts";
import type { ResolveConfigOptions } from "../../lib/config.ts";
import { ConfigError, DestinationError } from "../../lib/errors.ts";
import { quoteLiteral } from "../../lib/load/sql.ts";
import {
  boolean,
  camelCase,
  checkOptions,
  checkValue,
  invalidValue,
  isPlainObject,
  type OptionCheck,
  type OptionSpec,
  snakeCase,
  text,
} from "../../lib/options.ts";
import { registerSecret } from "../../lib/redact.ts";
import type { DuckDbDriver } from "./_driver.ts";

/** A value of a DuckDB setting in {@linkcode DuckDbCredentials}. */
export type DuckDbSettingValue = string | number | boolean;

/**
 * The duckdb destination's credentials as an object: dlt's `DuckDbCredentials`, in camelCase.
 *
 * @example Loading with FSST string compression off (faster loads, larger files of unique text)
 * ```ts ignore
 * import { duckdb } from "@denodlt/dlt/destinations/duckdb";
 * const destination = duckdb({
 *   credentials: {
 *     database: "events.duckdb",
 *     globalConfig: { disabled_compression_methods: "fsst" },
 *   },
 * });
 * ```
 */
export interface DuckDbCredentials {
  /** Where the data goes: a credentials string of `duckdb()`: a path, a `duckdb:///` URL, `:pipeline:` or `:memory:`. */
  database?: string;
  /**
   * dlt opens the file read-only with `true`; the destination loads into it, so only `false` is
   * taken. Read a loaded dataset with `pipeline.dataset()`.
   * @default {false}
   */
  readOnly?: boolean;
  /** Extensions to `LOAD` on each open (never installed: install them with DuckDB first). */
  extensions?: string[];
  /** Settings made with `SET GLOBAL name = value` on each open, e.g. `{ preserve_insertion_order: false }`. */
  globalConfig?: Record<string, DuckDbSettingValue>;
  /** Pragmas run on each open after the global config: `["enable_profiling"]` runs `PRAGMA enable_profiling`. */
  pragmas?: string[];
  /** Settings made with `SET SESSION name = value` on each open, last. */
  localConfig?: Record<string, DuckDbSettingValue>;
}

/** What an open runs before anything else, from {@linkcode DuckDbCredentials}. */
export interface DuckDbOpenSettings {
  /** Extensions to load. */
  extensions: readonly string[];
  /** Global settings, by name. */
  globalConfig: Readonly<Record<string, DuckDbSettingValue>>;
  /** Pragmas to run. */
  pragmas: readonly string[];
  /** Session settings, by name. */
  localConfig: Readonly<Record<string, DuckDbSettingValue>>;
}

/** The settings of a credentials string: none. */
export const NO_SETTINGS: DuckDbOpenSettings = Object.freeze({
  extensions: [],
  globalConfig: {},
  pragmas: [],
  localConfig: {},
});

const CREDENTIALS_KEY = "destination.duckdb.credentials";

/** A DuckDB setting or extension name. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Settings the destination makes itself, by lower-case name, with what to do instead. */
const MANAGED_SETTINGS: Readonly<Record<string, string>> = (() => {
  const threads = "the destination sets DuckDB's threads itself (one, and one per core for a " +
    "large copy into a narrow table); for queries on more threads run SET threads through " +
    "sqlClient()";
  const memory = "give duckdb({ memoryLimit }) instead";
  return {
    threads,
    worker_threads: threads,
    external_threads: threads,
    memory_limit: memory,
    max_memory: memory,
    temp_directory: "sorts spill to <database file>.tmp, next to the file",
    timezone: "the destination reads and writes timestamps in UTC",
    enable_external_file_cache: "the cache served the old bytes of a job file written again " +
      "under its name",
  };
})();

/** A list of names (extensions) or of pragmas. */
function textList(what: "name" | "pragma"): OptionCheck<string[]> {
  const expected = what === "name"
    ? "a list of extension names (letters, digits, _)"
    : 'a list of pragmas, one statement each without "PRAGMA" (e.g. "enable_profiling")';
  return (value) => {
    if (!Array.isArray(value)) return invalidValue(expected);
    for (const item of value) {
      if (typeof item !== "string" || item.trim() === "") return invalidValue(expected);
      if (what === "name" ? !NAME.test(item) : item.includes(";")) invalidValue(expected, true);
    }
    return [...value];
  };
}

/** Settings by name: each a string, a finite number or a boolean, none the destination makes. */
function settingsTable(): OptionCheck<Record<string, DuckDbSettingValue>> {
  const expected = "an object of DuckDB settings by name, each a string, a number or a boolean";
  return (value) => {
    if (!isPlainObject(value)) return invalidValue(expected);
    for (const [name, setting] of Object.entries(value)) {
      if (!NAME.test(name)) {
        return invalidValue(`${expected}; "${name}" is not a setting name`, true);
      }
      const managed = MANAGED_SETTINGS[name.toLowerCase()];
      if (managed !== undefined) {
        return invalidValue(`${expected}, without "${name}": ${managed}`, true);
      }
      const valid = typeof setting === "string" || typeof setting === "boolean" ||
        (typeof setting === "number" && Number.isFinite(setting));
      if (!valid) return invalidValue(`${expected}; "${name}" is not one`);
      if (typeof setting === "string" && isSecretKey(name)) registerSecret(setting);
    }
    return { ...value } as Record<string, DuckDbSettingValue>;
  };
}

/** `false` only (see {@linkcode DuckDbCredentials.readOnly}). */
function writable(): OptionCheck<boolean> {
  return (value) =>
    boolean()(value) === false ? false : invalidValue(
      "false: the destination loads into the file; read a loaded dataset with " +
        "pipeline.dataset()",
      true,
    );
}

/** How the fields of {@linkcode DuckDbCredentials} are checked. */
const FIELDS: OptionSpec<DuckDbCredentials> = {
  database: text(),
  readOnly: writable(),
  extensions: textList("name"),
  globalConfig: settingsTable(),
  pragmas: textList("pragma"),
  localConfig: settingsTable(),
};

/**
 * Checks credentials given as an object in code (camelCase; dlt's snake_case spelling is a
 * `RangeError` that names the field to write), registering the values of secret-named settings
 * (`s3_secret_access_key`) for redaction.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readDuckDbCredentials } from "./_credentials.ts";
 * assert.deepEqual(readDuckDbCredentials({ database: "a.duckdb", pragmas: ["enable_profiling"] }), {
 *   database: "a.duckdb",
 *   pragmas: ["enable_profiling"],
 * });
 * assert.throws(() => readDuckDbCredentials({ global_config: {} }), /write "globalConfig"/);
 * assert.throws(
 *   () => readDuckDbCredentials({ globalConfig: { threads: 4 } }),
 *   /sets DuckDB's threads itself/,
 * );
 * ```
 */
export function readDuckDbCredentials(given: unknown, where = "duckdb()"): DuckDbCredentials {
  return checkOptions(given, FIELDS, `the credentials of ${where}`, { snakeCase: "refuse" });
}

/** Each settings field as its own config key, in dlt's snake_case. */
function configSpec() {
  const key = (field: string) => `${CREDENTIALS_KEY}.${field}`;
  const json = { type: "json", default: undefined } as const;
  return {
    readOnly: config<boolean | undefined>(key("read_only"), {
      type: "boolean",
      default: undefined,
    }),
    extensions: config<unknown>(key("extensions"), json),
    globalConfig: config<unknown>(key("global_config"), json),
    pragmas: config<unknown>(key("pragmas"), json),
    localConfig: config<unknown>(key("local_config"), json),
  };
}

/**
 * The settings of an open: each field of `given` (the credentials object in code), else its
 * config key (`destination.duckdb.credentials.global_config`, …). A configured credentials table
 * with a key dlt's credentials do not have is a `ConfigError` naming it, as is a bad value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveDuckDbSettings } from "./_credentials.ts";
 * const env = new Map([
 *   ["DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG", '{"preserve_insertion_order": false}'],
 * ]);
 * const settings = resolveDuckDbSettings({ pragmas: ["enable_profiling"] }, {
 *   env: (name) => env.get(name),
 *   configDirs: [],
 * });
 * assert.deepEqual(settings, {
 *   extensions: [],
 *   globalConfig: { preserve_insertion_order: false },
 *   pragmas: ["enable_profiling"],
 *   localConfig: {},
 * });
 * ```
 */
export function resolveDuckDbSettings(
  given: DuckDbCredentials | undefined,
  options: ResolveConfigOptions = {},
): DuckDbOpenSettings {
  const table = findConfig(CREDENTIALS_KEY, options);
  if (isPlainObject(table)) checkConfiguredKeys(table);
  const found = resolveConfigSpec(configSpec(), options);
  const fields: Record<string, unknown> = { ...given };
  for (const [field, value] of Object.entries(found)) {
    if (value === undefined || fields[field] !== undefined) continue;
    const check = (FIELDS as Record<string, OptionCheck<unknown>>)[field];
    try {
      fields[field] = checkValue(
        check,
        value,
        `Config value "${CREDENTIALS_KEY}.${snakeCase(field)}"`,
      );
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  }
  const { extensions, globalConfig, pragmas, localConfig } = fields as DuckDbCredentials;
  return {
    extensions: extensions ?? [],
    globalConfig: globalConfig ?? {},
    pragmas: pragmas ?? [],
    localConfig: localConfig ?? {},
  };
}

/**
 * `credentials` without the settings whose names are secrets' (`s3_secret_access_key`): what may
 * be stored in a pipeline's working folder. Those come from config again when the pipeline is
 * re-opened by name.
 */
export function withoutSecretSettings(credentials: DuckDbCredentials): DuckDbCredentials {
  const keep = (table: Record<string, DuckDbSettingValue> | undefined) =>
    table && Object.fromEntries(Object.entries(table).filter(([name]) => !isSecretKey(name)));
  const { globalConfig, localConfig, ...rest } = credentials;
  return {
    ...rest,
    ...(globalConfig && { globalConfig: keep(globalConfig) }),
    ...(localConfig && { localConfig: keep(localConfig) }),
  };
}

/** The keys of a configured credentials table: dlt's, in snake_case. */
const CONFIG_KEYS = [
  "database",
  "read_only",
  "extensions",
  "global_config",
  "pragmas",
  "local_config",
];

/** Refuses a key of a configured credentials table that dlt's duckdb credentials lack. */
function checkConfiguredKeys(table: Record<string, unknown>): void {
  for (const key of Object.keys(table)) {
    if (CONFIG_KEYS.includes(key)) continue;
    const meant = CONFIG_KEYS.find((known) => camelCase(known) === key);
    throw new ConfigError(
      `Unknown key "${key}" in ${CREDENTIALS_KEY}${
        meant === undefined ? "" : `: write "${meant}"`
      }; valid keys: ${CONFIG_KEYS.join(", ")}`,
    );
  }
}

/** Whether `settings` asks an open for anything. */
export function hasSettings(settings: DuckDbOpenSettings): boolean {
  return settings.extensions.length > 0 || settings.pragmas.length > 0 ||
    Object.keys(settings.globalConfig).length > 0 || Object.keys(settings.localConfig).length > 0;
}

/** `value` as an SQL literal. */
function literal(value: DuckDbSettingValue): string {
  return typeof value === "string" ? quoteLiteral(value) : String(value);
}

/**
 * The statements of `settings`, in dlt's order (extensions, global config, pragmas, local
 * config), each with the credentials field it comes from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { settingsStatements } from "./_credentials.ts";
 * const statements = settingsStatements({
 *   extensions: ["spatial"],
 *   globalConfig: { disabled_compression_methods: "fsst" },
 *   pragmas: ["enable_profiling"],
 *   localConfig: { errors_as_json: true },
 * });
 * assert.deepEqual(statements.map((s) => s.sql), [
 *   "LOAD spatial",
 *   "SET GLOBAL disabled_compression_methods = 'fsst'",
 *   "PRAGMA enable_profiling",
 *   "SET SESSION errors_as_json = true",
 * ]);
 * ```
 */
export function settingsStatements(
  settings: DuckDbOpenSettings,
): { sql: string; field: string }[] {
  const set = (
    scope: "GLOBAL" | "SESSION",
    field: string,
    table: DuckDbOpenSettings["globalConfig"],
  ) =>
    Object.entries(table).map(([name, value]) => ({
      sql: `SET ${scope} ${name} = ${literal(value)}`,
      field: `${field}.${name}`,
    }));
  return [
    ...settings.extensions.map((name) => ({ sql: `LOAD ${name}`, field: `extensions "${name}"` })),
    ...set("GLOBAL", "globalConfig", settings.globalConfig),
    ...settings.pragmas.map((pragma) => ({
      sql: `PRAGMA ${pragma}`,
      field: `pragmas "${pragma}"`,
    })),
    ...set("SESSION", "localConfig", settings.localConfig),
  ];
}

/**
 * Runs the statements of `settings` on `driver`. One DuckDB refuses is a `DestinationError` that
 * names the credentials field, with DuckDB's message (the values of secret-named settings are
 * redacted, see {@linkcode readDuckDbCredentials}).
 */
export async function applyDuckDbSettings(
  driver: DuckDbDriver,
  settings: DuckDbOpenSettings,
): Promise<void> {
  for (const { sql, field } of settingsStatements(settings)) {
    try {
      await driver.run(sql);
    } catch (error) {
      throw new DestinationError(
        `DuckDB refused ${field} of the duckdb credentials: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}
