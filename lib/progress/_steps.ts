/**
 * The counters behind the progress display: which steps are running, and the running totals
 * each has seen (items per resource while extracting, rows per table and package while
 * normalizing and loading). Applying an event only updates these; drawing reads them later.
 *
 * @module
 */
import type { PipelineStep } from "../errors.ts";
import type { ProgressEvent, StepEndedEvent } from "../progress_events.ts";

/** What a step counts: items of resources, or rows of tables. */
export type Unit = "items" | "rows";

/** One running step and its running totals. */
export class StepTally {
  /** The step. */
  readonly step: PipelineStep;
  /** When it started, on the reporter's clock. */
  readonly startedAt: number;
  /** What it counts; set by its first counter event. */
  unit: Unit;
  /** Running totals: package (`""` for extract) → resource or table → count. */
  readonly #counts = new Map<string, Map<string, number>>();

  /** Starts the tally of `step` at `startedAt`. */
  constructor(step: PipelineStep, startedAt: number) {
    this.step = step;
    this.startedAt = startedAt;
    this.unit = step === "extract" ? "items" : "rows";
  }

  /** Records that `name` of package `group` has reached `count`. */
  set(group: string, name: string, count: number, unit: Unit): void {
    this.unit = unit;
    let names = this.#counts.get(group);
    if (names === undefined) this.#counts.set(group, names = new Map());
    names.set(name, count);
  }

  /** The counts by resource or table (summed over packages), largest first. */
  byName(): [name: string, count: number][] {
    const sums = new Map<string, number>();
    for (const names of this.#counts.values()) {
      for (const [name, count] of names) sums.set(name, (sums.get(name) ?? 0) + count);
    }
    return [...sums].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  }

  /** How many packages counted rows (one for extract, which has none). */
  get packages(): number {
    return this.#counts.size;
  }

  /** Whether anything was counted. */
  get counted(): boolean {
    return this.#counts.size > 0;
  }
}

/** A step that ended, with its tally and how it ended. */
export interface EndedStep {
  /** Its counters. */
  tally: StepTally;
  /** Milliseconds it took. */
  durationMs: number;
  /** Its error's message when it failed. */
  error?: string;
  /** Whether the display was closed before the step ended. */
  unfinished?: boolean;
}

/** The step a counter event belongs to when no step was announced. */
const IMPLIED_STEP = {
  items_extracted: "extract",
  rows_normalized: "normalize",
  rows_loaded: "load",
} as const;

/**
 * The running steps, most recent last. Counters go to the most recent one; a counter event
 * with no step running starts the step it implies (a consumer that missed `step_started`
 * still counts).
 */
export class StepTracker {
  readonly #now: () => number;
  readonly #running: StepTally[] = [];

  /** Tracks steps on the clock `now`. */
  constructor(now: () => number) {
    this.#now = now;
  }

  /** The step shown: the most recently started of those running. */
  get current(): StepTally | undefined {
    return this.#running.at(-1);
  }

  /** Applies `event`; returns the step it ended, if it ended one. */
  apply(event: ProgressEvent): EndedStep | undefined {
    switch (event.kind) {
      case "step_started":
        this.#running.push(new StepTally(event.step, this.#now()));
        return undefined;
      case "step_ended":
        return this.#end(event);
      case "items_extracted":
        this.#counting(event.kind).set("", event.resource, event.items, "items");
        return undefined;
      case "rows_normalized":
      case "rows_loaded":
        this.#counting(event.kind).set(event.loadId, event.table, event.rows, "rows");
        return undefined;
    }
  }

  /** Ends every running step (the display closes), most recent first. */
  endAll(): EndedStep[] {
    const now = this.#now();
    return this.#running.splice(0).reverse().map((tally) => ({
      tally,
      durationMs: now - tally.startedAt,
      unfinished: true,
    }));
  }

  #counting(kind: keyof typeof IMPLIED_STEP): StepTally {
    const current = this.current;
    if (current !== undefined) return current;
    const tally = new StepTally(IMPLIED_STEP[kind], this.#now());
    this.#running.push(tally);
    return tally;
  }

  #end(event: StepEndedEvent): EndedStep {
    const index = this.#running.findLastIndex((tally) => tally.step === event.step);
    const tally = index === -1
      ? new StepTally(event.step, this.#now() - event.durationMs)
      : this.#running.splice(index, 1)[0];
    return { tally, durationMs: event.durationMs, error: event.error };
  }
}
