/**
 * One destination client for a run: opened when a step first needs it (the state check, a load)
 * and closed when the run ends, so a run opens its destination once.
 *
 * @module
 */
import type { Destination, DestinationClient, DestinationClientOptions } from "../destination.ts";

/** One destination client for a run: opened when first needed, closed when the run ends. */
export class ClientSession implements AsyncDisposable {
  /** The destination the client is of. */
  readonly destination: Destination;
  #options: DestinationClientOptions;
  #client: Promise<DestinationClient> | undefined;

  /** A session for clients of `destination` with `options`; nothing is opened yet. */
  constructor(destination: Destination, options: DestinationClientOptions) {
    this.destination = destination;
    this.#options = options;
  }

  /** Whether the client was opened. */
  get opened(): boolean {
    return this.#client !== undefined;
  }

  /** The client, opened on the first call. */
  client(): Promise<DestinationClient> {
    return this.#client ??= this.destination.client(this.#options);
  }

  /** Closes the client, if it was opened. */
  async [Symbol.asyncDispose](): Promise<void> {
    const client = await this.#client?.catch(() => undefined);
    this.#client = undefined;
    await client?.close();
  }
}
