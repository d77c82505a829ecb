/**
 * DuckDB-WASM's synchronous Node bundle, pinned. The durable runtime of the duckdb destination
 * leans on the package's internals, so an upgrade must pass
 * `destinations/duckdb/_database_test.ts` again.
 *
 * Every npm package that the published modules use is imported through one module of `lib/deps/`,
 * the one place that names its version: a module imported by URL (or from JSR) gets no import map,
 * so it needs full `npm:` specifiers, and `deno lint` (`no-import-prefix`) flags an inline `npm:`
 * import anywhere else.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

export * from "npm:@duckdb/duckdb-wasm@1.32.0/blocking";

/**
 * The path of `name` in the package's `dist/` folder, e.g. `duckdb-eh.wasm`: inside Deno's npm
 * cache, or `node_modules/` where a project has one. The package is present because this module
 * imports it.
 */
export function duckDbWasmFile(name: string): string {
  return fileURLToPath(import.meta.resolve(`npm:@duckdb/duckdb-wasm@1.32.0/dist/${name}`));
}
