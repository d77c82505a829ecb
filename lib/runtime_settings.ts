/**
 * The runtime settings of the three stages, read from config as dlt reads them:
 *
 * - `[extract] max_parallel_items`, `workers`, `next_item_mode` (also per source, in
 *   `[sources.extract]` and `[sources.<source>.extract]`), `[normalize] workers`,
 *   `[load] workers`;
 * - `[data_writer] buffer_max_items`, `file_max_items`, `file_max_bytes` for extract and
 *   normalize, overridden per stage by `[normalize.data_writer]`, `[sources.data_writer]` (extract
 *   of every source) and `[sources.<source>.data_writer]` (extract of one source);
 * - `[runtime] log_level` (applied by `log.ts`; checked here).
 *
 * Environment variables work as everywhere (`NORMALIZE__WORKERS`, `DATA_WRITER__FILE_MAX_ITEMS`,
 * `NORMALIZE__DATA_WRITER__FILE_MAX_ITEMS`, `RUNTIME__LOG_LEVEL`, `EXTRACT__NEXT_ITEM_MODE`), and
 * so do sections under the pipeline's name (`[my_pipeline.normalize]`). A count that is not an
 * integer ≥ 1, or a `next_item_mode` that is not `"round_robin"` or `"fifo"`, is a `ConfigError`
 * naming the key and where it was found. Keys these sections do not know are warned about (once
 * per process), with the keys they know; dlt's keys that have no effect here are warned about
 * with the reason; so is `load.workers`, which this port reads but cannot use yet. Explicit
 * options (`normalize({ workers })`) win over config.
 *
 * @module
 */
import {
  findConfigTables,
  findConfigWhere,
  type FoundConfig,
  type ResolveConfigOptions,
} from "./config.ts";
import { ConfigError } from "./errors.ts";
import { log, type LogLevel } from "./log.ts";
import { describeValue } from "./options.ts";

export type { LogLevel } from "./log.ts";

/** Buffering and rotation of the files a stage writes (dlt's `[data_writer]`). */
export interface DataWriterSettings {
  /**
   * Items (extract) or rows (normalize, all tables together) buffered in memory before they
   * are written; a megabyte of them is written anyway.
   * @default {none: written by the megabyte}
   */
  bufferMaxItems?: number;
  /**
   * Items (extract) or rows (normalize) after which a table's file is closed and the next one
   * started.
   * @default {none}
   */
  fileMaxItems?: number;
  /**
   * Bytes after which a table's file is closed and the next one started.
   * @default {24 MiB for extracted files, 64 MiB for normalized ones}
   */
  fileMaxBytes?: number;
}

/**
 * How resources are extracted, as dlt's `[extract]` section says: which resource gives the next
 * item, and how many items are in flight at once.
 */
export type NextItemMode = "round_robin" | "fifo";

/** The ways {@linkcode NextItemMode} can be set. */
export const NEXT_ITEM_MODES: readonly NextItemMode[] = ["round_robin", "fifo"];

/** How extract runs the resources of a source (dlt's `[extract]` section). */
export interface ExtractSettings {
  /**
   * Items in flight at once: pending steps of async resources and calls of async (or
   * parallelized) transformers, together.
   * @default {20}
   */
  maxParallelItems?: number;
  /**
   * Steps of parallelized resources and transformers scheduled at once.
   * @default {5}
   */
  workers?: number;
  /**
   * `"round_robin"` advances the resources concurrently, one item of each in turn; `"fifo"`
   * extracts them one after another, each item through all its transformers before the next.
   * @default {"round_robin"}
   */
  nextItemMode?: NextItemMode;
}

/** The runtime settings of a pipeline, from config. */
export interface RuntimeSettings {
  /** `[extract]`: how resources are extracted (a source's own section may override it). */
  extract: ExtractSettings;
  /** `[normalize]`: its workers and data writer. */
  normalize: { workers?: number; dataWriter: DataWriterSettings };
  /** `[load]`: `workers` is read and checked, but a load commits one table chain at a time. */
  load: { workers?: number };
  /** `[runtime] log_level`, when configured. */
  logLevel?: LogLevel;
}

/** Where config is read from; the pipeline name scopes it (`[<pipeline>.normalize]`). */
export type RuntimeSettingsOptions = ResolveConfigOptions;

