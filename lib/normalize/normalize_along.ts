/**
 * Normalize along: a run's package normalized item by item as extract writes it, in extract's
 * own thread, and its chain loaded from the first job file normalize closes, while extract
 * still runs. For a destination that loads off the JavaScript thread (native DuckDB, whose
 * statements run on its own threads), so that one core extracts and normalizes and the other
 * loads.
 *
 * Against normalizing ahead in a worker (`normalize_ahead.ts`), each item is normalized as it
 * is, without being read back from its extracted file, and no worker holds a heap of its own: a
 * run of the GitHub events takes about a fifth less CPU time in all, and up to 100,000 events
 * 20–45 MiB less memory; 20,000 events about 8% less time, 100,000 about 5% (medians of
 * alternating runs), 5,000 the same (DuckDB's copies set the pace). The extracted files are
 * written as before: when the package turns out otherwise than assumed (a second root table,
 * changed hints, a failure), it is normalized from them as usual, after extract. The run's
 * destination client opens at the package's first item, beside extract, so the chain's first
 * copy need not wait for it (5,000 events: 4% less time).
 *
 * ```
 * extract ── item ── item ── … (each written to its extracted file, then normalized here)
 *                 └─ job file 1 closed → the chain opens and copies it ── job file 2 ── …
 * normalizePackage ── take(): the package as assumed? → the last job files, the chain stopped
 *                                                  else → abort(): the chain rolled back,
 *                                                          nothing of it remains
 * ```
 *
 * The chain's transaction opens while extract runs. Another client of the same database file
 * in this process (a resource reading the destination) would wait for it to commit, and the
 * commit waits for extract: the chain gives way then, rolled back, and the package loads as
 * usual once it is normalized. A crash at any point leaves the `extracting` and `normalizing`
 * folders that the next open discards, and a transaction never committed.
 *
 * @module
 */
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { EarlyChainLoad } from "../destination.ts";
import type { ExtractFollower } from "../extract/extract.ts";
import { loadJobOf } from "../load/job_files.ts";
import type { PackageManifest } from "../load/package_store.ts";
import type { StoredSchema, TableHints, TableSchema } from "../schema/schema.ts";
import { type ExtractedFile, FilesNormalizer, type FilesResult } from "./_normalize_files.ts";
import type { PoolEvents } from "./_normalize_pool.ts";
import type { NamingConvention } from "./naming.ts";
import { earlyDataWriter, hintedSchema } from "./normalize.ts";
import { loadJobFileFormats } from "./job_file_format.ts";
import { SharedCopies } from "./_shared_copies.ts";
import {
  type AheadNormalizer,
  type AheadRun,
  appendsToOneRoot,
  asJson,
  type AssumedPackage,
  isAsAssumed,
  type NormalizeAheadOptions,
} from "./normalize_ahead.ts";

/** What {@linkcode NormalizeAlong} normalizes with, and how it loads the chain early. */
export interface NormalizeAlongOptions extends NormalizeAheadOptions {
  /**
   * Opens the early chain of root table `root` of package `loadId` (the run's client's
   * `loadChainEarly`).
   */
  loadEarly(loadId: string, root: string): Promise<EarlyChainLoad | undefined>;
  /**
   * Called once a package is to be normalized along, at its first item: starts opening what
   * {@linkcode NormalizeAlongOptions.loadEarly} needs (the run's client), so that the chain's
   * first copy need not wait for it once the first job file closes.
   */
  prepareLoad?(): void;
}

/** A package being normalized along. */
interface Along extends AssumedPackage {
  outDir: string;
  normalizer: FilesNormalizer;
  /** The chain, once a job file closed while extract ran (never rejects). */
  chain?: Promise<EarlyChainLoad | undefined>;
  /** The copies of the tables handed to the chain with their job files. */
  tableCopies: SharedCopies<TableSchema>;
}

/**
 * Normalizes a run's package as extract writes it, in this thread (see the module's doc): give
 * extract its {@linkcode NormalizeAlong.follower}, `normalizePackage` the object itself, and
 * {@linkcode NormalizeAlong.abort} it when the run ends either way.
 */
