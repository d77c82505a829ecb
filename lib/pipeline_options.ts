/**
 * The options of `pipeline()` and of its steps (`run`, `extract`, `normalize`, `load`, `drop`),
 * checked when given: an unknown option (dlt's snake_case spelling, a typo, an option dlt has and
 * this port does not) or a bad value is a `TypeError`/`RangeError` that names the function, the
 * option and what to write instead.
 *
 * @module
 */
import type { Destination, LoaderFileFormat } from "./destination.ts";
import type { ProgressCallback } from "./progress_events.ts";
import { DESTINATION_NAMES } from "./destination_registry.ts";
import { type NamingOption, namingOption } from "./normalize/conventions.ts";
import {
  abortSignal,
  boolean,
  checkOptions,
  describeCall,
  integer,
  invalidValue,
  isPlainObject,
  oneOf,
  type OptionCheck,
  type OptionSpec,
  text,
} from "./options.ts";
import {
  type Normalized,
  readHintOptions,
  RESOURCE_HINTS_SPEC,
  type ResourceHints,
  UNSUPPORTED_HINTS,
} from "./resource_hints.ts";

/**
 * Start over before extracting, as dlt's `refresh`: `drop_sources` drops every table of the
 * source's schema and resets the source's state; `drop_resources` drops the tables and state of
 * the resources that run; `drop_data` empties their tables and resets their state, keeping the
 * schema.
 */
export type RefreshMode = "drop_sources" | "drop_resources" | "drop_data";

/** dlt's refresh modes. */
const REFRESH_MODES: readonly RefreshMode[] = ["drop_sources", "drop_resources", "drop_data"];

/**
 * How a pipeline reports progress, as dlt's `progress`: `"bar"` draws a bar per resource and
 * table on the terminal, `"log"` writes a line now and then, `"none"` reports nothing, and a
 * callback receives every {@linkcode ProgressEvent} of every run.
 */
export type ProgressOption = "bar" | "log" | "none" | ProgressCallback;

/** The progress modes a pipeline draws itself. */
const PROGRESS_MODES = ["bar", "log", "none"] as const;

/** dlt's collector names, all drawn here as a bar. */
const DLT_PROGRESS_NAMES = ["tqdm", "enlighten", "alive_progress"];

/** Options of `pipeline()`. */
export interface PipelineOptions {
  /**
   * Name of the pipeline: names its working folder and, by default, its dataset and file.
   * @default {`dlt_${the name of the main module's file, without its extension}`, as in dlt}
   */
  pipelineName?: string;
  /**
   * Where data is loaded: a destination name (`"duckdb"`) or a destination object such as
   * `duckdb({ path })`. Without it, the destination the pipeline last loaded into (its working
   * folder remembers it); another one becomes the new default once a run loads into it.
   * @default {the stored destination, else "duckdb"}
   */
  destination?: string | Destination;
  /**
   * Dataset (database schema) the tables are created in. Without it, the dataset the pipeline
   * last loaded into; another one becomes the new default once a run loads into it.
   * @default {the stored dataset, else `${pipelineName}_dataset`}
   */
  datasetName?: string;
  /**
   * Folder holding the pipelines' working folders.
   * @default {"~/.dlt/pipelines"}
   */
  pipelinesDir?: string;
  /**
   * Start fresh each time the pipeline is created: the dataset name gets a unique suffix and
   * local state is dropped.
   * @default {false}
   */
  devMode?: boolean;
  /**
   * The naming convention of new schemas: `snake_case` (dlt's default), `direct` (names kept),
   * `duck_case` (case-sensitive), or a custom one: a function making a `NamingConvention` for the
   * destination's longest identifier, as `snakeCase` does. A schema keeps the convention it was
   * created with (a custom one must be given again on later runs).
   * @default {"snake_case"}
   */
  naming?: NamingOption;
  /**
   * A folder of schema files (`<schema>.schema.yaml`, dlt's format) to take hints from: when a
   * file changes, its tables and column hints apply to the schema on the next run (hints a
   * resource sets itself still win). A missing file is created from the schema, to be edited.
   */
  importSchemaPath?: string;
  /** A folder the schemas are written to as `<schema>.schema.yaml` after each change. */
  exportSchemaPath?: string;
  /**
   * A refresh applied to every run that gives none of its own, as dlt's `pipeline(refresh=…)`
   * (see {@linkcode RunOptions.refresh}).
   */
  refresh?: RefreshMode;
  /**
   * How long a run waits for another run of this pipeline (in another process, or another run
   * or `Pipeline` object in this one) to finish with the working folder, in milliseconds; then
   * it fails with a `PipelineLockTimeout` naming the process that holds it.
   * @default {60000}
   */
  lockTimeoutMs?: number;
  /**
   * The job file format of tables that ask for none (no `fileFormat` hint, no `loaderFileFormat`
   * given to `run()`): one the destination loads (`"csv"`, `"jsonl"`, `"parquet"`,
   * `"insert_values"`); another is a `RangeError` naming the destination and the formats it
   * takes, when the pipeline first normalizes.
   * @default {the destination's preferred format}
   */
  loaderFileFormat?: LoaderFileFormat;
  /**
   * How runs report progress (see {@linkcode ProgressOption}): `"bar"`, `"log"`, `"none"`, or
   * a callback receiving each event (it must not throw, and should return quickly). dlt's
   * `"tqdm"`, `"enlighten"` and `"alive_progress"` are written `"bar"`. Progress goes to stderr,
   * never stdout.
   * @default {"bar" when stderr is a terminal, else "none"}
   */
  progress?: ProgressOption;
}

