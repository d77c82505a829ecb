import assert from "node:assert/strict";
import { StepTracker } from "./_steps.ts";

Deno.test("StepTracker keeps running totals per name and package", () => {
  let now = 0;
  const steps = new StepTracker(() => now);
  steps.apply({ kind: "step_started", step: "load", loadId: "1" });
  steps.apply({ kind: "rows_loaded", loadId: "1", table: "b", rows: 5 });
  steps.apply({ kind: "rows_loaded", loadId: "1", table: "b", rows: 8 });
  steps.apply({ kind: "rows_loaded", loadId: "2", table: "b", rows: 2 });
  steps.apply({ kind: "rows_loaded", loadId: "2", table: "a", rows: 10 });
  const tally = steps.current!;
  assert.deepEqual(tally.byName(), [["a", 10], ["b", 10]], "largest first, then by name");
  assert.equal(tally.packages, 2);
  assert.equal(tally.unit, "rows");
  now = 700;
  const ended = steps.apply({ kind: "step_ended", step: "load", durationMs: 650 });
  assert.equal(ended?.tally, tally);
  assert.equal(ended?.durationMs, 650);
  assert.equal(steps.current, undefined);
});

Deno.test("StepTracker ends the named step and closes the rest as unfinished", () => {
  let now = 0;
  const steps = new StepTracker(() => now);
  steps.apply({ kind: "step_started", step: "extract" });
  steps.apply({ kind: "step_started", step: "sync" });
  now = 50;
  const extract = steps.apply({ kind: "step_ended", step: "extract", durationMs: 50 });
  assert.equal(extract?.tally.step, "extract");
  assert.equal(steps.current?.step, "sync");
  now = 80;
  const rest = steps.endAll();
  assert.deepEqual(rest.map((e) => [e.tally.step, e.durationMs, e.unfinished]), [
    ["sync", 80, true],
  ]);
  assert.deepEqual(steps.endAll(), []);
});