/** Config key of each data writer setting. */
const DATA_WRITER_KEYS: { readonly [K in keyof Required<DataWriterSettings>]: string } = {
  bufferMaxItems: "buffer_max_items",
  fileMaxItems: "file_max_items",
  fileMaxBytes: "file_max_bytes",
};

/** The keys a config section knows: what each does here, or why it has no effect. */
interface SectionSpec {
  /** Keys this port reads. */
  readonly read: readonly string[];
  /** Keys of dlt's that have no effect here, with why. */
  readonly noEffect?: Readonly<Record<string, string>>;
  /** Sub-sections, checked as sections of their own. */
  readonly sections?: Readonly<Record<string, SectionSpec>>;
}

const DATA_WRITER_SECTION: SectionSpec = {
  // disable_compression is read by the filesystem destination
  read: [...Object.values(DATA_WRITER_KEYS), "disable_compression"],
};

/** The disable_compression of extract has nothing to act on: extracted files are not compressed. */
const SOURCES_DATA_WRITER_SECTION: SectionSpec = {
  read: Object.values(DATA_WRITER_KEYS),
  noEffect: { disable_compression: "extracted files are never compressed" },
};

const POOL = "workers run as Web Workers; only their number is configured";

/** Config key of each extract setting. */
const EXTRACT_KEYS: { readonly [K in keyof Required<ExtractSettings>]: string } = {
  maxParallelItems: "max_parallel_items",
  workers: "workers",
  nextItemMode: "next_item_mode",
};

/** `[extract]`, also per source. */
const EXTRACT_SECTION: SectionSpec = {
  read: Object.values(EXTRACT_KEYS),
  noEffect: {
    futures_poll_interval: "extract awaits its items instead of polling for them",
    copy_on_fork: "extract forks no processes",
  },
};

/** The sections checked for unknown keys, by their dotted key. */
const SECTIONS: Readonly<Record<string, SectionSpec>> = {
  extract: {
    read: EXTRACT_SECTION.read,
    noEffect: {
      ...EXTRACT_SECTION.noEffect,
      data_writer: "the extract stage reads [sources.data_writer], as dlt does",
    },
  },
  "sources.extract": EXTRACT_SECTION,
  normalize: {
    read: ["workers"],
    noEffect: {
      pool_type: POOL,
      start_method: POOL,
      run_sleep: "normalize runs once per call",
      json_normalizer: "every row gets _dlt_id and _dlt_load_id",
      parquet_normalizer: "Arrow rows are normalized like other items",
      model_normalizer: "SQL models are not supported",
    },
    sections: { data_writer: DATA_WRITER_SECTION },
  },
  load: {
    read: ["workers"],
    noEffect: {
      pool_type: POOL,
      start_method: POOL,
      run_sleep: "load runs once per call",
      parallelism_strategy: "a load commits one table chain at a time",
      raise_on_failed_jobs: "a failed load always raises",
      raise_on_max_retries: "a failed load always raises",
      truncate_staging_dataset: "staging datasets are not supported",
      start_new_jobs_on_signal: "a cancelled load stops at once",
      delete_completed_jobs: "loaded packages are kept in the working folder",
    },
  },
  data_writer: DATA_WRITER_SECTION,
  // [sources] holds the sources' own config: only its data writer is checked
  "sources.data_writer": SOURCES_DATA_WRITER_SECTION,
  runtime: {
    read: ["log_level"],
    noEffect: Object.fromEntries(
      [
        "pipeline_name",
        "sentry_dsn",
        "slack_incoming_hook",
        "dlthub_telemetry",
        "dlthub_telemetry_endpoint",
        "dlthub_telemetry_segment_write_key",
        "log_format",
        "request_timeout",
        "request_max_attempts",
        "request_backoff_factor",
        "request_max_retry_delay",
        "config_files_storage_path",
        "dlthub_dsn",
        "run_id",
        "http_show_error_body",
        "http_max_error_body_length",
      ].map((key) => [key, "this port does not read it"]),
    ),
  },
};

const LOG_LEVELS: readonly LogLevel[] = ["DEBUG", "INFO", "WARNING", "ERROR"];

/** Messages warned already: each is warned once per process. */
const warned = new Set<string>();

function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  log.warn(message);
}

