// deno-lint-ignore-file no-control-regex -- these tests look for the display's ANSI sequences
import assert from "node:assert/strict";
import { defaultProgressMode, progressReporter, type ProgressReporterOptions } from "./reporter.ts";
import { FakeClock, FakeStream, screen, SGR } from "./_testing.ts";
import { log } from "../log.ts";

function setup(mode: "bar" | "log", options: ProgressReporterOptions = {}, terminal = true) {
  const stream = new FakeStream(terminal);
  const clock = new FakeClock();
  const progress = progressReporter(mode, { stream, clock, ...options });
  return { stream, clock, progress, report: progress.report };
}

/** Lines of `text` without their final newline. */
function lines(text: string): string[] {
  return text.split("\n").slice(0, -1);
}

Deno.test("progressReporter writes nothing when no events come", () => {
  for (const mode of ["bar", "log"] as const) {
    const { stream, clock, progress } = setup(mode);
    clock.advance(5000);
    progress.close();
    assert.deepEqual(stream.writes, []);
    assert.equal(clock.timers, 0);
  }
});

Deno.test("progressReporter mode none shows nothing and starts no timer", () => {
  const stream = new FakeStream(true);
  const clock = new FakeClock();
  const progress = progressReporter("none", { stream, clock });
  progress.report({ kind: "step_started", step: "extract" });
  progress.report({ kind: "items_extracted", resource: "users", items: 10 });
  clock.advance(3000);
  progress.report({ kind: "step_ended", step: "extract", durationMs: 3000 });
  progress.close();
  assert.deepEqual(stream.writes, []);
  assert.equal(clock.timers, 0);
});

Deno.test("log mode writes one plain line per period and one when a step ends", () => {
  const { stream, clock, report, progress } = setup("log", {}, false);
  report({ kind: "step_started", step: "extract" });
  assert.equal(clock.timers, 1);
  report({ kind: "items_extracted", resource: "users", items: 400 });
  clock.advance(999);
  assert.deepEqual(stream.writes, [], "nothing before the first period");
  report({ kind: "items_extracted", resource: "users", items: 800 });
  report({ kind: "items_extracted", resource: "orders", items: 200 });
  clock.advance(1);
  report({ kind: "items_extracted", resource: "users", items: 1800 });
  clock.advance(1000);
  clock.advance(500);
  report({ kind: "step_ended", step: "extract", durationMs: 2500 });
  assert.equal(clock.timers, 0, "the timer stops with the step");
  clock.advance(5000);
  progress.close();
  assert.deepEqual(lines(stream.text), [
    "extract: 1.0 s | 1,000 items from 2 resources | 1,000/s | users 800, orders 200",
    "extract: 2.0 s | 2,000 items from 2 resources | 1,000/s | users 1,800, orders 200",
    "extract: 2,000 items from 2 resources in 2.5 s (800/s)",
  ]);
  assert.doesNotMatch(stream.text, /\x1b/);
});

Deno.test("log mode honours periodMs", () => {
  const { stream, clock, report } = setup("log", { periodMs: 250 }, false);
  report({ kind: "step_started", step: "load", loadId: "1" });
  report({ kind: "rows_loaded", loadId: "1", table: "users", rows: 10 });
  clock.advance(1000);
  assert.equal(lines(stream.text).length, 4);
  report({ kind: "step_ended", step: "load", loadId: "1", durationMs: 1000 });
  assert.equal(lines(stream.text).at(-1), "load: 10 rows into 1 table in 1.0 s (10/s)");
});

Deno.test("counts are running totals: rows add up over packages, not over events", () => {
  const { stream, report, clock } = setup("log", {}, false);
  report({ kind: "step_started", step: "normalize" });
  report({ kind: "rows_normalized", loadId: "1", table: "users", rows: 100 });
  report({ kind: "rows_normalized", loadId: "1", table: "users", rows: 300 });
  report({ kind: "rows_normalized", loadId: "2", table: "users", rows: 50 });
  report({ kind: "rows_normalized", loadId: "2", table: "users__tags", rows: 500 });
  clock.advance(1000);
  report({ kind: "step_ended", step: "normalize", durationMs: 2000 });
  assert.deepEqual(lines(stream.text), [
    "normalize: 1.0 s | 850 rows into 2 tables of 2 packages | 850/s | users__tags 500, users 350",
    "normalize: 850 rows into 2 tables of 2 packages in 2.0 s (425/s)",
  ]);
});

