/**
 * Resources: named streams of data items, and transformers that turn one resource's items into
 * another's.
 *
 * @module
 */
import { type BoundIncremental, Incremental, type IncrementalRun } from "./incremental.ts";
import type { ResolvedConfig } from "./config.ts";
import { MarkedItem, unmark } from "./marks.ts";
import { CsvPage } from "./extract/csv_pages.ts";
import { iterateResources } from "./_iterate.ts";
import { type ArrowData, arrowRows, isArrowData, withArrowOrigin } from "./extract/arrow.ts";
import {
  boolean,
  checkOptions,
  checkValue,
  describeCall,
  describeValue,
  func,
  instanceOf,
  integer,
  invalidValue,
  isPlainObject,
  number,
  type OptionCheck,
  type OptionSpec,
  text,
} from "./options.ts";
import {
  type Normalized,
  type NormalizedHints,
  normalizeHints,
  overlayHints,
  readHintOptions,
  RESOURCE_HINTS_SPEC,
  type ResourceHints,
} from "./resource_hints.ts";

export { keyColumns } from "./resource_hints.ts";
export type {
  DynamicHint,
  NestedHints,
  NestedTableHints,
  NormalizedHints,
  NormalizedNestedHints,
  ResourceHints,
  TableNameHint,
  TableReferenceHint,
  WriteDispositionConfig,
} from "./resource_hints.ts";

/** What a resource function receives; `C` is the type of its resolved `config`. */
export interface ResourceContext<C = Record<string, unknown>> {
  /** The resource's own state, kept between runs and committed with the data it describes. */
  state: Record<string, unknown>;
  /**
   * The state of the resource's source, shared by its resources, as dlt's
   * `dlt.current.source_state()`: kept between runs under `sources.<source>` of the pipeline
   * state (resources' own states are under its `resources` key).
   */
  sourceState: Record<string, unknown>;
  /**
   * The resource's incremental cursor for this run, when it has one: pass `startValue` (and
   * `endValue`) to the API so it sends only what is new.
   */
  incremental?: BoundIncremental;
  /** Aborted when the run is cancelled; pass it to `fetch`. */
  signal: AbortSignal;
  /** The resource's `config` spec, resolved (empty without one). */
  config: C;
}

/** Anything a resource function may return: items, pages of items, or a promise of either. */
export type ResourceData =
  | Iterable<unknown>
  | AsyncIterable<unknown>
  | Promise<Iterable<unknown> | AsyncIterable<unknown>>;

/** A (sync or async) generator function, or any function returning (async) iterable data. */
export type ResourceFunction<C = Record<string, unknown>> = (
  context: ResourceContext<C>,
) => ResourceData;

/** A function run on each item of a parent resource; what it returns or yields is its output. */
export type TransformerFunction<T = unknown> = (
  item: T,
  context: ResourceContext,
) => ResourceData | unknown;

/** Options of {@linkcode resource}. */
export interface ResourceOptions extends ResourceHints {
  /**
   * Resource name; also the default table name.
   * @default {the function's name}
   */
  name?: string;
  /**
   * Whether the resource is loaded when its source runs.
   * @default {true}
   */
  selected?: boolean;
  /** An incremental cursor: only items past the last run's cursor are loaded. */
  incremental?: Incremental;
  /**
   * Config and secrets the resource needs, e.g. `{ token: secret(), pageSize: config<number>({
   * default: 100 }) }`: resolved when the run starts (under `sources.<source>.<resource>`,
   * then `sources.<source>`, then `sources`, as in dlt) and passed as `context.config`. A
   * missing value stops the run before anything is extracted.
   */
  config?: Record<string, unknown>;
  /**
   * Extract this resource concurrently with the others, as dlt's `parallelized`: each step of a
   * sync generator (each call of a transformer) runs as a task of its own in extract's pool
   * (`extract.workers`), so the event loop serves the other resources between steps. JavaScript
   * has one thread: a step that blocks (busy work, sync I/O) still blocks everything; the gain is
   * that a long sync generator no longer starves async resources until it ends. Takes a
   * generator function (`function*`), a generator, or a transformer; async functions and async
   * generators are extracted concurrently without it, and anything else is a `TypeError`.
   * @default {false}
   */
  parallelized?: boolean;
}

