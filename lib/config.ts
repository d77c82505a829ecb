/**
 * Configuration and secrets, as in dlt: environment variables, then `.dlt/secrets.toml`, then
 * `.dlt/config.toml` (each file in the working directory before `~/.dlt/`).
 *
 * Sources and resources declare what they need with {@linkcode config} and {@linkcode secret}
 * (dlt's `dlt.config.value` and `dlt.secrets.value`), and {@linkcode resolveConfigSpec} fills
 * the declarations in. {@linkcode findConfig} and {@linkcode resolveConfig} look up one key.
 *
 * The lookup order is dlt's (its `resolve.py`): when a pipeline name is given, every candidate
 * key is first looked up under the pipeline name's section, in each provider in turn, and only
 * then without it. Inside that, providers come first: a provider is asked for every candidate
 * (most specific first) before the next provider is asked. So `<pipeline>.token` in config.toml
 * wins over `TOKEN` in the environment, and `SOURCES__TOKEN` in the environment wins over
 * `sources.github.token` in secrets.toml.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { join } from "node:path";
import { parse, TomlError } from "./deps/smol_toml.ts";
import { ConfigError } from "./errors.ts";
import { valueAtPath } from "./json_path.ts";
import { describeValue, snakeCase } from "./options.ts";
import { registerSecret } from "./redact.ts";

type TomlTable = Record<string, unknown>;

/** Options of {@linkcode resolveConfig}. */
export interface ResolveConfigOptions {
  /**
   * Pipeline name: `<pipeline>.<key>` is looked up before `<key>`.
   * @default {the active pipeline's name (see activatePipeline)}
   */
  pipelineName?: string;
  /**
   * Folders holding `config.toml` and `secrets.toml`, in lookup order.
   * @default {[".dlt", "~/.dlt"]}
   */
  configDirs?: string[];
  /** Environment lookup. @default {Deno.env.get} */
  env?: (name: string) => string | undefined;
}

let activePipelineName: string | undefined;

/**
 * Makes `name` the active pipeline, as dlt's: lookups that name no pipeline try its section
 * first. `pipeline()` calls this, so a source created after its pipeline (`githubSource()`)
 * finds `<pipeline>.sources.github.token` too.
 */
export function activatePipeline(name: string | undefined): void {
  activePipelineName = name;
}

/** A config value found while a {@linkcode recordConfig} scope runs. */
export interface RecordedConfigValue {
  /** The key found, dotted, with the pipeline's section when it was found under it. */
  key: string;
  /** Where: the environment variable's name or the file's path. */
  provider: string;
  /** The value as found: `undefined` for a secret (see {@linkcode isSecretKey}). */
  value: unknown;
  /** Whether it is a secret (declared with `secret()`, or named like one): its value is not kept. */
  isSecret: boolean;
}

const recorders = new AsyncLocalStorage<(found: RecordedConfigValue) => void>();

/**
 * Runs `fn`, passing every config value found in its asynchronous scope (and nowhere else, so
 * concurrent runs do not see each other's) to `record`: a run's trace lists them. A secret's
 * value is never passed.
 *
 * @example
 * ```ts
 * import { findConfig, recordConfig, type RecordedConfigValue } from "./config.ts";
 * const seen: RecordedConfigValue[] = [];
 * const env = (name: string) => name === "RUNTIME__LOG_LEVEL" ? "INFO" : undefined;
 * await recordConfig((v) => seen.push(v), async () => {
 *   findConfig("runtime.log_level", { env, configDirs: [], pipelineName: "p" });
 * });
 * if (seen[0].provider !== "RUNTIME__LOG_LEVEL" || seen[0].value !== "INFO") throw new Error();
 * ```
 */
export function recordConfig<T>(
  record: (found: RecordedConfigValue) => void,
  fn: () => Promise<T>,
): Promise<T> {
  return recorders.run(record, fn);
}

/** Key segments that name secrets: their values are never recorded. */
const SECRET_KEY = /credential|password|passwd|secret|token|key/i;

/** Whether the dotted config `key` names a secret (`credentials`, `api_key`, `password`, …). */
export function isSecretKey(key: string): boolean {
  return key.split(".").some((part) => SECRET_KEY.test(part));
}

/** `value` with the values of secret-named fields of objects in it replaced by `***`. */
function withoutSecretFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecretFields);
  if (typeof value !== "object" || value === null || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value).map((
      [k, v],
    ) => [k, SECRET_KEY.test(k) ? "***" : withoutSecretFields(v)]),
  );
}

