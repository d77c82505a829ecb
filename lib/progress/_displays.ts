/**
 * The two displays: the bar, live lines redrawn in place on a terminal, and the log, one plain
 * line per period. Each turns the tracked steps into text on a writer; neither keeps time.
 *
 * @module
 */
import { cursorUp, ERASE_BELOW, ERASE_LINE, renderLine } from "./_ansi.ts";
import { barLines, logLine, summaryLine } from "./_lines.ts";
import type { EndedStep, StepTally } from "./_steps.ts";

/** Writes text to the display's stream. */
export type WriteText = (text: string) => void;

/** A display: drawn on a timer while a step runs, and told when a step ends. */
export interface Display {
  /** Milliseconds between calls of {@linkcode Display.tick} while a step runs. */
  readonly periodMs: number;
  /** Shows the running step `tally` at `now`. */
  tick(tally: StepTally, now: number): void;
  /** Replaces what shows of the running steps with the summary of `step`. */
  ended(step: EndedStep): void;
  /** Removes the live lines, so another writer's line is not drawn over; the next tick redraws. */
  erase(): void;
}

/** Redraws at most this often (ten times a second). */
export const BAR_REDRAW_MS = 100;

/**
 * The bar: a few live lines, each cut to the terminal width (less one column, so no terminal
 * wraps it), redrawn in place by moving the cursor up over the lines drawn last; a step's end
 * erases them and writes its summary, so no live line remains.
 */
export class BarDisplay implements Display {
  readonly periodMs = BAR_REDRAW_MS;
  readonly #write: WriteText;
  readonly #columns: () => number;
  readonly #color: boolean;
  /** Lines on the screen now, above the cursor. */
  #drawn = 0;
  /** The text drawn last: an unchanged display is not redrawn. */
  #last = "";

  /** A bar on `write`, as wide as `columns()` at each redraw, colored when `color`. */
  constructor(write: WriteText, columns: () => number, color: boolean) {
    this.#write = write;
    this.#columns = columns;
    this.#color = color;
  }

  tick(tally: StepTally, now: number): void {
    const width = Math.max(this.#columns() - 1, 10);
    const lines = barLines(tally, now, width).map((line) => renderLine(line, width, this.#color));
    const text = lines.join("\n");
    if (text === this.#last) return;
    this.#write(
      (this.#drawn > 0 ? cursorUp(this.#drawn) : "") +
        lines.map((line) => `${ERASE_LINE}${line}\n`).join("") +
        (lines.length < this.#drawn ? ERASE_BELOW : ""),
    );
    this.#drawn = lines.length;
    this.#last = text;
  }

  ended(step: EndedStep): void {
    this.#write(
      (this.#drawn > 0 ? cursorUp(this.#drawn) + ERASE_BELOW : "") +
        `${renderLine(summaryLine(step), undefined, this.#color)}\n`,
    );
    this.#drawn = 0;
    this.#last = "";
  }

  erase(): void {
    if (this.#drawn > 0) this.#write(cursorUp(this.#drawn) + ERASE_BELOW);
    this.#drawn = 0;
    this.#last = "";
  }
}

/** The log: one plain line per period while a step runs and one when it ends; no ANSI. */
export class LogDisplay implements Display {
  readonly periodMs: number;
  readonly #write: WriteText;

  /** A log on `write`, a line every `periodMs`. */
  constructor(write: WriteText, periodMs: number) {
    this.#write = write;
    this.periodMs = periodMs;
  }

  tick(tally: StepTally, now: number): void {
    this.#write(`${logLine(tally, now)}\n`);
  }

  ended(step: EndedStep): void {
    this.#write(`${renderLine(summaryLine(step), undefined, false)}\n`);
  }

  erase(): void {
    // whole lines only: nothing to remove
  }
}
