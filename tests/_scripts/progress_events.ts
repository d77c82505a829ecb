/**
 * Feeds the progress events of a small run (sync, extract of two resources, normalize and load
 * of one package) into a progress reporter, with short pauses as a real run has, then prints
 * `done` on stdout. Used by `progress_tty_test.ts` under a pseudo-terminal and with stderr
 * redirected. Argument: the mode, `default` (what `defaultProgressMode(Deno.stderr)` picks),
 * `bar` or `log`; and optionally the log period in milliseconds.
 */
import { defaultProgressMode, progressReporter } from "../../lib/progress/reporter.ts";
import type { PipelineStep } from "../../lib/errors.ts";

const [mode = "default", period] = Deno.args;
const progress = progressReporter(
  mode === "default" ? defaultProgressMode(Deno.stderr) : mode as "bar" | "log",
  period === undefined ? {} : { periodMs: Number(period) },
);
const pause = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

async function step(step: PipelineStep, loadId: string | undefined, work: () => Promise<void>) {
  const started = performance.now();
  progress.report({ kind: "step_started", step, loadId });
  await work();
  const durationMs = performance.now() - started;
  progress.report({ kind: "step_ended", step, loadId, durationMs });
}

const loadId = "1764680000.123456";
await step("sync", undefined, () => pause(20));
await step("extract", undefined, async () => {
  for (let batch = 1; batch <= 10; batch++) {
    progress.report({ kind: "items_extracted", resource: "users", items: batch * 1000 });
    if (batch % 2 === 0) {
      progress.report({ kind: "items_extracted", resource: "orders", items: batch * 250 });
    }
    await pause(40);
  }
});
await step("normalize", loadId, async () => {
  for (let part = 1; part <= 5; part++) {
    progress.report({ kind: "rows_normalized", loadId, table: "users", rows: part * 2000 });
    progress.report({ kind: "rows_normalized", loadId, table: "users__tags", rows: part * 5000 });
    progress.report({ kind: "rows_normalized", loadId, table: "orders", rows: part * 500 });
    await pause(50);
  }
});
await step("load", loadId, async () => {
  for (const [table, rows] of [["users", 10_000], ["users__tags", 25_000], ["orders", 2500]]) {
    await pause(80);
    progress.report({ kind: "rows_loaded", loadId, table: table as string, rows: rows as number });
  }
});
progress.close();
console.log("done");