/** Passes a value found to the recorder of the current scope, if any. */
function recordFound(key: string[], provider: string, value: unknown, isSecret: boolean): void {
  const record = recorders.getStore();
  if (record === undefined) return;
  const dotted = key.join(".");
  const secret = isSecret || isSecretKey(dotted);
  record({
    key: dotted,
    provider,
    value: secret ? undefined : withoutSecretFields(value),
    isSecret: secret,
  });
}

/** The user's home folder, from `HOME` (or `USERPROFILE` on Windows). */
export function homeDir(): string | undefined {
  return Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
}

function defaultConfigDirs(): string[] {
  const home = homeDir();
  return home === undefined ? [".dlt"] : [".dlt", join(home, ".dlt")];
}

// files are read once per process: tests that write config files use fresh folders
const tomlCache = new Map<string, TomlTable | undefined>();

function readToml(path: string): TomlTable | undefined {
  if (tomlCache.has(path)) return tomlCache.get(path);
  let table: TomlTable | undefined;
  try {
    table = parse(Deno.readTextFileSync(path)) as TomlTable;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new ConfigError(`Cannot read config file "${path}": ${readFailure(error)}`);
    }
  }
  tomlCache.set(path, table);
  return table;
}

/**
 * Why a config file could not be read. A TOML syntax error is told by its line and column only:
 * the parser's message quotes the offending line, which may hold a secret not registered yet.
 */
