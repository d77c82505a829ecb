/**
 * Runs normalize on several cores: a pool of workers, each fed extracted files one at a time
 * as it becomes free, each evolving its own copy of the schema. A worker cannot share the
 * pipeline's storage object: it opens the working folder itself from the storage's `root`
 * (see `_normalize_worker.ts`), so only a storage whose `workersCanOpen` is true gets workers.
 *
 * @module
 */
import type { ExtractedFile, FilesResult } from "./_normalize_files.ts";
import { SharedCopies } from "./_shared_copies.ts";
import type { StoredSchema, TableHints, TableSchema } from "../schema/schema.ts";
import type { PackageJob } from "../load/package_store.ts";
import { DataValidationError, DltError, NormalizeError } from "../errors.ts";
import type { LoaderFileFormat } from "../destination.ts";
import type { DataWriterSettings } from "../runtime_settings.ts";

/** Options a worker starts with. */
export interface WorkerStartOptions {
  /** The working folder's `root`, which the worker opens as its storage. */
  root: string;
  schema: StoredSchema;
  naming: string;
  maxLength: number | undefined;
  loadId: string;
  outDir: string;
  prefix: string;
  format: LoaderFileFormat;
  tableFormats: Record<string, LoaderFileFormat>;
  dataWriter: DataWriterSettings;
  /** The package's root table hints (their nested hints apply as nested tables appear). */
  tables?: Record<string, TableHints>;
  /** Whether the worker sends its running row counts (`progress` messages). */
  progress?: boolean;
  /** Whether the worker sends each job as its file is closed (`job` messages). */
  jobs?: boolean;
}

/** Messages to a worker. */
export type NormalizeWorkerRequest =
  | { type: "start"; options: WorkerStartOptions }
  /** With `opened`, the worker also says when it holds the file open (an `opened` message). */
  | { type: "file"; file: ExtractedFile; opened?: boolean }
  | { type: "finish" };

/** Messages from a worker. */
export type NormalizeWorkerReply =
  | { type: "ok" }
  /** Not a reply: the worker holds the file it was given open, or is done with it. */
  | { type: "opened" }
  /** Not a reply: the worker's rows per table so far, sent while it works. */
  | { type: "progress"; rowCounts: Record<string, number> }
  /** Not a reply: a job whose file the worker closed, with its table then and its root's name. */
  | { type: "job"; job: PackageJob; table: TableSchema; root: string }
  | { type: "result"; result: FilesResult }
  | {
    type: "error";
    message: string;
    normalizeError?: { tableName: string; columnName: string | undefined; reason: string };
    /** The details of a {@linkcode DataValidationError}. */
    validationError?: ConstructorParameters<typeof DataValidationError>[0];
  };

/** What the pool reports while its workers work. */
export interface PoolEvents {
  /** The rows per table so far, summed over the workers. */
  onRows?: (rowCounts: Readonly<Record<string, number>>) => void;
  /** A job whose file a worker closed, with its table at that moment and its root's name. */
  onJob?: (job: PackageJob, table: TableSchema, root: string) => void;
}

/** The reply to a call of a worker that was terminated. */
const TERMINATED: NormalizeWorkerReply = { type: "error", message: "the worker was stopped" };

class PoolWorker {
  #worker = new Worker(new URL("./_normalize_worker.ts", import.meta.url), { type: "module" });
  #pending: ((reply: NormalizeWorkerReply) => void) | undefined;
  /** What the pending call does on the worker's `opened` message. */
  #onOpened: (() => void) | undefined;
  #terminated = false;
  /** What the `job` messages of each table carried (see {@linkcode PoolWorker.#shared}). */
  #tables = new SharedCopies<TableSchema>();
  #columns = new SharedCopies<string[] | undefined>();

