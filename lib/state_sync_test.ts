import assert from "node:assert/strict";
import { reconcileState, type StateSyncInput } from "./state_sync.ts";
import { bumpStateVersion, newState, type PipelineState } from "./state.ts";

/** A state of pipeline "p" at `version`, with content that tells versions apart. */
function stateAt(version: number, content = version): PipelineState {
  const state = newState("p", "d");
  state.sources.s = { n: content };
  bumpStateVersion(state);
  state.version = version;
  return state;
}

const base: StateSyncInput = {
  pipelineName: "p",
  target: 'dataset "d" of duckdb "/x.duckdb"',
  committed: undefined,
  pending: [],
  stored: undefined,
};

Deno.test("reconcileState keeps the local state when the destination holds the same", () => {
  assert.deepEqual(reconcileState(base), { keep: true });
  assert.deepEqual(reconcileState({ ...base, committed: stateAt(3), stored: stateAt(3) }), {
    keep: true,
  });
  // a pending package the destination committed before the process died
  assert.deepEqual(
    reconcileState({ ...base, committed: stateAt(3), pending: [stateAt(4)], stored: stateAt(4) }),
    { keep: true },
  );
  // nothing committed anywhere: pending packages are loaded as they are
  assert.deepEqual(reconcileState({ ...base, pending: [stateAt(1)] }), { keep: true });
});

Deno.test("reconcileState takes the destination's state, or none, when it differs", () => {
  const lost = reconcileState({ ...base, committed: stateAt(3), pending: [stateAt(4)] });
  assert.equal(lost.keep, false);
  if (lost.keep) return;
  assert.equal(lost.state, undefined);
  assert.equal(lost.level, "warn");
  assert.match(lost.message, /holds no state of this pipeline .* local state \(version 3\)/);
  assert.match(lost.message, /everything is loaded again; 1 pending load package/);

  const older = reconcileState({ ...base, committed: stateAt(5), stored: stateAt(2) });
  assert.ok(!older.keep && older.state?.version === 2 && older.level === "warn");

  const newer = reconcileState({ ...base, committed: stateAt(2), stored: stateAt(5) });
  assert.ok(!newer.keep && newer.state?.version === 5 && newer.level === "info");

  const sameVersion = reconcileState({ ...base, committed: stateAt(2), stored: stateAt(2, 9) });
  assert.ok(!sameVersion.keep && sameVersion.state?.sources.s.n === 9);

  const restored = reconcileState({ ...base, stored: stateAt(2) });
  assert.ok(!restored.keep && restored.level === "info");
  assert.match(restored.message, /took state version 2/);
});

Deno.test("reconcileState names both places when the pipeline loads somewhere new", () => {
  const moved = reconcileState({
    ...base,
    previousTarget: 'dataset "old" of duckdb "/x.duckdb"',
    committed: stateAt(3),
  });
  assert.ok(!moved.keep && moved.state === undefined && moved.level === "warn");
  assert.match(
    moved.message,
    /now loads into dataset "d" of duckdb "\/x.duckdb" \(before: dataset "old" .*\), which holds no state of it/,
  );
});
