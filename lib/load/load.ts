/**
 * The load stage: commits a normalized package to the destination, exactly once.
 *
 * @module
 */
import { basename, join } from "node:path";
import type { DestinationClient, LoadJob } from "../destination.ts";
import { nestedTablesOf, rootTableOf } from "../schema/schema.ts";
import type { PackageJob, PackageStore } from "./package_store.ts";
import { checkJobFile, loadJobOf } from "./job_files.ts";
import { withHeader } from "./legacy_csv.ts";
import type { PipelineState } from "../state.ts";
import { PendingPackageFailed } from "../errors.ts";
import type { JobMetrics } from "../trace.ts";
import { clearFailedJobs, failureOf, recordFailedJob } from "./failed_jobs.ts";

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
  /**
   * The package's job files, in manifest order, with the time the destination took for each
   * one it reported (none when the package was already loaded).
   */
  jobs: JobMetrics[];
}

/** Options of {@linkcode loadNormalizedPackage}. */
export interface LoadNormalizedPackageOptions {
  /**
   * Receives the rows loaded so far into `table` (a running total) after each job file the
   * destination reports, and the final totals of the tables it did not report once the package
   * is committed. Without it nothing is counted.
   */
  onRows?: (table: string, rows: number) => void;
}

/**
 * Loads the normalized package `loadId` through `client` and moves it to the loaded stage. A
 * package the destination already committed (the process died before moving it) is only moved.
 * `onCommitted` receives the package's state once the destination has it, before the move.
 * A package that cannot be read or that the destination refuses with a terminal error fails with
 * a {@linkcode PendingPackageFailed}, which says how to get past it, and is recorded in the
 * package's `failed_jobs.json` (see `failed_jobs.ts`).
 */
export async function loadNormalizedPackage(
  store: PackageStore,
  loadId: string,
  client: DestinationClient,
  onCommitted?: (state: PipelineState) => Promise<void>,
  options: LoadNormalizedPackageOptions = {},
): Promise<LoadPackageResult> {
  /** The job failing now, when known. */
  let failing: PackageJob | undefined;
  let jobs: readonly PackageJob[] = [];
  try {
    return await loadPackageOnce(store, loadId, client, onCommitted, options, {
      jobs: (all) => jobs = all,
      checking: (job) => failing = job,
    });
  } catch (error) {
    if (error instanceof PendingPackageFailed) {
      // the failure itself is what the run reports, also when it cannot be recorded
      await recordFailedJob(store, failureOf("load", loadId, error, jobs, failing))
        .catch(() => {});
    }
    throw error;
  }
}

async function loadPackageOnce(
  store: PackageStore,
  loadId: string,
  client: DestinationClient,
  onCommitted: ((state: PipelineState) => Promise<void>) | undefined,
  options: LoadNormalizedPackageOptions,
  seen: { jobs(jobs: readonly PackageJob[]): void; checking(job: PackageJob | undefined): void },
): Promise<LoadPackageResult> {
  const { storage } = store;
  const dir = store.dir("normalized", loadId);
  const manifest = await PendingPackageFailed.during("load", loadId, () => store.readManifest(dir));
  seen.jobs(manifest.jobs);
  const schema = await PendingPackageFailed.during("load", loadId, () => store.readSchema(dir));
  const rowCounts: Record<string, number> = {};
  for (const job of manifest.jobs) rowCounts[job.table] = (rowCounts[job.table] ?? 0) + job.rows;
  const metrics: JobMetrics[] = manifest.jobs.map((job) => ({
    loadId,
    table: job.table,
    file: job.file,
    format: job.format ?? "csv",
    rows: job.rows,
    bytes: job.bytes ?? 0,
  }));
  const { onRows } = options;
  /** Rows reported loaded per table. */
  const loaded: Record<string, number> = {};
  const alreadyLoaded = await client.isLoaded(loadId);
  if (!alreadyLoaded) {
    // a job file cut after normalize wrote it (a full disk, a crash) fails before any load
    const jobs: PackageJob[] = [];
    for (const job of manifest.jobs) {
      seen.checking(job);
      jobs.push(
        await PendingPackageFailed.during("load", loadId, async () => {
          await checkJobFile(storage, loadId, join(dir, job.file), job);
          // normalized before job formats were recorded: CSV without a header
          return job.format === undefined ? await withHeader(storage, dir, job) : job;
        }),
      );
    }
    seen.checking(undefined);
    const replaceTables: string[] = [];
    for (const [name, hints] of Object.entries(manifest.tables)) {
      if (hints.writeDisposition !== "replace" || schema.tables[name] === undefined) continue;
      replaceTables.push(name, ...nestedTablesOf(schema, name).map((t) => t.name));
    }
    // tables of their own that nested hints make (dlt's custom linking) are replaced when they
    // get rows: their root tables are not among the package's tables
    for (const job of manifest.jobs) {
      const root = schema.tables[job.table] === undefined
        ? undefined
        : rootTableOf(schema, job.table);
      if (
        root === undefined || root.writeDisposition !== "replace" ||
        manifest.tables[root.name] !== undefined || replaceTables.includes(root.name)
      ) continue;
      replaceTables.push(root.name, ...nestedTablesOf(schema, root.name).map((t) => t.name));
    }
    // refresh "drop_data": emptied like a replace
    for (const name of manifest.truncateTables ?? []) {
      if (schema.tables[name] !== undefined && !replaceTables.includes(name)) {
        replaceTables.push(name);
      }
    }
    // the job files by the name the destination sees (a legacy CSV is loaded from its copy)
    const byPath = new Map<string, JobMetrics>();
    const loadJobs: LoadJob[] = jobs.map((job, i) => {
      const path = storage.locate(join(dir, job.file));
      byPath.set(path, metrics[i]);
      return loadJobOf(path, job);
    });
    await PendingPackageFailed.during("load", loadId, () =>
      client.loadPackage({
        loadId,
        schema,
        jobs: loadJobs,
        replaceTables,
        dropTables: manifest.dropTables ?? [],
        state: manifest.state,
        onJobLoaded: (job, { durationMs, duringNormalize }) => {
          const metric = byPath.get(job.path) ??
            metrics.find((m) => m.file === basename(job.path));
          if (metric !== undefined) {
            metric.durationMs = durationMs;
            if (duringNormalize) metric.duringNormalize = true;
          }
          if (onRows === undefined) return;
          loaded[job.table] = (loaded[job.table] ?? 0) + job.rows;
          onRows(job.table, loaded[job.table]);
        },
      }));
  }
  // a destination that reports no jobs (or not all), or a package an earlier run committed: the
  // package's totals, as its LoadInfo counts them
  for (const [table, rows] of Object.entries(rowCounts)) {
    if (loaded[table] !== rows) onRows?.(table, rows);
  }
  if (manifest.state !== undefined) await onCommitted?.(manifest.state);
  await clearFailedJobs(store, "load", loadId);
  await store.move(loadId, "normalized", "loaded");
  return { loadId, schemaName: manifest.schemaName, rowCounts, alreadyLoaded, jobs: metrics };
}
