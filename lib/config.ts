/**
 * Configuration and secrets, as in dlt: environment variables first, then
 * `.dlt/secrets.toml` and `.dlt/config.toml` in the working directory, then in `~/.dlt/`.
 * A key is looked up under the pipeline name's section first, then without it.
 *
 * @module
 */
import { join } from "node:path";
import { parse } from "smol-toml";
import { ConfigError } from "./errors.ts";

type TomlTable = Record<string, unknown>;

/** Options of {@linkcode resolveConfig}. */
export interface ResolveConfigOptions {
  /** Pipeline name: `<pipeline>.<key>` is looked up before `<key>`. */
  pipelineName?: string;
  /** Folders holding `config.toml` and `secrets.toml`, in lookup order. @default {[".dlt", "~/.dlt"]} */
  configDirs?: string[];
  /** Environment lookup. @default {Deno.env.get} */
  env?: (name: string) => string | undefined;
}

/** The user's home folder, from `HOME` (or `USERPROFILE` on Windows). */
export function homeDir(): string | undefined {
  return Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
}

function defaultConfigDirs(): string[] {
  const home = homeDir();
  return home === undefined ? [".dlt"] : [".dlt", join(home, ".dlt")];
}

const tomlCache = new Map<string, TomlTable | undefined>();

function readToml(path: string): TomlTable | undefined {
  if (tomlCache.has(path)) return tomlCache.get(path);
  let table: TomlTable | undefined;
  try {
    table = parse(Deno.readTextFileSync(path)) as TomlTable;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new ConfigError(`Cannot read config file "${path}": ${(error as Error).message}`);
    }
  }
  tomlCache.set(path, table);
  return table;
}

function lookup(table: TomlTable | undefined, path: string[]): unknown {
  let node: unknown = table;
  for (const part of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as TomlTable)[part];
  }
  return node;
}

/** The environment variable name of a config key: `a.b.c` → `A__B__C`. */
export function envVarName(key: string): string {
  return key.split(".").join("__").toUpperCase();
}

/**
 * Looks up `key` (dotted, e.g. `destination.duckdb.credentials`); returns `undefined` when no
 * provider has it.
 */
export function findConfig(key: string, options: ResolveConfigOptions = {}): unknown {
  return lookupConfig(key, options).value;
}

/** Looks up `key` like {@linkcode findConfig}, and throws a `ConfigError` listing every place tried when missing. */
export function resolveConfig(key: string, options: ResolveConfigOptions = {}): unknown {
  const { value, tried } = lookupConfig(key, options);
  if (value === undefined) throw new ConfigError(`Missing config value "${key}"`, tried);
  return value;
}

function lookupConfig(key: string, options: ResolveConfigOptions) {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const keys = options.pipelineName ? [`${options.pipelineName}.${key}`, key] : [key];
  const tried: string[] = [];
  for (const k of keys) {
    const name = envVarName(k);
    tried.push(name);
    const value = env(name);
    if (value !== undefined) return { value, tried };
  }
  for (const dir of options.configDirs ?? defaultConfigDirs()) {
    for (const file of ["secrets.toml", "config.toml"]) {
      const path = join(dir, file);
      const table = readToml(path);
      for (const k of keys) {
        tried.push(`${k} in ${path}`);
        const value = lookup(table, k.split("."));
        if (value !== undefined) return { value, tried };
      }
    }
  }
  return { value: undefined, tried };
}