/** Options of {@linkcode transformer}. */
export interface TransformerOptions extends ResourceOptions {
  /** The resource whose items feed this transformer. */
  dataFrom?: DltResource;
}

/** Options of {@linkcode DltResource.applyHints}: the hints, and the incremental cursor. */
export interface ApplyHintsOptions extends ResourceHints {
  /** An incremental cursor, replacing the resource's. */
  incremental?: Incremental;
  /**
   * Keep these hints apart for the table `tableName` names (a string), as dlt's table variant:
   * items marked `withTableName(item, tableName)` (or `withHints` with the variant) are written
   * with them; the resource's own hints do not change. A variant takes no functions of the item
   * and no incremental cursor.
   * @default {false}
   */
  createTableVariant?: boolean;
}

/** Options of {@linkcode DltResource.addLimit}, as dlt's `add_limit`. */
export interface AddLimitOptions {
  /**
   * Stop after this many yields (pages count once; with `countRows`, rows). `null`, `undefined`
   * or `-1` mean no limit on the count; `0` yields nothing.
   * @default {no limit}
   */
  maxItems?: number | null;
  /** Stop once the resource has run this many seconds (checked at each yield). */
  maxTime?: number;
  /**
   * Count rows instead of yields: a page of 100 items counts 100 (the page that reaches the
   * limit is loaded whole).
   * @default {false}
   */
  countRows?: boolean;
}

function incrementalCursor(): OptionCheck<Incremental> {
  return instanceOf(Incremental, "an incremental() cursor");
}

const RESOURCE_SPEC: OptionSpec<ResourceOptions> = {
  ...RESOURCE_HINTS_SPEC,
  name: text(),
  selected: boolean(),
  incremental: incrementalCursor(),
  parallelized: boolean(),
  config: (value) =>
    isPlainObject(value) ? value : invalidValue("an object of config() and secret() values"),
};

const APPLY_HINTS_SPEC: OptionSpec<ApplyHintsOptions> = {
  ...RESOURCE_HINTS_SPEC,
  incremental: incrementalCursor(),
  createTableVariant: boolean(),
};

const ADD_LIMIT_SPEC: OptionSpec<AddLimitOptions> = {
  maxItems: (value) =>
    value === null || value === -1 ? value : integer({ min: 0 })(value) as number | null,
  maxTime: number({ min: 0 }),
  countRows: boolean(),
};

type Step =
  | { kind: "map"; fn: (item: unknown) => unknown }
  | { kind: "filter"; fn: (item: unknown) => boolean }
  | { kind: "yieldMap"; fn: (item: unknown) => unknown };

/** A limit set by {@linkcode DltResource.addLimit}. */
interface Limit {
  maxItems: number | undefined;
  maxTime: number | undefined;
  countRows: boolean;
}

type Producer =
  | { kind: "generator"; fn: ResourceFunction }
  | { kind: "iterable"; data: Iterable<unknown> | AsyncIterable<unknown> }
  | { kind: "transformer"; fn: TransformerFunction; parent: DltResource | undefined };

/** Options as the constructor takes them: read and checked, hints normalized. */
type CheckedOptions = Omit<Normalized<ResourceOptions>, "name">;

/** A named stream of data items that loads into one table (or several, by item). */
export class DltResource {
  /** The resource name. */
  readonly name: string;
  /** Table hints, normalized: the write disposition a name, merge settings flat, columns a record. */
  readonly hints: NormalizedHints;
  /** Whether a source loads this resource. */
  selected: boolean;
  /** The incremental cursor, if the resource has one. */
  incremental: Incremental | undefined;
  /** The config spec, resolved into `context.config` when a run starts. */
  readonly configSpec: Record<string, unknown> | undefined;
  /** Whether extract runs each step as a task of its own (see {@linkcode DltResource.parallelize}). */
  #parallelized = false;
  #producer: Producer;
  #steps: Step[] = [];
  /** Hints of table variants, by table name (dlt's `create_table_variant`). */
  #variants = new Map<string, NormalizedHints>();
  #limit: Limit | undefined;
  /** What the limit counted in this run, and when the run started. */
  #limitRun = { count: 0, startedAt: 0 };

