/**
 * What one call of `run`, `extract`, `normalize` or `load` records: its steps (times, load ids,
 * rows per table, jobs, error) and the config values it resolved, into a
 * {@linkcode PipelineTrace}; and the {@linkcode ProgressEvent}s it sends to whoever listens. The
 * pipeline makes one per call; events that come often (items, rows) are only counted when
 * someone listens.
 *
 * @module
 */
import type { PipelineStep } from "./errors.ts";
import type { ProgressCallback, ProgressEvent } from "./progress_events.ts";
import {
  type JobMetrics,
  type PipelineTrace,
  type ResolvedConfigValue,
  TRACE_FORMAT_VERSION,
  type TraceStep,
} from "./trace.ts";
import { recordConfig } from "./config.ts";
import { redact } from "./redact.ts";
import { log } from "./log.ts";

/** What a step fills in as it works (kept when it fails half way). */
export interface StepRecord {
  /** Packages it worked on. */
  loadIds: string[];
  /** Items (extract) or rows (normalize, load) per table. */
  rowCounts: Record<string, number>;
  /** Job files loaded (load). */
  jobs?: JobMetrics[];
}

/** An error as a trace shows it: its class name and redacted message. */
export function traceError(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: redact(error.message) }
    : { name: "Error", message: redact(String(error)) };
}

/** Records one call of the pipeline; see the module doc. */
export class RunTracer {
  /** Who receives every event; undefined when no one listens. */
  readonly listener: ProgressCallback | undefined;
  #pipelineName: string;
  #transactionId = crypto.randomUUID();
  #startedAt = new Date();
  #steps: TraceStep[] = [];
  #config = new Map<string, ResolvedConfigValue>();
  #warned = false;

  /** A tracer of a call of pipeline `pipelineName`, sending events to `listener`. */
  constructor(pipelineName: string, listener: ProgressCallback | undefined) {
    this.#pipelineName = pipelineName;
    this.listener = listener && ((event) => this.#send(listener, event));
  }

  /** Runs `fn`, recording the config values resolved meanwhile (secrets without value). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return recordConfig((found) => {
      const value: ResolvedConfigValue = { key: found.key, provider: found.provider };
      if (found.isSecret) value.isSecret = true;
      else value.value = found.value;
      this.#config.set(`${found.key}\n${found.provider}`, value);
    }, fn);
  }

  /** Sends `event` to the listener, if any. */
  emit(event: ProgressEvent): void {
    this.listener?.(event);
  }

  #send(listener: ProgressCallback, event: ProgressEvent): void {
    try {
      listener(event);
    } catch (error) {
      // a broken progress display must not fail the load
      if (this.#warned) return;
      this.#warned = true;
      log.warn(
        `The progress callback failed (further failures are not reported): ${
          redact(error instanceof Error ? error.message : String(error))
        }`,
      );
    }
  }

  /**
   * Runs step `step` as `fn`, which fills in its record; sends `step_started` and `step_ended`
   * and adds the step, with its error when it fails, to the trace.
   */
  async step<T>(step: PipelineStep, fn: (record: StepRecord) => Promise<T>): Promise<T> {
    const record: StepRecord = { loadIds: [], rowCounts: {} };
    const startedAt = new Date();
    const t0 = performance.now();
    this.emit({ kind: "step_started", step });
    let error: { name: string; message: string } | undefined;
    try {
      return await fn(record);
    } catch (e) {
      error = traceError(e);
      throw e;
    } finally {
      const durationMs = performance.now() - t0;
      const traced: TraceStep = {
        step,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        durationMs,
        loadIds: record.loadIds,
        rowCounts: record.rowCounts,
      };
      if (record.jobs !== undefined) traced.jobs = record.jobs;
      if (error !== undefined) traced.error = error;
      this.#steps.push(traced);
      this.emit({
        kind: "step_ended",
        step,
        durationMs,
        ...(error === undefined ? {} : { error: error.message }),
      });
    }
  }

  /**
   * The trace of the call, ended now (`error`: why it failed; `target`: where it loaded), with
   * every secret redacted.
   */
  finish(
    error?: unknown,
    target: { destinationName?: string; datasetName?: string } = {},
  ): PipelineTrace {
    const trace: PipelineTrace = {
      formatVersion: TRACE_FORMAT_VERSION,
      transactionId: this.#transactionId,
      pipelineName: this.#pipelineName,
      ...target,
      startedAt: this.#startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      steps: this.#steps,
      resolvedConfig: [...this.#config.values()],
    };
    if (error !== undefined) trace.error = traceError(error);
    // a secret registered after its value was recorded (or hidden in another value) goes too
    return redactedCopy(trace) as PipelineTrace;
  }
}

/** A plain copy of `value` (JSON's values) with registered secrets redacted from its text. */
function redactedCopy(value: unknown): unknown {
  if (typeof value === "string") return redact(value);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(redactedCopy);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).filter(([, v]) => v !== undefined).map((
        [k, v],
      ) => [redact(k), redactedCopy(v)]),
    );
  }
  return typeof value === "function" || typeof value === "symbol" ? undefined : value;
}
