import assert from "node:assert/strict";
import { incremental, IncrementalCursorError, IncrementalRun } from "./incremental.ts";

Deno.test("a stored cursor that is not what incremental writes is an error, never a reset", () => {
  const state = { incremental: { updated_at: { last_value: "x", unique_hashes: "oops" } } };
  assert.throws(
    () => new IncrementalRun(incremental("updated_at"), "issues", state, "id"),
    (e: unknown) =>
      e instanceof IncrementalCursorError && /stored state cannot be read/.test(e.message),
  );
});

Deno.test("the state holds the last value with its type and the boundary hashes", () => {
  const state: Record<string, unknown> = {};
  const run = new IncrementalRun(incremental("at"), "r", state, "id");
  for (const [id, day] of [[1, 1], [2, 3], [3, 3], [4, 2]]) {
    assert.equal(run.decide({ id, at: new Date(Date.UTC(2024, 0, day)) }), "keep");
  }
  run.commit();
  const stored = (state.incremental as Record<string, Record<string, unknown>>).at;
  assert.equal(stored.last_value, "2024-01-03T00:00:00.000Z");
  assert.equal(stored.value_type, "date");
  assert.equal((stored.unique_hashes as string[]).length, 2);
  const next = new IncrementalRun(incremental("at"), "r", state, "id");
  assert.ok(next.startValue instanceof Date);
  assert.equal(next.decide({ id: 3, at: new Date(Date.UTC(2024, 0, 3)) }), "skip");
  assert.equal(next.decide({ id: 5, at: new Date(Date.UTC(2024, 0, 3)) }), "keep");
  assert.equal(next.decide({ id: 6, at: new Date(Date.UTC(2024, 0, 2)) }), "skip");
});

Deno.test("cursor paths are checked when the cursor is defined", () => {
  assert.throws(() => incremental("a..b"), /Invalid incremental cursor path "a..b"/);
  assert.throws(
    () => incremental("n", { lag: -1 }),
    new RangeError('Option "lag" of incremental("n") must be a number ≥ 0; got -1'),
  );
});