export class NormalizeAlong implements AheadNormalizer {
  #options: NormalizeAlongOptions;
  #along: Along | undefined;
  /**
   * The work under way (the start, a drain of the job files' buffers) and all queued behind it,
   * in extract's order; undefined when there is none. Never rejects.
   */
  #busy: Promise<void> | undefined;
  /** Gave up: the package is not one to normalize along, or normalizing it failed. */
  #declined = false;
  /** Extract has ended: job files closed from now on are the package's last. */
  #taken = false;
  #rowCounts: Readonly<Record<string, number>> | undefined;
  /** Where the rows normalized go once the package is taken. */
  #events: PoolEvents | undefined;
  #aborted: Promise<void> | undefined;
  /** The package whose `normalizing` folder the start created. */
  #created: string | undefined;

  /** Normalizes as `options` say. */
  constructor(options: NormalizeAlongOptions) {
    this.#options = options;
  }

  /**
   * Follows the extract of a package against `schema` (the source's, as normalize gets it) of
   * naming convention `naming`.
   */
  follower(schema: StoredSchema, naming: NamingConvention): ExtractFollower {
    return {
      item: (loadId, table, value, line, tables) => {
        if (this.#declined) return undefined;
        if (this.#along === undefined && this.#busy === undefined) {
          // the hints as they are now, for the whole start: other resources may change them
          const hints = asJson(tables) as Record<string, TableHints>;
          const item = JSON.parse(line);
          return this.#enqueue(async () => {
            await this.#start(loadId, schema, naming, table, hints);
            await this.#normalize(table, item);
          });
        }
        // behind work under way (resources extracted concurrently): the item is read now, from
        // its line, as the resource runs on meanwhile
        if (this.#busy !== undefined) {
          const item = JSON.parse(line);
          return this.#enqueue(() => this.#normalize(table, item));
        }
        const writing = this.#normalize(table, value === undefined ? JSON.parse(line) : value);
        return writing && this.#enqueue(() => writing);
      },
      jobClosed: (_loadId, _dir, job, tables) => {
        const along = this.#along;
        if (this.#declined) return;
        // pages of CSV records are not items: they normalize from their file
        if (job.format === "csv") return void this.abort();
        if (along !== undefined && !isDeepStrictEqual(asJson(tables), along.tables)) {
          // new hints: the package is normalized with them after extract
          void this.abort();
        }
      },
      // nothing reads the extracted files by their paths
      moving: () => Promise.resolve(),
      normalizing: () => this.#along !== undefined && !this.#declined,
    };
  }

  /**
   * The run of package `loadId` when it is what this one assumed (the same `schema` and table
   * hints, one root table, no refresh) and all went well so far; else `undefined`: then
   * {@linkcode NormalizeAlong.abort} it and normalize the package as usual (which meets a
   * failure of normalizing along again, and reports it).
   */
  take(
    loadId: string,
    schema: StoredSchema,
    manifest: PackageManifest,
  ): Promise<AheadRun | undefined> {
    const along = this.#along;
    if (
      along === undefined || this.#declined || this.#taken ||
      !isAsAssumed(along, loadId, schema, manifest) ||
      manifest.jobs.some((job) => job.format === "csv")
    ) {
      return Promise.resolve(undefined);
    }
    this.#taken = true;
    return Promise.resolve({
      outDir: along.outDir,
      finish: (_files: readonly ExtractedFile[], events: PoolEvents) => this.#finish(along, events),
      cancel: () => {},
      early: () => along.chain ?? Promise.resolve(undefined),
    });
  }

  /**
   * Rolls the chain back and removes what was normalized, unless the package was taken;
   * settles when all of it is done, however often it is called, and never rejects.
   */
  abort(): Promise<void> {
    return this.#aborted ??= this.#abort();
  }

  async #abort(): Promise<void> {
    this.#declined = true;
    await this.#busy;
    if (this.#taken) return;
    const along = this.#along;
    this.#along = undefined;
    await along?.normalizer.abort().catch(() => {});
    await (await along?.chain)?.abort().catch(() => {});
    if (this.#created !== undefined) {
      await this.#options.store.remove("normalizing", this.#created).catch(() => {});
    }
  }

