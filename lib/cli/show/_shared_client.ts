/**
 * One destination client that the pipeline page's requests share: opening one can take most of
 * a second (DuckDB-WASM reads the database file), so it is opened on first use, used by one
 * request at a time, and closed after a few idle seconds (so the page does not hold the
 * database while another process loads into it) or when the server shuts down.
 *
 * @module
 */
import { Dataset, sqlOf } from "../../dataset.ts";
import type { DestinationClient } from "../../destination.ts";
import type { Pipeline } from "../../pipeline.ts";

/** Milliseconds without a request after which the client is closed. */
const IDLE_MS = 5_000;

/** A client of the pipeline's destination, shared by the requests of the page. */
export class SharedClient {
  #pipeline: Pipeline;
  #baseDir: () => string | undefined;
  #client: DestinationClient | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /**
   * A client of `pipeline`'s destination; `baseDir` gives the folder its relative locations
   * resolve against (the current directory of the pipeline's first run).
   */
  constructor(pipeline: Pipeline, baseDir: () => string | undefined) {
    this.#pipeline = pipeline;
    this.#baseDir = baseDir;
  }

  /** Runs `fn` on the pipeline's dataset, after every earlier call finished. */
  use<T>(fn: (dataset: Dataset) => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      if (this.#closed) throw new Error("The pipeline page is shutting down");
      clearTimeout(this.#timer);
      try {
        const client = await this.#open();
        // the dataset closes its client after each query: this one stays open until idle
        const view = { sql: client.sql, tables: client.tables, close: () => Promise.resolve() };
        return await fn(new Dataset(() => Promise.resolve(view as DestinationClient), this.#name));
      } finally {
        this.#idle();
      }
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  get #name(): string {
    return this.#pipeline.datasetName;
  }

  async #open(): Promise<DestinationClient> {
    if (this.#client !== undefined) return this.#client;
    const destination = await this.#pipeline.destination();
    const client = await destination.client({
      pipelineName: this.#pipeline.pipelineName,
      datasetName: this.#pipeline.datasetName,
      workingDir: this.#pipeline.workingDir,
      baseDir: this.#baseDir(),
    });
    if (client.sql === undefined && client.tables === undefined) {
      await client.close();
      sqlOf(client, destination.name);
    }
    return this.#client = client;
  }

  #idle(): void {
    clearTimeout(this.#timer);
    if (this.#client === undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#queue = this.#queue.then(() => this.#release()).catch(() => {});
    }, IDLE_MS);
  }

  async #release(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.close();
  }

  /** Waits for the running calls and closes the client; later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#queue;
    clearTimeout(this.#timer);
    await this.#release();
  }
}
