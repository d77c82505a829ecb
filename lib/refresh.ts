/**
 * Planning dlt's `refresh` for a run: which tables are dropped or emptied, and which state is
 * reset with them.
 *
 * @module
 */
import type { RefreshMode } from "./pipeline_options.ts";
import { nestedTablesOf, type StoredSchema } from "./schema/schema.ts";
import type { DltSource } from "./source.ts";
import type { PipelineState } from "./state.ts";

/** What a refresh does to the destination. */
export interface RefreshPlan {
  /** Tables dropped (and created again by the load). */
  drop: string[];
  /** Tables emptied. */
  truncate: string[];
}

/**
 * The tables a refresh drops or empties, with the state it resets (in `state`, in place): all of
 * the source's for `drop_sources`, the running resources' otherwise. Without `refresh`, none.
 */
export function planRefresh(
  schema: StoredSchema,
  source: DltSource,
  refresh: RefreshMode | undefined,
  state: PipelineState,
): RefreshPlan {
  if (refresh === undefined) return { drop: [], truncate: [] };
  const running = [...source.resources.values()].filter((r) => r.selected).map((r) => r.name);
  const roots = Object.values(schema.tables).filter((t) =>
    t.parent === undefined &&
    (refresh === "drop_sources" || (t.resource !== undefined && running.includes(t.resource)))
  );
  const tables = roots.flatMap((t) => [
    t.name,
    ...nestedTablesOf(schema, t.name).map((n) => n.name),
  ]);
  const sourceState = state.sources[source.name];
  if (refresh === "drop_sources") {
    delete state.sources[source.name];
  } else if (sourceState?.resources !== undefined) {
    for (const name of running) delete sourceState.resources[name];
  }
  return refresh === "drop_data" ? { drop: [], truncate: tables } : { drop: tables, truncate: [] };
}
