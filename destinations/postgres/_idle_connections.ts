/**
 * Connections to Postgres kept open for a while after their client closed, so that the next
 * client of the same server, database, user and settings (a run's next step, a dataset read, a
 * scheduler's next run) skips connecting: a TLS handshake, SCRAM authentication and a new server
 * process, 20–50 ms on one machine, more over a network. An idle connection does not keep the
 * process alive, and is closed after {@linkcode IDLE_MS}.
 *
 * @module
 */

/** The slice of a `pg.Client` kept here. */
export interface IdleClient {
  /** Ends the connection. */
  end(): Promise<void>;
  /** The client's socket: unreferenced while idle, so that it never keeps the process alive. */
  connection: { stream: { ref?(): unknown; unref?(): unknown } };
}

/** How long a connection stays open unused, in ms (as `pg.Pool`'s default). */
export const IDLE_MS = 10_000;

/** Most connections kept per key. */
const MAX_IDLE = 4;

/** An idle connection and the timer that ends it. */
interface Entry {
  client: IdleClient;
  timer: ReturnType<typeof setTimeout>;
}

/** Idle connections by key, the most recently kept last. */
const idle = new Map<string, Entry[]>();

/**
 * Takes the most recently kept idle connection of `key` (which the caller checks before use:
 * the server may have ended it meanwhile), or `undefined`.
 */
export function takeIdle<C extends IdleClient>(key: string): C | undefined {
  const entries = idle.get(key);
  const entry = entries?.pop();
  if (entry === undefined) return undefined;
  if (entries!.length === 0) idle.delete(key);
  clearTimeout(entry.timer);
  entry.client.connection.stream.ref?.();
  return entry.client as C;
}

/**
 * Keeps `client` (a connection whose session was reset) for the next {@linkcode takeIdle} of
 * `key`; `false` when enough are kept already, and the caller ends it.
 */
export function keepIdle(key: string, client: IdleClient): boolean {
  const entries = idle.get(key) ?? [];
  if (entries.length >= MAX_IDLE) return false;
  const entry: Entry = {
    client,
    timer: setTimeout(() => {
      const kept = idle.get(key);
      const at = kept?.indexOf(entry) ?? -1;
      if (at < 0) return;
      kept!.splice(at, 1);
      if (kept!.length === 0) idle.delete(key);
      client.end().catch(() => {});
    }, IDLE_MS),
  };
  // Deno takes its timer (a Node-style object since Deno 2), whatever Node's types say
  Deno.unrefTimer(entry.timer as unknown as number);
  client.connection.stream.unref?.();
  entries.push(entry);
  idle.set(key, entries);
  return true;
}
