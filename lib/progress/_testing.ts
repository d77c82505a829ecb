/**
 * Fakes for testing the progress display: a stream that keeps what is written, a clock whose
 * time moves only when told, and a tiny terminal that replays the display's control sequences
 * into the lines a person would see.
 *
 * @module
 */
import type { ProgressClock, ProgressStream } from "./reporter.ts";

/** A stream that keeps each write as text. */
export class FakeStream implements ProgressStream {
  /** The writes, in order. */
  readonly writes: string[] = [];
  readonly #terminal: boolean;
  readonly #decoder = new TextDecoder();

  /** A stream that says it is a terminal when `terminal`. */
  constructor(terminal: boolean) {
    this.#terminal = terminal;
  }

  writeSync(bytes: Uint8Array): number {
    this.writes.push(this.#decoder.decode(bytes));
    return bytes.length;
  }

  isTerminal(): boolean {
    return this.#terminal;
  }

  /** Everything written. */
  get text(): string {
    return this.writes.join("");
  }
}

interface Timer {
  ms: number;
  next: number;
  tick: () => void;
}

/** A clock whose time moves only by {@linkcode FakeClock.advance}, firing timers on the way. */
export class FakeClock implements ProgressClock {
  #time = 0;
  readonly #timers = new Set<Timer>();

  now(): number {
    return this.#time;
  }

  every(ms: number, tick: () => void): () => void {
    const timer = { ms, next: this.#time + ms, tick };
    this.#timers.add(timer);
    return () => this.#timers.delete(timer);
  }

  /** How many timers run. */
  get timers(): number {
    return this.#timers.size;
  }

  /** Moves the time on by `ms`, firing each timer when it is due. */
  advance(ms: number): void {
    const end = this.#time + ms;
    for (;;) {
      let due: Timer | undefined;
      for (const timer of this.#timers) {
        if (timer.next <= end && (due === undefined || timer.next < due.next)) due = timer;
      }
      if (due === undefined) break;
      this.#time = due.next;
      due.next += due.ms;
      due.tick();
    }
    this.#time = end;
  }
}

/** An SGR (color) sequence; not global, so `test` and `match` keep no state between calls. */
// deno-lint-ignore no-control-regex
export const SGR = /\x1b\[[\d;]*m/;

/** `text` without its SGR (color) sequences. */
export function stripSgr(text: string): string {
  return text.replace(new RegExp(SGR.source, "g"), "");
}

/**
 * The lines a terminal shows after `output`: text overwrites at the cursor; `\n`, `\r`,
 * cursor up (`ESC[nA`), erase line (`ESC[2K`) and erase below (`ESC[J`) act as on a terminal;
 * colors are dropped. Throws on any other control sequence, so a test sees what it missed.
 */
export function screen(output: string): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let column = 0;
  // deno-lint-ignore no-control-regex
  const tokens = stripSgr(output).match(/\x1b\[\d*[A-Za-z]|\r\n|[\s\S]/gu) ?? [];
  for (const token of tokens) {
    if (token === "\n" || token === "\r\n") {
      row++;
      column = 0;
      lines[row] ??= [];
    } else if (token === "\r") {
      column = 0;
    } else if (token.startsWith("\x1b[")) {
      const code = token.at(-1);
      const n = Number(token.slice(2, -1) || 1);
      if (code === "A") row = Math.max(0, row - n);
      else if (code === "K" && token === "\x1b[2K") lines[row] = [];
      else if (code === "J" && token === "\x1b[J") {
        lines[row] = lines[row].slice(0, column);
        lines.length = row + 1;
      } else throw new Error(`Unexpected control sequence ${JSON.stringify(token)}`);
    } else {
      const line = lines[row];
      while (line.length < column) line.push(" ");
      line[column++] = token;
    }
  }
  const shown = lines.map((line) => line.join("").trimEnd());
  while (shown.length > 0 && shown.at(-1) === "") shown.pop();
  return shown;
}
