/**
 * Normalize ahead: a run's package normalized in a worker while extract still writes it, so that
 * normalize, and the load of its chain that starts with it, no longer wait for the last item to be
 * extracted (the GitHub events: extract is a sixth of a run, on one core, with the other idle).
 * For destinations that load on the JavaScript thread (DuckDB-WASM); where the load runs off it,
 * the package is normalized along in extract's thread instead (`normalize_along.ts`).
 *
 * It assumes what `normalizePackage` decides for a large package of one root table that appends
 * when the run loads it early (one worker, job files rotated at 16 MiB), and starts on that
 * assumption once extract has completed 16 MiB of one table's files:
 *
 * ```
 * extract ── file 1 ── file 2 ── … ── file n ── moving(): the worker has its file open
 * worker             └─ file 1 ── file 2 ── …  (one file at a time, in extract's order)
 * normalizePackage ── take(): the package as assumed? → the rest of the files, the chain loaded
 *                                                       early from the first job file on
 *                                                  else → abort(): nothing of it remains
 * ```
 *
 * Nothing of the destination is touched while extract runs: the chain's transaction opens when
 * normalize takes the package over, so no resource's own reads of the destination can wait on
 * it. A crash at any point leaves the `extracting` and `normalizing` folders that the next open
 * discards.
 *
 * @module
 */
import { basename } from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { EarlyChainLoad, LoaderFileFormat } from "../destination.ts";
import type { ExtractFollower } from "../extract/extract.ts";
import type { PackageJob, PackageManifest, PackageStore } from "../load/package_store.ts";
import type { DataWriterSettings } from "../runtime_settings.ts";
import type { FileFormatHint, StoredSchema, TableHints, TableSchema } from "../schema/schema.ts";
import type { ExtractedFile, FilesResult } from "./_normalize_files.ts";
import { type PoolEvents, WorkerFeed } from "./_normalize_pool.ts";
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
}

/** What was normalized ahead, taken over by `normalizePackage`. */
export interface AheadRun {
  /** The package's `normalizing` folder, where its job files are written. */
  outDir: string;
  /**
   * Normalizes the files of `files` (the package's, by their `extracted` paths) not given to the
   * worker yet and returns its result; `events` get the row counts and closed jobs from now on,
   * the ones so far first. Normalized along, every item was already, and the jobs go to its
   * chain ({@linkcode AheadRun.early}): `events` get the row counts.
   */
  finish(files: readonly ExtractedFile[], events: PoolEvents): Promise<FilesResult>;
  /** Stops the worker, if there is one (normalize failed before `finish`). */
  cancel(): void;
  /**
   * The chain loading the package since extract ran (`normalize_along.ts`), once `finish` has
   * settled; absent when `normalizePackage` decides on loading early, as after extract.
   */
  early?(): Promise<EarlyChainLoad | undefined>;
}

/**
 * What normalizes a run's package while extract writes it: a worker reading the extracted files
 * ({@linkcode NormalizeAhead}), or extract's own thread, item by item (`NormalizeAlong`).
 */
export interface AheadNormalizer {
  /** What extract tells of the package it writes, against `schema` of naming `naming`. */
  follower(schema: StoredSchema, naming: NamingConvention): ExtractFollower;
  /**
   * The run of package `loadId` when it is as assumed (the same `schema` and table hints, one
   * root table, no refresh) and all went well so far; else `undefined`: then abort it and
   * normalize the package as usual.
   */
  take(
    loadId: string,
    schema: StoredSchema,
    manifest: PackageManifest,
  ): Promise<AheadRun | undefined>;
  /**
   * Stops and removes what was normalized, unless the package was taken; settles when all of
   * it is done, however often it is called, and never rejects.
   */
  abort(): Promise<void>;
}

/** What a package normalized while it was extracted was assumed to be when it started. */
export interface AssumedPackage {
  loadId: string;
  root: string;
  /** The schema and the package's table hints, as JSON would give them back. */
  schema: unknown;
  tables: unknown;
}

/**
 * Whether package `loadId`, with `schema` and `manifest` as extract left them, is what
 * `assumed` says: the same schema and table hints, every job of its one root table, no
 * refresh.
 */
export function isAsAssumed(
  assumed: AssumedPackage,
  loadId: string,
  schema: StoredSchema,
  manifest: PackageManifest,
): boolean {
  return assumed.loadId === loadId && !manifest.dropTables?.length &&
    !manifest.truncateTables?.length && manifest.jobs.every((job) => job.table === assumed.root) &&
    isDeepStrictEqual(asJson(schema), assumed.schema) &&
    isDeepStrictEqual(asJson(manifest.tables), assumed.tables);
}

/**
 * Whether a package whose table hints `tables` (applied to `base`) name only root table `root`,
 * which appends, is one to normalize while extract writes it: on one core nothing would run
 * beside extract.
 */
export function appendsToOneRoot(
  base: StoredSchema,
  tables: Readonly<Record<string, TableHints>>,
  root: string,
): boolean {
  return defaultWorkers() >= 2 && Object.keys(tables).every((table) => table === root) &&
    (base.tables[root]?.writeDisposition ?? "append") === "append";
}

/** A closed job, as the worker reports it. */
type ClosedJob = [job: PackageJob, table: TableSchema, root: string];

/** The state of a package normalized ahead. */
interface Started extends AssumedPackage {
  outDir: string;
  /** The worker, once it starts (`undefined` when it could not). */
  feed: Promise<WorkerFeed | undefined>;
}

