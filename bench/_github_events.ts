/**
 * The recorded GitHub events the benchmarks copy, from
 * `../shared/fixtures/dlt-cases/github.events.load_page_1_duck.json`.
 *
 * @module
 */

const FIXTURE = new URL(
  "../../shared/fixtures/dlt-cases/github.events.load_page_1_duck.json",
  import.meta.url,
);

/**
 * The recorded events; when the fixture is not there, prints that benchmark `name` is skipped
 * and exits.
 */
export async function recordedEvents(name: string): Promise<Record<string, unknown>[]> {
  try {
    return JSON.parse(await Deno.readTextFile(FIXTURE));
  } catch {
    console.log(`${name}: skipped, ../shared/fixtures/dlt-cases is not there`);
    Deno.exit(0);
  }
}

/** The i-th generated event: a copy of a recorded event with a fresh id. */
export function eventCopy(events: Record<string, unknown>[], i: number): Record<string, unknown> {
  return { ...events[i % events.length], id: String(30_000_000_000 + i) };
}
