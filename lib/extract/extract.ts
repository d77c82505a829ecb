/**
 * The extract stage: runs the resources of a source and writes their items, as JSON lines per
 * table, into a new load package. The resources run concurrently (dlt's `round_robin`) or one
 * after another (`fifo`), as `_scheduler.ts` describes.
 *
 * @module
 */
import type { ApplyHintsOptions, DltResource, ResourceContext } from "../resource.ts";
import type { NormalizedHints } from "../resource_hints.ts";
import { MarkedItem, unmark } from "../marks.ts";
import {
  type HintsTemplate,
  hintsTemplate,
  isColumnRecord,
  itemHints,
  mergeColumns,
  mergeTableHints,
} from "./table_hints.ts";
import type { DltSource } from "../source.ts";
import type { PackageJob, PackageStore } from "../load/package_store.ts";
import type { NamingConvention } from "../normalize/naming.ts";
import type { ColumnHint, TableHints } from "../schema/schema.ts";
import { bumpStateVersion, type PipelineState, resourceState } from "../state.ts";
import { ResourceExtractionError } from "../errors.ts";
import { serializeItem, UnsupportedValueError } from "../normalize/typed_json.ts";
import { ItemWriter } from "./_item_writer.ts";
import {
  arrowColumnHints,
  type ArrowData,
  arrowOriginOf,
  arrowRows,
  isArrowData,
} from "./arrow.ts";
import { IncrementalRun } from "../incremental.ts";
import { resolveConfigSpec } from "../config.ts";
import type { DataWriterSettings, ExtractSettings } from "../runtime_settings.ts";
import { driveExtraction } from "./_scheduler.ts";
import { resourceGraph } from "./_resource_graph.ts";
import { allowCsvPages, CsvPage } from "./csv_pages.ts";

/** Options of {@linkcode extractSource}. */
export interface ExtractOptions {
  /** Where packages live. */
  store: PackageStore;
  /** Naming convention for table names. */
  naming: NamingConvention;
  /** Pipeline state; resources read and change their part of it (its version is bumped when they do). */
  state: PipelineState;
  /** Hints that override every resource's own (the `run` options). */
  hints?: NormalizedHints;
  /** Cancels extraction. */
  signal?: AbortSignal;
  /** The pipeline's name: config is looked up under it first. */
  pipelineName?: string;
  /** Tables the package drops (refresh), recorded in its manifest. */
  dropTables?: string[];
  /** Tables the package empties (refresh), recorded in its manifest. */
  truncateTables?: string[];
  /**
   * Buffering and rotation of the extracted files (config's `[sources.data_writer]` and
   * `[data_writer]`, see `runtime_settings.ts`).
   * @default {about 64 KiB buffered per table, files rotated at 24 MiB}
   */
  dataWriter?: DataWriterSettings;
  /**
   * How the resources run (config's `[extract]` and `[sources.<source>.extract]`, see
   * `runtime_settings.ts`): concurrently, one item of each in turn, or one after another.
   * @default {round_robin, 20 items in flight, 5 workers, as dlt}
   */
  concurrency?: ExtractSettings;
  /**
   * Receives the items extracted so far from a resource (a running total): at most every
   * {@linkcode PROGRESS_INTERVAL_MS} or {@linkcode PROGRESS_ITEMS} items per resource, and once
   * more with each resource's final count. Without it nothing is counted.
   */
  onItems?: (resource: string, items: number) => void;
  /** Follows the package's files as they are completed (see {@linkcode ExtractFollower}). */
  follower?: ExtractFollower;
}

/**
 * Follows a package while extract writes it, e.g. to normalize its files before extract ends
 * (`normalize_ahead.ts`).
 */