/**
 * Normalizes a run's package while extract writes it (see the module's doc): give extract its
 * {@linkcode NormalizeAhead.follower}, `normalizePackage` the object itself, and
 * {@linkcode NormalizeAhead.abort} it when the run ends either way.
 */
export class NormalizeAhead implements AheadNormalizer {
  #options: NormalizeAheadOptions;
  #started: Started | undefined;
  /** Gave up: the package is not one to normalize ahead. */
  #declined = false;
  /** Extracted files not given to the worker yet, in extract's order. */
  #queue: ExtractedFile[] = [];
  /** Names of the files given to the worker. */
  #given = new Set<string>();
  /** The file the worker is normalizing, settled (never rejected) when it is done. */
  #busy: Promise<void> | undefined;
  /** Settles once the worker holds the file it was given last open, or is done with it. */
  #opening: Promise<void> | undefined;
  /** The package is moving: no more files are given by their extracting paths. */
  #paused = false;
  /** Whether the worker failed (then the package is normalized again as usual). */
  #failure = false;
  /** The worker's rows per table so far. */
  #rowCounts: Readonly<Record<string, number>> | undefined;
  /** The jobs the worker closed before the package was taken. */
  #closed: ClosedJob[] = [];
  /** Where the worker's reports go once the package is taken. */
  #events: PoolEvents | undefined;
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
        try {
          const started = this.#started;
          if (started !== undefined && !this.#asStarted(started, job, tables)) {
            // another table, or new hints: the package is normalized as usual after extract
            void this.abort();
            return;
          }
          // every file from the first, so that the worker sees them in extract's order
          this.#queue.push(extractedFile(dir, job));
          bytes += job.bytes ?? 0;
          if (started === undefined && bytes >= START_BYTES) {
            this.#start(loadId, schema, naming, job.table, tables);
          }
          this.#pump();
        } catch {
          // a hint normalize refuses: it fails there, as without this
          void this.abort();
        }
      },
      moving: async () => {
        this.#paused = true;
        // The package's folder is renamed next. A file open in it stays readable through the
        // rename (POSIX), so the worker need only have opened the file it was given by its
        // extracting path; Windows does not rename a folder with a file open in it.
        await (Deno.build.os === "windows" ? this.#busy : this.#opening);
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
    if (started === undefined || this.#taken || !isAsAssumed(started, loadId, schema, manifest)) {
      return undefined;
    }
    const feed = await started.feed;
    if (feed === undefined || this.#declined || this.#failure) return undefined;
    this.#taken = true;
    return {
      outDir: started.outDir,
      finish: (files, events) => this.#finish(feed, files, events),
      cancel: () => feed.terminate(),
    };
  }

  /**
   * Stops the worker and removes what it normalized, unless the package was taken; settles when
   * all of it is done, however often it is called, and never rejects.
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
    (await started.feed)?.terminate();
    await this.#options.store.remove("normalizing", started.loadId).catch(() => {});
  }

  /** Whether the closed `job`, with the package's hints `tables` now, is as `started` assumed. */
  #asStarted(
    started: Started,
    job: PackageJob,
    tables: Readonly<Record<string, TableHints>>,
  ): boolean {
    return job.table === started.root && isDeepStrictEqual(asJson(tables), started.tables);
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
      !canUseWorkers(naming, store.storage) || !appendsToOneRoot(base, tables, root) ||
      this.#queue.some((file) => file.table !== root)
    ) {
      this.#declined = true;
      return;
    }
    const outDir = store.dir("normalizing", loadId);
    const feed = this.#open(loadId, naming, base, tableFormats, structuredClone(tables), outDir);
    this.#started = {
      loadId,
      root,
      schema: asJson(schema),
      tables: asJson(tables),
      outDir,
      // a worker that could not start takes no file
      feed: feed.catch(() => undefined),
    };
  }

  /** Creates the package's `normalizing` folder and starts the worker. */
  async #open(
    loadId: string,
    naming: NamingConvention,
    schema: StoredSchema,
    tableFormats: Record<string, LoaderFileFormat>,
    tables: Record<string, TableHints>,
    outDir: string,
  ): Promise<WorkerFeed> {
    const { store, loaderFileFormat: format } = this.#options;
    await store.create("normalizing", loadId);
    await loadJobFileFormats([format, ...Object.values(tableFormats)]);
    return new WorkerFeed({
      root: store.storage.root,
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
        this.#events?.onRows?.(rowCounts);
      },
      onJob: (job, table, root) => {
        if (this.#events === undefined) this.#closed.push([job, table, root]);
        else this.#events.onJob?.(job, table, root);
      },
    });
  }

  /** Gives the worker the next queued file when it is free. */
  #pump(): void {
    const started = this.#started;
    if (started === undefined || this.#busy !== undefined || this.#paused) return;
    const file = this.#queue.shift();
    if (file === undefined) return;
    this.#given.add(basename(file.path));
    const { promise: opening, resolve: opened } = Promise.withResolvers<void>();
    this.#opening = opening;
    this.#busy = started.feed
      .then((feed) => feed?.add(file, opened))
      .catch(() => {
        this.#failure = true;
        this.#paused = true;
      })
      .finally(() => {
        opened();
        this.#busy = undefined;
        this.#pump();
      });
  }

  async #finish(
    feed: WorkerFeed,
    files: readonly ExtractedFile[],
    events: PoolEvents,
  ): Promise<FilesResult> {
    this.#events = events;
    if (this.#rowCounts !== undefined) events.onRows?.(this.#rowCounts);
    for (const closed of this.#closed.splice(0)) events.onJob?.(...closed);
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
export function asJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
