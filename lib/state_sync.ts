/**
 * dlt's rule for the pipeline state: the destination's wins. The local `state.json` is written
 * only after the destination committed the load that carried it, so the destination should hold
 * that same state. When it holds another one — newer (a run elsewhere), older or none (the
 * database was deleted, replaced or emptied; or the pipeline now loads into another dataset) —
 * the next extract starts from the destination's state, so a cursor never skips data the
 * destination does not have. An empty destination means a full load.
 *
 * @module
 */
import type { PipelineState } from "./state.ts";

/** What {@linkcode reconcileState} compares. */
export interface StateSyncInput {
  /** The pipeline, for messages. */
  pipelineName: string;
  /** Where the run loads, e.g. `dataset "d" of duckdb "/data/p.duckdb"`, for messages. */
  target: string;
  /** Where the earlier runs loaded, when that was another place. */
  previousTarget?: string;
  /** The state of the last committed load, as the working folder has it (`state.json`). */
  committed: PipelineState | undefined;
  /** The states carried by pending (extracted or normalized, not loaded) packages. */
  pending: readonly PipelineState[];
  /** The newest state of this pipeline that the destination holds. */
  stored: PipelineState | undefined;
}

/**
 * What to do: keep the local state, or take `state` (the destination's; `undefined`: start
 * empty), dropping the pending packages that were made from the local one, and say `message`.
 */
export type StateSyncDecision =
  | { keep: true }
  | {
    keep: false;
    state: PipelineState | undefined;
    level: "info" | "warn";
    message: string;
  };

function same(a: PipelineState, b: PipelineState): boolean {
  return a.version === b.version && a.versionHash === b.versionHash;
}

/**
 * Compares the local state with the destination's, as dlt does before each run.
 *
 * @example
 * ```ts
 * import { reconcileState } from "./state_sync.ts";
 * import { newState } from "./state.ts";
 * const committed = { ...newState("p", "d"), version: 4 };
 * const decision = reconcileState({
 *   pipelineName: "p",
 *   target: 'dataset "d" of duckdb',
 *   committed,
 *   pending: [],
 *   stored: undefined,
 * });
 * if (decision.keep || decision.state !== undefined) throw new Error("unexpected");
 * ```
 */
export function reconcileState(input: StateSyncInput): StateSyncDecision {
  const { committed, stored, pending } = input;
  if (stored === undefined && committed === undefined) return { keep: true };
  if (stored !== undefined && committed !== undefined && same(stored, committed)) {
    return { keep: true };
  }
  // committed, but the process ended before the package moved to "loaded": it finishes it
  if (stored !== undefined && pending.some((state) => same(state, stored))) return { keep: true };

  const subject = `Pipeline "${input.pipelineName}"`;
  let level: "info" | "warn" = "warn";
  let message: string;
  if (input.previousTarget !== undefined) {
    const moved = `${subject} now loads into ${input.target} (before: ${input.previousTarget})`;
    message = stored === undefined
      ? `${moved}, which holds no state of it: starting from an empty state, so everything is loaded again`
      : `${moved}, which holds state version ${stored.version} of it: going on from that state`;
  } else if (stored === undefined) {
    message =
      `${subject}: ${input.target} holds no state of this pipeline (no "_dlt_pipeline_state" row), yet the local state (version ${
        committed!.version
      }) says loads were committed there: that data is gone (was the database deleted or replaced?). Starting from an empty state: everything is loaded again`;
  } else if (committed === undefined) {
    level = "info";
    message =
      `${subject}: took state version ${stored.version} and the schemas from ${input.target}`;
  } else if (stored.version < committed.version) {
    message =
      `${subject}: ${input.target} holds state version ${stored.version} of this pipeline, older than the local one (version ${committed.version}): the loads after it are gone (was the database replaced by an older copy?). Going back to the destination's state: what came after it is loaded again`;
  } else {
    level = "info";
    message =
      `${subject}: ${input.target} holds another state (version ${stored.version}) than the local one (version ${committed.version}), committed by a run elsewhere: going on from the destination's`;
  }
  if (pending.length > 0) {
    level = "warn";
    message += `; ${pending.length} pending load package(s) made from the local state are dropped`;
  }
  return { keep: false, state: stored, level, message };
}
