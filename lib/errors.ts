/**
 * The error hierarchy. Every error the pipeline raises on purpose is a {@linkcode DltError};
 * `transient` tells whether retrying the same step may succeed.
 *
 * @module
 */
import { redact, redactError } from "./redact.ts";

/** Options shared by all {@linkcode DltError}s. */
export interface DltErrorOptions {
  /** The error that caused this one. */
  cause?: unknown;
  /**
   * Whether retrying the same step may succeed (a lost connection) or not (bad data).
   * @default {false}
   */
  transient?: boolean;
}

/** Base class of every error raised by the pipeline on purpose. Its message is redacted. */
export class DltError extends Error {
  /** Whether retrying the same step may succeed. */
  readonly transient: boolean;

  /** Creates the error with a message and options. */
  constructor(message: string, options: DltErrorOptions = {}) {
    // secrets never reach a message, whatever was interpolated into it
    super(
      redact(message),
      options.cause === undefined ? undefined : { cause: redactError(options.cause) },
    );
    this.name = new.target.name;
    this.transient = options.transient ?? false;
  }
}

/**
 * A pipeline step: what {@linkcode PipelineStepFailed} names. `sync` compares the local state
 * with the destination's before a run, as dlt's does.
 */
export type PipelineStep = "sync" | "extract" | "normalize" | "load";

/**
 * A pipeline step failed. Names the step and the load package; the original error is the `cause`.
 *
 * @example Telling which step failed
 * ```ts
 * import { PipelineStepFailed } from "./errors.ts";
 * const error = new PipelineStepFailed("extract", "1700000000.1", new Error("boom"));
 * if (error.step !== "extract") throw new Error("unexpected");
 * ```
 */
export class PipelineStepFailed extends DltError {
  /** The step that failed. */
  readonly step: PipelineStep;
  /** The load package the step worked on, when there was one. */
  readonly loadId: string | undefined;

  /**
   * Wraps `cause`, the error raised in `step`. The message takes the first line of the cause's;
   * the rest (a list of config keys tried, a quoted SQL statement) stays in the cause, which is
   * printed with this error, so nothing is shown twice. A `note` goes before the cause's text.
   */
  constructor(step: PipelineStep, loadId: string | undefined, cause: unknown, note?: string) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const [first, ...rest] = message.split("\n");
    const reason = rest.length === 0 ? first : `${first} (more in the cause)`;
    const where = loadId === undefined ? "" : ` (load package "${loadId}")`;
    super(`Pipeline step "${step}" failed${where}${note ?? ""}: ${reason}`, {
      cause,
      transient: cause instanceof DltError && cause.transient,
    });
    this.step = step;
    this.loadId = loadId;
  }
}

/** A resource raised an error, or yielded something that cannot be loaded. */
export class ResourceExtractionError extends DltError {
  /** The resource that failed. */
  readonly resourceName: string;

  /** Creates the error for `resourceName`. */
  constructor(resourceName: string, message: string, options: DltErrorOptions = {}) {
    super(`Resource "${resourceName}": ${message}`, options);
    this.resourceName = resourceName;
  }
}

/** A data item cannot be normalized into rows (unsupported value, name collision, cycle). */
export class NormalizeError extends DltError {
  /** The table the item was normalized into. */
  readonly tableName: string;
  /** The column (normalized name) concerned, when one is. */
  readonly columnName: string | undefined;
  /** What is wrong, without the table and column. */
  readonly reason: string;

  /** Creates the error for `tableName` and optionally `columnName`. */
  constructor(tableName: string, columnName: string | undefined, reason: string) {
    const where = columnName === undefined
      ? `table "${tableName}"`
      : `table "${tableName}", column "${columnName}"`;
    super(`Cannot normalize ${where}: ${reason}`);
    this.tableName = tableName;
    this.columnName = columnName;
    this.reason = reason;
  }
}

/** Data broke a schema contract in `freeze` mode: nothing of its package is loaded. */
export class DataValidationError extends DltError {
  /** The schema (source) concerned. */
  readonly schemaName: string;
  /** The table concerned. */
  readonly tableName: string;
  /** The column concerned, when the change is to a column. */
  readonly columnName: string | undefined;
  /** What the data would have changed. */
  readonly schemaEntity: "tables" | "columns" | "data_type";
  /** The mode of the contract that was broken. */
  readonly contractMode: string;
  /** The offending value (for `tables`, the row). */
  readonly value: unknown;
  /** What the data would have changed, e.g. "a new column". */
  readonly reason: string;

  /** Creates the error; `value` is shown shortened in the message. */
  constructor(details: {
    schemaName: string;
    tableName: string;
    columnName?: string;
    schemaEntity: "tables" | "columns" | "data_type";
    contractMode: string;
    value: unknown;
    reason: string;
  }) {
    const column = details.columnName === undefined ? "" : `, column "${details.columnName}"`;
    super(
      `Schema contract of table "${details.tableName}"${column} (${details.schemaEntity}: ${details.contractMode}) forbids ${details.reason}; value: ${
        excerpt(details.value)
      }`,
    );
    this.schemaName = details.schemaName;
    this.tableName = details.tableName;
    this.columnName = details.columnName;
    this.schemaEntity = details.schemaEntity;
    this.contractMode = details.contractMode;
    this.value = details.value;
    this.reason = details.reason;
  }
}

