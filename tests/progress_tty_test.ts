// deno-lint-ignore-file no-control-regex -- these tests look for the display's ANSI sequences
/**
 * The progress display on a real pseudo-terminal: `tests/_scripts/progress_events.ts` feeds a
 * run's events into `progressReporter(defaultProgressMode(Deno.stderr))` under util-linux
 * `script`, so stderr is a terminal; and again with stderr redirected to a file, where the
 * default shows nothing and a forced `"log"` writes plain lines.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { screen, SGR, stripSgr } from "../lib/progress/_testing.ts";

const SCRIPT = fileURLToPath(new URL("./_scripts/progress_events.ts", import.meta.url));

/** `text` quoted for sh. */
function quote(text: string): string {
  return `'${text.replaceAll("'", `'"'"'`)}'`;
}

/**
 * Runs the events script under a pseudo-terminal of `columns` columns, with `env` set (or
 * unset, for `undefined`) and `redirect` appended to its command line; returns what the
 * terminal received.
 */
async function underTerminal(
  args: string[],
  options: {
    columns?: number;
    env?: Record<string, string | undefined>;
    redirect?: string;
    script?: string;
  } = {},
): Promise<string> {
  const env = Object.entries(options.env ?? {}).map(([name, value]) =>
    value === undefined ? `-u ${name}` : `${name}=${quote(value)}`
  ).join(" ");
  const command = [
    `stty cols ${options.columns ?? 100} rows 40;`,
    `env ${env}`,
    quote(Deno.execPath()),
    options.script === undefined ? "run --quiet --no-prompt" : "run --quiet -A",
    quote(options.script ?? SCRIPT),
    ...args.map(quote),
    options.redirect ?? "",
  ].join(" ");
  const output = await new Deno.Command("script", {
    args: ["-qfec", command, "/dev/null"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, `${text}\n${new TextDecoder().decode(output.stderr)}`);
  return text;
}

/**
 * Runs the events script as {@linkcode underTerminal} does with its stderr redirected to a file;
 * returns what the terminal received and what the file holds.
 */
async function underTerminalToFile(args: string[]): Promise<{ output: string; stderr: string }> {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "stderr.txt");
    const output = await underTerminal(args, { redirect: `2>${quote(file)}` });
    return { output, stderr: await Deno.readTextFile(file) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The runs of the events script the tests below look at (see {@linkcode runs}). */
function startRuns() {
  const started = {
    colored: underTerminal(["default"], { env: { NO_COLOR: undefined } }),
    narrow: underTerminal(["default"], { columns: 40, env: { NO_COLOR: "1" } }),
    emptyNoColor: underTerminal(["bar"], { env: { NO_COLOR: "" } }),
    quietInFile: underTerminalToFile(["default"]),
    logInFile: underTerminalToFile(["log", "100"]),
  };
  // a failed run fails the test that awaits it
  for (const run of Object.values(started)) run.catch(() => {});
  return started;
}

let started: ReturnType<typeof startRuns> | undefined;

/**
 * The runs of the events script, started together when the first test asks: each takes about a
 * second, mostly the script's pauses, which one after another kept a core of the suite idle.
 */
function runs(): ReturnType<typeof startRuns> {
  return started ??= startRuns();
}

const SUMMARIES = [
  /^sync: done in \d+\.\d s$/,
  /^extract: 12,500 items from 2 resources in \d+\.\d s \([\d,]+\/s\)$/,
  /^normalize: 37,500 rows into 3 tables in \d+\.\d s \([\d,]+\/s\)$/,
  /^load: 37,500 rows into 3 tables in \d+\.\d s \([\d,]+\/s\)$/,
];

function assertSummaries(lines: string[]): void {
  assert.equal(lines.length, SUMMARIES.length, lines.join("\n"));
  lines.forEach((line, i) => assert.match(line, SUMMARIES[i]));
}

Deno.test("on a terminal the default is a bar, redrawn in place, that leaves the summaries", async () => {
  const output = await runs().colored;
  // live lines were drawn and then redrawn in place: cursor up over them, erase each line
  assert.match(output, /\r\x1b\[\d+A\x1b\[2K/);
  const plain = stripSgr(output);
  assert.match(plain, /\x1b\[2Kextract {2}\d+\.\d s {2}[\d,]+ items {2}[\d,]+\/s\r\n/);
  assert.match(plain, /\x1b\[2K {2}users {3}[\d,]+ {2}[\d,]+\/s\r\n/);
  assert.match(plain, /\x1b\[2Knormalize .* rows/);
  assert.match(plain, /\x1b\[2K {2}users__tags {2}[\d,]+/);
  assert.match(plain, /\x1b\[2Kload .* rows/);
  assert.match(output, SGR, "colored on a terminal");
  const shown = screen(output);
  assert.equal(shown.at(-1), "done");
  assertSummaries(shown.slice(0, -1));
});

Deno.test("on a terminal the bar fits the terminal's width and NO_COLOR turns color off", async () => {
  const output = await runs().narrow;
  assert.doesNotMatch(output, SGR);
  assert.match(output, /\r\x1b\[\d+A\x1b\[2K/, "still redrawn in place");
  // every live line drawn fits the 40 columns (less one, so the terminal never wraps it)
  const live = output.split(/\r?\n/).flatMap((line) => line.split("\x1b[2K").slice(1));
  assert.ok(live.length > 5, `${live.length} live lines`);
  for (const line of live) assert.ok([...line].length <= 39, JSON.stringify(line));
  assertSummaries(screen(output).slice(0, -1));
});

Deno.test("an empty NO_COLOR counts as unset", async () => {
  const output = await runs().emptyNoColor;
  assert.match(output, SGR);
});

Deno.test("with stderr in a file the default shows nothing", async () => {
  const { output, stderr } = await runs().quietInFile;
  assert.equal(output.replaceAll("\r", ""), "done\n", "stdout carries no progress");
  assert.equal(stderr, "");
});

Deno.test("with stderr in a file, log mode writes plain lines", async () => {
  const { output, stderr: log } = await runs().logInFile;
  assert.equal(output.replaceAll("\r", ""), "done\n", "stdout carries no progress");
  assert.doesNotMatch(log, /\x1b/);
  const lines = log.trimEnd().split("\n");
  // periodic lines while the steps run, then each step's summary
  assert.ok(
    lines.some((line) => /^extract: \d+\.\d s \| [\d,]+ items from \d resources? \|/.test(line)),
    log,
  );
  assert.ok(
    lines.some((line) => /^load: \d+\.\d s \| [\d,]+ rows into \d tables? \|/.test(line)),
    log,
  );
  assertSummaries(lines.filter((line) => !line.includes(" | ")));
});

Deno.test("a pipeline run on a terminal draws the bar by default, and nothing in a file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const script = fileURLToPath(new URL("./_scripts/events_with_progress.ts", import.meta.url));
    const args = (
      name: string,
    ) => [join(dir, name), join(dir, `${name}.duckdb`), "12000", "default"];
    // the two runs at once: each spends half its time waiting
    const [output, quiet] = await Promise.all([
      underTerminal(args("tty"), { script, env: { NO_COLOR: "1" } }),
      // stderr into a file: the default draws nothing there
      underTerminal(args("file"), { script, redirect: `2> ${quote(join(dir, "stderr.txt"))}` }),
    ]);
    // live lines redrawn in place while the run went on
    assert.match(output, /\r\x1b\[\d+A\x1b\[2K/);
    assert.match(output, /\x1b\[2Kextract {2}\d+\.\d s {2}[\d,]+ items/);
    const shown = screen(output);
    assert.ok(
      shown.some((line) => /^extract: 12,050 items from 2 resources in /.test(line)),
      shown.join("\n"),
    );
    assert.ok(
      shown.some((line) => /^load: 20,050 rows into 3 tables in/.test(line)),
      shown.join("\n"),
    );
    // stdout, the trace, is on the screen too; no live line is left over
    assert.ok(shown.some((line) => line.startsWith('{"formatVersion":1')));
    assert.ok(!shown.some((line) => /^ {2}events /.test(line)), shown.join("\n"));
    assert.equal(await Deno.readTextFile(join(dir, "stderr.txt")), "");
    assert.match(quiet, /"formatVersion":1/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
