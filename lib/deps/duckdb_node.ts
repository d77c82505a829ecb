/**
 * Native DuckDB for Node-API runtimes (`@duckdb/node-api`), pinned: the driver of
 * `duckdb({ engine: "native" })`. Loading it needs `--allow-ffi`; the version is the one of
 * `deno.json`'s import map, which tests use as an independent reader.
 *
 * Every npm package that the published modules use is imported through one module of `lib/deps/`,
 * the one place that names its version: a module imported by URL (or from JSR) gets no import map,
 * so it needs full `npm:` specifiers, and `deno lint` (`no-import-prefix`) flags an inline `npm:`
 * import anywhere else.
 *
 * @module
 */
export * from "npm:@duckdb/node-api@1.4.4-r.3";
