/**
 * The pipeline: sequences extract → normalize → load, keeps the working folder, the schemas and
 * the state, and resumes whatever an interrupted run left behind.
 *
 * @module
 */
import { basename, join, resolve } from "node:path";
import type {
  Destination,
  DestinationClient,
  DestinationClientOptions,
  LoaderFileFormat,
  SqlClient,
} from "./destination.ts";
import { DltResource, resource } from "./resource.ts";
import {
  type AttachOptions,
  checkNoOptions,
  type DropOptions,
  type NormalizeOptions,
  type PipelineOptions,
  readAttachOptions,
  readDropOptions,
  readExtractOptions,
  readLoadOptions,
  readNormalizeOptions,
  readPipelineOptions,
  readRunOptions,
  type RefreshMode,
  type RunOptions,
} from "./pipeline_options.ts";
import type { Normalized } from "./resource_hints.ts";
import { DltSource } from "./source.ts";
import { PackageStore } from "./load/package_store.ts";
import { extractSource } from "./extract/extract.ts";
import { normalizePackage } from "./normalize/normalize.ts";
import { type AheadNormalizer, NormalizeAhead } from "./normalize/normalize_ahead.ts";
import { NormalizeAlong } from "./normalize/normalize_along.ts";
import { chooseLoaderFileFormat, tableFileFormat } from "./normalize/job_file_format.ts";
import type { NamingConvention } from "./normalize/naming.ts";
import { NamingConventions, type NamingOption } from "./normalize/conventions.ts";
import { loadNormalizedPackage } from "./load/load.ts";
import { LoadInfo, type LoadPackageInfo } from "./load_info.ts";
import {
  bumpSchemaVersion,
  type FileFormatHint,
  newSchema,
  type StoredSchema,
} from "./schema/schema.ts";
import { SchemaStorage } from "./schema/schema_storage.ts";
import { Schema } from "./schema/schema_view.ts";
import { pickDefaultSchemaName } from "./schema/default_schema_name.ts";
import { planRefresh } from "./refresh.ts";
import {
  countPendingPackages,
  dropPendingPackages,
  readPendingPackages,
} from "./load/pending_packages.ts";
import {
  newState,
  type PipelineState,
  readLocalState,
  removeLocalState,
  writeLocalState,
} from "./state.ts";
import { Dataset, sqlOf, type TableDataset } from "./dataset.ts";
import { activatePipeline, homeDir } from "./config.ts";
import {
  DltError,
  PendingPackageFailed,
  PipelineConfigMissing,
  PipelineNotFound,
  type PipelineStep,
  PipelineStepFailed,
} from "./errors.ts";
import { acquirePipelineLock, pipelineLockPath } from "./pipeline_lock.ts";
import {
  describeTarget,
  type PipelineSettings,
  readPipelineSettings,
  sameTarget,
  type StoredDestination,
  writePipelineSettings,
} from "./pipeline_settings.ts";
import { reconcileState, type StateSyncDecision } from "./state_sync.ts";
import { log } from "./log.ts";
import { collectGarbage, heapSize } from "./_heap.ts";
import { ClientSession } from "./load/client_session.ts";
import { destinationFactory } from "./destination_registry.ts";
import { DenoStorage } from "./storage/deno_storage.ts";
import type { WorkingStorage } from "./storage/storage.ts";
import {
  readExtractDataWriter,
  readExtractSettings,
  readRuntimeSettings,
  type RuntimeSettings,
} from "./runtime_settings.ts";
import type { ProgressCallback } from "./progress_events.ts";
import { defaultProgressMode, progressReporter } from "./progress/reporter.ts";
import { type PipelineTrace, readTraceSync, writeTrace } from "./trace.ts";
import { RunTracer, type StepRecord } from "./_run_tracer.ts";
import { failureOf, recordFailedJob } from "./load/failed_jobs.ts";

/** Data `run` and `extract` accept: a source, resources, or plain items (with `tableName`). */
export type RunData =
  | DltSource
  | DltResource
  | DltResource[]
  | Iterable<unknown>
  | AsyncIterable<unknown>;

export type {
  AttachOptions,
  DropOptions,
  NormalizeOptions,
  PipelineOptions,
  ProgressOption,
  RefreshMode,
  RunOptions,
} from "./pipeline_options.ts";

/** What {@linkcode Pipeline.extract} did. */
export interface ExtractInfo {
  /** The package created, when there was anything to load. */
  loadId?: string;
  /** Items extracted per table. */
  itemCounts: Record<string, number>;
}

/** What {@linkcode Pipeline.normalize} did. */
export interface NormalizeInfo {
  /** Packages normalized. */
  loadIds: string[];
  /** Rows per table. */
  rowCounts: Record<string, number>;
}

const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** How long a run waits for another run of the same pipeline by default, in milliseconds. */
const DEFAULT_LOCK_TIMEOUT_MS = 60_000;

/** The destination `destination` names or stores (`name`: the pipeline, for messages). */
async function resolveDestination(
  destination: string | Destination | StoredDestination,
  name: string,
): Promise<Destination> {
  if (typeof destination !== "string" && "client" in destination) return destination;
  const { type, options } = typeof destination === "string"
    ? { type: destination, options: {} }
    : destination;
  const create = destinationFactory(type);
  if (create === undefined || options === undefined) {
    throw new DltError(
      `Pipeline "${name}" last loaded into a destination "${type}" that cannot be recreated from its working folder: pass the destination`,
    );
  }
  return await create(options);
}

/**
 * dlt's default pipeline name: `dlt_` and the name of the program's main file without its
 * extension (`dlt_pipeline` when it has none), other characters than a name takes as `_`.
 */