function readFailure(error: unknown): string {
  if (error instanceof TomlError) {
    return `invalid TOML at line ${error.line}, column ${error.column}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The environment variable name of a config key: `a.b.c` → `A__B__C`. */
export function envVarName(key: string): string {
  return key.split(".").join("__").toUpperCase();
}

/**
 * Looks up `key` (dotted, e.g. `destination.duckdb.credentials`) as it is, without type
 * conversion; returns `undefined` when no provider has it.
 *
 * @example
 * ```ts
 * import { findConfig } from "./config.ts";
 * const env = (name: string) => name === "RUNTIME__LOG_LEVEL" ? "INFO" : undefined;
 * if (findConfig("runtime.log_level", { env, configDirs: [] }) !== "INFO") throw new Error();
 * ```
 */
export function findConfig(key: string, options: ResolveConfigOptions = {}): unknown {
  return lookupConfig(key, [key.split(".")], false, options).found?.value;
}

/**
 * Looks up `key` like {@linkcode findConfig}, and throws a {@linkcode MissingConfigError}
 * listing every place tried when missing.
 */
export function resolveConfig(key: string, options: ResolveConfigOptions = {}): unknown {
  const { found, tried } = lookupConfig(key, [key.split(".")], false, options);
  if (found === undefined) throw new MissingConfigError([{ name: key, isSecret: false, tried }]);
  return found.value;
}

/** A value found by {@linkcode findConfigWhere}, and where: an environment variable or `key in file`. */
export interface FoundConfig {
  /** The value as the provider has it (text from environment variables). */
  value: unknown;
  /** Where it was found: the environment variable, or `<key> in <file>`. */
  where: string;
}

/**
 * Looks up the first of the candidate `keys` (dotted, most specific first) in dlt's order (see
 * the module doc: each provider is asked for every candidate before the next provider), and
 * says where it was found; `undefined` when no provider has any.
 *
 * @example
 * ```ts
 * import { findConfigWhere } from "./config.ts";
 * const env = (name: string) => name === "DATA_WRITER__FILE_MAX_ITEMS" ? "10" : undefined;
 * const found = findConfigWhere(
 *   ["normalize.data_writer.file_max_items", "data_writer.file_max_items"],
 *   { env, configDirs: [] },
 * );
 * if (found?.where !== "DATA_WRITER__FILE_MAX_ITEMS" || found.value !== "10") throw new Error();
 * ```
 */
export function findConfigWhere(
  keys: readonly string[],
  options: ResolveConfigOptions = {},
): FoundConfig | undefined {
  return lookupConfig(keys[0] ?? "", keys.map((key) => key.split(".")), false, options).found;
}

/**
 * Every table at `key` in the config files (`secrets.toml` and `config.toml` of each config
 * folder, under the pipeline's section first), with where it is: for listing what a section
 * holds. Environment variables cannot be listed, so they are not.
 */
export function findConfigTables(key: string, options: ResolveConfigOptions = {}): FoundConfig[] {
  const dirs = options.configDirs ?? defaultConfigDirs();
  const pipelineName = options.pipelineName ?? activePipelineName;
  const prefixes = pipelineName === undefined ? [[]] : [[pipelineName], []];
  const tables: FoundConfig[] = [];
  for (const prefix of prefixes) {
    const path = [...prefix, ...key.split(".")];
    for (const file of ["secrets.toml", "config.toml"]) {
      for (const dir of dirs) {
        const at = join(dir, file);
        const value = valueAtPath(readToml(at), path);
        if (
          typeof value === "object" && value !== null && !Array.isArray(value) &&
          !(value instanceof Date)
        ) {
          tables.push({ value: copyTable(value), where: `${path.join(".")} in ${at}` });
        }
      }
    }
  }
  return tables;
}

/** What a configured value is converted to (environment variables are always text). */
export type ConfigValueType = "string" | "number" | "integer" | "boolean" | "json";

/**
 * The {@linkcode ConfigValueType}s a value of type `T` may be declared with: `json` for any,
 * `number` or `integer` for numbers, and so on. A declared type that cannot give a `T` does not
 * compile: `config({ type: "integer" })` must be written `config<number>({ type: "integer" })`.
 */
export type ConfigValueTypeFor<T> = [T] extends [string | undefined] ? "string" | "json"
  : [T] extends [number | undefined] ? "number" | "integer" | "json"
  : [T] extends [boolean | undefined] ? "boolean" | "json"
  : ConfigValueType;

/** Options of {@linkcode config} and {@linkcode secret}. */
export interface ConfigValueOptions<T> {
  /**
   * The value when no provider has one. A declaration with a `default` (even `undefined`) is
   * optional: it is never reported missing.
   */
  default?: T;
  /**
   * What the value is converted to: text (from environment variables, or TOML strings) is
   * parsed; other TOML values must already be of this type. `json` takes any TOML value and
   * parses text as JSON.
   * @default {the type of `default` ("json" for objects), else "string"}
   */
  type?: ConfigValueTypeFor<T>;
}

/**
 * A declared config value or secret, resolved by {@linkcode resolveConfigSpec}. Made by
 * {@linkcode config} and {@linkcode secret}.
 */
export class ConfigValue<T = string> {
  /** The dotted key looked up as it is; without one, the field name is looked up in sections. */
  readonly key: string | undefined;
  /** Whether the value is a secret: never read from config.toml, and redacted once resolved. */
  readonly isSecret: boolean;
  /** The value when no provider has one. */
  readonly default: T | undefined;
  /** Whether a default was given: an optional value is never missing. */
  readonly optional: boolean;
  /** What the value is converted to. */
  readonly type: ConfigValueType;

  /** Declares a value; `key`, when given, is a dotted key such as `sources.github.token`. */
  constructor(key: string | undefined, isSecret: boolean, options: ConfigValueOptions<T> = {}) {
    if (key !== undefined && key.split(".").some((part) => part === "")) {
      throw new TypeError(`Invalid config key "${key}"`);
    }
    this.key = key;
    this.isSecret = isSecret;
    this.default = options.default;
    this.optional = "default" in options;
    this.type = options.type ?? typeOf(options.default);
  }
}

function typeOf(value: unknown): ConfigValueType {
  switch (typeof value) {
    case "undefined":
    case "string":
      return "string";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    default:
      return "json";
  }
}

/**
 * Declares a config value, as dlt's `dlt.config.value` (no key) or `dlt.config["key"]`.
 * Without a key, the name of the spec field it is placed in (in snake_case) is looked up in the
 * spec's sections.
 *
 * @example Declaring and resolving config values
 * ```ts
 * import { config, resolveConfigSpec } from "./config.ts";
 * const spec = { repository: config(), perPage: config({ default: 100 }) };
 * const variables = new Map([["SOURCES__GITHUB__REPOSITORY", "denoland/deno"]]);
 * const resolved = resolveConfigSpec(spec, {
 *   sections: ["sources", "github"],
 *   env: (name) => variables.get(name),
 *   configDirs: [], // no files, for the example
 * });
 * if (resolved.repository !== "denoland/deno" || resolved.perPage !== 100) throw new Error();
 * ```
 */
export function config<T = string>(options: ConfigValueOptions<T>): ConfigValue<T>;
/** Declares a config value looked up as the dotted `key` (or, without one, by field name). */
export function config<T = string>(key?: string, options?: ConfigValueOptions<T>): ConfigValue<T>;
export function config<T>(
  keyOrOptions?: string | ConfigValueOptions<T>,
  options?: ConfigValueOptions<T>,
): ConfigValue<T> {
  return declare(false, keyOrOptions, options);
}

/**
 * Declares a secret, as dlt's `dlt.secrets.value` (no key) or `dlt.secrets["key"]`. Secrets
 * come from environment variables and secrets.toml only (one found in config.toml is an error,
 * as in dlt), and every resolved secret is redacted from messages from then on.
 *
 * @example Resolving a secret, which is then redacted
 * ```ts
 * import { resolveConfigSpec, secret } from "./config.ts";
 * import { redact } from "./redact.ts";
 * const { token } = resolveConfigSpec({ token: secret() }, {
 *   sections: ["sources", "github", "events"],
 *   env: (name) => name === "SOURCES__GITHUB__TOKEN" ? "ghp_doc_example" : undefined,
 *   configDirs: [],
 * });
 * if (token !== "ghp_doc_example") throw new Error();
 * if (redact(`Bearer ${token}`) !== "Bearer ***") throw new Error();
 * ```
 */
export function secret<T = string>(options: ConfigValueOptions<T>): ConfigValue<T>;
/** Declares a secret looked up as the dotted `key` (or, without one, by field name). */
export function secret<T = string>(key?: string, options?: ConfigValueOptions<T>): ConfigValue<T>;
export function secret<T>(
  keyOrOptions?: string | ConfigValueOptions<T>,
  options?: ConfigValueOptions<T>,
): ConfigValue<T> {
  return declare(true, keyOrOptions, options);
}

/** The declaration of {@linkcode config} and {@linkcode secret}: a key, options, or both. */
function declare<T>(
  isSecret: boolean,
  keyOrOptions: string | ConfigValueOptions<T> | undefined,
  options: ConfigValueOptions<T> | undefined,
): ConfigValue<T> {
  return typeof keyOrOptions === "object"
    ? new ConfigValue(undefined, isSecret, keyOrOptions)
    : new ConfigValue(keyOrOptions, isSecret, options);
}

/** Options of {@linkcode resolveConfigSpec}. */
export interface ResolveConfigSpecOptions<S> extends ResolveConfigOptions {
  /**
   * Sections the fields declared without a key are looked up in, outermost first, e.g.
   * `["sources", "github", "events"]`: a field is looked up in all of them, then in fewer and
   * fewer (dropped from the right), then at the top level.
   * @default {[]}
   */
  sections?: string[];
  /** Values given by the caller: those that are not `undefined` are used as they are. */
  explicit?: Partial<Record<keyof S, unknown>>;
}

/** A spec with its declarations resolved: `ConfigValue<T>` fields become `T`. */
export type ResolvedConfig<S> = {
  [K in keyof S]: S[K] extends ConfigValue<infer T> ? T : S[K];
};

/**
 * Resolves every {@linkcode ConfigValue} field of `spec`; other fields are passed through. A
 * value in `options.explicit` wins over providers; then come providers in dlt's order (see the
 * module doc); then the declaration's default.
 *
 * A field declared without a key is looked up by its name in snake_case, as dlt's keys are
 * (`pageSize` as `page_size`); with sections `["sources", "github", "events"]`, as
 * `sources.github.events.page_size`, `sources.github.page_size`, `sources.page_size`, then
 * `page_size` (environment variables `SOURCES__GITHUB__EVENTS__PAGE_SIZE` …). A declaration
 * with a key is looked up only as that key. With a pipeline name, `<pipeline>.`-prefixed keys
 * come first.
 *
 * Throws a {@linkcode MissingConfigError} naming every missing field, and a `ConfigError` when
 * a value does not convert to its declared type, or a secret is found in config.toml.
 *
 * @example Types are converted; every missing value is reported at once
 * ```ts
 * import { config, MissingConfigError, resolveConfigSpec, secret } from "./config.ts";
 * const spec = { pageSize: config<number>({ type: "integer" }), token: secret(), name: "events" };
 * const env = (name: string) => name === "SOURCES__PAGE_SIZE" ? "50" : undefined;
 * const resolved = resolveConfigSpec(spec, {
 *   sections: ["sources", "github"],
 *   env,
 *   configDirs: [],
 *   explicit: { token: "ghp_explicit" },
 * });
 * if (resolved.pageSize !== 50 || resolved.name !== "events") throw new Error();
 * try {
 *   resolveConfigSpec(spec, { env: () => undefined, configDirs: [] });
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof MissingConfigError)) throw error;
 *   if (error.missing.join() !== "pageSize,token") throw error;
 * }
 * ```
 */
export function resolveConfigSpec<S extends Record<string, unknown>>(
  spec: S,
  options: ResolveConfigSpecOptions<S> = {},
): ResolvedConfig<S> {
  const resolved: Record<string, unknown> = {};
  const missing: MissingConfigValue[] = [];
  for (const [field, declared] of Object.entries(spec)) {
    const explicit = options.explicit?.[field];
    if (explicit !== undefined) {
      if (declared instanceof ConfigValue && declared.isSecret) registerSecretLeaves(explicit);
      resolved[field] = explicit;
    } else if (!(declared instanceof ConfigValue)) {
      resolved[field] = declared;
    } else {
      const paths = declared.key === undefined
        ? sectionPaths(options.sections ?? [], snakeCase(field))
        : [declared.key.split(".")];
      const { found, tried } = lookupConfig(field, paths, declared.isSecret, options);
      if (found !== undefined) {
        resolved[field] = convert(field, found, declared);
        if (declared.isSecret) {
          registerSecretLeaves(found.value);
          registerSecretLeaves(resolved[field]);
        }
      } else if (declared.optional) {
        resolved[field] = declared.default;
      } else {
        missing.push({ name: field, isSecret: declared.isSecret, tried });
      }
    }
  }
  if (missing.length > 0) throw new MissingConfigError(missing);
  return resolved as ResolvedConfig<S>;
}

/** A value missing from every provider, as reported by {@linkcode MissingConfigError}. */
export interface MissingConfigValue {
  /** The field (or, for {@linkcode resolveConfig}, the key) that is missing. */
  name: string;
  /** Whether it is a secret. */
  isSecret: boolean;
  /** Every environment variable and `key in file` looked up, in lookup order. */
  tried: readonly string[];
}

/**
 * Config values are missing: one error for all the values of a spec. Its first line names them;
 * then, for each, every environment variable and file key that was tried, one per line, in
 * lookup order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MissingConfigError } from "./config.ts";
 * const error = new MissingConfigError([
 *   { name: "token", isSecret: true, tried: ["SOURCES__TOKEN", "TOKEN"] },
 * ]);
 * assert.equal(
 *   error.message,
 *   "Missing config value: token (secret)\n" +
 *     "token (secret), looked up in this order:\n  SOURCES__TOKEN\n  TOKEN",
 * );
 * ```
 */
