/**
 * Runs normalize on several cores: a pool of workers, each fed extracted files one at a time
 * as it becomes free, each evolving its own copy of the schema. A worker cannot share the
 * pipeline's storage object: it opens the working folder itself from the storage's `root`
 * (see `_normalize_worker.ts`), so only a storage whose `workersCanOpen` is true gets workers.
 *
 * @module
 */
import type { ExtractedFile, FilesResult } from "./_normalize_files.ts";
import type { StoredSchema } from "../schema/schema.ts";
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
}

/** Messages to a worker. */
export type NormalizeWorkerRequest =
  | { type: "start"; options: WorkerStartOptions }
  | { type: "file"; file: ExtractedFile }
  | { type: "finish" };

/** Messages from a worker. */
export type NormalizeWorkerReply =
  | { type: "ok" }
  | { type: "result"; result: FilesResult }
  | {
    type: "error";
    message: string;
    normalizeError?: { tableName: string; columnName: string | undefined; reason: string };
    /** The details of a {@linkcode DataValidationError}. */
    validationError?: ConstructorParameters<typeof DataValidationError>[0];
  };

class PoolWorker {
  #worker = new Worker(new URL("./_normalize_worker.ts", import.meta.url), { type: "module" });
  #pending: ((reply: NormalizeWorkerReply) => void) | undefined;

  constructor() {
    this.#worker.onmessage = (event: MessageEvent<NormalizeWorkerReply>) => {
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

  async call(request: NormalizeWorkerRequest): Promise<NormalizeWorkerReply> {
    const reply = await new Promise<NormalizeWorkerReply>((resolve) => {
      this.#pending = resolve;
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

  terminate(): void {
    this.#worker.terminate();
  }
}

/**
 * Normalizes `files` with `workers` workers; returns one result per worker (its schema, jobs
 * and row counts). Each worker's files get the file name prefix `w<n>_`.
 */
export async function normalizeInWorkers(
  files: readonly ExtractedFile[],
  workers: number,
  options: Omit<WorkerStartOptions, "prefix">,
): Promise<FilesResult[]> {
  const pool = Array.from({ length: workers }, () => new PoolWorker());
  try {
    await Promise.all(
      pool.map((w, i) => w.call({ type: "start", options: { ...options, prefix: `w${i}_` } })),
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
