/**
 * Resources: named streams of data items, and transformers that turn one resource's items into
 * another's.
 *
 * @module
 */
import type { ColumnHint, MergeStrategy, WriteDisposition } from "./schema/schema.ts";
import { expandSchemaContract, type SchemaContract } from "./schema/contract.ts";
import type { BoundIncremental, Incremental, IncrementalRun } from "./incremental.ts";
import type { ResolvedConfig } from "./config.ts";

/** What a resource function receives; `C` is the type of its resolved `config`. */
export interface ResourceContext<C = Record<string, unknown>> {
  /** The resource's own state, kept between runs and committed with the data it describes. */
  state: Record<string, unknown>;
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

/** The table name, or a function that picks the table for each item. */
export type TableNameHint = string | ((item: unknown) => string);

/** Hints of the table(s) a resource writes, as in dlt. */
export interface ResourceHints {
  /**
   * Table the items go to; a function of the item routes items to several tables.
   * @default {the resource name}
   */
  tableName?: TableNameHint;
  /** Column(s) that identify a row. */
  primaryKey?: string | string[];
  /**
   * Column(s) whose values `merge` replaces as a whole: rows sharing a merge key value with the
   * new rows are deleted first (a partition reloaded).
   */
  mergeKey?: string | string[];
  /**
   * How rows are written: `append` adds, `replace` swaps the table's content, `merge` updates
   * rows by primary key (and replaces rows by merge key; dlt's `delete-insert`), `skip` extracts
   * nothing.
   * @default {"append"}
   */
  writeDisposition?: WriteDisposition;
  /**
   * How `merge` merges: `delete-insert` (default), `upsert` (rows updated by primary key, their
   * `_dlt_id` a hash of it) or `scd2` (every version kept, with `_dlt_valid_from` and
   * `_dlt_valid_to`; a row missing from a full extract is retired).
   */
  mergeStrategy?: MergeStrategy;
  /** `scd2`: names of the valid-from and valid-to columns. @default {["_dlt_valid_from", "_dlt_valid_to"]} */
  validityColumnNames?: [string, string];
  /** Hints per column (source column name): data type, nullability, keys. */
  columns?: Record<string, ColumnHint>;
  /** Levels of nesting unpacked into child tables and columns; deeper data becomes json. */
  maxTableNesting?: number;
  /**
   * What happens when data would add a table or column or not fit a column's type: `evolve`
   * (default), `freeze`, `discard_row` or `discard_value`, for all or per entity.
   */
  schemaContract?: SchemaContract;
  /**
   * Give nested rows `_dlt_root_id`, the `_dlt_id` of their root row (dlt's root key), so they
   * can be found from the root table in one join.
   */
  rootKey?: boolean;
}

/** A key hint (`"id"` or `["a", "b"]`) as a list of columns; `undefined` stays undefined. */
export function keyColumns(key: string | string[] | undefined): string[] | undefined {
  return key === undefined ? undefined : Array.isArray(key) ? key : [key];
}

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
}

/** Options of {@linkcode transformer}. */
export interface TransformerOptions extends ResourceOptions {
  /** The resource whose items feed this transformer. */
  dataFrom?: DltResource;
}

type Step =
  | { kind: "map"; fn: (item: unknown) => unknown }
  | { kind: "filter"; fn: (item: unknown) => boolean }
  | { kind: "limit"; max: number };

type Producer =
  | { kind: "generator"; fn: ResourceFunction }
  | { kind: "iterable"; data: Iterable<unknown> | AsyncIterable<unknown> }
  | { kind: "transformer"; fn: TransformerFunction; parent: DltResource | undefined };

/** A named stream of data items that loads into one table (or several, by item). */
export class DltResource {
  /** The resource name. */
  readonly name: string;
  /** Table hints. */
  readonly hints: ResourceHints;
  /** Whether a source loads this resource. */
  selected: boolean;
  /** The incremental cursor, if the resource has one. */
  incremental: Incremental | undefined;
  /** The config spec, resolved into `context.config` when a run starts. */
  readonly configSpec: Record<string, unknown> | undefined;
  #producer: Producer;
  #steps: Step[] = [];
  /** Yields counted so far by each limit step in this run. */
  #limitState = new WeakMap<Step, number>();

  /** Use {@linkcode resource} or {@linkcode transformer} instead. */
  constructor(name: string, producer: Producer, options: ResourceOptions) {
    if (!name) throw new TypeError("A resource needs a name: pass the `name` option");
    this.name = name;
    this.#producer = producer;
    const { name: _name, selected, incremental, config, ...hints } = options;
    expandSchemaContract(hints.schemaContract, `Resource "${name}"`);
    this.hints = hints;
    this.selected = selected ?? true;
    this.incremental = incremental;
    this.configSpec = config;
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
    this.#steps.push({ kind: "map", fn });
    return this;
  }

  /** Keeps only items for which `fn` is true (in place; returns this resource). */
  // deno-lint-ignore no-explicit-any
  addFilter(fn: (item: any) => boolean): this {
    this.#steps.push({ kind: "filter", fn });
    return this;
  }