Deno.test("counters without step_started count in the step they imply", () => {
  const { stream, report, clock, progress } = setup("log", {}, false);
  report({ kind: "rows_loaded", loadId: "1", table: "users", rows: 7 });
  clock.advance(1000);
  assert.deepEqual(lines(stream.text), ["load: 1.0 s | 7 rows into 1 table | 7/s | users 7"]);
  progress.close();
  assert.equal(
    lines(stream.text).at(-1),
    "load: 7 rows into 1 table in 1.0 s (7/s), not finished",
  );
  assert.equal(clock.timers, 0);
});

Deno.test("a failed step and a step without counters end with their summaries", () => {
  const { stream, report } = setup("log", {}, false);
  report({ kind: "step_started", step: "sync" });
  report({ kind: "step_ended", step: "sync", durationMs: 40 });
  report({ kind: "step_started", step: "extract" });
  report({ kind: "items_extracted", resource: "users", items: 3 });
  report({ kind: "step_ended", step: "extract", durationMs: 1200, error: "Boom" });
  report({ kind: "step_started", step: "normalize" });
  report({ kind: "step_ended", step: "normalize", durationMs: 0, error: "Bad" });
  assert.deepEqual(lines(stream.text), [
    "sync: done in 0.0 s",
    "extract: failed after 1.2 s (3 items from 1 resource): Boom",
    "normalize: failed after 0.0 s: Bad",
  ]);
});

Deno.test("bar mode redraws in place and leaves only the summary", () => {
  const { stream, clock, report, progress } = setup("bar", { columns: 100, color: false });
  report({ kind: "step_started", step: "extract" });
  report({ kind: "items_extracted", resource: "users", items: 1000 });
  clock.advance(100);
  assert.deepEqual(screen(stream.text), [
    "extract  0.1 s  1,000 items  10,000/s",
    "  users  1,000  10,000/s",
  ]);
  const drawn = stream.writes.length;
  report({ kind: "items_extracted", resource: "orders", items: 3000 });
  report({ kind: "items_extracted", resource: "users", items: 2000 });
  assert.equal(stream.writes.length, drawn, "report() only counts");
  clock.advance(100);
  const redraw = stream.writes.at(-1)!;
  assert.ok(redraw.startsWith("\r\x1b[2A\x1b[2K"), JSON.stringify(redraw));
  assert.deepEqual(screen(stream.text), [
    "extract  0.2 s  5,000 items  25,000/s",
    "  orders  3,000  15,000/s",
    "  users   2,000  10,000/s",
  ]);
  clock.advance(1000);
  report({ kind: "step_ended", step: "extract", durationMs: 1300 });
  assert.equal(clock.timers, 0);
  report({ kind: "step_started", step: "load", loadId: "1" });
  report({ kind: "rows_loaded", loadId: "1", table: "orders", rows: 3000 });
  clock.advance(500);
  assert.deepEqual(screen(stream.text), [
    "extract: 5,000 items from 2 resources in 1.3 s (3,846/s)",
    "load  0.5 s  3,000 rows  6,000/s",
    "  orders  3,000  6,000/s",
  ]);
  report({ kind: "step_ended", step: "load", loadId: "1", durationMs: 500 });
  progress.close();
  assert.deepEqual(screen(stream.text), [
    "extract: 5,000 items from 2 resources in 1.3 s (3,846/s)",
    "load: 3,000 rows into 1 table in 0.5 s (6,000/s)",
  ]);
  assert.ok(stream.text.endsWith("\n"));
});

Deno.test("bar mode redraws at most ten times a second, however many events come", () => {
  const { stream, clock, report, progress } = setup("bar", { columns: 80 });
  report({ kind: "step_started", step: "extract" });
  for (let ms = 0; ms < 1000; ms++) {
    report({ kind: "items_extracted", resource: "users", items: ms * 10 });
    clock.advance(1);
  }
  assert.equal(stream.writes.length, 10);
  progress.close();
});