  /** Use {@linkcode resource} or {@linkcode transformer} instead. */
  constructor(name: string, producer: Producer, options: CheckedOptions) {
    if (!name) throw new TypeError("A resource needs a name: pass the `name` option");
    this.name = name;
    this.#producer = producer;
    const { selected, incremental, config, parallelized, ...hints } = options;
    this.hints = hints;
    this.selected = selected ?? true;
    this.incremental = incremental;
    this.configSpec = config;
    if (parallelized) this.parallelize();
  }

  /** Whether extract runs each step of this resource as a task of its own (dlt's `parallelized`). */
  get parallelized(): boolean {
    return this.#parallelized;
  }

  /**
   * Whether the resource's function is an async function or an async generator function: extract
   * then runs a transformer on several parent items at once.
   */
  get isAsync(): boolean {
    const producer = this.#producer;
    return producer.kind !== "iterable" && isAsyncFunction(producer.fn);
  }

  /**
   * Marks the resource to be extracted concurrently with others, as dlt's `parallelize()` (in
   * place; returns this resource): see {@linkcode ResourceOptions.parallelized}. A resource that
   * is not a sync generator function, a generator or a transformer is a `TypeError`.
   *
   * @example
   * ```ts
   * import { resource } from "./resource.ts";
   * const numbers = resource(function* () {
   *   for (let i = 0; i < 3; i++) yield i;
   * }, { name: "numbers" }).parallelize();
   * if (!numbers.parallelized) throw new Error();
   * ```
   */
  parallelize(): this {
    const producer = this.#producer;
    const eligible = producer.kind === "transformer" ||
      (producer.kind === "generator" && producer.fn.constructor?.name === "GeneratorFunction") ||
      (producer.kind === "iterable" && isSyncIterator(producer.data));
    if (!eligible) {
      const what = producer.kind === "iterable"
        ? describeValue(producer.data)
        : isAsyncFunction(producer.fn)
        ? "an async function"
        : "a function that is not a generator function";
      const hint = producer.kind !== "iterable" && isAsyncFunction(producer.fn)
        ? "; async resources are extracted concurrently without it: leave parallelized out"
        : "; write it as a generator function (function*)";
      throw new TypeError(
        `Resource "${this.name}" cannot be parallelized: it is ${what}, and parallelized takes a generator function, a generator or a transformer${hint}`,
      );
    }
    this.#parallelized = true;
    return this;
  }

  /** Whether this is a transformer (fed by a parent resource). */
  get isTransformer(): boolean {
    return this.#producer.kind === "transformer";
  }

  /** The resource that feeds this transformer, if it has one. */
  get parent(): DltResource | undefined {
    return this.#producer.kind === "transformer" ? this.#producer.parent : undefined;
  }

  /**
   * Whether what this resource's function yields comes out of it as it is: no map, filter,
   * yield map or limit sees it. (An incremental cursor sees rows only: a page of CSV records
   * passes it, its source having applied the cursor, see `extract/csv_pages.ts`.)
   */
  get yieldsUnchanged(): boolean {
    return this.#steps.length === 0 && this.#limit === undefined;
  }

  /**
   * Transforms each item with `fn` (in place; returns this resource).
   *
   * @example
   * ```ts
   * import { resource } from "./resource.ts";
   * const r = resource([1, 2], { name: "n" }).addMap((n) => ({ n }));
   * ```
   */
  // deno-lint-ignore no-explicit-any
  addMap(fn: (item: any) => unknown): this {
    this.#steps.push({ kind: "map", fn: checkValue(func(), fn, `The function of addMap()`) });
    return this;
  }

  /** Keeps only items for which `fn` is true (in place; returns this resource). */
  // deno-lint-ignore no-explicit-any
  addFilter(fn: (item: any) => boolean): this {
    this.#steps.push({ kind: "filter", fn: checkValue(func(), fn, `The function of addFilter()`) });
    return this;
  }

