/**
 * The destinations a pipeline finds by name (`pipeline({ destination: "duckdb" })`, a name in a
 * working folder's `pipeline.json`), each made by its factory, imported when first used: `lib/`
 * never loads a destination it does not use.
 *
 * @module
 */
import type { Destination } from "./destination.ts";

/** A destination factory, by the options it is called with (from code or `pipeline.json`). */
type Factory = (options: Record<string, unknown>) => Promise<Destination>;

const FACTORIES: Record<string, Factory> = {
  duckdb: async (options) => (await import("../destinations/duckdb/mod.ts")).duckdb(options),
  dummy: async (options) => (await import("../destinations/dummy/mod.ts")).dummy(options),
  filesystem: async (options) =>
    (await import("../destinations/filesystem/mod.ts")).filesystem(options),
  postgres: async (options) => (await import("../destinations/postgres/mod.ts")).postgres(options),
};

/** The names of the registered destinations. */
export const DESTINATION_NAMES: readonly string[] = Object.keys(FACTORIES);

/** The factory of destination `name`, or `undefined` when none is registered under it. */
export function destinationFactory(name: string): Factory | undefined {
  return Object.hasOwn(FACTORIES, name) ? FACTORIES[name] : undefined;
}