export class MissingConfigError extends ConfigError {
  /** The names of the missing values. */
  readonly missing: readonly string[];
  /** Where each missing value was looked up, by name. */
  readonly tried: Readonly<Record<string, readonly string[]>>;
  /** Every place looked up, for all missing values. */
  override readonly triedKeys: readonly string[];

  /** Creates the error for the `missing` values. */
  constructor(missing: readonly MissingConfigValue[]) {
    const label = ({ name, isSecret }: MissingConfigValue) =>
      `${name}${isSecret ? " (secret)" : ""}`;
    const lines = [
      `Missing config value${missing.length === 1 ? "" : "s"}: ${missing.map(label).join(", ")}`,
      ...missing.flatMap((value) => [
        `${label(value)}, looked up in this order:`,
        ...value.tried.map((where) => `  ${where}`),
      ]),
    ];
    super(lines.join("\n"));
    this.missing = missing.map((value) => value.name);
    this.tried = Object.fromEntries(missing.map((value) => [value.name, value.tried]));
    this.triedKeys = missing.flatMap((value) => value.tried);
  }
}

/** Candidate key paths of `field`, most specific first: sections are dropped from the right. */
function sectionPaths(sections: readonly string[], field: string): string[][] {
  const paths: string[][] = [];
  for (let n = sections.length; n >= 0; n--) paths.push([...sections.slice(0, n), field]);
  return paths;
}