export interface ExtractFollower {
  /**
   * The file of `job` in the package folder `dir` of package `loadId` is complete; `tables` are
   * the package's table hints so far (they may change until extract ends).
   */
  jobClosed(
    loadId: string,
    dir: string,
    job: PackageJob,
    tables: Readonly<Record<string, TableHints>>,
  ): void;
  /**
   * The package is about to move to the `extracted` stage (or be discarded): when this settles,
   * nothing opens its files by their paths in the folder `jobClosed` named.
   */
  moving(): Promise<void>;
  /**
   * Optional: item `line` (one JSON line, as the package's file gets it) of root table `table`
   * of package `loadId` is extracted, with the package's table hints so far `tables`. `value`
   * is the item itself when `JSON.parse(line)` would give back an equal value, else
   * `undefined`; it may change once this returns (the resource runs on), so it is read now.
   * The resource waits for what it returns before it goes on; items of other resources
   * extracted concurrently may come meanwhile.
   */
  item?(
    loadId: string,
    table: string,
    value: unknown,
    line: string,
    tables: Readonly<Record<string, TableHints>>,
  ): Promise<void> | undefined;
  /**
   * Optional: whether the items are normalized in this thread as they come (`item`): their
   * garbage then dies young, and extract leaves it to V8's young-generation collections.
   */
  normalizing?(): boolean;
}

/** Most milliseconds between two reports of one resource's items (while items come). */
export const PROGRESS_INTERVAL_MS = 100;
/** Most items between two reports of one resource's items. */
export const PROGRESS_ITEMS = 1000;

/** Counts items per resource and reports the running totals, throttled. */
class ItemCounter {
  #report: (resource: string, items: number) => void;
  #counts = new Map<string, { items: number; reported: number; at: number }>();

  constructor(report: (resource: string, items: number) => void) {
    this.#report = report;
  }

  add(resource: string, items: number): void {
    let count = this.#counts.get(resource);
    if (count === undefined) {
      count = { items: 0, reported: 0, at: performance.now() };
      this.#counts.set(resource, count);
    }
    count.items += items;
    if (count.items - count.reported < PROGRESS_ITEMS) {
      const now = performance.now();
      if (now - count.at < PROGRESS_INTERVAL_MS) return;
      count.at = now;
    } else {
      count.at = performance.now();
    }
    count.reported = count.items;
    this.#report(resource, count.items);
  }

  /** Reports every count not reported yet. */
  flush(): void {
    for (const [resource, count] of this.#counts) {
      if (count.reported === count.items) continue;
      count.reported = count.items;
      this.#report(resource, count.items);
    }
  }
}

/** What extract produced. */
export interface ExtractResult {
  /** The new package's load id; none when there was nothing to load (no items, no state change). */
  loadId?: string;
  /** Items written per table. */
  itemCounts: Record<string, number>;
}

/**
 * Extracts the selected resources of `source` into a new package in the `extracted` stage.
 * On error the unfinished package is discarded and the error names the failing resource.
 */