  /**
   * Replaces each item with the items `fn` returns or yields (an array, a generator or an async
   * iterable; none drops the item), as dlt's `add_yield_map`: pages are taken apart, so `fn`
   * sees single items, and one item may become many rows (in place; returns this resource).
   *
   * @example Pivot one item into a row per value, as dlt's docs
   * ```ts
   * import { resource } from "./resource.ts";
   * const r = resource([{ id: 1, tags: ["a", "b"] }], { name: "tags" })
   *   .addYieldMap(function* (item) {
   *     for (const tag of item.tags) yield { id: item.id, tag };
   *   });
   * const rows = await r.toArray();
   * if (rows.length !== 2) throw new Error();
   * ```
   */
  // deno-lint-ignore no-explicit-any
  addYieldMap(fn: (item: any) => Iterable<unknown> | AsyncIterable<unknown>): this {
    this.#steps.push({
      kind: "yieldMap",
      fn: checkValue(func(), fn, `The function of addYieldMap()`),
    });
    return this;
  }

  /**
   * Stops the resource after `maxItems` yields of its function (a yielded page counts once;
   * `countRows` counts rows), after `maxTime` seconds, or whichever comes first, as dlt's
   * `add_limit` (in place; returns this resource). `null`, `undefined` or `-1` mean no limit on
   * the count; a second call replaces the first. The limit counts what is left after maps,
   * filters and the incremental cursor, and applies to resources, not to transformers.
   *
   * The limit is given as dlt's positional `addLimit(10, { maxTime })` or as one object,
   * `addLimit({ maxItems: 10, maxTime: 5, countRows: true })` (dlt's keywords).
   *
   * @example
   * ```ts
   * import { resource } from "./resource.ts";
   * const sample = resource(function* () {
   *   for (let page = 0; ; page++) yield [page];
   * }, { name: "pages" }).addLimit(10); // ten pages
   * sample.addLimit(null, { maxTime: 5 }); // replaced: as many as 5 seconds give
   * sample.addLimit({ maxItems: 3, maxTime: 5 }); // whichever comes first
   * if ((await sample.toArray()).length !== 3) throw new Error();
   * ```
   */
  addLimit(maxItems?: number | null | AddLimitOptions, options: AddLimitOptions = {}): this {
    if (this.isTransformer) {
      throw new TypeError(
        `addLimit() has no effect on transformer "${this.name}": set it on the resource that feeds it`,
      );
    }
    this.#limit = readLimit(maxItems, options);
    return this;
  }

  /** A copy of this resource under another name (and default table name). */
  withName(name: string): DltResource {
    checkValue(text(), name, "The name of withName()");
    const copy = new DltResource(name, this.#producer, {
      ...this.hints,
      selected: this.selected,
      incremental: this.incremental,
      config: this.configSpec,
      parallelized: this.#parallelized,
    });
    copy.#steps = [...this.#steps];
    copy.#limit = this.#limit;
    copy.#variants = new Map(this.#variants);
    return copy;
  }

  /**
   * Replaces the hints given in `hints` (in place; returns this resource), as dlt's
   * `apply_hints`; hints left `undefined` are kept. A new `writeDisposition` replaces the merge
   * settings of the old one (dlt's dict is one value).
   *
   * @example
   * ```ts
   * import { resource } from "./resource.ts";
   * const users = resource([{ id: 1 }], { name: "users" }).applyHints({ primaryKey: "id" });
   * if (users.hints.primaryKey !== "id") throw new Error();
   * ```
   */
  applyHints(hints: ApplyHintsOptions): this {
    const where = `applyHints() of resource "${this.name}"`;
    const { incremental, createTableVariant, ...given } = readHintOptions(
      hints,
      APPLY_HINTS_SPEC,
      where,
    );
    if (createTableVariant) {
      this.#applyVariant(given, incremental, where);
      return this;
    }
    const checked = normalizeHints(overlayHints(this.hints, given) as ResourceHints, where);
    for (const key of Object.keys(this.hints)) delete (this.hints as Record<string, unknown>)[key];
    Object.assign(this.hints, checked);
    if (incremental !== undefined) this.incremental = incremental;
    return this;
  }

  /** Stores `given` as the hints of the table variant they name. */
  #applyVariant(given: NormalizedHints, incremental: unknown, where: string): void {
    const table = given.tableName;
    if (typeof table !== "string") {
      throw new TypeError(
        `${where} with createTableVariant needs a tableName string: the variant's table`,
      );
    }
    if (incremental !== undefined) {
      throw new TypeError(
        `${where}: a table variant takes no incremental cursor; give it to the resource`,
      );
    }
    for (const [key, value] of Object.entries(given)) {
      if (typeof value === "function") {
        throw new TypeError(
          `Hint "${key}" of table variant "${table}" (${where}) is a function of the item; a table variant takes fixed hints only, as in dlt`,
        );
      }
    }
    // a new variant starts from the resource's fixed hints, as in dlt
    const start = this.#variants.get(table) ??
      Object.fromEntries(
        Object.entries(this.hints).filter(([, v]) => typeof v !== "function"),
      ) as NormalizedHints;
    this.#variants.set(
      table,
      normalizeHints(overlayHints(start, given) as ResourceHints, where) as NormalizedHints,
    );
  }

  /** The hints of table variant `table` (see `applyHints`' `createTableVariant`), if it has one. */
  tableVariant(table: string): NormalizedHints | undefined {
    return this.#variants.get(table);
  }

  /**
   * The items of this resource (and of the resources it is piped from), without a pipeline, as
   * dlt's `list(resource)`: pages are flattened into items, after maps, filters, limits and
   * transformers; marks are taken off. State (incremental cursors included) starts empty and is
   * dropped afterwards; config specs resolve from config files and the environment.
   *
   * @example dlt's `list(r)` of an infinite counter with a limit
   * ```ts
   * import { resource } from "./resource.ts";
   * const infinity = resource(function* () {
   *   for (let i = 0; ; i++) yield i;
   * }, { name: "infinity" }).addLimit(10);
   * const items: unknown[] = [];
   * for await (const item of infinity) items.push(item);
   * if (items.join() !== "0,1,2,3,4,5,6,7,8,9") throw new Error();
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return iterateResources([this], this.name)[Symbol.asyncIterator]();
  }

  /**
   * All items of this resource in a list, without a pipeline: see
   * {@linkcode DltResource[Symbol.asyncIterator]}.
   *
   * @example
   * ```ts
   * import { resource } from "./resource.ts";
   * const pages = resource([[{ id: 1 }, { id: 2 }], [{ id: 3 }]], { name: "pages" });
   * const rows = await pages.addMap((row) => ({ ...row, even: row.id % 2 === 0 })).toArray();
   * if (rows.length !== 3) throw new Error();
   * ```
   */
  // deno-lint-ignore no-explicit-any
  toArray(): Promise<any[]> {
    return Array.fromAsync(this);
  }

  /**
   * Feeds this resource's items into `transformer`; the result is a resource named after the
   * transformer that yields the transformer's output.
   */
  pipe(next: DltResource): DltResource {
    if (!(next instanceof DltResource) || next.#producer.kind !== "transformer") {
      throw new TypeError(
        `${
          next instanceof DltResource ? `Resource "${next.name}"` : describeValue(next)
        } is not a transformer and cannot be piped into`,
      );
    }
    const piped = new DltResource(
      next.name,
      { kind: "transformer", fn: next.#producer.fn, parent: this },
      {
        ...next.hints,
        selected: next.selected,
        incremental: next.incremental,
        config: next.configSpec,
        parallelized: next.#parallelized,
      },
    );
    piped.#steps = [...next.#steps];
    return piped;
  }

  /**
   * Runs a root resource: yields what its function yields (items or pages), after maps,
   * filters and limits. Transformers are run with {@linkcode DltResource.transform}.
   */
  async *yields(context: ResourceContext): AsyncGenerator<unknown> {
    const producer = this.#producer;
    let source: Iterable<unknown> | AsyncIterable<unknown>;
    if (producer.kind === "generator") {
      source = await producer.fn(context);
      if (!isIterable(source)) {
        throw new TypeError(
          `Resource "${this.name}" function returned ${describe(source)}, not an iterable`,
        );
      }
    } else if (producer.kind === "iterable") {
      source = producer.data;
    } else {
      throw new TypeError(`Transformer "${this.name}" has no parent resource to feed it`);
    }
    yield* this.#applySteps(source, cursorOf(context));
  }

  /**
   * Runs this transformer on one unit (item or page) of its parent, after its steps; a marked
   * unit is given to the transformer without its mark.
   */
  transform(unit: unknown, context: ResourceContext): AsyncGenerator<unknown> {
    const producer = this.#producer;
    if (producer.kind !== "transformer") {
      throw new TypeError(`Resource "${this.name}" is not a transformer`);
    }
    const [data] = unmark(unit);
    return this.#applySteps(toIterable(producer.fn(data, context)), cursorOf(context));
  }

  /** Starts a new run: the limit counts from zero again. */
  resetLimits(): void {
    this.#limitRun = { count: 0, startedAt: performance.now() };
  }

  async *#applySteps(
    source: Iterable<unknown> | AsyncIterable<unknown>,
    cursor?: IncrementalRun,
  ): AsyncGenerator<unknown> {
    if (this.#limit?.maxItems === 0) return;
    for await (const yielded of source) {
      const [unit, mark] = unmark(yielded);
      let value: unknown = unit;
      let stop = false;
      /** The Arrow table the cursor turned into rows. */
      let origin: ArrowData | undefined;
      // the cursor sees items as the function yields them, before maps and filters, as in dlt
      // (a page of CSV records had the cursor applied by its source)
      if (cursor !== undefined && !(unit instanceof CsvPage)) {
        // an Arrow table is filtered row by row; the rows it keeps stay typed by its schema
        origin = isArrowData(unit) ? unit : undefined;
        const items = origin !== undefined
          ? [...arrowRows(origin)]
          : Array.isArray(unit)
          ? unit
          : [unit];
        const kept: unknown[] = [];
        // an item past the range ends extraction after its page, as in dlt: the rest of the
        // page is still filtered, since APIs order pages only roughly (GitHub events)
        for (const item of items) {
          const decision = cursor.decide(unmark(item)[0]);
          if (decision === "stop") stop = true;
          else if (decision === "keep") kept.push(item);
        }
        if (kept.length === 0) {
          // the hints a mark carries still apply (dlt's `with_hints([], hints)`)
          if (mark?.hints !== undefined) yield mark.withData([]);
          if (stop) break;
          continue;
        }
        value = origin !== undefined
          ? withArrowOrigin(kept, origin)
          : Array.isArray(unit)
          ? kept
          : kept[0];
      }
      let limited = false;
      for await (const out of this.#runSteps(value, mark, 0, origin)) {
        yield out;
        if (this.#limitReached(out)) {
          limited = true;
          break;
        }
      }
      if (stop || limited) break;
    }
  }

  /**
   * Runs the steps from `from` on `value` (marked `mark`): yields what comes out, nothing when a
   * filter drops it, one output per item a yield map makes.
   */
  async *#runSteps(
    value: unknown,
    mark: MarkedItem | undefined,
    from: number,
    origin: ArrowData | undefined,
  ): AsyncGenerator<unknown> {
    const steps = this.#steps;
    for (let i = from; i < steps.length; i++) {
      const step = steps[i];
      if (step.kind === "yieldMap") {
        // dlt's yield map takes pages apart: the function sees single items
        for (const item of Array.isArray(value) ? value : [value]) {
          const [data, own] = unmark(item);
          for await (const out of yieldMapResult(step.fn(data))) {
            const [next, outMark] = unmark(out);
            yield* this.#runSteps(next, outMark ?? own ?? mark, i + 1, undefined);
          }
        }
        return;
      }
      value = Array.isArray(value)
        ? applyToPage(value, step)
        : step.kind === "map"
        ? step.fn(value)
        : step.fn(value)
        ? value
        : SKIP;
      if (value === SKIP) return;
      // a map may mark its result: the new mark replaces the old, as in dlt
      if (value instanceof MarkedItem) {
        mark = value;
        value = value.data;
      }
    }
    // maps and filters make new lists: they are still the Arrow table's rows
    if (origin !== undefined && Array.isArray(value)) withArrowOrigin(value, origin);
    yield mark === undefined ? value : mark.withData(value);
  }

  /** Counts `value` against the limit; whether the resource must stop now. */
  #limitReached(value: unknown): boolean {
    const limit = this.#limit;
    if (limit === undefined) return false;
    const run = this.#limitRun;
    const [data] = unmark(value);
    run.count += limit.countRows && Array.isArray(data) ? data.length : 1;
    if (limit.maxItems !== undefined && run.count >= limit.maxItems) return true;
    return limit.maxTime !== undefined &&
      (performance.now() - run.startedAt) / 1000 >= limit.maxTime;
  }
}

