/**
 * The settings in the duckdb destination's credentials, as dlt's `DuckDbCredentials` has them:
 * extensions to load, global config, pragmas and local config, run in that order on each open of
 * the database (`LOAD x`, `SET GLOBAL name = value`, `PRAGMA x`, `SET SESSION name = value`).
 *
 * In code they are fields of the credentials object, in camelCase (`globalConfig`); in config,
 * dlt's snake_case keys under `destination.duckdb.credentials` (a `[destination.duckdb.credentials]`
 * table, or each on its own: `DESTINATION__DUCKDB__CREDENTIALS__PRAGMAS='["enable_logging"]'`).
 * Extensions and pragmas in code replace the configured ones; global and local config in code are
 * merged by name with the configured tables, theirs first. Settings the destination makes itself
 * (threads, memory limit, temporary directory, time zone), also as pragmas, are refused with what
 * to do instead; so is an unknown field, and `readOnly: true`. The values of secret-named
 * settings (see {@linkcode isSecretSetting}) are registered for redaction.
 *
 * @module
 */
import {
  findConfigTables,
  findConfigWhere,
  type FoundConfig,
  isSecretKey,
  parseConfigText,
} from "../../lib/config.ts";
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
      // `PRAGMA threads = 4` sets what `SET threads = 4` does
      const assigned = what === "pragma" ? /^\s*([A-Za-z_]\w*)\s*=/.exec(item)?.[1] : undefined;
      const managed = assigned && MANAGED_SETTINGS[assigned.toLowerCase()];
      if (managed) invalidValue(`${expected}, without "${assigned}": ${managed}`, true);
    }
    return [...value];
  };
}

/**
 * Whether a setting's value is a secret by its name: as config keys (`s3_secret_access_key`,
 * `password`), and connection strings and proxies, which may hold a password.
 */
function isSecretSetting(name: string): boolean {
  return isSecretKey(name) || /connection_string|proxy/i.test(name);
}

/** Registers a secret setting's value for redaction, also as DuckDB may quote it back. */
function registerSecretSetting(value: string): void {
  registerSecret(value);
  registerSecret(value.replaceAll("'", "''"));
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
      if (typeof setting === "string" && isSecretSetting(name)) registerSecretSetting(setting);
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

/** How the fields of {@linkcode DuckDbCredentials} are checked (see {@linkcode CREDENTIALS_FIELDS}). */
const FIELDS: OptionSpec<DuckDbCredentials> = {
  database: text(),
  readOnly: writable(),
  extensions: textList("name"),
  globalConfig: settingsTable(),
  pragmas: textList("pragma"),
  localConfig: settingsTable(),
};

/** The fields of {@linkcode DuckDbCredentials}, in camelCase. */
export const CREDENTIALS_FIELDS: readonly string[] = Object.keys(FIELDS);

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

/** The settings fields of the credentials by their config keys, dlt's snake_case. */
const CONFIG_FIELDS: Readonly<Record<string, keyof DuckDbCredentials>> = {
  read_only: "readOnly",
  extensions: "extensions",
  global_config: "globalConfig",
  pragmas: "pragmas",
  local_config: "localConfig",
};

/**
 * The settings of an open: the fields of `given` (the credentials object in code), else their
 * config keys (`destination.duckdb.credentials.global_config`, …); the settings of the global
 * and local config tables are merged by name, those of `given` first. Every configured
 * credentials table is checked for keys dlt's credentials lack; those and bad values are a
 * `ConfigError` naming the key and where it was found (never the value's text, which may hold a
 * secret).
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
  for (const { value, where } of findConfigTables(CREDENTIALS_KEY, options)) {
    checkConfiguredKeys(value as Record<string, unknown>, where);
  }
  const configured: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(CONFIG_FIELDS)) {
    const found = findConfigWhere([`${CREDENTIALS_KEY}.${key}`], options);
    if (found !== undefined) configured[field] = readConfigured(field, found);
  }
  const { extensions, globalConfig, pragmas, localConfig } = configured as DuckDbCredentials;
  return {
    extensions: given?.extensions ?? extensions ?? [],
    globalConfig: { ...globalConfig, ...given?.globalConfig },
    pragmas: given?.pragmas ?? pragmas ?? [],
    localConfig: { ...localConfig, ...given?.localConfig },
  };
}

/**
 * The configured value `found` of `field`, checked: text (from the environment) is parsed as the
 * config layer parses it, a boolean for `read_only` and JSON for the others.
 */
function readConfigured(field: keyof DuckDbCredentials, found: FoundConfig): unknown {
  const subject = `Config value ${found.where}`;
  let value = found.value;
  if (typeof value === "string") {
    const parsed = parseConfigText(value, field === "readOnly" ? "boolean" : "json");
    if (parsed === undefined && field !== "readOnly") {
      throw new ConfigError(`${subject} is not JSON (its text is not shown: it may hold a secret)`);
    }
    // text that is no boolean is refused by the field's check, which names what it takes
    value = parsed ?? value;
  }
  try {
    return checkValue((FIELDS as Record<string, OptionCheck<unknown>>)[field], value, subject);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/**
 * `credentials` without the settings whose names are secrets' (`s3_secret_access_key`): what may
 * be stored in a pipeline's working folder. Those come from config again when the pipeline is
 * re-opened by name.
 */
export function withoutSecretSettings(credentials: DuckDbCredentials): DuckDbCredentials {
  const keep = (table: Record<string, DuckDbSettingValue> | undefined) =>
    table && Object.fromEntries(Object.entries(table).filter(([name]) => !isSecretSetting(name)));
  const { globalConfig, localConfig, ...rest } = credentials;
  return {
    ...rest,
    ...(globalConfig && { globalConfig: keep(globalConfig) }),
    ...(localConfig && { localConfig: keep(localConfig) }),
  };
}

/** The keys of a configured credentials table: dlt's, in snake_case. */
const CONFIG_KEYS = ["database", ...Object.keys(CONFIG_FIELDS)];

/** Refuses a key of a configured credentials table (found `where`) that dlt's credentials lack. */
function checkConfiguredKeys(table: Record<string, unknown>, where: string): void {
  for (const key of Object.keys(table)) {
    if (CONFIG_KEYS.includes(key)) continue;
    const meant = CONFIG_KEYS.find((known) => camelCase(known) === key);
    throw new ConfigError(
      `Unknown key "${key}" in ${where}${
        meant === undefined ? "" : `: write "${meant}"`
      }; valid keys: ${CONFIG_KEYS.join(", ")}`,
    );
  }
}

/**
 * `settings` as text that is the same for the same settings, whatever the order of their names
 * (not of the extensions and pragmas, which run in their order).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NO_SETTINGS, settingsKey } from "./_credentials.ts";
 * assert.equal(
 *   settingsKey({ ...NO_SETTINGS, globalConfig: { a: 1, b: true } }),
 *   settingsKey({ ...NO_SETTINGS, globalConfig: { b: true, a: 1 } }),
 * );
 * ```
 */
export function settingsKey(settings: DuckDbOpenSettings): string {
  const sorted = (table: Readonly<Record<string, DuckDbSettingValue>>) =>
    Object.entries(table).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  return JSON.stringify([
    settings.extensions,
    sorted(settings.globalConfig),
    settings.pragmas,
    sorted(settings.localConfig),
  ]);
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