export async function extractSource(
  source: DltSource,
  options: ExtractOptions,
): Promise<ExtractResult> {
  const { store } = options;
  const loadId = store.newLoadId();
  const dir = await store.create("extracting", loadId);
  const tables: Record<string, TableHints> = {};
  const { follower } = options;
  const writer = new ItemWriter(
    store.storage,
    dir,
    options.dataWriter,
    follower && ((job) => follower.jobClosed(loadId, dir, job, tables)),
  );
  // the resources' signal: aborted by the caller's, and by a failing resource to stop the others
  const controller = new AbortController();
  const cancel = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) cancel();
  options.signal?.addEventListener("abort", cancel, { once: true });
  const signal = controller.signal;
  const counter = options.onItems && new ItemCounter(options.onItems);
  // one incremental cursor per resource and run, committed to the state once all went well
  const cursors = new Map<DltResource, IncrementalRun>();
  const contextOf = (r: DltResource): ResourceContext => {
    const state = resourceState(options.state, source.name, r.name);
    // dlt's source state: the source's part of the pipeline state, resources' states included
    const sourceState = options.state.sources[source.name];
    let cursor = cursors.get(r);
    if (cursor === undefined && r.incremental !== undefined) {
      // a primary key computed per item does not deduplicate the cursor's boundary
      const key = typeof r.hints.primaryKey === "function" ? undefined : r.hints.primaryKey;
      cursor = new IncrementalRun(r.incremental, r.name, state, key);
      cursors.set(r, cursor);
    }
    const context = {
      state,
      sourceState,
      signal,
      incremental: cursor,
      config: configs.get(r) ?? {},
    };
    if (writesAsYielded(r)) allowCsvPages(context);
    return context;
  };
  /**
   * Whether what `r` yields is written as it is, into one table: its pages of CSV records need
   * not become rows (see `csv_pages.ts`).
   */
  const writesAsYielded = (r: DltResource): boolean =>
    !r.isTransformer && r.yieldsUnchanged && loaded(r) && graph.children(r).length === 0 &&
    typeof hintsOf(r).fixed?.tableName === "string";
  const configs = new Map<DltResource, Record<string, unknown>>();
  const overrides = options.hints ?? {};
  // hints by resource and table variant ("" for the resource's own), resolved once unless they
  // are functions of the item; a hints mark drops a resource's
  const resolvedHints = new Map<DltResource, Map<string, HintsTemplate>>();
  const hintsOf = (r: DltResource, variant?: string): HintsTemplate => {
    let byVariant = resolvedHints.get(r);
    if (byVariant === undefined) resolvedHints.set(r, byVariant = new Map());
    const key = variant ?? "";
    let template = byVariant.get(key);
    if (template === undefined) {
      template = hintsTemplate(r, overrides, source, variant);
      byVariant.set(key, template);
    }
    return template;
  };
  // resources a hints mark changed, with the tables written since: those take the new hints
  const remarked = new Map<DltResource, Set<string>>();
  const applyMark = (r: DltResource, mark: MarkedItem) => {
    const hints = mark.hints!;
    const base = (mark.createTableVariant ? r.tableVariant(mark.tableName!) : undefined) ??
      r.hints;
    // dlt merges the columns a mark gives into the resource's
    const columns = isColumnRecord(hints.columns) && isColumnRecord(base.columns)
      ? mergeColumns(base.columns, hints.columns)
      : hints.columns;
    try {
      r.applyHints(
        { ...hints, columns, createTableVariant: mark.createTableVariant } as ApplyHintsOptions,
      );
    } catch (error) {
      throw new ResourceExtractionError(
        r.name,
        `yielded hints that cannot be applied: ${(error as Error).message}`,
        { cause: error },
      );
    }
    resolvedHints.delete(r);
    remarked.set(r, new Set());
  };

  // the source's resources plus the parents they are piped from: each runs once per extract
  // and feeds all its transformers; only selected resources of the source are written
  const loaded = (r: DltResource) => r.selected && source.resources.get(r.name) === r;
  const graph = resourceGraph(source.resources.values(), loaded);
  const { all, needed } = graph;
  // a resource's state (its incremental cursors) is kept under its name: two resources of one
  // name would read and overwrite each other's
  for (const r of all) {
    const other = all.find((o) => o !== r && o.name === r.name);
    if (other !== undefined) {
      throw new ResourceExtractionError(
        r.name,
        `two different resources of source "${source.name}" are named "${r.name}" (one is piped into another resource): their state would be shared; give each its own name with withName()`,
      );
    }
  }

  /** Gives `item` of `r` to the follower, then writes it into `table`'s file. */
  const add = async (r: DltResource, table: string, item: unknown): Promise<void> => {
    const { line, plain } = itemLine(r, item);
    // the item as it is now: the resource may change it once it runs on
    const along = follower?.item?.(loadId, table, plain ? item : undefined, line, tables);
    if (along !== undefined) await along;
    // most lines are only buffered: nothing to wait for
    const pending = writer.add(table, line);
    if (pending !== undefined) await pending;
  };

  const write = async (r: DltResource, unit: unknown): Promise<void> => {
    const [data, mark] = unmark(unit);
    if (mark?.hints !== undefined) applyMark(r, mark);
    // a mark's table: withTableName's, or the variant's; hints without a variant changed the
    // resource's own (its table name included)
    const target = mark === undefined || (mark.hints !== undefined && !mark.createTableVariant)
      ? undefined
      : mark.tableName;
    const template = hintsOf(r, target);
    if (template.fixed?.writeDisposition === "skip") return;
    if (data instanceof CsvPage) return await writePage(r, template, data);
    const items = Array.isArray(data) ? data : [data];
    const origin = arrowOriginOf(data);
    const hinted = new Set<string>();
    let written = 0;
    for (const item of items) {
      // dlt skips `None` items
      if (item === undefined || item === null) continue;
      // an item of a page may carry its own mark
      if (item instanceof MarkedItem) {
        await write(r, item);
        continue;
      }
      const hints = template.fixed ?? itemHints(r, template, item, overrides, source);
      if (hints.writeDisposition === "skip") continue;
      let rawName: unknown = target;
      if (rawName === undefined) {
        try {
          rawName = typeof hints.tableName === "function" ? hints.tableName(item) : hints.tableName;
        } catch (error) {
          throw new ResourceExtractionError(
            r.name,
            `table name function raised an error: ${(error as Error).message}`,
            { cause: error },
          );
        }
      }
      if (typeof rawName !== "string" || rawName === "") {
        throw new ResourceExtractionError(r.name, `table name function returned ${rawName}`);
      }
      const table = options.naming.normalizeIdentifier(rawName);
      noteTable(r, table, hints, template.fixed === undefined);
      if (isArrowData(item)) {
        // rows of an Arrow table or record batch, typed by its schema, converted batch by batch
        addArrowHints(r, tables[table], item);
        for (const row of arrowRowsOf(r, item)) {
          await add(r, table, row);
          written++;
        }
        continue;
      }
      // rows made from an Arrow table (an incremental cursor filtered them) keep its types
      if (origin !== undefined && !hinted.has(table)) {
        addArrowHints(r, tables[table], origin);
        hinted.add(table);
      }
      await add(r, table, item);
      written++;
    }
    counter?.add(r.name, written);
  };

  /**
   * Records `hints` as those of `table`, which `r` writes to: a new table takes them; hints
   * computed per item (`perItem`), or changed by a mark since `r` first wrote the table, are
   * merged into the table's.
   */
  const noteTable = (
    r: DltResource,
    table: string,
    hints: TableHints & { tableName?: unknown },
    perItem: boolean,
  ) => {
    const seen = remarked.get(r);
    if (!(table in tables)) tables[table] = tableHintsOf(hints);
    else if (perItem || (seen !== undefined && !seen.has(table))) {
      tables[table] = mergeTableHints(tables[table], tableHintsOf(hints));
    }
    seen?.add(table);
  };

  /** Writes the CSV records of `page` into the table of `r`'s fixed hints. */
  const writePage = async (r: DltResource, template: HintsTemplate, page: CsvPage) => {
    const hints = template.fixed;
    if (typeof hints?.tableName !== "string") {
      throw new ResourceExtractionError(
        r.name,
        "yielded a page of CSV records, but its table name is a function of the item",
      );
    }
    const table = options.naming.normalizeIdentifier(hints.tableName);
    noteTable(r, table, hints, false);
    await writer.addPage(table, page);
    counter?.add(r.name, page.rows);
  };

  try {
    // config first: a missing value stops the run before any resource starts
    for (const r of all) {
      if (r.configSpec === undefined || !needed(r)) continue;
      configs.set(
        r,
        resolveConfigSpec(r.configSpec, {
          sections: ["sources", source.name, r.name],
          pipelineName: options.pipelineName,
        }),
      );
    }
    for (const r of all) {
      // a replace resource with a fixed table replaces it even when it yields nothing
      const hints = hintsOf(r).fixed;
      if (
        loaded(r) && hints?.writeDisposition === "replace" &&
        typeof hints.tableName === "string"
      ) {
        const { tableName, ...tableHints } = hints;
        tables[options.naming.normalizeIdentifier(tableName)] = tableHints;
      }
    }
    // transformers run when their parent yields; one without a parent fails in `yields`
    await driveExtraction({
      roots: graph.roots,
      children: graph.children,
      loaded,
      write,
      contextOf,
    }, {
      ...options.concurrency,
      controller,
      collectAtTurns: () => follower?.normalizing?.() !== true,
    });
    counter?.flush();
    const jobs = await writer.close();
    await follower?.moving();
    for (const cursor of cursors.values()) cursor.commit();
    const stateChanged = bumpStateVersion(options.state);
    const refreshes = (options.dropTables?.length ?? 0) + (options.truncateTables?.length ?? 0);
    if (jobs.length === 0 && Object.keys(tables).length === 0 && !stateChanged && !refreshes) {
      await store.remove("extracting", loadId);
      return { itemCounts: {} };
    }
    await store.writeManifest(dir, {
      loadId,
      schemaName: source.name,
      createdAt: new Date().toISOString(),
      tables,
      jobs,
      state: structuredClone(options.state),
      ...(options.dropTables?.length ? { dropTables: options.dropTables } : {}),
      ...(options.truncateTables?.length ? { truncateTables: options.truncateTables } : {}),
    });
    await store.move(loadId, "extracting", "extracted");
    const itemCounts: Record<string, number> = {};
    for (const job of jobs) itemCounts[job.table] = (itemCounts[job.table] ?? 0) + job.rows;
    return { loadId, itemCounts };
  } catch (error) {
    await writer.close().catch(() => {});
    await follower?.moving();
    await store.remove("extracting", loadId);
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", cancel);
  }
}