const TRANSFORMER_SPEC: OptionSpec<TransformerOptions> = {
  ...RESOURCE_SPEC,
  dataFrom: instanceOf(DltResource, "a resource"),
};

const SKIP = Symbol("skip");

/** The cursor of a run's context: extract binds an `IncrementalRun`, which filters the items. */
function cursorOf(context: ResourceContext): IncrementalRun | undefined {
  return context.incremental as IncrementalRun | undefined;
}

/** A map or filter on each item of `page`; a marked item keeps its mark. */
function applyToPage(page: unknown[], step: Step): unknown[] {
  if (step.kind === "map") {
    return page.map((item) => {
      if (!(item instanceof MarkedItem)) return step.fn(item);
      const out = step.fn(item.data);
      return out instanceof MarkedItem ? out : item.withData(out);
    });
  }
  return page.filter((item) => step.fn(unmark(item)[0]));
}

/** The items a yield map's function returned: an iterable's items, none for `undefined`. */
async function* yieldMapResult(result: unknown): AsyncGenerator<unknown> {
  const value = await result;
  if (value === undefined || value === null) return;
  if (!isIterable(value)) {
    throw new TypeError(
      `The function of addYieldMap() must return or yield items (an array, a generator or an async iterable); got ${
        describeValue(value)
      }`,
    );
  }
  yield* value as AsyncIterable<unknown>;
}