/** A value found by a provider, and where. */
type Found = FoundConfig;

/**
 * Looks up the candidate `paths` of `name` in dlt's order: with the pipeline prefix, then
 * without; in each, environment variables, then secrets.toml, then config.toml (skipped for
 * secrets, where a value found is an error); each provider is asked for every candidate, most
 * specific first, before the next; a file in an earlier config folder wins over a later one.
 */
function lookupConfig(
  name: string,
  paths: readonly string[][],
  isSecret: boolean,
  options: ResolveConfigOptions,
): { found: Found | undefined; tried: string[] } {
  const env = options.env ?? ((variable: string) => Deno.env.get(variable));
  const dirs = options.configDirs ?? defaultConfigDirs();
  const pipelineName = options.pipelineName ?? activePipelineName;
  const prefixes = pipelineName === undefined ? [[]] : [[pipelineName], []];
  const tried: string[] = [];
  for (const prefix of prefixes) {
    const keys = paths.map((path) => [...prefix, ...path]);
    for (const key of keys) {
      const variable = envVarName(key.join("."));
      tried.push(variable);
      const value = env(variable);
      if (value !== undefined) {
        recordFound(key, variable, value, isSecret);
        return { found: { value, where: variable }, tried };
      }
    }
    for (const file of ["secrets.toml", "config.toml"]) {
      const holdsSecrets = file === "secrets.toml";
      for (const key of keys) {
        for (const dir of dirs) {
          const path = join(dir, file);
          const where = `${key.join(".")} in ${path}`;
          const value = valueAtPath(readToml(path), key);
          if (isSecret && !holdsSecrets) {
            if (value !== undefined) {
              throw new ConfigError(
                `Secret "${name}" is in ${where}, but config.toml cannot hold secrets: ` +
                  "move it to secrets.toml or an environment variable",
              );
            }
            continue;
          }
          tried.push(where);
          if (value !== undefined) {
            recordFound(key, path, value, isSecret);
            return { found: { value: copyTable(value), where }, tried };
          }
        }
      }
    }
  }
  return { found: undefined, tried };
}

