/**
 * The command line's input and output: where it writes, whether it colors, and how it asks for
 * a confirmation. {@linkcode CliIo} is injected so tests run the commands in-process.
 *
 * @module
 */
import { resolve } from "node:path";

/** Where the command line reads and writes; every field defaults to the process's own. */
export interface CliIo {
  /**
   * Receives what a command prints as its result (a line at a time, newline included).
   * @default {writes to the process's stdout}
   */
  stdout?: (text: string) => void;
  /**
   * Receives messages, warnings, errors and prompts.
   * @default {writes to the process's stderr}
   */
  stderr?: (text: string) => void;
  /**
   * The folder relative paths (files, `--pipelines-dir`) resolve against. Config and secrets
   * (`.dlt/`) are still read from the process's folder.
   * @default {Deno.cwd()}
   */
  cwd?: string;
  /**
   * The environment (`NO_COLOR`, `HOME`, `DLT_IMPORT_URL`).
   * @default {Deno.env}
   */
  env?: Record<string, string | undefined>;
  /**
   * Whether a person is at a terminal: output is colored (unless `NO_COLOR` is set) and
   * destructive commands ask for a confirmation.
   * @default {whether stdin and stdout are terminals}
   */
  isTerminal?: boolean;
  /**
   * Where confirmations are read from.
   * @default {Deno.stdin.readable}
   */
  stdin?: ReadableStream<Uint8Array>;
  /**
   * Stops a command that runs until stopped (`pipeline <name> show`), as Ctrl+C does.
   * @default {none: it runs until the process ends}
   */
  signal?: AbortSignal;
}

/** The command line was used wrongly (unknown command or option, missing argument): exit 2. */
export class UsageError extends Error {
  /** The usage of the command concerned, shown after the message. */
  readonly usage: string;

  /** Creates the error with `message` and the `usage` text of the command. */
  constructor(message: string, usage: string) {
    super(message);
    this.name = "UsageError";
    this.usage = usage;
  }
}

/** A command failed in a way it already reported: exit 1 without another message. */
export class Failed extends Error {
  /** Creates the error; `message` is for debugging only. */
  constructor(message = "Failed") {
    super(message);
    this.name = "Failed";
  }
}

const encoder = new TextEncoder();

/** The resolved input and output of one command line run. */
export class Output {
  readonly #out: (text: string) => void;
  readonly #err: (text: string) => void;
  readonly #color: boolean;
  /** Whether a person can answer prompts. */
  readonly interactive: boolean;
  /** The folder relative paths resolve against. */
  readonly cwd: string;
  /** The environment. */
  readonly env: Record<string, string | undefined>;
  /** Stops a command that runs until stopped. */
  readonly signal: AbortSignal | undefined;
  #stdin: ReadableStream<Uint8Array> | undefined;
  #reader: ReadableStreamDefaultReader<string> | undefined;
  #buffered = "";

  /** Resolves `io`'s defaults. */
  constructor(io: CliIo = {}) {
    this.#out = io.stdout ?? ((text) => Deno.stdout.writeSync(encoder.encode(text)));
    this.#err = io.stderr ?? ((text) => Deno.stderr.writeSync(encoder.encode(text)));
    this.env = io.env ?? Deno.env.toObject();
    this.cwd = io.cwd ?? Deno.cwd();
    this.interactive = io.isTerminal ?? (Deno.stdin.isTerminal() && Deno.stdout.isTerminal());
    this.#color = this.interactive && !this.env.NO_COLOR;
    this.#stdin = io.stdin;
    this.signal = io.signal;
  }

  /** `path` resolved against the current folder. */
  path(path: string): string {
    return resolve(this.cwd, path);
  }

  /** Prints `text` (a result) and a newline on stdout. */
  print(text = ""): void {
    this.#out(`${text}\n`);
  }

  /** Prints `value` as JSON on stdout. */
  json(value: unknown): void {
    this.#out(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Prints a message on stderr. */
  info(text: string): void {
    this.#err(`${text}\n`);
  }

  /** Prints a warning on stderr. */
  warn(text: string): void {
    this.#err(`${this.yellow("Warning:")} ${text}\n`);
  }

  /** Prints an error on stderr. */
  error(text: string): void {
    this.#err(`${this.red("Error:")} ${text}\n`);
  }

  /** `text` in bold on a color terminal. */
  bold(text: string): string {
    return this.#style(text, 1, 22);
  }

  /** `text` in green on a color terminal. */
  green(text: string): string {
    return this.#style(text, 32, 39);
  }

  /** `text` in yellow on a color terminal. */
  yellow(text: string): string {
    return this.#style(text, 33, 39);
  }

  /** `text` in red on a color terminal. */
  red(text: string): string {
    return this.#style(text, 31, 39);
  }

  #style(text: string, open: number, close: number): string {
    return this.#color ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  }

  /**
   * Asks `question` (yes/no, default no) for a destructive command: `yes` answers it; without a
   * terminal nobody can, and the command refuses ({@linkcode Failed}) with a message naming
   * `--yes`.
   */
  async confirm(question: string, yes: boolean): Promise<boolean> {
    if (yes) return true;
    if (!this.interactive) {
      this.error(`${question} Nobody can answer at a terminal: pass --yes to proceed`);
      throw new Failed("not confirmed");
    }
    this.#err(`${question} [y/N] `);
    const answer = (await this.#readLine())?.trim().toLowerCase();
    return answer === "y" || answer === "yes";
  }

  async #readLine(): Promise<string | undefined> {
    this.#reader ??= (this.#stdin ?? Deno.stdin.readable)
      .pipeThrough(new TextDecoderStream()).getReader();
    while (!this.#buffered.includes("\n")) {
      const { value, done } = await this.#reader.read();
      if (done) {
        const rest = this.#buffered;
        this.#buffered = "";
        return rest === "" ? undefined : rest;
      }
      this.#buffered += value;
    }
    const at = this.#buffered.indexOf("\n");
    const line = this.#buffered.slice(0, at);
    this.#buffered = this.#buffered.slice(at + 1);
    return line;
  }

  /** Releases stdin, when a prompt read it. */
  close(): void {
    this.#reader?.releaseLock();
    this.#reader = undefined;
  }
}