/** The limit `addLimit()` was given, positionally or as one object. */
function readLimit(
  maxItems: number | null | AddLimitOptions | undefined,
  options: AddLimitOptions,
): Limit {
  let read: AddLimitOptions;
  if (isPlainObject(maxItems)) {
    if (Object.keys(options).length > 0) {
      throw new TypeError(
        "addLimit() takes its options once: addLimit({ maxItems, maxTime, countRows }) or addLimit(maxItems, { maxTime, countRows })",
      );
    }
    read = checkOptions(maxItems, ADD_LIMIT_SPEC, "addLimit()", { snakeCase: "refuse" });
  } else {
    const { maxItems: inner, ...rest } = checkOptions(options, ADD_LIMIT_SPEC, "addLimit()", {
      snakeCase: "refuse",
    });
    if (inner !== undefined) {
      throw new TypeError(
        "addLimit() takes maxItems once: as its first argument or in the options object, not both",
      );
    }
    const max = maxItems === null || maxItems === undefined || maxItems === -1
      ? undefined
      : checkValue(integer({ min: 0 }), maxItems, "The limit of addLimit()");
    read = { ...rest, maxItems: max };
  }
  const max = read.maxItems === null || read.maxItems === -1 ? undefined : read.maxItems;
  return { maxItems: max, maxTime: read.maxTime, countRows: read.countRows ?? false };
}