/**
 * Reads the runtime settings of the pipeline `options.pipelineName` from config, warns about
 * unknown keys in their sections and about settings without effect, and checks every value.
 * Throws a `ConfigError` naming the key and where it was found for a value that is not an
 * integer ≥ 1 (or not a log level).
 *
 * @example
 * ```ts
 * import { readRuntimeSettings } from "./runtime_settings.ts";
 * const variables: Record<string, string> = {
 *   NORMALIZE__WORKERS: "3",
 *   DATA_WRITER__FILE_MAX_ITEMS: "1000",
 *   NORMALIZE__DATA_WRITER__FILE_MAX_BYTES: "1000000",
 * };
 * const settings = readRuntimeSettings({ env: (name) => variables[name], configDirs: [] });
 * if (settings.normalize.workers !== 3) throw new Error();
 * if (settings.normalize.dataWriter.fileMaxItems !== 1000) throw new Error();
 * if (settings.normalize.dataWriter.fileMaxBytes !== 1_000_000) throw new Error();
 * ```
 */
export function readRuntimeSettings(options: RuntimeSettingsOptions = {}): RuntimeSettings {
  for (const [key, spec] of Object.entries(SECTIONS)) checkSection(key, spec, options);
  const loadWorkers = readCount(["load.workers"], options);
  if (loadWorkers !== undefined) {
    warnOnce(
      `Config value "load.workers" (from ${loadWorkers.where}) has no effect: a load commits one table chain at a time, in one transaction where the destination has them`,
    );
  }
  return {
    extract: readExtract([], options),
    normalize: {
      workers: readCount(["normalize.workers"], options)?.value,
      dataWriter: readDataWriter(["normalize"], options),
    },
    load: { workers: loadWorkers?.value },
    logLevel: readLogLevel(options),
  };
}

/**
 * The data writer settings of extracting `sourceName`: `[sources.<source>.data_writer]`, then
 * `[sources.data_writer]`, then `[data_writer]`. Warns about unknown keys of the first.
 */
export function readExtractDataWriter(
  sourceName: string,
  options: RuntimeSettingsOptions = {},
): DataWriterSettings {
  checkSection(`sources.${sourceName}.data_writer`, SOURCES_DATA_WRITER_SECTION, options);
  return readDataWriter(["sources", sourceName], options);
}

/**
 * How to extract `sourceName`: `[sources.<source>.extract]`, then `[sources.extract]`, then
 * `[extract]`, key by key (as dlt resolves its `PipeIteratorConfiguration`). Warns about unknown
 * keys of the first; a bad value is a `ConfigError` naming the key.
 *
 * @example
 * ```ts
 * import { readExtractSettings } from "./runtime_settings.ts";
 * const variables: Record<string, string> = {
 *   EXTRACT__MAX_PARALLEL_ITEMS: "10",
 *   SOURCES__SHOP__EXTRACT__NEXT_ITEM_MODE: "fifo",
 * };
 * const settings = readExtractSettings("shop", { env: (name) => variables[name], configDirs: [] });
 * if (settings.maxParallelItems !== 10 || settings.nextItemMode !== "fifo") throw new Error();
 * ```
 */
export function readExtractSettings(
  sourceName: string,
  options: RuntimeSettingsOptions = {},
): ExtractSettings {
  checkSection(`sources.${sourceName}.extract`, EXTRACT_SECTION, options);
  return readExtract(["sources", sourceName], options);
}

/** The extract settings under `sections` (dropped from the right). */
function readExtract(
  sections: readonly string[],
  options: RuntimeSettingsOptions,
): ExtractSettings {
  const keysOf = (key: string) => {
    const keys: string[] = [];
    for (let n = sections.length; n >= 0; n--) {
      keys.push([...sections.slice(0, n), "extract", key].join("."));
    }
    return keys;
  };
  const settings: ExtractSettings = {};
  const maxParallelItems = readCount(keysOf(EXTRACT_KEYS.maxParallelItems), options);
  if (maxParallelItems !== undefined) settings.maxParallelItems = maxParallelItems.value;
  const workers = readCount(keysOf(EXTRACT_KEYS.workers), options);
  if (workers !== undefined) settings.workers = workers.value;
  const modeKeys = keysOf(EXTRACT_KEYS.nextItemMode);
  const mode = findConfigWhere(modeKeys, options);
  if (mode !== undefined) {
    const value = typeof mode.value === "string" ? mode.value.trim() : mode.value;
    if (!(NEXT_ITEM_MODES as readonly unknown[]).includes(value)) {
      throw new ConfigError(
        `Config value "${
          modeKeys.at(-1)
        }" (from ${mode.where}) must be "round_robin" or "fifo"; got ${describeValue(mode.value)}`,
      );
    }
    settings.nextItemMode = value as NextItemMode;
  }
  return settings;
}

