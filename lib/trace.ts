/**
 * The trace of a pipeline's last run, as dlt's `pipeline.last_trace`: each step with its times,
 * row counts, load ids, jobs and error, and the non-secret config values the run resolved. Saved
 * as `trace.json` in the working folder, so `dlt pipeline <name> trace` shows it after the
 * process ended.
 *
 * @module
 */
import type { PipelineStep } from "./errors.ts";
import { DltError } from "./errors.ts";
import type { LoaderFileFormat } from "./destination.ts";
import { isNotFound, type WorkingStorage } from "./storage/storage.ts";
import { writeJsonFile } from "./load/package_store.ts";
import { redact } from "./redact.ts";

/** Name of the trace file in the working folder. */
export const TRACE_FILE = "trace.json";

/** Version of the trace file's format; a newer one is refused with a clear error. */
export const TRACE_FORMAT_VERSION = 1;

/** What loading one job file took. */
export interface JobMetrics {
  /** The package. */
  loadId: string;
  /** The table. */
  table: string;
  /** The job file's name in the package. */
  file: string;
  /** Its format. */
  format: LoaderFileFormat;
  /** Rows in it. */
  rows: number;
  /** Its size in bytes. */
  bytes: number;
  /** Milliseconds the destination took to load it, when it reports per job. */
  durationMs?: number;
  /** Whether it was loaded while normalize still wrote the package (see `loadChainEarly`). */
  duringNormalize?: boolean;
}

/** A config value a run resolved (secrets are never recorded). */
export interface ResolvedConfigValue {
  /** The key, dotted (`destination.duckdb.credentials`). */
  key: string;
  /** Where it came from: an environment variable name or a file path. */
  provider: string;
  /** The value, when it is not a secret (absent for a secret). */
  value?: unknown;
  /** Whether it is a secret: declared with `secret()` or named like one (`credentials`, `token`). */
  isSecret?: boolean;
}

/** One step of a traced run. */
export interface TraceStep {
  /** The step. */
  step: PipelineStep;
  /** When it started (ISO). */
  startedAt: string;
  /** When it ended (ISO). */
  finishedAt: string;
  /** Milliseconds it took. */
  durationMs: number;
  /** Packages it worked on. */
  loadIds: string[];
  /** Items (extract) or rows (normalize, load) per table. */
  rowCounts: Record<string, number>;
  /** Job files loaded (load step). */
  jobs?: JobMetrics[];
  /** The error, redacted, when the step failed. */
  error?: { name: string; message: string };
}

/** The trace of one run of a pipeline. */
export interface PipelineTrace {
  /** Format version of the stored trace. */
  formatVersion: number;
  /** A unique id of the run. */
  transactionId: string;
  /** The pipeline. */
  pipelineName: string;
  /** The destination's type name, once the run resolved it. */
  destinationName?: string;
  /** The dataset the run loaded into. */
  datasetName?: string;
  /** When the run started (ISO). */
  startedAt: string;
  /** When it ended (ISO). */
  finishedAt: string;
  /** Its steps, in order. */
  steps: TraceStep[];
  /** Non-secret config values the run resolved. */
  resolvedConfig: ResolvedConfigValue[];
  /** The run's error, redacted, when it failed. */
  error?: { name: string; message: string };
}

/** Stores `trace` in the working folder `storage` (atomically, secrets redacted). */
export async function writeTrace(storage: WorkingStorage, trace: PipelineTrace): Promise<void> {
  await storage.mkdir("");
  await writeJsonFile(storage, TRACE_FILE, JSON.parse(redact(JSON.stringify(trace))));
}

/**
 * The trace stored in the working folder `storage`; `undefined` when none was written. A damaged
 * trace or one from a newer format is a {@linkcode DltError} naming the file.
 */
export async function readTrace(storage: WorkingStorage): Promise<PipelineTrace | undefined> {
  let text: string;
  try {
    text = await storage.readText(TRACE_FILE);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  return parseTrace(storage, text);
}

/** {@linkcode readTrace}, reading synchronously (for `pipeline.lastTrace`). */
export function readTraceSync(storage: WorkingStorage): PipelineTrace | undefined {
  let text: string;
  try {
    text = storage.readTextSync(TRACE_FILE);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  return parseTrace(storage, text);
}

/** The trace stored as `text` in `storage`, checked. */
function parseTrace(storage: WorkingStorage, text: string): PipelineTrace {
  let trace: PipelineTrace | undefined;
  try {
    trace = JSON.parse(text);
  } catch {
    // reported below
  }
  const where = storage.locate(TRACE_FILE);
  if (typeof trace?.formatVersion !== "number" || !Array.isArray(trace.steps)) {
    throw new DltError(`Trace "${where}" is damaged; delete it (the next run writes a new one)`);
  }
  if (trace.formatVersion > TRACE_FORMAT_VERSION) {
    throw new DltError(
      `Trace "${where}" has format version ${trace.formatVersion}, newer than this version of dlt reads (${TRACE_FORMAT_VERSION}): upgrade @denodlt/dlt`,
    );
  }
  return trace;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * A human summary of `trace`, as dlt prints a trace: one block per step with its duration, rows
 * per table, jobs and error.
 *
 * @example
 * ```ts
 * import { formatTrace } from "./trace.ts";
 * const text = formatTrace({
 *   formatVersion: 1, transactionId: "t", pipelineName: "p",
 *   startedAt: "2026-01-01T00:00:00.000Z", finishedAt: "2026-01-01T00:00:01.000Z",
 *   steps: [{
 *     step: "load", startedAt: "2026-01-01T00:00:00.000Z", finishedAt: "2026-01-01T00:00:01.000Z",
 *     durationMs: 1000, loadIds: ["1"], rowCounts: { items: 3 },
 *   }],
 *   resolvedConfig: [],
 * });
 * if (!text.includes("items: 3")) throw new Error(text);
 * ```
 */
export function formatTrace(trace: PipelineTrace): string {
  const total = Date.parse(trace.finishedAt) - Date.parse(trace.startedAt);
  const lines = [
    `Run of pipeline ${trace.pipelineName} started at ${trace.startedAt} and ${
      trace.error ? "FAILED" : "COMPLETED"
    } in ${seconds(total)} with ${trace.steps.length} step(s).`,
  ];
  for (const step of trace.steps) {
    const outcome = step.error ? `FAILED: ${step.error.name}: ${step.error.message}` : "COMPLETED";
    lines.push(
      `Step ${step.step} ${outcome} in ${seconds(step.durationMs)}${
        step.loadIds.length ? ` (load ids ${step.loadIds.join(", ")})` : ""
      }.`,
    );
    for (const [table, rows] of Object.entries(step.rowCounts)) lines.push(`- ${table}: ${rows}`);
    for (const job of step.jobs ?? []) {
      lines.push(
        `  job ${job.file} (${job.format}): ${job.rows} rows, ${job.bytes} bytes${
          job.durationMs === undefined ? "" : `, ${seconds(job.durationMs)}`
        }`,
      );
    }
  }
  if (trace.resolvedConfig.length) {
    lines.push("Resolved config:");
    for (const c of trace.resolvedConfig) {
      const value = c.isSecret ? "(secret, not shown)" : JSON.stringify(c.value ?? null);
      lines.push(`- ${c.key} = ${value} (${c.provider})`);
    }
  }
  return redact(lines.join("\n"));
}