  /**
   * Runs `step` once the work queued before it is done; settles when it is, and never rejects
   * (a failure gives normalizing along up: normalize meets it again after extract).
   */
  #enqueue(step: () => Promise<void> | undefined): Promise<void> {
    const busy = (this.#busy ?? Promise.resolve()).then(step).catch(() => void this.abort());
    this.#busy = busy;
    void busy.then(() => {
      if (this.#busy === busy) this.#busy = undefined;
    });
    return busy;
  }

  /**
   * Starts on package `loadId` of root table `root` with the package's table hints `tables` (as
   * JSON gives them back), unless it is not one to normalize along.
   */
  async #start(
    loadId: string,
    schema: StoredSchema,
    naming: NamingConvention,
    root: string,
    tables: Record<string, TableHints>,
  ): Promise<void> {
    const { store, loaderFileFormat: format, tableFileFormat } = this.#options;
    let hinted: ReturnType<typeof hintedSchema>;
    try {
      hinted = hintedSchema(schema, naming, tables, format, tableFileFormat);
    } catch {
      // a hint normalize refuses: it fails there, as without this
      this.#declined = true;
      return;
    }
    const { base, tableFormats } = hinted;
    if (!appendsToOneRoot(base, tables, root)) {
      this.#declined = true;
      return;
    }
    this.#options.prepareLoad?.();
    const outDir = store.dir("normalizing", loadId);
    await loadJobFileFormats([format, ...Object.values(tableFormats)]);
    // removed again by an abort, also when what follows fails
    this.#created = loadId;
    await store.create("normalizing", loadId);
    const along: Along = {
      loadId,
      root,
      schema: asJson(schema),
      tables,
      outDir,
      tableCopies: new SharedCopies(),
      normalizer: new FilesNormalizer({
        storage: store.storage,
        schema: base,
        naming,
        loadId,
        outDir,
        prefix: "",
        format,
        tableFormats,
        dataWriter: earlyDataWriter(this.#options.dataWriter ?? {}),
        tables: structuredClone(tables),
        onRows: (rowCounts) => {
          this.#rowCounts = rowCounts;
          this.#events?.onRows?.(rowCounts);
        },
        onJobClosed: (job, table, jobRoot) => {
          // a table of its own that nested hints make is another chain, loaded with the
          // package, as is a package whose first job file closed after extract (a small one)
          if (jobRoot !== root || (along.chain === undefined && this.#taken)) return;
          // given up meanwhile: nothing of it is loaded
          if (this.#declined || this.#along !== along) return;
          along.chain ??= this.#options.loadEarly(loadId, root).catch(() => undefined);
          // a copy: the table evolves on after the call
          const copy = along.tableCopies.share(table.name, table, structuredClone);
          const path = store.storage.locate(join(outDir, job.file));
          // in order: each file waits for the chain to open
          void along.chain.then((chain) => chain?.add(loadJobOf(path, job), copy));
        },
      }),
    };
    this.#along = along;
  }

  /** Normalizes `item` of root table `table`; the writes it set off, if any. */
  #normalize(table: string, item: unknown): Promise<void> | undefined {
    const along = this.#along;
    if (along === undefined || this.#declined) return undefined;
    if (table !== along.root) {
      // another root table: normalized as usual after extract
      void this.abort();
      return undefined;
    }
    try {
      return along.normalizer.normalizeItem(item, table)?.catch(() => void this.abort());
    } catch {
      // normalize meets the failure again after extract, and reports it
      void this.abort();
      return undefined;
    }
  }

  /** The last job files written and closed, and the result. */
  async #finish(along: Along, events: PoolEvents): Promise<FilesResult> {
    await this.#busy;
    this.#events = events;
    if (this.#rowCounts !== undefined) events.onRows?.(this.#rowCounts);
    try {
      return await along.normalizer.finish();
    } catch (error) {
      await along.normalizer.abort().catch(() => {});
      throw error;
    }
  }
}