function isIterable(value: unknown): value is Iterable<unknown> | AsyncIterable<unknown> {
  return typeof value === "object" && value !== null &&
    (Symbol.iterator in value || Symbol.asyncIterator in value) && typeof value !== "string";
}

async function* toIterable(result: unknown): AsyncGenerator<unknown> {
  const value = await result;
  if (value === undefined) return;
  if (isIterable(value) && !Array.isArray(value)) {
    yield* value as AsyncIterable<unknown>;
  } else {
    yield value;
  }
}

/** Whether `fn` is an async function or an async generator function. */
function isAsyncFunction(fn: unknown): boolean {
  const kind = (fn as { constructor?: { name?: string } }).constructor?.name;
  return kind === "AsyncFunction" || kind === "AsyncGeneratorFunction";
}

/** Whether `value` is a sync iterator (a generator, `iter()` of dlt): not a list or an async one. */
function isSyncIterator(value: unknown): boolean {
  return typeof value === "object" && value !== null && Symbol.iterator in value &&
    typeof (value as { next?: unknown }).next === "function" && !(Symbol.asyncIterator in value);
}

function describe(value: unknown): string {
  return value === null ? "null" : typeof value;
}

/**
 * Creates a resource from a (sync or async) generator function, a function returning items, an
 * array or any (async) iterable. Its options are checked: an unknown one (dlt's snake_case
 * `write_disposition`, a typo) or a bad value is a `TypeError`/`RangeError` naming it.
 *
 * @example A resource from an async generator
 * ```ts
 * import { resource } from "./resource.ts";
 * const users = resource(async function* () {
 *   yield { id: 1, name: "Ada" };
 *   yield [{ id: 2, name: "Grace" }, { id: 3, name: "Linus" }]; // a page of items
 * }, { name: "users", primaryKey: "id" });
 * if (users.name !== "users") throw new Error();
 * ```
 *
 * @example dlt's dict write disposition
 * ```ts
 * import { resource } from "./resource.ts";
 * const events = resource([{ id: 1 }], {
 *   name: "events",
 *   primaryKey: "id",
 *   writeDisposition: { disposition: "merge", strategy: "insert-only" },
 * });
 * if (events.hints.mergeStrategy !== "insert-only") throw new Error();
 * ```
 *
 * @example Config and secrets, resolved and typed in `context.config`
 * ```ts
 * import { config, secret } from "./config.ts";
 * import { resource } from "./resource.ts";
 * const issues = resource(async function* ({ config }) {
 *   const pages: number = config.pageSize; // typed from the spec
 *   yield { pages, authorized: config.token.length > 0 };
 * }, { name: "issues", config: { token: secret(), pageSize: config<number>({ default: 100 }) } });
 * if (issues.configSpec === undefined) throw new Error();
 * ```
 */
