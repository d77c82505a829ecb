/**
 * What a pipeline run did, like dlt's `LoadInfo`.
 *
 * @module
 */
import { redact, redactUrl } from "./redact.ts";
import { DltError } from "./errors.ts";
import type { JobMetrics } from "./trace.ts";
import type { FailedJob } from "./load/failed_jobs.ts";

/** One load package of a run. */
export interface LoadPackageInfo {
  /** The load id. */
  loadId: string;
  /** Schema (source) name. */
  schemaName: string;
  /** Rows loaded per table. */
  rowCounts: Record<string, number>;
  /** Whether the package had been committed by an earlier, interrupted run. */
  alreadyLoaded: boolean;
  /**
   * Its job files: table, file, format, rows, bytes, and the milliseconds the destination took
   * for each it loaded now (when it reports per job).
   */
  jobs: JobMetrics[];
  /**
   * Jobs of the package that failed terminally. A terminal failure fails the run here (the
   * package stays pending, recorded in its `failed_jobs.json`), as dlt's default
   * `raise_on_failed_jobs`, so the packages of a returned `LoadInfo` have none.
   */
  failedJobs?: FailedJob[];
}

/** A package as {@linkcode LoadInfoInit} takes it: `jobs` may be left out. */
export type LoadPackageInit = Omit<LoadPackageInfo, "jobs"> & { jobs?: JobMetrics[] };

/** Time spent per step, in milliseconds. */
export interface StepTimings {
  /** Extract. */
  extract: number;
  /** Normalize. */
  normalize: number;
  /** Load. */
  load: number;
}

/** Fields of {@linkcode LoadInfo}. */
export interface LoadInfoInit {
  /** The pipeline. */
  pipelineName: string;
  /** Destination type name. */
  destinationName: string;
  /** Where the destination stores data (a file path), when it tells. */
  destinationLocation?: string;
  /** Dataset loaded into. */
  datasetName: string;
  /** Packages loaded, oldest first. */
  loadPackages: LoadPackageInit[];
  /** Milliseconds per step. */
  timings: StepTimings;
  /** When the run started. */
  startedAt: Date;
  /** When the run finished. */
  finishedAt: Date;
}

/** The plain JSON form of a {@linkcode LoadInfo} (`info.toJSON()`, `JSON.stringify(info)`). */
export interface LoadInfoJson {
  /** The pipeline. */
  pipelineName: string;
  /** Destination type name. */
  destinationName: string;
  /** Where the destination stores data (credentials removed), when it tells. */
  destinationLocation?: string;
  /** Dataset loaded into. */
  datasetName: string;
  /** When the run started (ISO). */
  startedAt: string;
  /** When the run finished (ISO). */
  finishedAt: string;
  /** Milliseconds per step. */
  timings: StepTimings;
  /** Load ids of the packages loaded. */
  loadIds: string[];
  /** Rows loaded per table, over all packages. */
  rowCounts: Record<string, number>;
  /** Whether a package has failed jobs. */
  hasFailedJobs: boolean;
  /** The packages loaded, with their rows per table and jobs. */
  loadPackages: LoadPackageInfo[];
}

/**
 * The result of `pipeline.run()` or `pipeline.load()`. `console.log(info)` prints the same
 * summary as `info.toString()`, as `print(load_info)` does in dlt.
 */
export class LoadInfo implements LoadInfoInit {
  /** The pipeline. */
  readonly pipelineName: string;
  /** Destination type name. */
  readonly destinationName: string;
  /** Where the destination stores data, when it tells. */
  readonly destinationLocation?: string;
  /** Dataset loaded into. */
  readonly datasetName: string;
  /** Packages loaded, oldest first. */
  readonly loadPackages: LoadPackageInfo[];
  /** Milliseconds per step. */
  readonly timings: StepTimings;
  /** When the run started. */
  readonly startedAt: Date;
  /** When the run finished. */
  readonly finishedAt: Date;

  /** Creates the info from its fields. */
  constructor(init: LoadInfoInit) {
    this.pipelineName = init.pipelineName;
    this.destinationName = init.destinationName;
    // a location may hold credentials (a connection string): never show them
    this.destinationLocation = init.destinationLocation === undefined
      ? undefined
      : redactUrl(init.destinationLocation);
    this.datasetName = init.datasetName;
    this.loadPackages = init.loadPackages.map((p) => ({ ...p, jobs: p.jobs ?? [] }));
    this.timings = init.timings;
    this.startedAt = init.startedAt;
    this.finishedAt = init.finishedAt;
  }