/** Options of `attach()`. */
export interface AttachOptions {
  /** Name of the pipeline to open. */
  pipelineName: string;
  /** Another destination to load into from now on (see {@linkcode PipelineOptions.destination}). */
  destination?: string | Destination;
  /** Another dataset to load into from now on (see {@linkcode PipelineOptions.datasetName}). */
  datasetName?: string;
  /**
   * Folder holding the pipelines' working folders.
   * @default {"~/.dlt/pipelines"}
   */
  pipelinesDir?: string;
  /**
   * How long a run waits for another run of this pipeline, in milliseconds.
   * @default {60000}
   */
  lockTimeoutMs?: number;
  /**
   * How runs report progress (see {@linkcode PipelineOptions.progress}).
   * @default {"bar" when stderr is a terminal, else "none"}
   */
  progress?: ProgressOption;
}

/** Options of `Pipeline.run` and `Pipeline.extract`: hints for all resources. */
export interface RunOptions extends Omit<ResourceHints, "fileFormat"> {
  /** Cancels the run. */
  signal?: AbortSignal;
  /**
   * Start over before extracting (see {@linkcode RefreshMode}). Done in the load of this run's
   * package, so a failed run changes nothing.
   * @default {the pipeline's refresh, else none}
   */
  refresh?: RefreshMode;
  /**
   * The format of the job files of this run's tables, as dlt's `loader_file_format`: it is the
   * `fileFormat` hint of every resource the run extracts (replacing their own). One the
   * destination does not load is a `RangeError` naming the destination and the formats it
   * takes, before anything runs.
   * @default {each resource's fileFormat hint, else the pipeline's loaderFileFormat, else the destination's preferred format}
   */
  loaderFileFormat?: LoaderFileFormat;
}

/** Options of `Pipeline.normalize`. */
export interface NormalizeOptions {
  /**
   * Workers that normalize a package of several extracted files in parallel; 1 normalizes in
   * the calling thread. Given here or in config, they normalize every such package; by default,
   * only packages of 32 MB or more.
   * @default {config's `normalize.workers` (`NORMALIZE__WORKERS`), else 2 (1 on a single core)}
   */
  workers?: number;
  /**
   * The format of the job files of every table of the packages normalized now, whatever their
   * `fileFormat` hint: one of the destination's supported formats (`"csv"` for DuckDB); another
   * is a `RangeError` naming the destination and the formats it takes.
   * @default {each table's fileFormat hint, else the pipeline's loaderFileFormat, else the destination's preferred format}
   */
  loaderFileFormat?: LoaderFileFormat;
}

/** Options of `Pipeline.drop`. */
export interface DropOptions {
  /**
   * Resources whose tables (nested ones included) and state are dropped, committed like a load;
   * without them the local working folder is deleted.
   */
  resources?: string[];
  /** The schema (source) the resources belong to. @default {the pipeline name} */
  schemaName?: string;
}

/** A destination: a registered name or an object made by a destination factory. */
function destination(): OptionCheck<string | Destination> {
  return (value) => {
    if (typeof value === "string" && DESTINATION_NAMES.includes(value)) return value;
    if (typeof value === "string") {
      const known = DESTINATION_NAMES.map((n) => JSON.stringify(n)).join(", ");
      return invalidValue(`a destination name (${known}), or a destination object`, true);
    }
    if (
      isPlainObject(value) && typeof value.name === "string" &&
      typeof (value as Partial<Destination>).client === "function"
    ) {
      return value as unknown as Destination;
    }
    return invalidValue('a destination name such as "duckdb", or a destination such as duckdb()');
  };
}

/** A {@linkcode ProgressOption}; dlt's collector names are refused, saying to write `"bar"`. */
function progressOption(): OptionCheck<ProgressOption> {
  return (value) => {
    if (typeof value === "function") return value as ProgressCallback;
    if (PROGRESS_MODES.includes(value as typeof PROGRESS_MODES[number])) {
      return value as ProgressOption;
    }
    if (typeof value === "string" && DLT_PROGRESS_NAMES.includes(value)) {
      return invalidValue(
        `"bar" (dlt's "${value}" collector is drawn as "bar" here), "log" or "none"`,
        true,
      );
    }
    return invalidValue(
      '"bar", "log", "none" or a function receiving progress events',
      typeof value === "string",
    );
  };
}