export function resource<C extends Record<string, unknown> = Record<string, unknown>>(
  data: ResourceFunction<ResolvedConfig<C>> | Iterable<unknown> | AsyncIterable<unknown>,
  options: ResourceOptions & { config?: C } = {},
): DltResource {
  const { name, ...checked } = readHintOptions(
    options,
    RESOURCE_SPEC,
    describeCall("resource", options),
  );
  if (typeof data === "function") {
    const fn = data as ResourceFunction;
    return new DltResource(name ?? data.name, { kind: "generator", fn }, checked);
  }
  if (!isIterable(data)) {
    throw new TypeError(`A resource needs a function or an iterable, got ${describeValue(data)}`);
  }
  return new DltResource(name ?? "", { kind: "iterable", data }, checked);
}

/**
 * Creates a transformer: a resource fed by the items of another. Give the parent with
 * `dataFrom`, or use `parent.pipe(transformer)`.
 *
 * @example
 * ```ts
 * import { resource, transformer } from "./resource.ts";
 * const ids = resource([1, 2, 3], { name: "ids" });
 * const details = transformer(async (id: number) => ({ id, square: id * id }), { name: "details" });
 * const piped = ids.pipe(details);
 * if (piped.parent !== ids) throw new Error();
 * ```
 */
// deno-lint-ignore no-explicit-any
export function transformer<T = any>(
  fn: TransformerFunction<T>,
  options: TransformerOptions = {},
): DltResource {
  const where = describeCall("transformer", options);
  checkValue(func(), fn, `The function of ${where}`);
  const { name, dataFrom, ...checked } = readHintOptions(options, TRANSFORMER_SPEC, where);
  return new DltResource(
    name ?? fn.name,
    { kind: "transformer", fn: fn as TransformerFunction, parent: dataFrom },
    checked,
  );
}
