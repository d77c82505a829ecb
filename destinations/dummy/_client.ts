/**
 * The dummy destination's job client: the load protocol of the SQL job client (table chains
 * committed whole, each job recorded with its chain, the package marked complete last, a
 * refresh's drops done once), kept in memory, with the failures of `_faults.ts` injected.
 *
 * @module
 */
import { basename } from "node:path";
import type { DestinationClient, LoadJob, LoadPackage } from "../../lib/destination.ts";
import { DestinationError } from "../../lib/errors.ts";
import type { StoredSchema } from "../../lib/schema/schema.ts";
import { tableChains } from "../../lib/load/table_chains.ts";
import type { PipelineState } from "../../lib/state.ts";
import { DummyDataset, type DummyJob } from "./_dataset.ts";
import type { Faults } from "./_faults.ts";
import { countJobRows } from "./_job_rows.ts";

/** The datasets of one dummy destination, by name. */
export type DummyDatasets = Map<string, DummyDataset>;

/** A client of one dataset of a dummy destination; it has no SQL. */
export class DummyClient implements DestinationClient {
  #datasets: DummyDatasets;
  #datasetName: string;
  #faults: Faults;
  #closed = false;

  /** A client of `datasetName` in `datasets`, injecting `faults`. */
  constructor(datasets: DummyDatasets, datasetName: string, faults: Faults) {
    this.#datasets = datasets;
    this.#datasetName = datasetName;
    this.#faults = faults;
  }

  isLoaded(loadId: string): Promise<boolean> {
    return this.#use((dataset) => dataset?.isLoaded(loadId) ?? false);
  }

  storedState(pipelineName: string): Promise<PipelineState | undefined> {
    return this.#use((dataset) => dataset?.storedState(pipelineName));
  }

  storedSchemas(): Promise<StoredSchema[]> {
    return this.#use((dataset) => dataset?.storedSchemas() ?? []);
  }

  /**
   * Loads `pkg` exactly once: a package already committed is left alone, and one resumed after
   * a failure skips the table chains (a root table with its nested tables) it committed. Each
   * chain's jobs are read first and committed together with the emptying of its replaced
   * tables; the schema, the state and the load that marks the package complete are committed
   * last. Injected failures happen at `init` (before anything), at each `job` and at `commit`.
   */
  async loadPackage(pkg: LoadPackage): Promise<void> {
    let dataset = this.#open();
    const { loadId } = pkg;
    const place = { datasetName: this.#datasetName, loadId };
    this.#faults.check("init", place);
    if (dataset === undefined) {
      dataset = new DummyDataset();
      this.#datasets.set(this.#datasetName, dataset);
    }
    if (dataset.isLoaded(loadId)) return;
    if (pkg.dropTables.length > 0 && !dataset.hasDropped(loadId)) {
      dataset.dropTables(loadId, pkg.dropTables);
    }
    for (const { root, ...chain } of tableChains(pkg)) {
      if (dataset.hasChain(loadId, root)) continue;
      const jobs: DummyJob[] = [];
      for (const job of chain.jobs) {
        const started = performance.now();
        jobs.push(await this.#runJob(loadId, job));
        pkg.onJobLoaded?.(job, { durationMs: performance.now() - started });
      }
      dataset.commitChain({ loadId, root, replace: chain.replace, jobs });
    }
    this.#faults.check("commit", place);
    dataset.commitPackage(loadId, pkg.schema, pkg.state);
  }

  /** Runs one job: its injected failures, then its rows read from its file. */
  async #runJob(loadId: string, job: LoadJob): Promise<DummyJob> {
    const file = basename(job.path);
    const place = { datasetName: this.#datasetName, loadId, table: job.table, file };
    this.#faults.check("job", place);
    await this.#faults.run(place);
    let rows: number;
    try {
      rows = await countJobRows(job);
    } catch (error) {
      throw new DestinationError(
        `Cannot read job file "${job.path}" of table "${job.table}": ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (rows !== job.rows) {
      throw new DestinationError(
        `Job file "${job.path}" of table "${job.table}" has ${rows} rows where its package records ${job.rows}`,
      );
    }
    return { loadId, table: job.table, file, rows };
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  /** Runs `fn` on the dataset, as {@linkcode DummyClient.#open} gives it. */
  #use<T>(fn: (dataset: DummyDataset | undefined) => T): Promise<T> {
    try {
      return Promise.resolve(fn(this.#open()));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The dataset (undefined before its first load); a client closed is refused. */
  #open(): DummyDataset | undefined {
    if (this.#closed) {
      throw new DestinationError(
        `Dummy destination client of dataset "${this.#datasetName}" is used after close()`,
      );
    }
    return this.#datasets.get(this.#datasetName);
  }
}
