/**
 * denodlt — a data load tool for Deno, after Python's dlt: write async generators that yield
 * records, and one call extracts them, infers and evolves a relational schema, flattens nested
 * JSON into parent/child tables and loads them into DuckDB (or another destination).
 *
 * - {@linkcode pipeline} makes a {@linkcode Pipeline}; its `run()` extracts, normalizes and
 *   loads, and returns a {@linkcode LoadInfo}; `dataset()` reads the data back; `lastTrace`
 *   is the {@linkcode PipelineTrace} of the last run, and `pipeline({ progress })` reports
 *   {@linkcode ProgressEvent}s while it runs.
 * - {@linkcode resource}, {@linkcode transformer} and {@linkcode source} describe the data
 *   ({@linkcode mark} marks items with their table or hints, as dlt's `dlt.mark`);
 *   {@linkcode incremental} loads only what is new; {@linkcode config} and {@linkcode secret}
 *   declare what a source needs from `.dlt/*.toml` or the environment.
 * - Sub-modules: `@denodlt/dlt/destinations/duckdb` (the default destination, with options),
 *   `@denodlt/dlt/destinations/postgres` (PostgreSQL, loaded with `COPY`),
 *   `@denodlt/dlt/destinations/dummy` (in memory, failing where told, for tests),
 *   `@denodlt/dlt/http` (the REST client, paginators and auth), `@denodlt/dlt/sources/rest_api`
 *   (declarative REST API sources), `@denodlt/dlt/sources/github` and
 *   `@denodlt/dlt/sources/filesystem` (files of a folder or bucket, read as CSV, JSONL or Parquet).
 *
 * @example Quick start
 * ```ts
 * import assert from "node:assert/strict";
 * import { pipeline, resource } from "./mod.ts";
 * import { duckdb } from "./destinations/duckdb/mod.ts";
 *
 * const items = resource(async function* () {
 *   for (let i = 0; i < 3; i++) yield { id: i, name: `item-${i}`, tags: ["a", "b"] };
 * }, { name: "items", primaryKey: "id" });
 *
 * const dir = await Deno.makeTempDir();
 * const p = pipeline({
 *   pipelineName: "quickstart",
 *   destination: duckdb({ path: `${dir}/quickstart.duckdb` }),
 *   datasetName: "demo_data",
 *   pipelinesDir: dir,
 * });
 * const info = await p.run(items);
 * console.log(info); // the same summary as info.toString()
 * assert.deepEqual(info.rowCounts, { items: 3, items__tags: 6 });
 * assert.equal(await p.dataset().table("items__tags").count(), 6);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export {
  attach,
  type AttachOptions,
  type DropOptions,
  type ExtractInfo,
  type NormalizeInfo,
  type NormalizeOptions,
  Pipeline,
  pipeline,
  type PipelineOptions,
  type PipelineSqlClient,
  type ProgressOption,
  type RefreshMode,
  type RunData,
  type RunOptions,
} from "./lib/pipeline.ts";
export {
  type AddLimitOptions,
  type ApplyHintsOptions,
  DltResource,
  type DynamicHint,
  type NestedHints,
  type NestedTableHints,
  type NormalizedHints,
  type NormalizedNestedHints,
  resource,
  type ResourceContext,
  type ResourceData,
  type ResourceFunction,
  type ResourceHints,
  type ResourceOptions,
  type TableNameHint,
  type TableReferenceHint,
  transformer,
  type TransformerFunction,
  type TransformerOptions,
  type WriteDispositionConfig,
} from "./lib/resource.ts";
export {
  DltSource,
  source,
  type SourceFunctionOptions,
  type SourceFunctionResult,
  type SourceOptions,
} from "./lib/source.ts";
export {
  makeHints,
  makeNestedHints,
  mark,
  MarkedItem,
  withHints,
  type WithHintsOptions,
  withTableName,
} from "./lib/marks.ts";
export {
  type BoundIncremental,
  type CursorValue,
  Incremental,
  incremental,
  IncrementalCursorError,
  type IncrementalOptions,
  type LastValueFunc,
} from "./lib/incremental.ts";
export {
  config,
  ConfigValue,
  type ConfigValueOptions,
  type ConfigValueType,
  type ConfigValueTypeFor,
  findConfig,
  MissingConfigError,
  type MissingConfigValue,
  resolveConfig,
  type ResolveConfigOptions,
  resolveConfigSpec,
  type ResolveConfigSpecOptions,
  type ResolvedConfig,
  secret,
} from "./lib/config.ts";
export {
  ConfigError,
  DataValidationError,
  DestinationError,
  DltError,
  type DltErrorOptions,
  LoadPackageError,
  NormalizeError,
  PendingPackageFailed,
  PipelineConfigMissing,
  PipelineLockTimeout,
  PipelineNotFound,
  type PipelineStep,
  PipelineStepFailed,
  ResourceExtractionError,
} from "./lib/errors.ts";
export {
  LoadInfo,
  type LoadInfoInit,
  type LoadInfoJson,
  type LoadPackageInfo,
  type LoadPackageInit,
  type StepTimings,
} from "./lib/load_info.ts";
export type { FailedJob } from "./lib/load/failed_jobs.ts";
export {
  formatTrace,
  type JobMetrics,
  type PipelineTrace,
  type ResolvedConfigValue,
  type TraceStep,
} from "./lib/trace.ts";
export type {
  ItemsExtractedEvent,
  ProgressCallback,
  ProgressEvent,
  RowsLoadedEvent,
  RowsNormalizedEvent,
  StepEndedEvent,
  StepStartedEvent,
} from "./lib/progress_events.ts";
export {
  type ClientOpener,
  Dataset,
  type IterOptions,
  type JoinOptions,
  QueryRelation,
  Relation,
  type RowCountsOptions,
  type TableDataset,
  type WhereOperator,
} from "./lib/dataset.ts";
export type {
  CatalogQueries,
  Destination,
  DestinationCapabilities,
  DestinationClient,
  DestinationClientOptions,
  EarlyChainLoad,
  JobClient,
  JobLoadMetrics,
  LoaderFileFormat,
  LoadJob,
  LoadPackage,
  SqlClient,
  TableReader,
} from "./lib/destination.ts";
export type { NamingConventionFactory, NamingOption } from "./lib/normalize/conventions.ts";
export {
  directNaming,
  duckCaseNaming,
  type NamingConvention,
  type NamingConventionName,
  type NamingConventionOptions,
  snakeCaseNaming,
} from "./lib/normalize/naming.ts";
export type {
  ColumnHint,
  ColumnSchema,
  DataType,
  FileFormatHint,
  MergeStrategy,
  ReferenceCardinality,
  StoredSchema,
  TableReference,
  TableSchema,
  WriteDisposition,
} from "./lib/schema/schema.ts";
export { Schema, type SchemaTablesOptions } from "./lib/schema/schema_view.ts";
export type {
  ExpandedSchemaContract,
  SchemaContract,
  SchemaContractMode,
  SchemaContractSettings,
  SchemaEntity,
} from "./lib/schema/contract.ts";
export type { PipelineState, SourceState } from "./lib/state.ts";
export { parseJson } from "./lib/json.ts";
export { log, type LogLevel, type LogRecord, onLog, setLogLevel } from "./lib/log.ts";
export { redact, redactUrl, registerSecret } from "./lib/redact.ts";
