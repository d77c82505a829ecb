/**
 * A table chain loaded while normalize still writes it (the SQL job client's `loadChainEarly`):
 * one transaction opens, each job file normalize closes is copied in it as it comes, and
 * `loadPackage` of the package finishes the chain in the same transaction and commits it, or
 * rolls it back and loads the chain as usual. Nothing is committed before the package is
 * normalized, so a crash at any point leaves the destination as a plain load would.
 *
 * ```
 * transaction ─┬─ copy each run of queued files (create/evolve their tables, record them)
 *              ├─ stop(): the files queued so far are copied, no more are taken
 *              └─ finish(complete): complete(copied) → COMMIT;  abort() or a failure → ROLLBACK
 * ```
 *
 * @module
 */
import { basename } from "node:path";
import type { EarlyChainLoad, LoadJob } from "../destination.ts";
import type { TableSchema } from "../schema/schema.ts";
import type { CopyOptions } from "./sql_dialect.ts";
import { copiedTogether } from "./table_chains.ts";

/** What an early chain needs of its job client. */
export interface EarlyChainSteps {
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it rejects.
   * `giveWay` is called when another client of a shared connection waits for it.
   */
  transaction(fn: () => Promise<void>, giveWay: () => void): Promise<void>;
  /** Creates `table` or adds the columns it lacks. */
  syncTable(table: TableSchema): Promise<void>;
  /**
   * Copies `jobs` (of one table, format and columns; see `copiedTogether`) into `table` and
   * records them as loaded; `options.besideNormalize` while normalize still writes the package.
   */
  copy(jobs: readonly LoadJob[], table: TableSchema, options: CopyOptions): Promise<void>;
}

/** A job file an early chain copied, with its table as the file was written. */
export interface CopiedJob {
  /** The job as normalize closed it. */
  job: LoadJob;
  /** Its table when the file was closed. */
  table: TableSchema;
  /** Milliseconds its copy took (a run's time shared by its files). */
  durationMs: number;
}

/** Completes an early chain in its transaction, given the files it copied by file name. */
export type Complete = (copied: ReadonlyMap<string, CopiedJob>) => Promise<void>;

/**
 * Most files one copy takes. A copy's memory grows with its files (DuckDB drops the blocks it
 * wrote only between statements), and a backlog can be long: twenty 16 MiB files of GitHub events
 * copied at once took a 100,000-event run to 562–594 MiB, two at a time to 493–529 MiB (3% slower).
 */
const MAX_RUN_FILES = 2;

/** Ends the transaction without a failure of its own. */
const ROLL_BACK = Symbol("roll back");

/** The loading of one table chain while normalize writes its files. */
export class EarlyChain implements EarlyChainLoad {
  /** The package. */
  readonly loadId: string;
  /** The chain's root table. */
  readonly root: string;
  #steps: EarlyChainSteps;
  #queue: { job: LoadJob; table: TableSchema }[] = [];
  /** The copied files by file name. */
  #copied = new Map<string, CopiedJob>();
  /** No more files are taken (`stop`). */
  #stopped = false;
  /** What is queued is left uncopied (`abort`, a failed copy). */
  #abandoned = false;
  #failed = false;
  #wake: (() => void) | undefined;
  /** Settles when the copying has ended (stopped with its queue copied, or abandoned). */
  #copyingEnded = Promise.withResolvers<void>();
  /** How the chain ends: completed by the function, or rolled back (`undefined`). */
  #end = Promise.withResolvers<Complete | undefined>();
  /** Whether the transaction committed. */
  #committed: Promise<boolean>;
  /** The transaction has ended, committed or rolled back. */
  #ended = false;

  /** Opens the chain's transaction through `steps`. */
  constructor(loadId: string, root: string, steps: EarlyChainSteps) {
    this.loadId = loadId;
    this.root = root;
    this.#steps = steps;
    this.#committed = steps.transaction(async () => {
      try {
        await this.#copyQueued();
      } finally {
        this.#copyingEnded.resolve();
      }
      // at once: the connection is not held until the package's load for nothing
      if (this.#failed) throw ROLL_BACK;
      const complete = await this.#end.promise;
      if (complete === undefined) throw ROLL_BACK;
      await complete(this.#copied);
    }, () => void this.#giveWay()).then(() => true, () => false);
    // a transaction that could not begin copies nothing
    this.#committed.finally(() => {
      this.#ended = true;
      this.#copyingEnded.resolve();
    });
  }

  /** Whether its transaction has ended: committed, or rolled back (given up, or a failure). */
  get ended(): boolean {
    return this.#ended;
  }

  add(job: LoadJob, table: TableSchema): void {
    if (this.#stopped) return;
    this.#queue.push({ job, table });
    this.#wake?.();
  }

  /**
   * Another client waits for the chain's transaction on a shared connection (a resource that
   * reads the destination while extract runs, which the commit would wait for): rolled back,
   * the chain loads as usual with its package. Once stopped, normalize has ended and the commit
   * is near (or a failed copy rolled the chain back already), and the other client waits.
   */
  async #giveWay(): Promise<void> {
    if (!this.#stopped) await this.abort();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#copyingEnded.promise;
  }

  async abort(): Promise<void> {
    this.#abandoned = true;
    await this.stop();
    this.#end.resolve(undefined);
    await this.#committed;
  }

  /**
   * Completes the chain with `complete` (given the copied files) and commits; whether it
   * committed. `false` (nothing of the chain in the destination) when a copy failed, or
   * `complete` did: the caller then loads the chain as usual, and meets that failure there.
   */
  async finish(complete: Complete): Promise<boolean> {
    await this.stop();
    this.#end.resolve(complete);
    return await this.#committed;
  }

  /**
   * Copies queued files, a run of one table's files with the same columns at a time, until it
   * is stopped and has copied the queue, or abandons it.
   */
  async #copyQueued(): Promise<void> {
    while (!this.#abandoned) {
      if (this.#queue.length === 0) {
        if (this.#stopped) return;
        await new Promise<void>((resolve) => this.#wake = resolve);
        this.#wake = undefined;
        continue;
      }
      const run = this.#takeRun();
      const table = run[run.length - 1].table;
      const started = performance.now();
      try {
        await this.#steps.syncTable(table);
        // once stopped, normalize has ended: the queue left is copied with nothing beside
        await this.#steps.copy(run.map((r) => r.job), table, { besideNormalize: !this.#stopped });
      } catch {
        // the load of the package meets the same failure, and reports it
        this.#failed = this.#stopped = this.#abandoned = true;
        return;
      }
      const durationMs = (performance.now() - started) / run.length;
      for (const { job, table } of run) {
        this.#copied.set(basename(job.path), { job, table, durationMs });
      }
    }
  }

  /**
   * The first queued file and the ones after it of the same table, format and columns, at most
   * {@linkcode MAX_RUN_FILES}.
   */
  #takeRun(): { job: LoadJob; table: TableSchema }[] {
    const [first] = this.#queue;
    let n = 1;
    while (
      n < this.#queue.length && n < MAX_RUN_FILES && copiedTogether(first.job, this.#queue[n].job)
    ) n++;
    return this.#queue.splice(0, n);
  }
}