Deno.test("bar mode does not redraw what did not change", () => {
  const { stream, clock, report, progress } = setup("bar", { columns: 80 });
  report({ kind: "step_started", step: "extract" });
  clock.advance(100);
  const drawn = stream.writes.length;
  // the elapsed time shows tenths: ticks within the same tenth draw nothing new
  clock.advance(40);
  assert.equal(stream.writes.length, drawn);
  progress.close();
});

Deno.test("bar mode lists the largest tables and counts the rest on one line", () => {
  const { stream, clock, report, progress } = setup("bar", { columns: 80, color: false });
  report({ kind: "step_started", step: "normalize" });
  for (let i = 1; i <= 7; i++) {
    report({ kind: "rows_normalized", loadId: "1", table: `table_${i}`, rows: i * 100 });
  }
  clock.advance(1000);
  assert.deepEqual(screen(stream.text), [
    "normalize  1.0 s  2,800 rows  2,800/s",
    "  table_7  700  700/s",
    "  table_6  600  600/s",
    "  table_5  500  500/s",
    "  table_4  400  400/s",
    "  … 3 more tables",
  ]);
  progress.close();
  assert.deepEqual(screen(stream.text), [
    "normalize: 2,800 rows into 7 tables in 1.0 s (2,800/s), not finished",
  ]);
});

Deno.test("bar mode fits its live lines to the terminal width", () => {
  const { stream, clock, report, progress } = setup("bar", { columns: 30, color: true });
  report({ kind: "step_started", step: "extract" });
  report({
    kind: "items_extracted",
    resource: "a_resource_with_a_very_long_name_indeed",
    items: 123_456_789,
  });
  report({ kind: "items_extracted", resource: "short", items: 5 });
  clock.advance(300);
  const shown = screen(stream.text);
  assert.equal(shown.length, 3);
  for (const line of shown) assert.ok([...line].length <= 29, line);
  assert.match(shown[1], /^ {2}a_res.*… +123,456,789/);
  assert.match(shown[2], /^ {2}short +5/);
  progress.close();
});