function defaultPipelineName(): string {
  const file = basename(new URL(Deno.mainModule).pathname).replace(/\.[^.]*$/, "");
  return `dlt_${file.replace(/[^A-Za-z0-9_.-]/g, "_") || "pipeline"}`;
}

/** Where `pipelineName` works in `pipelinesDir` (default `~/.dlt/pipelines`), absolute. */
function workingDirOf(pipelineName: string, pipelinesDir: string | undefined): string {
  // absolute: the destination refuses relative paths to job files
  return resolve(pipelinesDir ?? join(homeDir() ?? ".", ".dlt", "pipelines"), pipelineName);
}

/** A data pipeline: use {@linkcode pipeline} to create one. */
export class Pipeline {
  /** The pipeline name. */
  readonly pipelineName: string;
  /** The dataset loaded into. */
  readonly datasetName: string;
  /** The working folder: packages, schemas and state. */
  readonly workingDir: string;
  #destinationOption: string | Destination | StoredDestination;
  #destination: Destination | undefined;
  /** The working folder's files: every read and write of it goes through this. */
  #storage: WorkingStorage;
  #store: PackageStore;
  #devMode: boolean;
  #namingOption: NamingOption;
  #refresh: RefreshMode | undefined;
  #lockPath: string;
  /** The current directory of the pipeline's first run (see `PipelineSettings.baseDir`). */
  #baseDir: string;
  #lockTimeoutMs: number;
  /** The job file format of tables that ask for none (`pipeline()`'s `loaderFileFormat`). */
  #loaderFileFormat: LoaderFileFormat | undefined;
  /** The state of the last committed load, as the working folder has it. */
  #committed: PipelineState | undefined;
  /** The states the pending packages carry. */
  #pending: PipelineState[] = [];
  #state: PipelineState | undefined;
  #schemas: SchemaStorage;
  /** The schema of the first source extracted into this pipeline when it had none. */
  #firstSchemaName: string | undefined;
  #conventions: NamingConventions | undefined;
  #initialized = false;
  /** The runtime settings from config, read again by each extract, normalize, load and run. */
  #settings: RuntimeSettings | undefined;
  /** Receives every progress event of this pipeline's runs (`progress` given as a callback). */
  #progressListener: ProgressCallback | undefined;
  /**
   * `progress: "bar"` or `"log"` (by default a bar when stderr is a terminal): drawn by a
   * progress reporter, which receives the events as a listener does.
   */
  #progressMode: "bar" | "log" | undefined;
  /** The trace of this object's last run (`lastTrace` reads the stored one before it runs). */
  #lastTrace: PipelineTrace | undefined;

