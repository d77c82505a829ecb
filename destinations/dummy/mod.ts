/**
 * The dummy destination, as dlt's `dummy`: it keeps in memory what a destination would hold
 * (packages, jobs, state, schemas and the number of rows per table, per dataset) and injects
 * failures where it is told to, so the engine's resume, retries and exactly-once loading can be
 * tested deterministically and fast. It has no SQL: `dataset()` and `sqlClient()` refuse it;
 * its {@linkcode DummyDestination} methods show what it holds.
 *
 * @example A load that fails once, then completes
 * ```ts
 * import assert from "node:assert/strict";
 * import { pipeline, PipelineStepFailed, resource } from "../../mod.ts";
 * import { dummy } from "./mod.ts";
 *
 * const pipelinesDir = await Deno.makeTempDir();
 * const destination = dummy({ failTables: ["items"], failAttempts: 1 });
 * const p = pipeline({ pipelineName: "dummy_example", destination, pipelinesDir });
 * const items = resource([{ id: 1 }, { id: 2 }], { name: "items" });
 * // the job fails: the package stays pending
 * await assert.rejects(p.run(items), PipelineStepFailed);
 * assert.deepEqual(destination.rowCounts(p.datasetName), {});
 * // the next run loads the pending package first, then its own
 * const info = await p.run(items);
 * assert.equal(info.loadPackages.length, 2);
 * assert.deepEqual(destination.rowCounts(p.datasetName), { items: 4 });
 * await Deno.remove(pipelinesDir, { recursive: true });
 * ```
 *
 * @module
 */
import type {
  Destination,
  DestinationCapabilities,
  DestinationClient,
  DestinationClientOptions,
} from "../../lib/destination.ts";
import {
  boolean,
  checkOptions,
  integer,
  invalidValue,
  number,
  oneOf,
  type OptionCheck,
  type OptionSpec,
} from "../../lib/options.ts";
import { DummyClient, type DummyDatasets } from "./_client.ts";
import type { DummyJob, DummyLoad } from "./_dataset.ts";
import { type FaultPoint, Faults, type FaultSettings, type InjectedFault } from "./_faults.ts";

export type { DummyJob, DummyLoad, FaultPoint, InjectedFault };

/**
 * Options of {@linkcode dummy}: the failures it injects, each a `DestinationError`. A
 * deterministic failure happens where `failAt` and `failTables` say, on every attempt or on the
 * first `failAttempts`; random ones as dlt's dummy draws them for each job. The pipeline reports
 * a terminal failure as `PendingPackageFailed` and a transient one as a transient
 * `PipelineStepFailed`; either way the package stays pending and the next run resumes it.
 */
export interface DummyOptions {
  /**
   * Where the deterministic failure happens: `"init"` when a package starts loading, before
   * anything is written (dlt's schema update); `"job"` when a job file loads (the jobs of
   * `failTables`, or every job); `"commit"` after every job, before the package is marked
   * complete (so the resumed package has only that left).
   * @default {"job" when `failTables` or `failInInit` is given, else no deterministic failure}
   */
  failAt?: FaultPoint;
  /** Tables whose jobs fail (with their table chain: the root table and its nested tables). */
  failTables?: string[];
  /**
   * dlt's `fail_terminally_in_init` and `fail_transiently_in_init` in one (with `transient`):
   * every job fails as it starts, as with `failAt: "job"`.
   * @default {false}
   */
  failInInit?: boolean;
  /**
   * How many deterministic failures happen, counted over every package, dataset and run of this
   * destination object; after them it loads as told. Retries and resumes are tested with it.
   * @default {every attempt fails}
   */
  failAttempts?: number;
  /**
   * Whether the deterministic failures are transient (retrying may succeed) or terminal.
   * @default {false}
   */
  transient?: boolean;
  /** Chance, per poll of a running job, of a terminal failure (dlt's `fail_prob`). @default {0} */
  failProb?: number;
  /** Chance, per poll, of a transient failure (dlt's `retry_prob`). @default {0} */
  retryProb?: number;
  /** Chance, per poll, of a transient failure (dlt's `exception_prob`). @default {0} */
  exceptionProb?: number;
  /**
   * Chance that a poll finds the job complete; one that is not is polled again after 100 ms,
   * until `timeout`. Unlike dlt's (whose default 0 makes every job time out, and which draws
   * completion before `retryProb` and `failProb`), it is drawn last, so those apply as given.
   * @default {1}
   */
  completedProb?: number;
  /** Seconds a job may run before it fails terminally (dlt's `timeout`). @default {10} */
  timeout?: number;
  /**
   * Seed of the generator the random failures draw from: the same seed and the same loads give
   * the same failures.
   * @default {0}
   */
  seed?: number;
}

