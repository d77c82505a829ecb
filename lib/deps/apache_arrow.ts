/**
 * The `apache-arrow` package, pinned: the version DuckDB-WASM depends on (`duckdb_wasm.ts`), so
 * both share one copy. `VectorAssembler` (the IPC writer's assembler of column buffers, which the
 * package's entry does not export) is here for `lib/normalize/_arrow_ipc.ts`.
 *
 * Every npm package that the published modules use is imported through one module of `lib/deps/`,
 * the one place that names its version: a module imported by URL (or from JSR) gets no import map,
 * so it needs full `npm:` specifiers, and `deno lint` (`no-import-prefix`) flags an inline `npm:`
 * import anywhere else.
 *
 * @module
 */
export * from "npm:apache-arrow@17.0.0";
export { VectorAssembler } from "npm:apache-arrow@17.0.0/visitor/vectorassembler";