  /** Load ids of the packages loaded. */
  get loadIds(): string[] {
    return this.loadPackages.map((p) => p.loadId);
  }

  /** Rows loaded per table, over all packages. */
  get rowCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const p of this.loadPackages) {
      for (const [table, n] of Object.entries(p.rowCounts)) {
        counts[table] = (counts[table] ?? 0) + n;
      }
    }
    return counts;
  }

  /** Whether any package has jobs that failed terminally (see {@linkcode LoadPackageInfo.failedJobs}). */
  get hasFailedJobs(): boolean {
    return this.loadPackages.some((p) => (p.failedJobs?.length ?? 0) > 0);
  }

  /**
   * Throws a `DltError` listing the failed jobs when a package has any, as dlt's
   * `raise_on_failed_jobs()`; else does nothing.
   *
   * @example
   * ```ts ignore
   * const info = await p.run(data);
   * info.raiseOnFailedJobs(); // a no-op: a terminal failure already failed the run
   * ```
   */
  raiseOnFailedJobs(): void {
    const failed = this.loadPackages.flatMap((p) => p.failedJobs ?? []);
    if (failed.length === 0) return;
    const lines = failed.map((job) =>
      `- package "${job.loadId}"${job.file === undefined ? "" : ` job "${job.file}"`}${
        job.table === undefined ? "" : ` (table "${job.table}")`
      }: ${job.errorName}: ${job.message}`
    );
    throw new DltError(
      `Pipeline "${this.pipelineName}" has ${failed.length} failed job(s):\n${lines.join("\n")}`,
    );
  }

  /** The info as plain JSON (dates as ISO text); `JSON.stringify(info)` writes it. */
  toJSON(): LoadInfoJson {
    const json: LoadInfoJson = {
      pipelineName: this.pipelineName,
      destinationName: this.destinationName,
      datasetName: this.datasetName,
      startedAt: this.startedAt.toISOString(),
      finishedAt: this.finishedAt.toISOString(),
      timings: { ...this.timings },
      loadIds: this.loadIds,
      rowCounts: this.rowCounts,
      hasFailedJobs: this.hasFailedJobs,
      loadPackages: structuredClone(this.loadPackages),
    };
    if (this.destinationLocation !== undefined) {
      json.destinationLocation = this.destinationLocation;
    }
    return JSON.parse(redact(JSON.stringify(json)));
  }

  /** A human summary, like dlt's. */
  toString(): string {
    const seconds = (this.finishedAt.getTime() - this.startedAt.getTime()) / 1000;
    const lines = [
      `Pipeline ${this.pipelineName} load step completed in ${seconds.toFixed(2)} seconds`,
      `${this.loadPackages.length} load package(s) were loaded to destination ${this.destinationName} and into dataset ${this.datasetName}`,
    ];
    if (this.destinationLocation) {
      lines.push(
        `The ${this.destinationName} destination used ${this.destinationLocation} location to store data`,
      );
    }
    for (const p of this.loadPackages) {
      const resumed = p.alreadyLoaded ? " (committed by an earlier run)" : "";
      const failed = p.failedJobs?.length ?? 0;
      lines.push(
        `Load package ${p.loadId} is LOADED and contains ${
          failed ? `${failed} FAILED job(s)` : "no failed jobs"
        }${resumed}`,
      );
    }
    const counts = Object.values(this.rowCounts);
    if (counts.length) {
      const rows = counts.reduce((a, b) => a + b, 0);
      lines.push(`Rows loaded: ${rows} into ${counts.length} table(s) (see rowCounts)`);
    }
    const t = this.timings;
    lines.push(
      `Timings: extract ${(t.extract / 1000).toFixed(2)} s, normalize ${
        (t.normalize / 1000).toFixed(2)
      } s, load ${(t.load / 1000).toFixed(2)} s`,
    );
    return redact(lines.join("\n"));
  }

  /** The summary, for `console.log` and `Deno.inspect`. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** The summary, for Node's `util.inspect` (and `console.log` in Node). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
