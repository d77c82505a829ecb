/**
 * denodlt — a data load tool for Deno, after Python's dlt: write async generators that yield
 * records, and one call extracts them, infers and evolves a relational schema, flattens nested
 * JSON into parent/child tables and loads them into DuckDB (or another destination).
 *
 * @example Quick start
 * ```ts
 * import { pipeline, resource } from "./mod.ts";
 *
 * const items = resource(async function* () {
 *   for (let i = 0; i < 3; i++) yield { id: i, name: `item-${i}`, tags: ["a", "b"] };
 * }, { name: "items", primaryKey: "id" });
 *
 * const dir = await Deno.makeTempDir();
 * const p = pipeline({
 *   pipelineName: "quickstart",
 *   destination: (await import("./destinations/duckdb/mod.ts")).duckdb({ path: `${dir}/quickstart.duckdb` }),
 *   datasetName: "demo_data",
 *   pipelinesDir: dir,
 * });
 * const info = await p.run(items);
 * console.log(info.toString());
 * const rows = await p.dataset().table("items__tags").count();
 * if (rows !== 6) throw new Error(`expected 6 tag rows, got ${rows}`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export * from "./lib/pipeline.ts";
export * from "./lib/resource.ts";
export * from "./lib/source.ts";
export * from "./lib/errors.ts";
export * from "./lib/load_info.ts";
export * from "./lib/dataset.ts";
export * from "./lib/destination.ts";
export * from "./lib/config.ts";
export * from "./lib/json.ts";
export * from "./lib/incremental.ts";
export * from "./lib/http/client.ts";
export * from "./lib/http/errors.ts";
export * from "./lib/http/auth.ts";
export * from "./lib/http/auth_config.ts";
export * from "./lib/http/paginators/mod.ts";
export type { AuthContext } from "./lib/http/types.ts";
export type { RetryOptions } from "./lib/http/retry.ts";
export { log, type LogLevel, type LogRecord, onLog, setLogLevel } from "./lib/log.ts";
export { redact, redactUrl, registerSecret } from "./lib/redact.ts";
export type {
  ColumnHint,
  ColumnSchema,
  DataType,
  MergeStrategy,
  StoredSchema,
  TableSchema,
  WriteDisposition,
} from "./lib/schema/schema.ts";
export type { PipelineState, SourceState } from "./lib/state.ts";
export type { NamingConventionName } from "./lib/normalize/naming.ts";
export type {
  ExpandedSchemaContract,
  SchemaContract,
  SchemaContractMode,
  SchemaContractSettings,
  SchemaEntity,
} from "./lib/schema/contract.ts";
