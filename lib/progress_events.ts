/**
 * What a run reports while it works, as dlt's collectors see it: `pipeline({ progress })` draws
 * these as a bar or log lines, or hands them to a callback. Counts are running totals, so a
 * consumer that misses events still shows the right numbers.
 *
 * @module
 */
import type { PipelineStep } from "./errors.ts";

/** A step of a run started. */
export interface StepStartedEvent {
  /** Discriminant. */
  kind: "step_started";
  /** The step. */
  step: PipelineStep;
  /** The load package it works on, when there is one. */
  loadId?: string;
}

/** A step of a run ended (`error` set when it failed). */
export interface StepEndedEvent {
  /** Discriminant. */
  kind: "step_ended";
  /** The step. */
  step: PipelineStep;
  /** The load package it worked on, when there was one. */
  loadId?: string;
  /** Milliseconds the step took. */
  durationMs: number;
  /** The error's redacted message when the step failed. */
  error?: string;
}

/** Items extracted so far from one resource in the current extract. */
export interface ItemsExtractedEvent {
  /** Discriminant. */
  kind: "items_extracted";
  /** The resource. */
  resource: string;
  /** Items extracted from it so far (running total). */
  items: number;
}

/** Rows normalized so far into one table of a package. */
export interface RowsNormalizedEvent {
  /** Discriminant. */
  kind: "rows_normalized";
  /** The package. */
  loadId: string;
  /** The table (normalized name). */
  table: string;
  /** Rows normalized into it so far (running total). */
  rows: number;
}

/** Rows loaded so far into one table of a package: sent after each job file. */
export interface RowsLoadedEvent {
  /** Discriminant. */
  kind: "rows_loaded";
  /** The package. */
  loadId: string;
  /** The table. */
  table: string;
  /** Rows loaded into it so far (running total). */
  rows: number;
}

/** One thing a run reports while it works. */
export type ProgressEvent =
  | StepStartedEvent
  | StepEndedEvent
  | ItemsExtractedEvent
  | RowsNormalizedEvent
  | RowsLoadedEvent;

/** Receives a run's {@linkcode ProgressEvent}s; it must not throw and should return quickly. */
export type ProgressCallback = (event: ProgressEvent) => void;