/** A table's hints from an item's (a new object: the table's hints change later). */
function tableHintsOf(hints: TableHints & { tableName?: unknown }): TableHints {
  const { tableName: _t, ...tableHints } = hints;
  return tableHints;
}

/**
 * `item` as one JSON line, and whether it is the item's plain JSON; a value that cannot be
 * loaded is an error naming `r` and the field.
 */
function itemLine(r: DltResource, item: unknown): { line: string; plain: boolean } {
  let line: string | undefined;
  let plain: boolean;
  try {
    ({ line, plain } = serializeItem(item));
  } catch (error) {
    const message = !(error instanceof UnsupportedValueError)
      ? `an item cannot be serialized: ${(error as Error).message}`
      : error.path === ""
      ? `yielded ${error.reason}, which cannot be loaded`
      : `field "${error.path}" holds ${error.reason}, which cannot be loaded`;
    throw new ResourceExtractionError(r.name, message, { cause: error });
  }
  if (line === undefined) {
    throw new ResourceExtractionError(r.name, `yielded a ${typeof item}, which cannot be loaded`);
  }
  return { line, plain };
}

/**
 * Adds the column types of Arrow `data`'s schema to `hints`: they win over inference, the
 * resource's own column hints win over them, and the first Arrow table of a table wins over
 * later ones (as in dlt).
 */
function addArrowHints(r: DltResource, hints: TableHints, data: ArrowData): void {
  let arrow: Record<string, ColumnHint>;
  try {
    arrow = arrowColumnHints(data);
  } catch (error) {
    throw new ResourceExtractionError(r.name, (error as Error).message, { cause: error });
  }
  const own = hints.columns ?? {};
  const columns: Record<string, ColumnHint> = {};
  for (const [name, hint] of Object.entries(arrow)) columns[name] = { ...hint, ...own[name] };
  hints.columns = { ...columns, ...own, ...columns };
}

/** The rows of Arrow `data`; a value that cannot be converted is an error naming `r`. */
function* arrowRowsOf(r: DltResource, data: ArrowData): Generator<Record<string, unknown>> {
  try {
    yield* arrowRows(data);
  } catch (error) {
    throw new ResourceExtractionError(
      r.name,
      `an Arrow row cannot be read: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
