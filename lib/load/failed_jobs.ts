/**
 * Failures of pending packages, kept in the package folder (`failed_jobs.json`) so they can be
 * listed after the process ended (`dlt pipeline <name> failed-jobs`). A package whose normalize or
 * load fails with a terminal error stays pending and fails every run the same way, as dlt's
 * default `raise_on_failed_jobs`; its record is replaced on each failure and goes away with the
 * package (loaded or dropped).
 *
 * @module
 */
import { join } from "node:path";
import type { PipelineStep } from "../errors.ts";
import { type PackageStore, readJsonFile, writeJsonFile } from "./package_store.ts";
import { redact } from "../redact.ts";

/** Name of the record in a package folder. */
export const FAILED_JOBS_FILE = "failed_jobs.json";

/** One recorded failure of a pending package. */
export interface FailedJob {
  /** The package. */
  loadId: string;
  /** The step that failed on it. */
  step: PipelineStep;
  /** The job file it failed on, when known. */
  file?: string;
  /** The table of that job, when known. */
  table?: string;
  /** The error's class name. */
  errorName: string;
  /** The error's message, redacted. */
  message: string;
  /** When it failed (ISO). */
  failedAt: string;
}

/**
 * The record of `error`, the terminal failure of `step` on package `loadId`: the failing `job`
 * when known, else the job of `jobs` whose file the message of the error (or of a cause) quotes
 * (by name or path); the table of that job, else one the error names (`tableName`); the name of the error
 * that caused the step's error.
 */
export function failureOf(
  step: PipelineStep,
  loadId: string,
  error: unknown,
  jobs: readonly { file: string; table: string }[] = [],
  job?: { file: string; table: string },
): FailedJob {
  const causes: Error[] = [];
  for (let e = error; e instanceof Error && causes.length < 10; e = e.cause) causes.push(e);
  // quoted alone or as the end of a quoted path
  const quotes = (text: string, file: string) =>
    text.includes(`"${file}"`) || text.includes(`/${file}"`) || text.includes(`\\${file}"`);
  job ??= jobs.find((j) => causes.some((e) => quotes(e.message, j.file)));
  const named = causes.find((e) => typeof (e as { tableName?: unknown }).tableName === "string");
  const cause = causes[1] ?? causes[0];
  return {
    loadId,
    step,
    ...(job === undefined ? {} : { file: job.file }),
    ...(job !== undefined
      ? { table: job.table }
      : named === undefined
      ? {}
      : { table: (named as unknown as { tableName: string }).tableName }),
    errorName: cause?.name ?? "Error",
    message: error instanceof Error ? error.message : String(error),
    failedAt: new Date().toISOString(),
  };
}

/** The package stage whose folder holds the record of a failure in `step`. */
function stageOf(step: PipelineStep): "extracted" | "normalized" {
  return step === "normalize" ? "extracted" : "normalized";
}

/** Records `failure` in its package's folder (the package waits in the stage of its step). */
export async function recordFailedJob(store: PackageStore, failure: FailedJob): Promise<void> {
  const dir = store.dir(stageOf(failure.step), failure.loadId);
  await writeJsonFile(store.storage, join(dir, FAILED_JOBS_FILE), [
    { ...failure, message: redact(failure.message) },
  ]);
}

/** Removes the record of package `loadId` waiting for `step`, if any (it loaded after all). */
export async function clearFailedJobs(
  store: PackageStore,
  step: PipelineStep,
  loadId: string,
): Promise<void> {
  await store.storage.remove(join(store.dir(stageOf(step), loadId), FAILED_JOBS_FILE));
}

/** The failures recorded in the pending packages of `store`, oldest package first. */
export async function readFailedJobs(store: PackageStore): Promise<FailedJob[]> {
  const failed: FailedJob[] = [];
  for (const stage of ["extracted", "normalized"] as const) {
    for (const loadId of await store.list(stage)) {
      const path = join(store.dir(stage, loadId), FAILED_JOBS_FILE);
      try {
        await store.storage.stat(path);
      } catch {
        continue;
      }
      failed.push(...await readJsonFile<FailedJob[]>(store.storage, path));
    }
  }
  return failed;
}
