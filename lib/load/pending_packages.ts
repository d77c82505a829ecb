/**
 * Recovery of the packages an interrupted run left behind: extracted or normalized, not loaded.
 * Their states are newer than the working folder's committed one, and a normalized package's
 * schema may be newer than the saved one.
 *
 * @module
 */
import { PendingPackageFailed } from "../errors.ts";
import type { StoredSchema } from "../schema/schema.ts";
import type { PipelineState } from "../state.ts";
import type { PackageStore } from "./package_store.ts";

/** The pending stages, in the order packages go through them. */
const PENDING_STAGES = ["extracted", "normalized"] as const;

/** What the pending packages carry. */
export interface PendingPackages {
  /** The states they carry, oldest first. */
  states: PipelineState[];
  /** The schemas of the normalized ones. */
  schemas: StoredSchema[];
}

/**
 * Reads the pending packages of `store`. A damaged one is a `PendingPackageFailed` naming it and
 * the step it waits for.
 */
export async function readPendingPackages(store: PackageStore): Promise<PendingPackages> {
  const pending: PendingPackages = { states: [], schemas: [] };
  for (const stage of PENDING_STAGES) {
    for (const loadId of await store.list(stage)) {
      const dir = store.dir(stage, loadId);
      const next = stage === "extracted" ? "normalize" : "load";
      const manifest = await PendingPackageFailed.during(
        next,
        loadId,
        () => store.readManifest(dir),
      );
      if (manifest.state !== undefined) pending.states.push(manifest.state);
      if (stage === "normalized") {
        pending.schemas.push(
          await PendingPackageFailed.during(next, loadId, () => store.readSchema(dir)),
        );
      }
    }
  }
  return pending;
}

/** Deletes the packages of `store` that were extracted or normalized but not loaded. */
export async function dropPendingPackages(store: PackageStore): Promise<void> {
  for (const stage of PENDING_STAGES) {
    for (const loadId of await store.list(stage)) await store.remove(stage, loadId);
  }
}

/** How many packages of `store` wait to be normalized (`extracted`) and loaded (`normalized`). */
export async function countPendingPackages(
  store: PackageStore,
): Promise<{ extracted: number; normalized: number }> {
  return {
    extracted: (await store.list("extracted")).length,
    normalized: (await store.list("normalized")).length,
  };
}