  constructor(
    onRows?: (rowCounts: Record<string, number>) => void,
    onJob?: PoolEvents["onJob"],
  ) {
    this.#worker.onmessage = (event: MessageEvent<NormalizeWorkerReply>) => {
      if (event.data.type === "progress") return onRows?.(event.data.rowCounts);
      if (event.data.type === "opened") return this.#onOpened?.();
      if (event.data.type === "job") {
        const { job, table } = this.#shared(event.data.job, event.data.table);
        return onJob?.(job, table, event.data.root);
      }
      const resolve = this.#pending;
      this.#pending = undefined;
      resolve?.(event.data);
    };
    this.#worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      const resolve = this.#pending;
      this.#pending = undefined;
      resolve?.({ type: "error", message: event.message });
    };
  }

  /**
   * A `job` message's job and table, with the table and the job's column names replaced by the
   * objects the last message of the table carried where they are equal. Each message carries its
   * own copies, and an early chain keeps them for each job file until it commits: about 110 KB a
   * file of the 596-column GitHub events. Sharing them took the main thread's used heap late in a
   * 300,000-event load from 40 to 26–31 MiB.
   */
  #shared(job: PackageJob, table: TableSchema): { job: PackageJob; table: TableSchema } {
    return {
      job: { ...job, columns: this.#columns.share(table.name, job.columns) },
      table: this.#tables.share(table.name, table),
    };
  }

  /** Sends `request` and waits for the reply; `onOpened` gets the worker's `opened` message. */
  async call(
    request: NormalizeWorkerRequest,
    onOpened?: () => void,
  ): Promise<NormalizeWorkerReply> {
    const reply = await new Promise<NormalizeWorkerReply>((resolve) => {
      if (this.#terminated) return resolve(TERMINATED);
      this.#pending = resolve;
      this.#onOpened = onOpened;
      this.#worker.postMessage(request);
    });
    if (reply.type === "error") {
      const n = reply.normalizeError;
      if (reply.validationError !== undefined) {
        throw new DataValidationError(reply.validationError);
      }
      throw n === undefined
        ? new DltError(`Normalize worker failed: ${reply.message}`)
        : new NormalizeError(n.tableName, n.columnName, n.reason);
    }
    return reply;
  }

  /** Stops the worker; a call waiting for it, or made after, fails. */
  terminate(): void {
    this.#terminated = true;
    this.#worker.terminate();
    const resolve = this.#pending;
    this.#pending = undefined;
    resolve?.(TERMINATED);
  }
}

/**
 * Normalizes `files` with `workers` workers; returns one result per worker (its schema, jobs
 * and row counts). Each worker's files get the file name prefix `w<n>_`. `events` receive the
 * rows per table so far, summed over the workers, and the jobs as their files are closed.
 */
export async function normalizeInWorkers(
  files: readonly ExtractedFile[],
  workers: number,
  options: Omit<WorkerStartOptions, "prefix" | "progress" | "jobs">,
  events: PoolEvents = {},
): Promise<FilesResult[]> {
  const { onRows, onJob } = events;
  const counts: Record<string, number>[] = Array.from({ length: workers }, () => ({}));
  const sum = () => {
    const total: Record<string, number> = {};
    for (const c of counts) {
      for (const [table, n] of Object.entries(c)) total[table] = (total[table] ?? 0) + n;
    }
    return total;
  };
  const pool = Array.from({ length: workers }, (_, i) =>
    new PoolWorker(
      onRows &&
        ((rowCounts) => {
          counts[i] = rowCounts;
          onRows(sum());
        }),
      onJob,
    ));
  try {
    await Promise.all(
      pool.map((w, i) =>
        w.call({
          type: "start",
          options: {
            ...options,
            prefix: `w${i}_`,
            progress: onRows !== undefined,
            jobs: onJob !== undefined,
          },
        })
      ),
    );
    const queue = [...files];
    await Promise.all(pool.map(async (w) => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        await w.call({ type: "file", file });
      }
    }));
    const replies = await Promise.all(pool.map((w) => w.call({ type: "finish" })));
    return replies.map((r) => (r as { result: FilesResult }).result);
  } finally {
    for (const w of pool) w.terminate();
  }
}

/**
 * One worker that normalizes files as they are given, one after another in the order given
 * (`normalize_ahead.ts`: the files of a package that extract is still writing).
 */
export class WorkerFeed {
  #worker: PoolWorker;
  /** The last request: the next one is sent when it has settled. */
  #last: Promise<unknown>;

  /** Starts the worker with `options` (its files get the prefix `w0_`), reporting to `events`. */
  constructor(
    options: Omit<WorkerStartOptions, "prefix" | "progress" | "jobs">,
    events: PoolEvents = {},
  ) {
    const { onRows, onJob } = events;
    this.#worker = new PoolWorker(onRows, onJob);
    this.#last = this.#worker.call({
      type: "start",
      options: {
        ...options,
        prefix: "w0_",
        progress: onRows !== undefined,
        jobs: onJob !== undefined,
      },
    });
  }

  /**
   * Normalizes `file` after the files given before; rejects when it, or one before it, failed
   * (nothing is normalized after a failure). `onOpened` is called once the worker holds the file
   * open, or is done with it.
   */
  async add(file: ExtractedFile, onOpened?: () => void): Promise<void> {
    const done = this.#last.then(() =>
      this.#worker.call({ type: "file", file, opened: onOpened !== undefined }, onOpened)
    );
    this.#last = done;
    await done;
  }

  /** Finishes after the files given: the worker's evolved schema, jobs and row counts. */
  async finish(): Promise<FilesResult> {
    await this.#last;
    const reply = await this.#worker.call({ type: "finish" });
    return (reply as { result: FilesResult }).result;
  }

  /** Stops the worker at once. */
  terminate(): void {
    this.#worker.terminate();
  }
}