/**
 * A table or array read from a file, copied: callers may change it without changing the cached
 * file, and get plain objects (the TOML parser's tables have no prototype). Dates in it become
 * plain `Date`s.
 */
function copyTable(value: unknown): unknown {
  return typeof value === "object" && !(value instanceof Date) ? structuredClone(value) : value;
}

const TYPE_NAMES: Record<ConfigValueType, string> = {
  string: "a string",
  number: "a number",
  integer: "an integer",
  boolean: "a boolean",
  json: "JSON",
};

/** `found.value` converted to the declared type; a `ConfigError` when it does not convert. */
function convert(name: string, found: Found, declared: ConfigValue<unknown>): unknown {
  const { value } = found;
  const { type } = declared;
  const converted = typeof value === "string" ? parseConfigText(value, type) : value;
  if (
    converted !== undefined && (
      type === "json" ||
      (type === "string" && typeof converted === "string") ||
      (type === "number" && typeof converted === "number") ||
      (type === "integer" && Number.isInteger(converted)) ||
      (type === "boolean" && typeof converted === "boolean")
    )
  ) {
    return converted;
  }
  const what = declared.isSecret ? `Secret "${name}"` : `Config value "${name}"`;
  const shown = declared.isSecret ? "" : `: ${describeValue(value)}`;
  throw new ConfigError(`${what} in ${found.where} is not ${TYPE_NAMES[type]}${shown}`);
}

/**
 * Config text (an environment variable's value) parsed as `type`, as {@linkcode resolveConfigSpec}
 * parses it, or `undefined` when it is not one: booleans are `true`/`1` and `false`/`0` in any
 * case, `json` is JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfigText } from "./config.ts";
 * assert.equal(parseConfigText("TRUE", "boolean"), true);
 * assert.deepEqual(parseConfigText('["a"]', "json"), ["a"]);
 * assert.equal(parseConfigText("{a: 1}", "json"), undefined);
 * ```
 */
export function parseConfigText(text: string, type: ConfigValueType): unknown {
  const trimmed = text.trim();
  switch (type) {
    case "string":
      return text;
    case "json":
      try {
        return JSON.parse(text);
      } catch {
        return undefined;
      }
    case "boolean":
      if (/^(true|1)$/i.test(trimmed)) return true;
      return /^(false|0)$/i.test(trimmed) ? false : undefined;
    case "number":
    case "integer": {
      const number = trimmed === "" ? NaN : Number(trimmed);
      return Number.isFinite(number) ? number : undefined;
    }
  }
}

/** Registers `value` as a secret: a string, or every string inside an array or object. */
function registerSecretLeaves(value: unknown): void {
  if (typeof value === "string") {
    registerSecret(value);
  } else if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) registerSecretLeaves(item);
  }
}