  /** Use {@linkcode pipeline} instead. */
  constructor(given: PipelineOptions = {}) {
    const options = readPipelineOptions(given);
    const pipelineName = options.pipelineName ?? defaultPipelineName();
    if (!NAME_PATTERN.test(pipelineName)) {
      throw new TypeError(
        `Invalid pipeline name "${pipelineName}": use letters, digits, "_", "-" and "."`,
      );
    }
    this.pipelineName = pipelineName;
    activatePipeline(this.pipelineName);
    this.#devMode = options.devMode ?? false;
    this.#namingOption = options.naming ?? "snake_case";
    this.#refresh = options.refresh;
    this.workingDir = workingDirOf(pipelineName, options.pipelinesDir);
    this.#storage = new DenoStorage(this.workingDir);
    // a dev-mode pipeline starts afresh: it does not take over where the last run loaded
    const stored = this.#devMode ? undefined : readPipelineSettings(this.#storage);
    const baseDataset = options.datasetName ?? stored?.datasetName ??
      `${pipelineName}_dataset`;
    this.datasetName = this.#devMode
      ? `${baseDataset}_${new Date().toISOString().replace(/\D/g, "").slice(0, 17)}`
      : baseDataset;
    this.#destinationOption = options.destination ?? stored?.destination ?? "duckdb";
    // relative locations resolve where the pipeline first ran, as dlt's initial_cwd
    this.#baseDir = stored?.baseDir ?? Deno.cwd();
    this.#store = new PackageStore(this.#storage);
    this.#schemas = new SchemaStorage(this.#storage, {
      importSchemaPath: options.importSchemaPath && resolve(options.importSchemaPath),
      exportSchemaPath: options.exportSchemaPath && resolve(options.exportSchemaPath),
    });
    this.#lockPath = pipelineLockPath(this.workingDir);
    this.#lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    this.#loaderFileFormat = options.loaderFileFormat;
    // as the issue asks of dlt users: a bar on a terminal, nothing in files and pipes
    const progress = options.progress ?? defaultProgressMode(Deno.stderr);
    if (typeof progress === "function") this.#progressListener = progress;
    else if (progress !== "none") this.#progressMode = progress;
  }

  /**
   * The trace of the pipeline's last `run`, `extract`, `normalize` or `load`, as dlt's
   * `last_trace`: its steps with their times, load ids, rows per table, jobs and error, and the
   * non-secret config values it resolved. Before this object ran, the trace the last run stored
   * in the working folder (`trace.json`, written after every run, failed ones too); `undefined`
   * when none ran. A stored trace that is damaged or of a newer format is a `DltError`.
   *
   * @example
   * ```ts ignore
   * await p.run(data);
   * console.log(formatTrace(p.lastTrace!));
   * await p.run([p.lastTrace], { tableName: "_trace" }); // the trace, loaded as dlt does it
   * ```
   */
  get lastTrace(): PipelineTrace | undefined {
    return this.#lastTrace ?? readTraceSync(this.#storage);
  }

  /**
   * Runs `fn` as `#locked` does, tracing it: the trace (of a failed call too) becomes
   * `lastTrace` and is stored in the working folder.
   */
  async #traced<T>(fn: (tracer: RunTracer) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return await this.#locked(async () => {
      // the bar or log lines of this call, drawn from the events as a listener sees them
      const reporter = this.#progressMode && progressReporter(this.#progressMode);
      const given = this.#progressListener;
      const listener: ProgressCallback | undefined = reporter === undefined
        ? given
        : given === undefined
        ? reporter.report
        : (event) => {
          reporter.report(event);
          given(event);
        };
      const tracer = new RunTracer(this.pipelineName, listener);
      let failure: { error: unknown } | undefined;
      try {
        return await tracer.run(() => {
          // read afresh by every call (config files and variables may have changed); recorded
          this.#settings = readRuntimeSettings({ pipelineName: this.pipelineName });
          return fn(tracer);
        });
      } catch (error) {
        failure = { error };
        throw error;
      } finally {
        reporter?.close();
        const trace = tracer.finish(failure?.error, {
          destinationName: this.#destination?.name,
          datasetName: this.datasetName,
        });
        this.#lastTrace = trace;
        try {
          await writeTrace(this.#storage, trace);
        } catch (error) {
          // the run's own outcome matters more than its trace
          log.warn(
            `Cannot store the trace of pipeline "${this.pipelineName}": ${
              error instanceof Error ? error.message : String(error)
            }`,
          );
        }
      }
    }, signal);
  }

  /** The pipeline state (read it after a run; resources change it through their context). */
  get state(): PipelineState {
    return this.#state ?? newState(this.pipelineName, this.datasetName);
  }

  /** The schemas known to the pipeline, by name. */
  get schemas(): ReadonlyMap<string, StoredSchema> {
    return this.#schemas.all;
  }

  /**
   * The name of the pipeline's default schema, as dlt's `default_schema_name`: the schema of the
   * first source this object extracted into an empty pipeline; else (a pipeline that ran
   * before) the schema named after the pipeline, which `run(data)` fills, else the first by
   * name. `undefined` while the pipeline has no schema: schemas load with its first step.
   */
  get defaultSchemaName(): string | undefined {
    return pickDefaultSchemaName(this.#schemas.all, this.#firstSchemaName, this.pipelineName);
  }

  /**
   * The default schema (see {@linkcode Pipeline.defaultSchemaName}) as dlt's `default_schema`:
   * tables, columns and hints, a read-only copy as of the last step. A
   * {@linkcode PipelineConfigMissing} when the pipeline has no schema yet.
   *
   * @example
   * ```ts
   * import { pipeline } from "../mod.ts";
   * import { duckdb } from "../destinations/duckdb/mod.ts";
   * const dir = await Deno.makeTempDir();
   * const p = pipeline({
   *   pipelineName: "items",
   *   destination: duckdb({ path: `${dir}/items.duckdb` }),
   *   pipelinesDir: dir,
   * });
   * await p.run([{ id: 1, tags: ["a"] }], { tableName: "items" });
   * const schema = p.defaultSchema;
   * if (schema.tables.items.columns.id.dataType !== "bigint") throw new Error();
   * if (schema.tables.items__tags.parent !== "items") throw new Error();
   * console.log(await schema.toPrettyYaml()); // as the exported items.schema.yaml
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  get defaultSchema(): Schema {
    const name = this.defaultSchemaName;
    if (name === undefined) {
      throw new PipelineConfigMissing(
        this.pipelineName,
        "defaultSchemaName",
        "it has no schema yet; run or extract data first (await pipeline.run(data)), or, for a pipeline that ran before, any step (run, extract, normalize, load) loads its schemas",
      );
    }
    return new Schema(this.#schemas.get(name)!);
  }

  /** The destination, resolved from its name (or the stored one) on first use. */
  async destination(): Promise<Destination> {
    return this.#destination ??= await resolveDestination(
      this.#destinationOption,
      this.pipelineName,
    );
  }

  /**
   * Runs `fn` holding the working folder's lock: one run at a time per pipeline, across
   * processes and within one.
   */
  async #locked<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await using _lock = await acquirePipelineLock(this.#lockPath, {
      pipelineName: this.pipelineName,
      timeoutMs: this.#lockTimeoutMs,
      signal,
    });
    try {
      return await fn();
    } finally {
      // files still being deleted are the working folder's, which the lock guards
      await this.#store.settled();
    }
  }

  /**
   * Reads the working folder afresh, as another process may have run since: the committed
   * state, the schemas, and the pending packages, whose newest state the next extract starts
   * from. Needs the lock.
   */
  async #open(): Promise<void> {
    if (!this.#initialized) {
      const destination = await this.destination();
      this.#conventions ??= new NamingConventions(
        this.#namingOption,
        destination.capabilities.maxIdentifierLength,
      );
      if (this.#devMode) await this.#storage.remove("").catch(() => {});
      this.#initialized = true;
    }
    await this.#storage.mkdir("");
    await this.#store.discardUnfinished();
    this.#committed = await readLocalState(this.#storage);
    await this.#schemas.reload();
    // a process that died between stages leaves pending packages newer than the local files
    const pending = await readPendingPackages(this.#store);
    this.#pending = pending.states;
    for (const schema of pending.schemas) this.#schemas.adopt(schema);
    let state = this.#committed;
    for (const pendingState of pending.states) {
      if (pendingState.version > (state?.version ?? -1)) state = pendingState;
    }
    this.#useState(state);
  }

  /** Makes a copy of `state` (a fresh one when undefined) the state of the next extract. */
  #useState(state: PipelineState | undefined): void {
    this.#state = state === undefined
      ? newState(this.pipelineName, this.datasetName)
      : structuredClone(state);
    this.#state.datasetName = this.datasetName;
  }

  /** Where this pipeline loads, as its working folder stores it. */
  #target(destination: Destination): PipelineSettings {
    return {
      datasetName: this.datasetName,
      destination: {
        type: destination.name,
        options: destination.factoryOptions && { ...destination.factoryOptions },
        location: destination.location?.(this.#clientOptions()),
      },
      baseDir: this.#baseDir,
    };
  }

  /**
   * Refuses to load the pending packages somewhere else than where they were extracted for:
   * their state belongs there.
   */
  #checkPendingTarget(stored: PipelineSettings | undefined, target: PipelineSettings): void {
    if (stored === undefined || this.#pending.length === 0 || sameTarget(stored, target)) return;
    throw new DltError(
      `Pipeline "${this.pipelineName}" has ${this.#pending.length} pending load package(s) for ${
        describeTarget(stored)
      } but now loads into ${
        describeTarget(target)
      }: load them there first (run with that dataset and destination), or drop them with pipeline.dropPendingPackages()`,
    );
  }

  /**
   * dlt's rule, before extracting: the destination's state wins over the local one (see
   * `state_sync.ts`); then stores where this pipeline loads. With `always` false (a separate
   * `extract`), the destination is asked only when the pipeline loads somewhere new.
   */
  async #syncWithDestination(
    session: ClientSession,
    always: boolean,
    tracer: RunTracer,
  ): Promise<void> {
    // a destination that cannot be opened (damaged, locked) fails here, as dlt's "sync" step
    await tracer.step(
      "sync",
      () => this.#step("sync", undefined, () => this.#sync(session, always)),
    );
  }

  async #sync(session: ClientSession, always: boolean): Promise<void> {
    const target = this.#target(session.destination);
    const stored = readPipelineSettings(this.#storage);
    this.#checkPendingTarget(stored, target);
    const moved = stored !== undefined && !sameTarget(stored, target);
    if (always || stored === undefined || moved) {
      const hasData = await session.destination.hasStoredData?.(this.#clientOptions());
      const decision = reconcileState({
        pipelineName: this.pipelineName,
        target: describeTarget(target),
        previousTarget: moved ? describeTarget(stored) : undefined,
        committed: this.#committed,
        pending: this.#pending,
        stored: hasData === false
          ? undefined
          : await (await session.client()).storedState(this.pipelineName),
      });
      if (!decision.keep) await this.#takeState(decision, session);
    }
    // other options of the same destination become the new default as well
    if (JSON.stringify(stored) !== JSON.stringify(target)) {
      await writePipelineSettings(this.#storage, target);
    }
  }

  /**
   * Takes the destination's state (and its newer schemas), or an empty one, dropping the
   * pending packages made from the local state.
   */
  async #takeState(
    decision: Extract<StateSyncDecision, { keep: false }>,
    session: ClientSession,
  ): Promise<void> {
    log[decision.level](decision.message);
    await this.#dropPending();
    if (decision.state === undefined) {
      await removeLocalState(this.#storage);
    } else {
      for (const schema of await (await session.client()).storedSchemas()) {
        if (this.#schemas.isNewer(schema)) await this.#schemas.save(schema);
      }
      await writeLocalState(this.#storage, decision.state);
    }
    this.#committed = decision.state;
    this.#useState(decision.state);
  }

  /** Deletes the packages that were extracted or normalized but not loaded. */
  async #dropPending(): Promise<void> {
    await dropPendingPackages(this.#store);
    this.#pending = [];
  }

  async #step<T>(step: PipelineStep, loadId: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw error instanceof PipelineStepFailed
        ? error
        : new PipelineStepFailed(step, loadId, error);
    }
  }

  #toSource(data: RunData, options: Normalized<RunOptions>): DltSource {
    if (data instanceof DltSource) return data;
    if (data instanceof DltResource) return new DltSource([data], { name: this.pipelineName });
    if (Array.isArray(data) && data.length > 0 && data.every((d) => d instanceof DltResource)) {
      return new DltSource(data as DltResource[], { name: this.pipelineName });
    }
    if (typeof options.tableName !== "string") {
      throw new TypeError(
        "Plain data needs a table name: pass `tableName` in the run options, or wrap it in a resource",
      );
    }
    const r = resource(data as Iterable<unknown>, { name: options.tableName });
    return new DltSource([r], { name: this.pipelineName });
  }

  /**
   * Extracts `data` into a new load package (normalized and loaded by the next steps). As in
   * dlt, it checks the state against the destination only when the pipeline loads somewhere new
   * (`run` does before each run).
   */
  async extract(data: RunData, options: RunOptions = {}): Promise<ExtractInfo> {
    const read = readExtractOptions(options);
    return await this.#traced(async (tracer) => {
      const destination = await this.destination();
      // a format the destination does not load fails before anything runs
      chooseLoaderFileFormat(destination, read.loaderFileFormat);
      await this.#open();
      await using session = new ClientSession(destination, this.#clientOptions());
      await this.#syncWithDestination(session, false, tracer);
      return await this.#extract(data, read, tracer);
    }, read.signal);
  }

  /**
   * Fails before `source` is extracted when a resource of it asks for a job file format
   * (`fileFormat`) that the destination does not load; `run()`'s `loaderFileFormat` replaces
   * theirs.
   */
  #checkFileFormats(destination: Destination, source: DltSource, given?: LoaderFileFormat): void {
    if (given !== undefined) return;
    const fallback = destination.capabilities.preferredLoaderFileFormat;
    for (const r of source.resources.values()) {
      if (r.selected) {
        tableFileFormat(destination, `Resource "${r.name}"`, r.hints.fileFormat, fallback);
      }
    }
  }

  /** Extracts `data`; with `ahead`, normalizes the package meanwhile (see `AheadNormalizer`). */
  async #extract(
    data: RunData,
    options: Normalized<RunOptions>,
    tracer: RunTracer,
    ahead?: AheadNormalizer,
  ): Promise<ExtractInfo> {
    return await tracer.step(
      "extract",
      (record) => this.#extractTraced(data, options, tracer, record, ahead),
    );
  }

  async #extractTraced(
    data: RunData,
    options: Normalized<RunOptions>,
    tracer: RunTracer,
    record: StepRecord,
    ahead: AheadNormalizer | undefined,
  ): Promise<ExtractInfo> {
    const source = this.#toSource(data, options);
    this.#checkFileFormats(await this.destination(), source, options.loaderFileFormat);
    const { listener } = tracer;
    return await this.#step("extract", undefined, async () => {
      await this.#schemas.applyImport(source.name, (schema) => this.#namingOf(schema));
      const state = structuredClone(this.#state!);
      const { signal, refresh = this.#refresh, loaderFileFormat, ...rest } = options;
      // as dlt, run()'s format is the fileFormat hint of every resource it extracts
      const hints = loaderFileFormat === undefined
        ? rest
        : { ...rest, fileFormat: loaderFileFormat };
      const schema = await this.#schemaOf(source);
      const refreshed = planRefresh(schema, source, refresh, state);
      const heapMark = heapSize();
      const result = await extractSource(source, {
        store: this.#store,
        naming: this.#namingOf(schema),
        state,
        hints,
        signal,
        pipelineName: this.pipelineName,
        dropTables: refreshed.drop,
        truncateTables: refreshed.truncate,
        dataWriter: readExtractDataWriter(source.name, { pipelineName: this.pipelineName }),
        concurrency: readExtractSettings(source.name, { pipelineName: this.pipelineName }),
        // a refresh changes the schema after extract: normalize could not start before
        follower: refreshed.drop.length + refreshed.truncate.length === 0
          ? ahead?.follower(schema, this.#namingOf(schema))
          : undefined,
        onItems: listener &&
          ((resource, items) => listener({ kind: "items_extracted", resource, items })),
      });
      // the items' garbage goes before normalize's workers add their memory
      collectGarbage(heapMark);
      if (result.loadId !== undefined) record.loadIds.push(result.loadId);
      record.rowCounts = { ...result.itemCounts };
      if (refreshed.drop.length > 0) {
        // the dropped tables start over in the schema as well
        for (const name of refreshed.drop) delete schema.tables[name];
        bumpSchemaVersion(schema);
        await this.#schemas.save(schema);
      }
      this.#state = state;
      return { loadId: result.loadId, itemCounts: result.itemCounts };
    });
  }

  /** Normalizes every extracted package. */
  async normalize(options: NormalizeOptions = {}): Promise<NormalizeInfo> {
    const read = readNormalizeOptions(options);
    return await this.#traced(async (tracer) => {
      const destination = await this.destination();
      // a format the destination does not load fails before anything runs
      chooseLoaderFileFormat(destination, read.loaderFileFormat);
      await this.#open();
      return await this.#normalize(read.workers, read.loaderFileFormat, tracer);
    });
  }

  /**
   * Normalizes every extracted package with `workers`: into job files of `forced` for every
   * table, else of each table's `fileFormat` hint, else of the pipeline's format, else of the
   * destination's preferred one. A step of the trace; with `onlyPending`, only when a package
   * waits (a run finishing what an interrupted one left). With `session` (a run about to load),
   * the one package normalized may start loading meanwhile (see `loadEarly` of
   * `normalizePackage`).
   */
  async #normalize(
    workers: number | undefined,
    forced: LoaderFileFormat | undefined,
    tracer: RunTracer,
    onlyPending = false,
    session?: ClientSession,
    ahead?: AheadNormalizer,
  ): Promise<NormalizeInfo> {
    if (onlyPending && (await this.#store.list("extracted")).length === 0) {
      return { loadIds: [], rowCounts: {} };
    }
    return await tracer.step(
      "normalize",
      (record) => this.#normalizeTraced(workers, forced, tracer, record, session, ahead),
    );
  }

  /**
   * The job file format of tables without one of their own (`forced` for all tables), and the
   * format of a root table given its `fileFormat` hint.
   */
  async #jobFormats(forced: LoaderFileFormat | undefined): Promise<{
    format: LoaderFileFormat;
    tableFormat?: (table: string, hint: FileFormatHint | undefined) => LoaderFileFormat;
  }> {
    const destination = await this.destination();
    const format = chooseLoaderFileFormat(destination, forced ?? this.#loaderFileFormat);
    const tableFormat = forced === undefined
      ? (table: string, hint: FileFormatHint | undefined) =>
        tableFileFormat(destination, `Table "${table}"`, hint, format)
      : undefined;
    return { format, tableFormat };
  }

  async #normalizeTraced(
    workers: number | undefined,
    forced: LoaderFileFormat | undefined,
    tracer: RunTracer,
    record: StepRecord,
    session: ClientSession | undefined,
    ahead: AheadNormalizer | undefined,
  ): Promise<NormalizeInfo> {
    const { format, tableFormat } = await this.#jobFormats(forced);
    const info: NormalizeInfo = { loadIds: record.loadIds, rowCounts: record.rowCounts };
    const { listener } = tracer;
    const normalized = new Set(await this.#store.list("normalized"));
    const extracted = await this.#store.list("extracted");
    // the load takes packages in order: only one alone can start before it is normalized
    const early = session !== undefined && normalized.size === 0 &&
        extracted.length === 1
      ? session
      : undefined;
    // not taken over: what normalized the package while it was extracted stops first
    if (early === undefined) await ahead?.abort();
    for (const loadId of extracted) {
      if (normalized.has(loadId)) {
        // normalized before a crash that left the extracted copy behind
        await this.#store.remove("extracted", loadId);
        continue;
      }
      // reported per table when it changed since the last report
      const reported: Record<string, number> = {};
      const onRows = listener &&
        ((rowCounts: Readonly<Record<string, number>>) => {
          for (const [table, rows] of Object.entries(rowCounts)) {
            if (reported[table] === rows) continue;
            reported[table] = rows;
            listener({ kind: "rows_normalized", loadId, table, rows });
          }
        });
      let jobs: { file: string; table: string }[] = [];
      try {
        // a package that fails to normalize stays pending, and fails every run the same way
        await PendingPackageFailed.during("normalize", loadId, async () => {
          const dir = this.#store.dir("extracted", loadId);
          const manifest = await this.#store.readManifest(dir);
          jobs = manifest.jobs;
          const schema = this.#schemas.get(manifest.schemaName) ??
            newSchema(manifest.schemaName, this.#conventions!.defaultName);
          const heapMark = heapSize();
          const result = await normalizePackage(this.#store, loadId, schema, {
            naming: this.#namingOf(schema),
            // as dlt, the option wins over config's normalize.workers
            workers: workers ?? this.#settings?.normalize.workers,
            dataWriter: this.#settings?.normalize.dataWriter,
            loaderFileFormat: format,
            tableFileFormat: tableFormat,
            onRows,
            loadEarly: early &&
              (async (root) => (await early.client()).loadChainEarly?.(loadId, root)),
            ahead: early && ahead,
          });
          await this.#schemas.save(result.schema);
          // before the load adds the destination's memory
          collectGarbage(heapMark);
          info.loadIds.push(loadId);
          for (const [table, n] of Object.entries(result.rowCounts)) {
            info.rowCounts[table] = (info.rowCounts[table] ?? 0) + n;
          }
        });
      } catch (error) {
        if (error instanceof PendingPackageFailed) {
          // for `dlt pipeline <name> failed-jobs`; the run reports the error either way
          await recordFailedJob(this.#store, failureOf("normalize", loadId, error, jobs))
            .catch(() => {});
        }
        throw error;
      }
    }
    return info;
  }
  /**
   * The schema of `source`, created (and saved, so normalize finds its naming convention) when
   * new. A source asking for another naming convention than its schema's is an error.
   */
  async #schemaOf(source: DltSource): Promise<StoredSchema> {
    const known = this.#schemas.get(source.name);
    const conventions = this.#conventions!;
    const asked = source.naming === undefined ? undefined : conventions.nameOf(source.naming);
    if (known === undefined) {
      // dlt's default schema: the first one an empty pipeline gets
      if (this.#schemas.all.size === 0) this.#firstSchemaName = source.name;
      const schema = newSchema(source.name, asked ?? conventions.defaultName);
      await this.#schemas.save(schema);
      return schema;
    }
    if (asked !== undefined && asked !== known.naming) {
      throw new DltError(
        `Source "${source.name}" asks for naming convention "${asked}", but its schema uses "${known.naming}"; load it with a new pipeline (or devMode) to change conventions`,
      );
    }
    return known;
  }

  /** The naming convention `schema` was created with. */
  #namingOf(schema: StoredSchema): NamingConvention {
    return this.#conventions!.get(schema.naming);
  }

  /** Loads every normalized package; returns what was loaded. */
  async load(options: Record<never, never> = {}): Promise<LoadInfo> {
    readLoadOptions(options);
    const startedAt = new Date();
    return await this.#traced(async (tracer) => {
      await this.#open();
      const destination = await this.destination();
      this.#checkPendingTarget(readPipelineSettings(this.#storage), this.#target(destination));
      await using session = new ClientSession(destination, this.#clientOptions());
      const packages = await this.#loadPending(session, tracer);
      return await this.#info(packages, startedAt, {
        extract: 0,
        normalize: 0,
        load: Date.now() - startedAt.getTime(),
      });
    });
  }

  /**
   * Loads every normalized package: a step of the trace; with `onlyPending`, only when a package
   * waits (a run finishing what an interrupted one left).
   */
  async #loadPending(
    session: ClientSession,
    tracer: RunTracer,
    onlyPending = false,
  ): Promise<LoadPackageInfo[]> {
    const loadIds = await this.#store.list("normalized");
    if (onlyPending && loadIds.length === 0) return [];
    return await tracer.step("load", async (record) => {
      const { listener } = tracer;
      const jobs: LoadPackageInfo["jobs"] = record.jobs = [];
      const packages: LoadPackageInfo[] = [];
      for (const loadId of loadIds) {
        await this.#step("load", loadId, async () => {
          const client = await session.client();
          const loaded = await loadNormalizedPackage(
            this.#store,
            loadId,
            client,
            async (state) => {
              // written before the package moves to "loaded": a crash in between re-runs this
              await writeLocalState(this.#storage, state);
              this.#committed = state;
              if (state.version > this.#state!.version) this.#useState(state);
            },
            {
              onRows: listener &&
                ((table, rows) => listener({ kind: "rows_loaded", loadId, table, rows })),
            },
          );
          packages.push(loaded);
          record.loadIds.push(loadId);
          jobs.push(...loaded.jobs);
          for (const [table, n] of Object.entries(loaded.rowCounts)) {
            record.rowCounts[table] = (record.rowCounts[table] ?? 0) + n;
          }
        });
      }
      return packages;
    });
  }

  #clientOptions(): DestinationClientOptions {
    return {
      pipelineName: this.pipelineName,
      datasetName: this.datasetName,
      workingDir: this.workingDir,
      baseDir: this.#baseDir,
    };
  }

  async #info(
    packages: LoadPackageInfo[],
    startedAt: Date,
    timings: LoadInfo["timings"],
  ): Promise<LoadInfo> {
    const destination = await this.destination();
    return new LoadInfo({
      pipelineName: this.pipelineName,
      destinationName: destination.name,
      destinationLocation: destination.location?.(this.#clientOptions()),
      datasetName: this.datasetName,
      loadPackages: packages,
      timings,
      startedAt,
      finishedAt: new Date(),
    });
  }

  /**
   * Extracts, normalizes and loads `data`. First, as in dlt, the local state is checked against
   * the destination's, which wins (see the README's "Working folder and recovery"); then packages
   * left by an interrupted run are finished, so nothing is lost or loaded twice. One run at a
   * time per pipeline: another waits up to `lockTimeoutMs`.
   *
   * @example
   * ```ts ignore
   * import { pipeline, resource } from "./../mod.ts";
   * const p = pipeline({ pipelineName: "quickstart", destination: "duckdb" });
   * const info = await p.run(resource([{ id: 1 }], { name: "items" }));
   * console.log(info.toString());
   * ```
   */
  async run(data: RunData, options: RunOptions = {}): Promise<LoadInfo> {
    const startedAt = new Date();
    const read = readRunOptions(options);
    const { loaderFileFormat } = read;
    const timings = { extract: 0, normalize: 0, load: 0 };
    const time = async <T>(step: keyof typeof timings, fn: () => Promise<T>) => {
      const t0 = performance.now();
      try {
        return await fn();
      } finally {
        timings[step] += performance.now() - t0;
      }
    };
    return await this.#traced(async (tracer) => {
      const destination = await this.destination();
      // a format the destination does not load fails before anything runs
      chooseLoaderFileFormat(destination, loaderFileFormat ?? this.#loaderFileFormat);
      // the driver loads meanwhile (errors surface when the client opens)
      destination.prepare?.(this.#clientOptions()).catch(() => {});
      await this.#open();
      await using session = new ClientSession(destination, this.#clientOptions());
      await time("load", () => this.#syncWithDestination(session, true, tracer));
      // finish what an interrupted run left behind
      await time("normalize", () => this.#normalize(undefined, undefined, tracer, true, session));
      const packages = await time("load", () => this.#loadPending(session, tracer, true));
      const ahead = await this.#normalizeAhead(session);
      try {
        await time("extract", () => this.#extract(data, read, tracer, ahead));
        await time(
          "normalize",
          () => this.#normalize(undefined, undefined, tracer, false, session, ahead),
        );
      } finally {
        await ahead?.abort();
      }
      packages.push(...await time("load", () => this.#loadPending(session, tracer)));
      return await this.#info(packages, startedAt, timings);
    }, read.signal);
  }

  /**
   * What normalizes the package `run()` extracts while extract writes it, as `normalizePackage`
   * would once extract ended: extract's own thread item by item, the chain loading meanwhile,
   * when the destination loads off this thread (see `NormalizeAlong`), else a worker (see
   * `NormalizeAhead`); `undefined` where that would not load it early: config sets normalize's
   * workers.
   */
  async #normalizeAhead(session: ClientSession): Promise<AheadNormalizer | undefined> {
    if (this.#settings?.normalize.workers !== undefined) return undefined;
    const { format, tableFormat } = await this.#jobFormats(undefined);
    const options = {
      store: this.#store,
      loaderFileFormat: format,
      tableFileFormat: tableFormat,
      dataWriter: this.#settings?.normalize.dataWriter,
    };
    if (session.destination.capabilities.loadsOffMainThread !== true) {
      return new NormalizeAhead(options);
    }
    return new NormalizeAlong({
      ...options,
      loadEarly: async (loadId, root) => (await session.client()).loadChainEarly?.(loadId, root),
      // a client that fails to open fails the load with the same error
      prepareLoad: () => void session.client().catch(() => {}),
    });
  }

  /** How many packages wait to be normalized (`extracted`) and loaded (`normalized`). */
  async pendingPackages(): Promise<{ extracted: number; normalized: number }> {
    return await this.#locked(() => countPendingPackages(this.#store));
  }

  /**
   * Deletes packages that were extracted or normalized but not loaded, e.g. one that fails to
   * normalize or load on every run. The state they carried is dropped with them.
   */
  async dropPendingPackages(): Promise<void> {
    await this.#locked(async () => {
      await this.#dropPending();
      await this.#open();
    });
  }

  /**
   * Drops, as dlt does. With `resources`: their tables (nested ones included) in the destination
   * and in the schema, and their state, committed like a load (dlt's `drop` command). Without:
   * the local working folder (state, schemas, pending packages, where it loads); the next run
   * takes state and schemas back from the destination.
   *
   * @example
   * ```ts ignore
   * await p.drop({ resources: ["issues"] }); // the issues tables and cursor start over
   * ```
   */
  async drop(options: DropOptions = {}): Promise<LoadInfo | undefined> {
    options = readDropOptions(options);
    if (options.resources === undefined) {
      // the lock lives beside the working folder: removing the folder leaves it to its holder
      await this.#locked(() => this.#storage.remove(""));
      this.#state = undefined;
      this.#committed = undefined;
      this.#pending = [];
      this.#schemas.clear();
      return undefined;
    }
    const empty = options.resources.map((name) => resource([], { name }));
    const target = new DltSource(empty, { name: options.schemaName ?? this.pipelineName });
    return await this.run(target, { refresh: "drop_resources" });
  }

  /** The loaded data, for reading back; its tables are its properties too (`dataset.items`). */
  dataset(options: Record<never, never> = {}): TableDataset {
    checkNoOptions(options, "dataset()", {
      datasetType: "a dataset reads through the pipeline's destination",
      schema: "tables are read by name: dataset().table(name)",
    });
    return new Dataset(() => this.#readingClient(true), this.datasetName) as TableDataset;
  }

  /**
   * A client of the destination that speaks SQL (or, when `tablesSuffice`, reads tables
   * without it), or the error that names the destination.
   */
  async #readingClient(tablesSuffice: boolean): Promise<DestinationClient> {
    const destination = await this.destination();
    const client = await destination.client(this.#clientOptions());
    if (client.sql === undefined && !(tablesSuffice && client.tables !== undefined)) {
      await client.close();
      sqlOf(client, destination.name);
    }
    return client;
  }

  /**
   * A client for raw SQL against the destination. Close it when done (or use `await using`).
   *
   * @example
   * ```ts ignore
   * await using client = await p.sqlClient();
   * const rows = await client.query("SELECT 42 AS answer");
   * ```
   */
  async sqlClient(
    options: Record<never, never> = {},
  ): Promise<PipelineSqlClient> {
    checkNoOptions(options, "sqlClient()", {
      schemaName: "the client works in the pipeline's dataset; qualifiedName() names its tables",
    });
    const client = await this.#readingClient(false);
    const sql = client.sql!;
    const session: PipelineSqlClient = {
      query: sql.query.bind(sql),
      queryArrow: sql.queryArrow.bind(sql),
      execute: sql.execute.bind(sql),
      qualifiedName: sql.qualifiedName.bind(sql),
      close: () => client.close(),
      [Symbol.asyncDispose]: () => client.close(),
    };
    return session;
  }

  /**
   * dlt's `pipeline sync`: replaces the local working folder (state, schemas, pending packages)
   * with the state and schemas the destination stores for this pipeline. The local copy is kept
   * when the destination has no state of it (a {@linkcode DltError}).
   */
  async syncDestination(): Promise<void> {
    await this.#locked(async () => {
      const destination = await this.destination();
      await this.#open();
      await using session = new ClientSession(destination, this.#clientOptions());
      const hasData = await destination.hasStoredData?.(this.#clientOptions());
      const client = hasData === false ? undefined : await session.client();
      const state = await client?.storedState(this.pipelineName);
      if (client === undefined || state === undefined) {
        throw new DltError(
          `Pipeline "${this.pipelineName}" has no state in ${
            describeTarget(this.#target(destination))
          }; the local working folder "${this.workingDir}" is left as it was`,
        );
      }
      const schemas = await client.storedSchemas();
      const target = this.#target(destination);
      await this.#storage.remove("");
      this.#pending = [];
      this.#schemas.clear();
      await writePipelineSettings(this.#storage, target);
      for (const schema of schemas) {
        if (this.#schemas.isNewer(schema)) await this.#schemas.save(schema);
      }
      await writeLocalState(this.#storage, state);
      await this.#open();
    });
  }
}

/** What `pipeline.sqlClient()` returns: SQL on the pipeline's dataset, closed when done. */
export interface PipelineSqlClient extends SqlClient, AsyncDisposable {
  /** Closes the connection (`await using` does it too). */
  close(): Promise<void>;
}

/**
 * Creates a pipeline. Without `destination` and `datasetName`, one that ran before in its
 * working folder loads where it loaded last. Without `pipelineName` it is named after the
 * program's main file, as in dlt (`dlt_<file>`).
 *
 * @example
 * ```ts
 * import { pipeline } from "./pipeline.ts";
 * const p = pipeline({ pipelineName: "example" }); // nothing is written until it runs
 * if (p.datasetName !== "example_dataset") throw new Error();
 * ```
 */
export function pipeline(options: PipelineOptions = {}): Pipeline {
  return new Pipeline(options);
}

/**
 * Opens a pipeline that ran before, as dlt's `dlt.attach`: it loads into the dataset and
 * destination of its last run. Fails with a {@linkcode PipelineNotFound} when none ran there.
 *
 * @example
 * ```ts
 * import { attach, PipelineNotFound } from "../mod.ts";
 * const pipelinesDir = await Deno.makeTempDir();
 * try {
 *   attach({ pipelineName: "never_ran", pipelinesDir });
 *   throw new Error("unexpected");
 * } catch (error) {
 *   if (!(error instanceof PipelineNotFound)) throw error;
 * }
 * await Deno.remove(pipelinesDir, { recursive: true });
 * ```
 */
export function attach(options: AttachOptions): Pipeline {
  const p = new Pipeline(readAttachOptions(options));
  if (readPipelineSettings(new DenoStorage(p.workingDir)) === undefined) {
    throw new PipelineNotFound(p.pipelineName, p.workingDir);
  }
  return p;
}
