/**
 * Progress of a run on the terminal, as dlt's `progress=` collectors show it: a live display
 * redrawn in place on a terminal (`"bar"`, like dlt's tqdm/enlighten collectors) or a plain line
 * every second (`"log"`, dlt's `LogCollector`), both on stderr. Each step ends with a summary
 * line such as `extract: 200,000 items from 2 resources in 3.2 s (62,500/s)`.
 *
 * @example Log lines on a stream of your own
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressReporter } from "./reporter.ts";
 * const written: string[] = [];
 * const stream = {
 *   writeSync(bytes: Uint8Array) {
 *     written.push(new TextDecoder().decode(bytes));
 *     return bytes.length;
 *   },
 *   isTerminal: () => false,
 * };
 * const progress = progressReporter("log", { stream });
 * progress.report({ kind: "step_started", step: "extract" });
 * progress.report({ kind: "items_extracted", resource: "users", items: 500 });
 * progress.report({ kind: "step_ended", step: "extract", durationMs: 250 });
 * progress.close();
 * assert.deepEqual(written, ["extract: 500 items from 1 resource in 0.3 s (2,000/s)\n"]);
 * ```
 *
 * @module
 */
import { boolean, checkOptions, checkValue, integer, invalidValue, oneOf } from "../options.ts";
import type { OptionCheck, OptionSpec } from "../options.ts";
import type { ProgressCallback, ProgressEvent } from "../progress_events.ts";
import { BarDisplay, type Display, LogDisplay } from "./_displays.ts";
import { StepTracker } from "./_steps.ts";
import { onConsoleWrite } from "../log.ts";

/**
 * How progress shows: `"bar"` redraws a few live lines in place (for a terminal), `"log"`
 * writes a plain line per period (for files and CI logs), `"none"` shows nothing.
 */
export type ProgressMode = "bar" | "log" | "none";

/** The slice of a stream the display writes to; `Deno.stderr` is one. */
export interface ProgressStream {
  /** Writes some of `bytes` and returns how many it wrote. */
  writeSync(bytes: Uint8Array): number;
  /** Whether the stream is a terminal. */
  isTerminal(): boolean;
}

/** The time and timers the display runs on; tests pass a fake one. */
export interface ProgressClock {
  /** The time in milliseconds, from any fixed origin. */
  now(): number;
  /** Calls `tick` every `ms` milliseconds until the returned function is called. */
  every(ms: number, tick: () => void): () => void;
}

/** Options of {@linkcode progressReporter}. */
export interface ProgressReporterOptions {
  /**
   * Where the display goes. It never goes to stdout, which may carry a program's output.
   * @default {Deno.stderr}
   */
  stream?: ProgressStream;
  /**
   * Milliseconds between the lines of `"log"` mode (dlt's `LogCollector` logs every second).
   * @default {1000}
   */
  periodMs?: number;
  /**
   * The clock and timers.
   * @default {performance.now() and unreferenced intervals, which never keep a program alive}
   */
  clock?: ProgressClock;
  /**
   * The width of the terminal in columns, which the bar's live lines fit.
   * @default {Deno.consoleSize().columns, read at each redraw, when the stream is a terminal; else 80}
   */
  columns?: number;
  /**
   * Whether the bar uses color (the log never does).
   * @default {true when the stream is a terminal and NO_COLOR is unset or empty (https://no-color.org)}
   */
  color?: boolean;
}

/** A progress display: give `report` to a run, then `close()` it. */
export interface ProgressReporter {
  /** Takes a run's events; it only counts, and the display draws later on its timer. */
  report: ProgressCallback;
  /**
   * Stops the display: a step still running is summarized as not finished, and the timer is
   * stopped. Events after it are ignored; closing again does nothing.
   */
  close(): void;
}

/** Columns assumed when the terminal does not say. */
const FALLBACK_COLUMNS = 80;

/**
 * The mode for a stream: `"bar"` when `stderr` is a terminal, else `"none"` (a run writes no
 * progress into files and pipes unless asked for `"log"`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultProgressMode } from "./reporter.ts";
 * assert.equal(defaultProgressMode({ isTerminal: () => true }), "bar");
 * assert.equal(defaultProgressMode({ isTerminal: () => false }), "none");
 * ```
 */
export function defaultProgressMode(
  stderr: Pick<ProgressStream, "isTerminal"> = Deno.stderr,
): "bar" | "none" {
  return stderr.isTerminal() ? "bar" : "none";
}