Deno.test("bar mode colors on a terminal, unless NO_COLOR is set or color is false", () => {
  const run = (options: ProgressReporterOptions, terminal = true) => {
    const { stream, clock, report, progress } = setup("bar", { columns: 80, ...options }, terminal);
    report({ kind: "step_started", step: "extract" });
    report({ kind: "items_extracted", resource: "users", items: 10 });
    clock.advance(100);
    report({ kind: "step_ended", step: "extract", durationMs: 100 });
    progress.close();
    return stream.text;
  };
  // NO_COLOR is read as Deno reads it at startup; progress_tty_test.ts sets it for a process
  assert.equal(SGR.test(run({})), !Deno.noColor);
  assert.doesNotMatch(run({}, false), SGR, "no color off a terminal");
  const plain = run({ color: false });
  assert.doesNotMatch(plain, SGR);
  assert.match(plain, /\x1b\[2K/, "still redrawn in place");
  assert.match(run({ color: true }), SGR);
  assert.match(run({ color: true }, false), SGR, "color: true wins");
});

Deno.test("a step that starts inside another shows, then gives way back", () => {
  const { stream, clock, report, progress } = setup("bar", { columns: 80, color: false });
  report({ kind: "step_started", step: "extract" });
  report({ kind: "items_extracted", resource: "users", items: 10 });
  report({ kind: "step_started", step: "sync" });
  clock.advance(100);
  assert.deepEqual(screen(stream.text), ["sync  0.1 s"]);
  report({ kind: "step_ended", step: "sync", durationMs: 100 });
  assert.equal(clock.timers, 1, "extract still runs");
  clock.advance(100);
  assert.deepEqual(screen(stream.text), [
    "sync: done in 0.1 s",
    "extract  0.2 s  10 items  50/s",
    "  users  10  50/s",
  ]);
  progress.close();
  progress.close();
  report({ kind: "items_extracted", resource: "users", items: 20 });
  clock.advance(1000);
  assert.deepEqual(screen(stream.text), [
    "sync: done in 0.1 s",
    "extract: 10 items from 1 resource in 0.2 s (50/s), not finished",
  ]);
  assert.equal(clock.timers, 0);
});

Deno.test("a step_ended for a step that never started still gets its summary", () => {
  const { stream, report } = setup("log", {}, false);
  report({ kind: "step_ended", step: "load", durationMs: 2500 });
  assert.deepEqual(lines(stream.text), ["load: done in 2.5 s"]);
});

Deno.test("a stream that fails is left alone and the run goes on", () => {
  const clock = new FakeClock();
  let calls = 0;
  const stream = {
    writeSync(): number {
      calls++;
      throw new Error("Broken pipe");
    },
    isTerminal: () => true,
  };
  const progress = progressReporter("bar", { stream, clock, columns: 80 });
  progress.report({ kind: "step_started", step: "extract" });
  clock.advance(500);
  progress.report({ kind: "step_ended", step: "extract", durationMs: 500 });
  progress.close();
  assert.equal(calls, 1);
});

Deno.test("a partial write is completed", () => {
  const written: number[] = [];
  const stream = {
    writeSync(bytes: Uint8Array): number {
      const n = Math.min(bytes.length, 3);
      written.push(...bytes.subarray(0, n));
      return n;
    },
    isTerminal: () => false,
  };
  const progress = progressReporter("log", { stream, clock: new FakeClock() });
  progress.report({ kind: "step_ended", step: "sync", durationMs: 100 });
  assert.equal(new TextDecoder().decode(new Uint8Array(written)), "sync: done in 0.1 s\n");
});

Deno.test("the real clock's timer stops with the step and with close()", async () => {
  const stream = new FakeStream(true);
  const progress = progressReporter("bar", { stream, columns: 80, color: false });
  progress.report({ kind: "step_started", step: "extract" });
  progress.report({ kind: "items_extracted", resource: "users", items: 10 });
  await new Promise((done) => setTimeout(done, 350));
  assert.ok(stream.writes.length >= 2, `${stream.writes.length} redraws`);
  progress.report({ kind: "step_ended", step: "extract", durationMs: 350 });
  progress.report({ kind: "step_started", step: "load" });
  progress.close();
  assert.deepEqual(screen(stream.text), [
    "extract: 10 items from 1 resource in 0.3 s (29/s)",
    "load: not finished after 0.0 s",
  ]);
});

Deno.test("defaultProgressMode draws a bar only on a terminal", () => {
  assert.equal(defaultProgressMode(new FakeStream(true)), "bar");
  assert.equal(defaultProgressMode(new FakeStream(false)), "none");
});

Deno.test("progressReporter refuses unknown modes and options", () => {
  assert.throws(
    () => progressReporter("tqdm" as "bar"),
    new RangeError(
      'The mode of progressReporter() must be one of "bar", "log", "none"; got "tqdm"',
    ),
  );
  assert.throws(
    () => progressReporter("log", { period: 5 } as ProgressReporterOptions),
    /Unknown option "period" for progressReporter\(\)/,
  );
  assert.throws(
    () => progressReporter("log", { period_ms: 5 } as ProgressReporterOptions),
    /write "periodMs"/,
  );
  assert.throws(() => progressReporter("log", { periodMs: 0 }), RangeError);
  assert.throws(
    () => progressReporter("bar", { stream: {} as Deno.FsFile }),
    /Option "stream" of progressReporter\(\) must be a stream such as Deno.stderr/,
  );
  assert.throws(() => progressReporter("bar", { color: "yes" as unknown as boolean }), TypeError);
});

Deno.test("bar mode makes way for a log message and draws itself again below it", () => {
  const { stream, clock, report, progress } = setup("bar", { columns: 100, color: false });
  report({ kind: "step_started", step: "extract" });
  report({ kind: "items_extracted", resource: "users", items: 1000 });
  clock.advance(100);
  const erasedBefore = stream.writes.length;
  const error = console.error;
  const written: string[] = [];
  console.error = (line: string) => {
    // what the terminal shows when the message is written: the bar is gone
    written.push(line);
    stream.writeSync(new TextEncoder().encode(`${line}\n`));
  };
  try {
    // an error, which no log level hides (a test module may have set the level to "ERROR")
    log.error("a cursor went backwards");
  } finally {
    console.error = error;
  }
  assert.equal(written.length, 1);
  assert.ok(stream.writes.length > erasedBefore);
  clock.advance(100);
  assert.deepEqual(screen(stream.text), [
    "[dlt ERROR] a cursor went backwards",
    "extract  0.2 s  1,000 items  5,000/s",
    "  users  1,000  5,000/s",
  ]);
  progress.close();
});