/** The data writer settings under `sections` (dropped from the right), as dlt resolves them. */
function readDataWriter(
  sections: readonly string[],
  options: RuntimeSettingsOptions,
): DataWriterSettings {
  const settings: DataWriterSettings = {};
  for (const [field, key] of Object.entries(DATA_WRITER_KEYS)) {
    const keys: string[] = [];
    for (let n = sections.length; n >= 0; n--) {
      keys.push([...sections.slice(0, n), "data_writer", key].join("."));
    }
    const found = readCount(keys, options);
    if (found !== undefined) settings[field as keyof DataWriterSettings] = found.value;
  }
  return settings;
}

/**
 * The first of `keys` found, as an integer ≥ 1; a `ConfigError` naming the last key (the one
 * without sections) and where the value was found when it is not one.
 */
function readCount(
  keys: readonly string[],
  options: RuntimeSettingsOptions,
): { value: number; where: string } | undefined {
  const found = findConfigWhere(keys, options);
  if (found === undefined) return undefined;
  const { value, where } = found;
  const number = typeof value === "number"
    ? value
    : typeof value === "string" && /^\s*\+?\d+\s*$/.test(value)
    ? Number(value)
    : NaN;
  if (!Number.isSafeInteger(number) || number < 1) {
    throw new ConfigError(
      `Config value "${keys.at(-1)}" (from ${where}) must be an integer ≥ 1, such as 2; got ${
        describeValue(value)
      }`,
    );
  }
  return { value: number, where };
}

/** `runtime.log_level`, checked: one of {@linkcode LOG_LEVELS}, in any case. */
function readLogLevel(options: RuntimeSettingsOptions): LogLevel | undefined {
  const found: FoundConfig | undefined = findConfigWhere(["runtime.log_level"], options);
  if (found === undefined) return undefined;
  const level = typeof found.value === "string" ? found.value.trim().toUpperCase() : undefined;
  if (!(LOG_LEVELS as readonly (string | undefined)[]).includes(level)) {
    const known = LOG_LEVELS.map((l) => `"${l}"`).join(", ");
    throw new ConfigError(
      `Config value "runtime.log_level" (from ${found.where}) must be one of ${known}; got ${
        describeValue(found.value)
      }`,
    );
  }
  return level as LogLevel;
}

/**
 * Warns about the keys of every table at `key` in the config files that `spec` does not read:
 * unknown ones, listing the keys it knows, and dlt's keys that have no effect, with why. Then
 * checks its sub-sections.
 */
function checkSection(key: string, spec: SectionSpec, options: RuntimeSettingsOptions): void {
  const known = [...spec.read, ...Object.keys(spec.sections ?? {})];
  for (const { value, where } of findConfigTables(key, options)) {
    const table = value as Record<string, unknown>;
    const file = where.slice(where.indexOf(" in ") + 4);
    const prefix = where.slice(0, where.indexOf(" in "));
    const unknown: string[] = [];
    const noEffect: string[] = [];
    for (const name of Object.keys(table)) {
      if (known.includes(name)) continue;
      const reason = spec.noEffect?.[name];
      if (reason === undefined) unknown.push(`"${prefix}.${name}"`);
      else noEffect.push(`"${prefix}.${name}" (${reason})`);
    }
    if (unknown.length > 0) {
      const one = unknown.length === 1;
      const takes = known.length === 0 ? "no keys" : known.map((k) => `"${k}"`).join(", ");
      warnOnce(
        `Config key${one ? "" : "s"} ${unknown.join(", ")} in ${file} ${
          one ? "is" : "are"
        } unknown and ignored; [${prefix}] takes ${takes}`,
      );
    }
    if (noEffect.length > 0) {
      warnOnce(`Config keys that have no effect, in ${file}: ${noEffect.join(", ")}`);
    }
  }
  for (const [name, sub] of Object.entries(spec.sections ?? {})) {
    checkSection(`${key}.${name}`, sub, options);
  }
}