  /**
   * Stops after `max` yields of the resource function (a yielded page counts once), as dlt's
   * `add_limit` (in place; returns this resource).
   */
  addLimit(max: number): this {
    if (!Number.isInteger(max) || max < 0) {
      throw new RangeError(`Limit must be a non-negative integer, got ${max}`);
    }
    this.#steps.push({ kind: "limit", max });
    return this;
  }

  /** A copy of this resource under another name (and default table name). */
  withName(name: string): DltResource {
    const copy = new DltResource(name, this.#producer, {
      ...this.hints,
      selected: this.selected,
      incremental: this.incremental,
      config: this.configSpec,
    });
    copy.#steps = [...this.#steps];
    return copy;
  }

  /**
   * Replaces the hints given in `hints` (in place; returns this resource), as dlt's
   * `apply_hints`; hints left `undefined` are kept.
   *
   * @example
   * ```ts
   * import { resource } from "./resource.ts";
   * const users = resource([{ id: 1 }], { name: "users" }).applyHints({ primaryKey: "id" });
   * if (users.hints.primaryKey !== "id") throw new Error();
   * ```
   */
  applyHints(hints: ResourceHints): this {
    expandSchemaContract(hints.schemaContract, `Resource "${this.name}"`);
    for (const [key, value] of Object.entries(hints)) {
      if (value !== undefined) (this.hints as Record<string, unknown>)[key] = value;
    }
    return this;
  }

  /**
   * Feeds this resource's items into `transformer`; the result is a resource named after the
   * transformer that yields the transformer's output.
   */
  pipe(next: DltResource): DltResource {
    if (next.#producer.kind !== "transformer") {
      throw new TypeError(`Resource "${next.name}" is not a transformer and cannot be piped into`);
    }
    const piped = new DltResource(
      next.name,
      { kind: "transformer", fn: next.#producer.fn, parent: this },
      {
        ...next.hints,
        selected: next.selected,
        incremental: next.incremental,
        config: next.configSpec,
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

  /** Runs this transformer on one unit (item or page) of its parent, after its steps. */
  transform(unit: unknown, context: ResourceContext): AsyncGenerator<unknown> {
    const producer = this.#producer;
    if (producer.kind !== "transformer") {
      throw new TypeError(`Resource "${this.name}" is not a transformer`);
    }
    return this.#applySteps(toIterable(producer.fn(unit, context)), cursorOf(context));
  }

  /** Starts a new run: limits count from zero again. */
  resetLimits(): void {
    this.#limitState = new WeakMap();
  }

  async *#applySteps(
    source: Iterable<unknown> | AsyncIterable<unknown>,
    cursor?: IncrementalRun,
  ): AsyncGenerator<unknown> {
    const steps = this.#steps;
    outer: for await (const unit of source) {
      let value: unknown = unit;
      let stop = false;
      // the cursor sees items as the function yields them, before maps and filters, as in dlt
      if (cursor !== undefined) {
        const items = Array.isArray(unit) ? unit : [unit];
        const kept: unknown[] = [];
        // an item past the range ends extraction after its page, as in dlt: the rest of the
        // page is still filtered, since APIs order pages only roughly (GitHub events)
        for (const item of items) {
          const decision = cursor.decide(item);
          if (decision === "stop") stop = true;
          else if (decision === "keep") kept.push(item);
        }
        if (kept.length === 0) {
          if (stop) break;
          continue;
        }
        value = Array.isArray(unit) ? kept : kept[0];
      }
      for (const step of steps) {
        if (step.kind === "limit") {
          const seen = this.#limitState.get(step) ?? 0;
          if (seen >= step.max) break outer;
          this.#limitState.set(step, seen + 1);
          continue;
        }
        value = Array.isArray(value)
          ? applyToPage(value, step)
          : step.kind === "map"
          ? step.fn(value)
          : step.fn(value)
          ? value
          : SKIP;
        if (value === SKIP) {
          if (stop) break outer;
          continue outer;
        }
      }
      yield value;
      if (stop || this.#limitReached()) break;
    }
  }

  #limitReached(): boolean {
    return this.#steps.some((s) => s.kind === "limit" && (this.#limitState.get(s) ?? 0) >= s.max);
  }
}

const SKIP = Symbol("skip");

/** The cursor of a run's context: extract binds an `IncrementalRun`, which filters the items. */
function cursorOf(context: ResourceContext): IncrementalRun | undefined {
  return context.incremental as IncrementalRun | undefined;
}

function applyToPage(page: unknown[], step: Step): unknown[] {
  if (step.kind === "map") return page.map((item) => step.fn(item));
  if (step.kind === "filter") return page.filter((item) => step.fn(item));
  return page;
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

function describe(value: unknown): string {
  return value === null ? "null" : typeof value;
}

/**
 * Creates a resource from a (sync or async) generator function, a function returning items, an
 * array or any (async) iterable.
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
  if (typeof data === "function") {
    const fn = data as ResourceFunction;
    return new DltResource(options.name ?? data.name, { kind: "generator", fn }, options);
  }
  if (!isIterable(data)) {
    throw new TypeError(`A resource needs a function or an iterable, got ${describe(data)}`);
  }
  return new DltResource(options.name ?? "", { kind: "iterable", data }, options);
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
  const { dataFrom, ...rest } = options;
  return new DltResource(
    options.name ?? fn.name,
    { kind: "transformer", fn: fn as TransformerFunction, parent: dataFrom },
    rest,
  );
}