/** A short text of `value` for messages. */
function excerpt(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** A configuration value is missing or invalid. */
export class ConfigError extends DltError {
  /** The config keys (and environment variables) that were looked up. */
  readonly triedKeys: readonly string[];

  /** Creates the error; `triedKeys` lists every place that was looked up. */
  constructor(message: string, triedKeys: readonly string[] = []) {
    super(triedKeys.length ? `${message}; tried: ${triedKeys.join(", ")}` : message);
    this.triedKeys = triedKeys;
  }
}

/** The destination refused or failed an operation. */
export class DestinationError extends DltError {}

/** A load package on disk is missing or damaged. */
export class LoadPackageError extends DltError {}

/**
 * Another run holds the pipeline's working folder for longer than the pipeline's
 * `lockTimeoutMs`. Names the process that holds it, and since when.
 */
export class PipelineLockTimeout extends DltError {
  /** The pipeline whose working folder is held. */
  readonly pipelineName: string;
  /** The process holding it, when it could be read. */
  readonly holderPid: number | undefined;
  /** When that process took it (ISO), when it could be read. */
  readonly heldSince: string | undefined;

  /**
   * Creates the error for `pipelineName`, held by `holder` (unknown when undefined; `ownProcess`
   * when it is another run in this process).
   */
  constructor(
    pipelineName: string,
    holder: { pid: number; since: string; ownProcess?: boolean } | undefined,
    timeoutMs: number,
  ) {
    const who = holder === undefined
      ? "another run"
      : `process ${holder.pid}${
        holder.ownProcess ? " (this process)" : ""
      } since "${holder.since}"`;
    super(
      `Pipeline "${pipelineName}" is in use by ${who}; gave up waiting after ${timeoutMs} ms (the pipeline option "lockTimeoutMs")`,
      { transient: true },
    );
    this.pipelineName = pipelineName;
    this.holderPid = holder?.pid;
    this.heldSince = holder?.since;
  }
}

/** {@linkcode attach} found no pipeline of that name: none has run in that folder. */
export class PipelineNotFound extends DltError {
  /** The pipeline looked for. */
  readonly pipelineName: string;
  /** Its working folder, which holds no pipeline. */
  readonly workingDir: string;

  /** Creates the error for `pipelineName` in `workingDir`. */
  constructor(pipelineName: string, workingDir: string) {
    super(
      `No pipeline "${pipelineName}" in "${workingDir}": attach() opens a pipeline that has run before; create it with pipeline({ pipelineName, destination, datasetName }), whose first run takes its state back from the destination if that has it`,
    );
    this.pipelineName = pipelineName;
    this.workingDir = workingDir;
  }
}

/**
 * The normalize or load step failed on a pending package with a terminal error (the package is
 * damaged, its data breaks a contract, the destination refuses it): every run fails on it again,
 * loading nothing new, until it is fixed or dropped with `pipeline.dropPendingPackages()`. The
 * `cause` is the error.
 */
export class PendingPackageFailed extends PipelineStepFailed {
  /** Wraps `cause`, the terminal error of `step` on package `loadId`. */
  constructor(step: "normalize" | "load", loadId: string, cause: unknown) {
    super(
      step,
      loadId,
      cause,
      " with a terminal error: the package stays pending and every run fails on it, loading nothing new, until it is fixed or dropped with pipeline.dropPendingPackages() (which gives up its data)",
    );
  }

  /**
   * Runs `fn`, `step` on pending package `loadId`. Its errors are reported as the run reports
   * them: a step error as it is, a transient one as a {@linkcode PipelineStepFailed} (the next run
   * may succeed), any other as a {@linkcode PendingPackageFailed}.
   */
  static async during<T>(
    step: "normalize" | "load",
    loadId: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof PipelineStepFailed) throw error;
      throw error instanceof DltError && error.transient
        ? new PipelineStepFailed(step, loadId, error)
        : new PendingPackageFailed(step, loadId, error);
    }
  }
}

/**
 * A pipeline was asked for something it does not have yet, as dlt's `PipelineConfigMissing`:
 * `configElement` names it (`defaultSchemaName` when it has no schema yet), and the message says
 * what to do (run or extract first).
 *
 * @example
 * ```ts
 * import { pipeline, PipelineConfigMissing } from "../mod.ts";
 * const dir = await Deno.makeTempDir();
 * const p = pipeline({ pipelineName: "no_run_yet", pipelinesDir: dir });
 * try {
 *   p.defaultSchema;
 *   throw new Error("unexpected");
 * } catch (error) {
 *   if (!(error instanceof PipelineConfigMissing)) throw error;
 *   if (error.configElement !== "defaultSchemaName") throw error;
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class PipelineConfigMissing extends DltError {
  /** The pipeline. */
  readonly pipelineName: string;
  /** What it lacks, by the name of the pipeline's property (`defaultSchemaName`). */
  readonly configElement: string;

  /** Creates the error: `pipelineName` lacks `configElement`; `help` says what to do. */
  constructor(pipelineName: string, configElement: string, help: string) {
    super(`Pipeline "${pipelineName}" has no ${configElement}: ${help}`);
    this.pipelineName = pipelineName;
    this.configElement = configElement;
  }
}