/** A {@linkcode Destination} kept in memory, with methods that show what it holds. */
export interface DummyDestination extends Destination {
  /** The packages committed to `datasetName`, oldest first (dlt's `_dlt_loads`). */
  loads(datasetName: string): DummyLoad[];
  /** The job files committed to `datasetName`, in order (dlt's `_dlt_load_jobs`). */
  completedJobs(datasetName: string): DummyJob[];
  /**
   * Rows per table of `datasetName` now: a job adds the rows read from its file, a replace
   * empties the table first, a refresh or drop removes it. A merge adds its rows like an append
   * (the dummy keeps no rows to deduplicate).
   */
  rowCounts(datasetName: string): Record<string, number>;
  /** The failures injected so far, oldest first. */
  faults(): InjectedFault[];
}

/** A probability, from 0 to 1. */
function probability(): OptionCheck<number> {
  return (value) => {
    if (typeof value !== "number" || !Number.isFinite(value)) return invalidValue("a number");
    return value < 0 || value > 1 ? invalidValue("a number from 0 to 1", true) : value;
  };
}

/** A non-empty list of table names. */
function tableNames(): OptionCheck<string[]> {
  return (value) =>
    Array.isArray(value) && value.length > 0 &&
      value.every((name) => typeof name === "string" && name !== "")
      ? [...value]
      : invalidValue("a non-empty list of table names");
}

/** How {@linkcode dummy} checks its options. */
const OPTIONS: OptionSpec<DummyOptions> = {
  failAt: oneOf(["init", "job", "commit"]),
  failTables: tableNames(),
  failInInit: boolean(),
  failAttempts: integer({ min: 1 }),
  transient: boolean(),
  failProb: probability(),
  retryProb: probability(),
  exceptionProb: probability(),
  completedProb: probability(),
  timeout: number({ min: 0 }),
  seed: integer({ min: 0, max: 2 ** 32 - 1 }),
};

/** Options of dlt's dummy destination that this one lacks, with what to do instead. */
const DLT_ONLY_OPTIONS = {
  failTerminallyInInit: "write failInInit: true",
  failTransientlyInInit: "write failInInit: true, transient: true",
  failSchemaUpdate: 'write failAt: "init", transient: true',
  loaderFileFormat:
    "give loaderFileFormat to pipeline(), run() or normalize() (csv, jsonl, parquet or insert_values)",
  createFollowupJobs: "there are no follow-up jobs: a table chain loads in one step",
  failFollowupJobCreation: "there are no follow-up jobs: a table chain loads in one step",
  failTableChainFollowupJobCreation: "there are no follow-up jobs: a table chain loads in one step",
  createFollowupTableChainSqlJobs: "there are no follow-up jobs: a table chain loads in one step",
  createFollowupTableChainReferenceJobs:
    "there are no follow-up jobs: a table chain loads in one step",
  truncateTablesOnStagingDestinationBeforeLoad: "there is no staging destination",
  credentials: "it keeps everything in this process's memory",
};

