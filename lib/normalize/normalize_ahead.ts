/**
 * Normalize ahead: a run's package normalized, and its chain loaded, while extract still writes
 * it, so that normalize and the load no longer wait for the last item to be extracted (the
 * GitHub events: extract is a sixth of a run, on one core, with the other one idle).
 *
 * It assumes what `normalizePackage` decides for a large package of one root table that appends
 * when the run loads it early (one worker, the chain loaded as its files are written), and starts
 * on that assumption once extract has completed 16 MiB of one table's files:
 *
 * ```
 * extract ── file 1 ── file 2 ── … ── file n ── moving(): the file being normalized finishes
 * worker             └─ file 1 ── file 2 ── …  (one file at a time, as extract completes them)
 * early chain              └─ copies each job file the worker closes (one open transaction)
 * normalizePackage ── take(): the package as assumed? → the rest of the files, then as usual
 *                                                  else → abort(): nothing of it remains
 * ```
 *
 * Nothing is committed before the package is normalized, as without it: the chain's transaction
 * commits when the load completes it, and a crash at any point leaves the `extracting` and
 * `normalizing` folders that the next open discards. The pipeline aborts it when something reads
 * the destination through it while extract runs (a resource asking `dataset()`): the chain's open
 * transaction would keep that read waiting for the end of the extract that waits for the read.
 *
 * @module
 */
