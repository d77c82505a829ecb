/**
 * One dataset of a dummy destination, in memory: what dlt's system tables hold (`_dlt_loads`,
 * `_dlt_load_jobs`, `_dlt_version`, `_dlt_pipeline_state`) and the number of rows of each table.
 * Every change is one synchronous call, so it is all-or-nothing, as a transaction is.
 *
 * @module
 */
import type { StoredSchema } from "../../lib/schema/schema.ts";
import type { PipelineState } from "../../lib/state.ts";

/** A package committed to a dummy dataset (dlt's `_dlt_loads` row). */
export interface DummyLoad {
  /** The load id. */
  loadId: string;
  /** The schema (source) the package belongs to. */
  schemaName: string;
  /** The hash of that schema's version. */
  schemaVersionHash: string;
  /** When it was committed. */
  insertedAt: Date;
}

/** A job file committed to a dummy dataset (dlt's `_dlt_load_jobs` row). */
export interface DummyJob {
  /** The load id of its package. */
  loadId: string;
  /** The table it loaded. */
  table: string;
  /** The job file's name. */
  file: string;
  /** The rows read from the file. */
  rows: number;
}

/** A table chain's changes, committed together by {@linkcode DummyDataset.commitChain}. */
export interface ChainCommit {
  /** The package. */
  loadId: string;
  /** The chain's root table. */
  root: string;
  /** Tables emptied before the jobs' rows are added. */
  replace: readonly string[];
  /** The jobs, with the rows read from their files. */
  jobs: readonly DummyJob[];
}

/** A dataset of a dummy destination. */
export class DummyDataset {
  #loads: DummyLoad[] = [];
  #jobs: DummyJob[] = [];
  /** `<loadId> <root>` of the table chains committed. */
  #chains = new Set<string>();
  /** Packages whose tables to drop were dropped. */
  #dropped = new Set<string>();
  #rows = new Map<string, number>();
  #schemas: StoredSchema[] = [];
  #states: PipelineState[] = [];

  /** Whether package `loadId` was committed. */
  isLoaded(loadId: string): boolean {
    return this.#loads.some((load) => load.loadId === loadId);
  }

  /** Whether the chain of `root` in package `loadId` was committed. */
  hasChain(loadId: string, root: string): boolean {
    return this.#chains.has(`${loadId} ${root}`);
  }

  /** Whether package `loadId` dropped its tables already. */
  hasDropped(loadId: string): boolean {
    return this.#dropped.has(loadId);
  }

  /** Drops `tables` for package `loadId`, once. */
  dropTables(loadId: string, tables: readonly string[]): void {
    for (const table of tables) this.#rows.delete(table);
    this.#dropped.add(loadId);
  }

  /** Commits a table chain: empties its replaced tables, adds its jobs' rows, records its jobs. */
  commitChain(chain: ChainCommit): void {
    for (const table of chain.replace) this.#rows.set(table, 0);
    for (const job of chain.jobs) {
      this.#rows.set(job.table, (this.#rows.get(job.table) ?? 0) + job.rows);
      this.#jobs.push({ ...job });
    }
    this.#chains.add(`${chain.loadId} ${chain.root}`);
  }

  /**
   * Commits package `loadId`: the schema version (unless stored), the state (unless stored) and
   * the load that marks the package complete.
   */
  commitPackage(loadId: string, schema: StoredSchema, state: PipelineState | undefined): void {
    const storedSchema = this.#schemas.some((s) =>
      s.name === schema.name && s.versionHash === schema.versionHash
    );
    if (!storedSchema) this.#schemas.push(structuredClone(schema));
    const storedState = state !== undefined &&
      this.#states.some((s) =>
        s.pipelineName === state.pipelineName && s.version === state.version &&
        s.versionHash === state.versionHash
      );
    if (state !== undefined && !storedState) this.#states.push(structuredClone(state));
    this.#loads.push({
      loadId,
      schemaName: schema.name,
      schemaVersionHash: schema.versionHash,
      insertedAt: new Date(),
    });
  }

  /** The newest state of `pipelineName` (the highest version, the last stored of equals). */
  storedState(pipelineName: string): PipelineState | undefined {
    return structuredClone(newest(this.#states.filter((s) => s.pipelineName === pipelineName)));
  }

  /** The newest version of each schema. */
  storedSchemas(): StoredSchema[] {
    const names = new Set(this.#schemas.map((s) => s.name));
    return [...names].map((name) =>
      structuredClone(newest(this.#schemas.filter((s) => s.name === name))!)
    );
  }

  /** The packages committed, oldest first. */
  loads(): DummyLoad[] {
    return this.#loads.map((load) => ({ ...load, insertedAt: new Date(load.insertedAt) }));
  }

  /** The jobs committed, oldest first. */
  jobs(): DummyJob[] {
    return this.#jobs.map((job) => ({ ...job }));
  }

  /** Rows per table, for every table that exists (was loaded or replaced, and not dropped since). */
  rowCounts(): Record<string, number> {
    return Object.fromEntries(this.#rows);
  }
}

/** The item of the highest `version`, the last of equals. */
function newest<T extends { version: number }>(items: T[]): T | undefined {
  let found: T | undefined;
  for (const item of items) if (found === undefined || item.version >= found.version) found = item;
  return found;
}