/** What the dummy can do: it loads any job, so it takes every format and merge strategy. */
const DUMMY_CAPABILITIES: DestinationCapabilities = {
  preferredLoaderFileFormat: "csv",
  supportedLoaderFileFormats: ["csv", "jsonl", "parquet", "insert_values"],
  supportedMergeStrategies: ["delete-insert", "upsert", "scd2", "insert-only"],
  // as dlt's dummy
  maxIdentifierLength: 127,
  supportsTransactions: false,
};

/**
 * The dummy destination: datasets in memory that live as long as the returned object (across
 * runs and pipelines that share it), with the failures `options` ask for. An unknown option,
 * or one of dlt's in snake_case, is a `RangeError` that names the option meant.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dummy } from "./mod.ts";
 * const flaky = dummy({ failTables: ["orders"], transient: true, failAttempts: 2 });
 * const random = dummy({ failProb: 0.1, retryProb: 0.2, seed: 42 });
 * assert.equal(flaky.name, "dummy");
 * // dlt's snake_case names are refused, naming the option meant
 * const fromPython = JSON.parse('{ "fail_prob": 0.5 }');
 * assert.throws(() => dummy(fromPython), /write "failProb"/);
 * ```
 */
export function dummy(options: DummyOptions = {}): DummyDestination {
  const given = checkOptions(options, OPTIONS, "dummy()", {
    snakeCase: "refuse",
    unsupported: DLT_ONLY_OPTIONS,
  });
  const faults = new Faults(faultSettings(given));
  const datasets: DummyDatasets = new Map();
  return {
    name: "dummy",
    capabilities: DUMMY_CAPABILITIES,
    factoryOptions: { ...structuredClone(given) },
    client(clientOptions: DestinationClientOptions): Promise<DestinationClient> {
      return Promise.resolve(new DummyClient(datasets, clientOptions.datasetName, faults));
    },
    hasStoredData(clientOptions: DestinationClientOptions): Promise<boolean> {
      return Promise.resolve(datasets.has(clientOptions.datasetName));
    },
    loads: (datasetName) => datasets.get(datasetName)?.loads() ?? [],
    completedJobs: (datasetName) => datasets.get(datasetName)?.jobs() ?? [],
    rowCounts: (datasetName) => datasets.get(datasetName)?.rowCounts() ?? {},
    faults: () => faults.injected,
  };
}

/** The fault settings of checked `options`; options that contradict or qualify nothing are refused. */
function faultSettings(options: DummyOptions): FaultSettings {
  const { failAt, failTables, failInInit, failAttempts, transient } = options;
  if (failInInit && failAt !== undefined && failAt !== "job") {
    throw new RangeError(
      `Options "failInInit" and "failAt" of dummy() contradict: failInInit fails jobs, failAt is "${failAt}"`,
    );
  }
  if (failTables !== undefined && failAt !== undefined && failAt !== "job") {
    throw new RangeError(
      `Option "failTables" of dummy() names the tables whose jobs fail: it needs failAt "job", not "${failAt}"`,
    );
  }
  const failOption = failTables !== undefined
    ? "failTables"
    : failInInit
    ? "failInInit"
    : failAt !== undefined
    ? "failAt"
    : undefined;
  for (const [name, value] of [["failAttempts", failAttempts], ["transient", transient]]) {
    if (value !== undefined && failOption === undefined) {
      throw new RangeError(
        `Option "${name}" of dummy() qualifies the failures of failAt, failTables or failInInit: give one of them`,
      );
    }
  }
  return {
    failAt: failAt ?? (failOption === undefined ? undefined : "job"),
    failOption,
    failTables,
    failAttempts: failAttempts ?? Infinity,
    transient: transient ?? false,
    exceptionProb: options.exceptionProb ?? 0,
    retryProb: options.retryProb ?? 0,
    failProb: options.failProb ?? 0,
    completedProb: options.completedProb ?? 1,
    timeoutMs: (options.timeout ?? 10) * 1000,
    seed: options.seed ?? 0,
  };
}
