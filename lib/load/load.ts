/**
 * The load stage: commits a normalized package to the destination, exactly once.
 *
 * @module
 */
import { join } from "node:path";
import type { DestinationClient } from "../destination.ts";
import { nestedTablesOf } from "../schema/schema.ts";
import type { PackageJob, PackageStore } from "./package_store.ts";
import { checkJobFile } from "./job_files.ts";
import { withHeader } from "./legacy_csv.ts";
import type { PipelineState } from "../state.ts";
import { PendingPackageFailed } from "../errors.ts";

/** What loading one package did. */
export interface LoadPackageResult {
  /** The load id. */
  loadId: string;
  /** Schema (source) name of the package. */
  schemaName: string;
  /** Rows loaded per table. */
  rowCounts: Record<string, number>;
  /** Whether the destination already had the package (a crash after commit) and nothing was loaded now. */
  alreadyLoaded: boolean;
}

/**
 * Loads the normalized package `loadId` through `client` and moves it to the loaded stage. A
 * package the destination already committed (the process died before moving it) is only moved.
 * `onCommitted` receives the package's state once the destination has it, before the move.
 * A package that cannot be read or that the destination refuses with a terminal error fails with
 * a {@linkcode PendingPackageFailed}, which says how to get past it.
 */
export async function loadNormalizedPackage(
  store: PackageStore,
  loadId: string,
  client: DestinationClient,
  onCommitted?: (state: PipelineState) => Promise<void>,
): Promise<LoadPackageResult> {
  const { storage } = store;
  const dir = store.dir("normalized", loadId);
  const manifest = await PendingPackageFailed.during("load", loadId, () => store.readManifest(dir));
  const schema = await PendingPackageFailed.during("load", loadId, () => store.readSchema(dir));
  const rowCounts: Record<string, number> = {};
  for (const job of manifest.jobs) rowCounts[job.table] = (rowCounts[job.table] ?? 0) + job.rows;
  const alreadyLoaded = await client.isLoaded(loadId);
  if (!alreadyLoaded) {
    // a job file cut after normalize wrote it (a full disk, a crash) fails before any load
    const jobs: PackageJob[] = [];
    for (const job of manifest.jobs) {
      jobs.push(
        await PendingPackageFailed.during("load", loadId, async () => {
          await checkJobFile(storage, loadId, join(dir, job.file), job);
          // normalized before job formats were recorded: CSV without a header
          return job.format === undefined ? await withHeader(storage, dir, job) : job;
        }),
      );
    }
    const replaceTables: string[] = [];
    for (const [name, hints] of Object.entries(manifest.tables)) {
      if (hints.writeDisposition !== "replace" || schema.tables[name] === undefined) continue;
      replaceTables.push(name, ...nestedTablesOf(schema, name).map((t) => t.name));
    }
    // refresh "drop_data": emptied like a replace
    for (const name of manifest.truncateTables ?? []) {
      if (schema.tables[name] !== undefined && !replaceTables.includes(name)) {
        replaceTables.push(name);
      }
    }
    await PendingPackageFailed.during("load", loadId, () =>
      client.loadPackage({
        loadId,
        schema,
        jobs: jobs.map((job) => ({
          path: storage.locate(join(dir, job.file)),
          table: job.table,
          columns: job.columns ?? [],
          rows: job.rows,
          format: job.format ?? "csv",
          longestLine: job.longestLine ?? 0,
        })),
        replaceTables,
        dropTables: manifest.dropTables ?? [],
        state: manifest.state,
      }));
  }
  if (manifest.state !== undefined) await onCommitted?.(manifest.state);
  await store.move(loadId, "normalized", "loaded");
  return { loadId, schemaName: manifest.schemaName, rowCounts, alreadyLoaded };
}