/**
 * A progress display in `mode` (see {@linkcode ProgressMode}) on stderr or `options.stream`.
 * `report()` only updates counters; the display draws on a timer that runs while a step runs
 * (every 100 ms for the bar, redrawing only what changed; every `periodMs` for the log), and
 * each `step_ended` writes the step's summary line. No events, no output.
 *
 * Throws a `RangeError` for an unknown mode or option, a `TypeError` for an option of the
 * wrong type.
 *
 * @example A bar on stderr when it is a terminal
 * ```ts ignore
 * import { defaultProgressMode, progressReporter } from "./reporter.ts";
 * const progress = progressReporter(defaultProgressMode(Deno.stderr));
 * progress.report({ kind: "step_started", step: "extract" });
 * progress.report({ kind: "items_extracted", resource: "users", items: 1000 });
 * progress.report({ kind: "step_ended", step: "extract", durationMs: 120 });
 * progress.close();
 * ```
 */
export function progressReporter(
  mode: ProgressMode,
  options: ProgressReporterOptions = {},
): ProgressReporter {
  checkValue(oneOf(["bar", "log", "none"]), mode, "The mode of progressReporter()");
  const given = checkOptions(options, OPTIONS, "progressReporter()", { snakeCase: "refuse" });
  if (mode === "none") return { report() {}, close() {} };
  const stream = given.stream ?? Deno.stderr;
  const clock = given.clock ?? systemClock;
  const terminal = stream.isTerminal();
  const write = streamWriter(stream);
  const display: Display = mode === "bar"
    ? new BarDisplay(
      write,
      columnsOf(given.columns, terminal),
      given.color ?? colorWanted(terminal),
    )
    : new LogDisplay(write, given.periodMs ?? 1000);
  const steps = new StepTracker(() => clock.now());
  let stopTimer: (() => void) | undefined;
  let closed = false;

  // a log message written while the bar shows would be drawn over: the bar makes way first
  const stopGuard = onConsoleWrite(() => display.erase());
  const tick = () => {
    const current = steps.current;
    if (current !== undefined) display.tick(current, clock.now());
  };
  const stopTicking = () => {
    stopTimer?.();
    stopTimer = undefined;
  };

  return {
    report(event: ProgressEvent): void {
      if (closed) return;
      const ended = steps.apply(event);
      if (ended !== undefined) display.ended(ended);
      if (steps.current === undefined) stopTicking();
      else stopTimer ??= clock.every(display.periodMs, tick);
    },
    close(): void {
      if (closed) return;
      closed = true;
      stopTicking();
      stopGuard();
      for (const ended of steps.endAll()) display.ended(ended);
    },
  };
}

const OPTIONS: OptionSpec<ProgressReporterOptions> = {
  stream: methods<ProgressStream>(["writeSync", "isTerminal"], "a stream such as Deno.stderr"),
  periodMs: integer({ min: 1 }),
  clock: methods<ProgressClock>(["now", "every"], "a clock with now() and every()"),
  columns: integer({ min: 1 }),
  color: boolean(),
};

/** An object with the methods `names`, described as `description` in errors. */
function methods<T>(names: readonly string[], description: string): OptionCheck<T> {
  return (value) =>
    typeof value === "object" && value !== null &&
      names.every((name) => typeof (value as Record<string, unknown>)[name] === "function")
      ? value as T
      : invalidValue(description);
}

/** Real time, and intervals that do not keep the program alive when a run forgets `close()`. */
const systemClock: ProgressClock = {
  now: () => performance.now(),
  every(ms, tick) {
    const id = setInterval(tick, ms);
    Deno.unrefTimer(id);
    return () => clearInterval(id);
  },
};

/**
 * Writes text to `stream` in full. A stream that fails (closed, a broken pipe) is left alone
 * from then on: progress never stops a run.
 */
function streamWriter(stream: ProgressStream): (text: string) => void {
  const encoder = new TextEncoder();
  let broken = false;
  return (text) => {
    if (broken) return;
    try {
      let bytes = encoder.encode(text);
      while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
    } catch {
      broken = true;
    }
  };
}

/** The width the bar fits: as given, else the terminal's at each redraw, else 80. */
function columnsOf(columns: number | undefined, terminal: boolean): () => number {
  if (columns !== undefined) return () => columns;
  if (!terminal) return () => FALLBACK_COLUMNS;
  return () => {
    try {
      return Deno.consoleSize().columns || FALLBACK_COLUMNS;
    } catch {
      return FALLBACK_COLUMNS;
    }
  };
}

/**
 * Whether to color: on a terminal, unless `NO_COLOR` is set to anything but the empty string
 * (https://no-color.org), as Deno's `Deno.noColor` reads it at startup (no permission needed).
 */
function colorWanted(terminal: boolean): boolean {
  return terminal && !Deno.noColor;
}