import { basename, join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { EarlyChainLoad, LoaderFileFormat } from "../destination.ts";
import type { ExtractFollower } from "../extract/extract.ts";
import type { PackageJob, PackageManifest, PackageStore } from "../load/package_store.ts";
import { loadJobOf } from "../load/job_files.ts";
import type { DataWriterSettings } from "../runtime_settings.ts";
import type { FileFormatHint, StoredSchema, TableHints, TableSchema } from "../schema/schema.ts";
import type { ExtractedFile, FilesResult } from "./_normalize_files.ts";
import { WorkerFeed } from "./_normalize_pool.ts";
import type { NamingConvention } from "./naming.ts";
import {
  canUseWorkers,
  defaultWorkers,
  earlyDataWriter,
  extractedFile,
  hintedSchema,
} from "./normalize.ts";
import { loadJobFileFormats } from "./job_file_format.ts";

/** Bytes of one table's completed extracted files from which the package is normalized ahead. */
const START_BYTES = 16 << 20;

/** What {@linkcode NormalizeAhead} normalizes with: as `normalizePackage` would. */
export interface NormalizeAheadOptions {
  /** Where the package is extracted and normalized. */
  store: PackageStore;
  /** The format of job files of tables without one of their own. */
  loaderFileFormat: LoaderFileFormat;
  /** The format of a root table given its `fileFormat` hint (see `normalizePackage`). */
  tableFileFormat?: (table: string, hint: FileFormatHint | undefined) => LoaderFileFormat;
  /** Buffering and rotation of the job files. */
  dataWriter?: DataWriterSettings;
  /** Opens the early load of the chain of `root` in package `loadId`, if the destination can. */
  loadEarly: (loadId: string, root: string) => Promise<EarlyChainLoad | undefined>;
}

/** What was normalized ahead, taken over by `normalizePackage`. */
export interface AheadRun {
  /** The package's `normalizing` folder, where the worker writes. */
  outDir: string;
  /** The chain being loaded. */
  early: EarlyChainLoad;
  /**
   * Normalizes the files of `files` (the package's, by their `extracted` paths) not given to the
   * worker yet and returns its result; `onRows` gets the row counts from now on, the ones so far
   * first.
   */
  finish(
    files: readonly ExtractedFile[],
    onRows?: (rowCounts: Readonly<Record<string, number>>) => void,
  ): Promise<FilesResult>;
}

/** The state of a package normalized ahead. */
interface Started {
  loadId: string;
  root: string;
  /** The schema and the package's table hints assumed, as JSON would give them back. */
  schema: unknown;
  tables: unknown;
  outDir: string;
  /** The worker, once it starts (`undefined` when it could not). */
  feed: Promise<WorkerFeed | undefined>;
  /** The worker and chain, once both run; `undefined` when they could not start. */
  ready: Promise<{ feed: WorkerFeed; early: EarlyChainLoad } | undefined>;
}

/**
 * Normalizes a run's package while extract writes it (see the module's doc): give extract its
 * {@linkcode NormalizeAhead.follower}, `normalizePackage` the object itself, and
 * {@linkcode NormalizeAhead.abort} it when the run ends either way.
 */
export class NormalizeAhead {
  #options: NormalizeAheadOptions;
  #started: Started | undefined;
  /** Gave up: the package is not one to normalize ahead. */
  #declined = false;
  /** Extracted files not given to the worker yet. */
  #queue: ExtractedFile[] = [];
  /** Names of the files given to the worker. */
  #given = new Set<string>();
  /** The file the worker is normalizing, settled (never rejected) when it is done. */
  #busy: Promise<void> | undefined;
  /** The package is moving: no more files are given by their extracting paths. */
  #paused = false;
  /** Whether the worker failed (then the package is normalized again as usual). */
  #failure = false;
  #rowCounts: Readonly<Record<string, number>> | undefined;
  #onRows: ((rowCounts: Readonly<Record<string, number>>) => void) | undefined;
  #taken = false;
  #aborted: Promise<void> | undefined;

  /** Normalizes as `options` say. */
  constructor(options: NormalizeAheadOptions) {
    this.#options = options;
  }

  /**
   * Follows the extract of a package against `schema` (the source's, as normalize gets it) of
   * naming convention `naming`.
   */
  follower(schema: StoredSchema, naming: NamingConvention): ExtractFollower {
    let bytes = 0;
    return {
      jobClosed: (loadId, dir, job, tables) => {
        if (this.#declined || this.#paused) return;
        const started = this.#started;
        if (started === undefined) {
          bytes += job.bytes ?? 0;
          if (bytes < START_BYTES) return;
          this.#start(loadId, schema, naming, job.table, tables);
          if (this.#declined) return;
        } else if (
          job.table !== started.root || !isDeepStrictEqual(asJson(tables), started.tables)
        ) {
          // another table, or new hints: the package is normalized as usual after extract
          void this.abort();
          return;
        }
        this.#queue.push(extractedFile(dir, job));
        this.#pump();
      },
      moving: async () => {
        this.#paused = true;
        await this.#busy;
      },
    };
  }

  /**
   * The run of package `loadId` when it is what this one assumed (the same `schema` and table
   * hints, one root table, no refresh) and all went well so far; else `undefined`: then
   * {@linkcode NormalizeAhead.abort} it and normalize the package as usual (which meets a failure
   * of the worker again, and reports it).
   */
  async take(
    loadId: string,
    schema: StoredSchema,
    manifest: PackageManifest,
  ): Promise<AheadRun | undefined> {
    const started = this.#started;
    if (
      started === undefined || this.#taken || started.loadId !== loadId ||
      manifest.dropTables?.length || manifest.truncateTables?.length ||
      manifest.jobs.some((job) => job.table !== started.root) ||
      !isDeepStrictEqual(asJson(schema), started.schema) ||
      !isDeepStrictEqual(asJson(manifest.tables), started.tables)
    ) {
      return undefined;
    }
    const running = await started.ready.catch(() => undefined);
    if (running === undefined || this.#declined || this.#failure) return undefined;
    this.#taken = true;
    return {
      outDir: started.outDir,
      early: running.early,
      finish: (files, onRows) => this.#finish(running.feed, files, onRows),
    };
  }

  /**
   * Stops the worker, rolls the chain back and removes what was normalized, unless the package
   * was taken; settles when all of it is done, however often it is called, and never rejects.
   */
  abort(): Promise<void> {
    return this.#aborted ??= this.#abort();
  }

  async #abort(): Promise<void> {
    this.#declined = true;
    this.#paused = true;
    const started = this.#started;
    if (started === undefined || this.#taken) return;
    this.#started = undefined;
    await this.#busy;
    const running = await started.ready.catch(() => undefined);
    running?.feed.terminate();
    await running?.early.abort().catch(() => {});
    await this.#options.store.remove("normalizing", started.loadId).catch(() => {});
  }

  /** Starts on package `loadId` of root table `root`, unless it is not one to normalize ahead. */
  #start(
    loadId: string,
    schema: StoredSchema,
    naming: NamingConvention,
    root: string,
    tables: Readonly<Record<string, TableHints>>,
  ): void {
    const { store, loaderFileFormat: format, tableFileFormat } = this.#options;
    const { base, tableFormats } = hintedSchema(schema, naming, tables, format, tableFileFormat);
    if (
      !canUseWorkers(naming, store.storage) || defaultWorkers() < 2 ||
      Object.keys(tables).some((table) => table !== root) ||
      (base.tables[root]?.writeDisposition ?? "append") !== "append"
    ) {
      this.#declined = true;
      return;
    }
    const outDir = store.dir("normalizing", loadId);
    const feed = Promise.withResolvers<WorkerFeed | undefined>();
    const ready = this.#open(
      loadId,
      root,
      naming,
      base,
      tableFormats,
      structuredClone(tables),
      outDir,
      feed.resolve,
    );
    // a worker that could not start takes no file
    ready.catch(() => feed.resolve(undefined));
    const started: Started = {
      loadId,
      root,
      schema: asJson(schema),
      tables: asJson(tables),
      outDir,
      feed: feed.promise,
      ready,
    };
    this.#started = started;
  }

  /**
   * Starts the worker (given to `started`) and opens the chain's early load beside it;
   * `undefined` when the chain cannot load early.
   */
  async #open(
    loadId: string,
    root: string,
    naming: NamingConvention,
    schema: StoredSchema,
    tableFormats: Record<string, LoaderFileFormat>,
    tables: Record<string, TableHints>,
    outDir: string,
    started: (feed: WorkerFeed) => void,
  ): Promise<{ feed: WorkerFeed; early: EarlyChainLoad } | undefined> {
    const { store, loaderFileFormat: format } = this.#options;
    await store.create("normalizing", loadId);
    await loadJobFileFormats([format, ...Object.values(tableFormats)]);
    const storage = store.storage;
    // the jobs the worker closes before the chain is open
    const closed: { job: PackageJob; table: TableSchema }[] = [];
    let early: EarlyChainLoad | undefined;
    const add = (job: PackageJob, table: TableSchema) =>
      early!.add(loadJobOf(storage.locate(join(outDir, job.file)), job), table);
    const feed = new WorkerFeed({
      root: storage.root,
      schema,
      naming: naming.name,
      maxLength: naming.maxLength,
      loadId,
      outDir,
      format,
      tableFormats,
      dataWriter: earlyDataWriter(this.#options.dataWriter ?? {}),
      tables,
    }, {
      onRows: (rowCounts) => {
        this.#rowCounts = rowCounts;
        this.#onRows?.(rowCounts);
      },
      onJob: (job, table, jobRoot) => {
        // a table of its own that nested hints make is another chain, loaded with the package
        if (jobRoot !== root) return;
        if (early === undefined) closed.push({ job, table });
        else add(job, table);
      },
    });
    started(feed);
    try {
      early = await this.#options.loadEarly(loadId, root);
    } catch (error) {
      feed.terminate();
      throw error;
    }
    if (early === undefined) {
      feed.terminate();
      this.#declined = true;
      return undefined;
    }
    for (const { job, table } of closed.splice(0)) add(job, table);
    return { feed, early };
  }

  /** Gives the worker the next queued file when it is free. */
  #pump(): void {
    const started = this.#started;
    if (started === undefined || this.#busy !== undefined || this.#paused) return;
    const file = this.#queue.shift();
    if (file === undefined) return;
    this.#given.add(basename(file.path));
    this.#busy = started.feed
      .then((feed) => feed?.add(file))
      .catch(() => {
        this.#failure = true;
        this.#paused = true;
      })
      .finally(() => {
        this.#busy = undefined;
        this.#pump();
      });
  }

  async #finish(
    feed: WorkerFeed,
    files: readonly ExtractedFile[],
    onRows: ((rowCounts: Readonly<Record<string, number>>) => void) | undefined,
  ): Promise<FilesResult> {
    this.#onRows = onRows;
    if (this.#rowCounts !== undefined) onRows?.(this.#rowCounts);
    try {
      for (const file of files) {
        if (!this.#given.has(basename(file.path))) await feed.add(file);
      }
      return await feed.finish();
    } finally {
      feed.terminate();
    }
  }
}

/** `value` as a JSON round trip gives it back (what a manifest read back holds). */
function asJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
