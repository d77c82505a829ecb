/**
 * Tests run against both drivers of the duckdb destination: DuckDB-WASM (`_database.ts`) and
 * native DuckDB (`_native_database.ts`).
 *
 * @module
 */
import type { DuckDbDriver } from "../_driver.ts";
import { openDuckDbWasm, wasmDriver } from "../_database.ts";
import { openNativeDuckDb } from "../_native_database.ts";
import { withTempDir } from "./temp_dir.ts";

/** The drivers under test, by engine. */
const DRIVERS: Record<DuckDbDriver["engine"], (path: string) => Promise<DuckDbDriver>> = {
  wasm: async (path) => wasmDriver(await openDuckDbWasm(path)),
  native: (path) => openNativeDuckDb(path),
};

/** Registers `test` once per driver (as `<engine>: <name>`), with a fresh temporary folder. */
export function driverTest(
  name: string,
  test: (open: (path: string) => Promise<DuckDbDriver>, dir: string) => Promise<void>,
): void {
  for (const [engine, open] of Object.entries(DRIVERS)) {
    Deno.test(
      `${engine}: ${name}`,
      () => withTempDir(`dlt_duckdb_${engine}_`, (dir) => test(open, dir)),
    );
  }
}