const PIPELINE_SPEC: OptionSpec<PipelineOptions> = {
  pipelineName: text(),
  destination: destination(),
  datasetName: text(),
  pipelinesDir: text(),
  devMode: boolean(),
  naming: namingOption(),
  importSchemaPath: text(),
  exportSchemaPath: text(),
  refresh: oneOf(REFRESH_MODES),
  lockTimeoutMs: integer({ min: 0 }),
  loaderFileFormat: loaderFileFormat(),
  progress: progressOption(),
};

/** dlt's `pipeline()` arguments this port does not have, with what to do instead. */
const PIPELINE_UNSUPPORTED = {
  fullRefresh: "dlt's older name of dev_mode: write devMode",
  pipelineSalt: "not needed: the state is not encrypted",
  staging: "staging destinations are not supported yet",
  credentials: "give credentials to the destination, e.g. duckdb({ credentials }), or in config",
};

/** Reads the options of `pipeline()`. */
export function readPipelineOptions(options: unknown): PipelineOptions {
  const where = describeCall("pipeline", options, "pipelineName");
  return checkOptions(options, PIPELINE_SPEC, where, {
    snakeCase: "refuse",
    unsupported: PIPELINE_UNSUPPORTED,
  });
}

const ATTACH_SPEC: OptionSpec<AttachOptions> = {
  pipelineName: text(),
  destination: destination(),
  datasetName: text(),
  pipelinesDir: text(),
  lockTimeoutMs: integer({ min: 0 }),
  progress: progressOption(),
};

/** Reads the options of `attach()`. */
export function readAttachOptions(options: unknown): AttachOptions {
  return checkOptions(options, ATTACH_SPEC, "attach()", {
    snakeCase: "refuse",
    unsupported: PIPELINE_UNSUPPORTED,
  });
}

/**
 * A loader file format's name: a string here; whether the destination loads it is checked where
 * the destination is known (`chooseLoaderFileFormat`), naming the formats it takes.
 */
function loaderFileFormat(): OptionCheck<LoaderFileFormat> {
  const name = text();
  return (value) => name(value) as LoaderFileFormat;
}

/** The hints `run()` gives all resources: those of a resource, the file format under dlt's name. */
const { fileFormat: _, ...RUN_HINTS_SPEC } = RESOURCE_HINTS_SPEC;

const RUN_SPEC: OptionSpec<RunOptions> = {
  ...RUN_HINTS_SPEC,
  signal: abortSignal(),
  refresh: oneOf(REFRESH_MODES),
  loaderFileFormat: loaderFileFormat(),
};

/** dlt's `run()` arguments this port takes elsewhere. */
const RUN_UNSUPPORTED = {
  ...UNSUPPORTED_HINTS,
  parallelized: "give parallelized to resource(), transformer() or source(), as dlt does",
  progress: "give progress to pipeline({ progress }), as dlt does",
  fileFormat: "write loaderFileFormat, as dlt's run() takes it",
  destination: "give the destination to pipeline({ destination })",
  datasetName: "give the dataset to pipeline({ datasetName })",
  credentials: "give credentials to the destination, e.g. duckdb({ credentials }), or in config",
};

/** Reads the options of `run()`: hints for all resources, normalized. */
export function readRunOptions(options: unknown): Normalized<RunOptions> {
  return readHintOptions(options, RUN_SPEC, "run()", RUN_UNSUPPORTED);
}

/** Reads the options of `extract()`: those of `run()`. */
export function readExtractOptions(options: unknown): Normalized<RunOptions> {
  return readHintOptions(options, RUN_SPEC, "extract()", RUN_UNSUPPORTED);
}

const NORMALIZE_SPEC: OptionSpec<NormalizeOptions> = {
  workers: integer({ min: 1 }),
  loaderFileFormat: loaderFileFormat(),
};

/** Reads the options of `normalize()`. */
export function readNormalizeOptions(options: unknown): NormalizeOptions {
  return checkOptions(options, NORMALIZE_SPEC, "normalize()", { snakeCase: "refuse" });
}

/** Reads the options of `load()`: it takes none (dlt's are given elsewhere). */
export function readLoadOptions(options: unknown): Record<never, never> {
  return checkNoOptions(options, "load()", {
    ...RUN_UNSUPPORTED,
    workers: "a load commits one table chain at a time",
    raiseOnFailedJobs: "a failed load always raises",
  });
}

/**
 * Checks that `options` of `where`, which takes none, are empty; `unsupported` says what to do
 * instead of dlt's arguments.
 */
export function checkNoOptions(
  options: unknown,
  where: string,
  unsupported: Readonly<Record<string, string>>,
): Record<never, never> {
  return checkOptions(options, {}, where, { snakeCase: "refuse", unsupported });
}

const DROP_SPEC: OptionSpec<DropOptions> = {
  resources: (value) =>
    Array.isArray(value) && value.every((v) => typeof v === "string" && v !== "")
      ? value as string[]
      : invalidValue("a list of resource names"),
  schemaName: text(),
};

/** Reads the options of `drop()`. */
export function readDropOptions(options: unknown): DropOptions {
  return checkOptions(options, DROP_SPEC, "drop()", { snakeCase: "refuse" });
}
