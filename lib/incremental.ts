/**
 * Incremental loading, as dlt's `dlt.sources.incremental`: a cursor field whose highest (or
 * lowest) value is kept in the resource's state, so the next run loads only newer items.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { ResourceExtractionError } from "./errors.ts";
import { type JsonPath, parseJsonPath, valueAtPath } from "./json_path.ts";
import { keyColumns } from "./resource_hints.ts";
import {
  checkOptions,
  checkValue,
  invalidValue,
  number,
  oneOf,
  type OptionCheck,
  type OptionSpec,
  text,
} from "./options.ts";

/** A cursor value: an ISO 8601 string, a `Date`, a number or a bigint. */
export type CursorValue = string | number | bigint | Date;

/** Picks the "last" value of several: `max` (the default), `min`, or your own function. */
export type LastValueFunc = "max" | "min" | ((values: CursorValue[]) => CursorValue);

/** Options of {@linkcode incremental}. */
export interface IncrementalOptions {
  /** Where the first run starts (inclusive). */
  initialValue?: CursorValue;
  /**
   * Where the run ends (exclusive). A run with an end value is a backfill window: it does not
   * change the stored cursor.
   */
  endValue?: CursorValue;
  /** How the last value is chosen. @default {"max"} */
  lastValueFunc?: LastValueFunc;
  /**
   * The order the source yields items in: extraction stops at the first item past the range
   * (`asc`: past the end value; `desc`: before the start value), so a newest-first API is not
   * paged to its end.
   */
  rowOrder?: "asc" | "desc";
  /**
   * Columns identifying an item, to tell apart items that share the boundary cursor value
   * across runs. Defaults to the resource's primary key, else the whole item; `[]` turns
   * deduplication off.
   */
  primaryKey?: string | string[];
  /** What an item without the cursor field (or with `null` in it) does. @default {"raise"} */
  onCursorValueMissing?: "raise" | "include" | "exclude";
  /**
   * Re-load a window behind the stored cursor: seconds for dates and ISO strings, units for
   * numbers. Items in the window load again (merge them by primary key).
   */
  lag?: number;
}

/** A cursor problem: a missing or null cursor field, or a cursor of an unexpected type. */
export class IncrementalCursorError extends ResourceExtractionError {
  /** The cursor path. */
  readonly cursorPath: string;

  /** Creates the error for `cursorPath` of `resourceName`. */
  constructor(resourceName: string, cursorPath: string, reason: string) {
    super(resourceName, `incremental cursor "${cursorPath}": ${reason}`);
    this.cursorPath = cursorPath;
  }
}

/**
 * An incremental cursor definition; give it to a resource as its `incremental` option. The
 * resource function then reads the bound values from its context (`ctx.incremental`).
 *
 * @example Loading only issues updated since the last run
 * ```ts
 * import { incremental, resource } from "../mod.ts";
 * const issues = resource(async function* (ctx) {
 *   const since = ctx.incremental?.startValue; // pass it to the API's `since` parameter
 *   yield [{ id: 1, updated_at: "2024-05-01T00:00:00Z" }];
 * }, {
 *   name: "issues",
 *   primaryKey: "id",
 *   incremental: incremental("updated_at", { initialValue: "2024-01-01T00:00:00Z" }),
 * });
 * ```
 */
export class Incremental {
  /** The cursor's path in an item: `updated_at`, `payload.updated_at`, `$.items[0].at`. */
  readonly cursorPath: string;
  /** The options. */
  readonly options: Readonly<IncrementalOptions>;

  /** Use {@linkcode incremental} instead. */
  constructor(cursorPath: string, options: IncrementalOptions = {}) {
    checkValue(text(), cursorPath, "The cursor path of incremental()");
    const where = `incremental("${cursorPath}")`;
    options = checkOptions(options, INCREMENTAL_SPEC, where, {
      snakeCase: "refuse",
      unsupported: {
        rangeStart: 'initialValue is inclusive ("closed"), as dlt\'s default',
        rangeEnd: 'endValue is exclusive ("open"), as dlt\'s default',
        allowExternalSchedulers: "external schedulers (Airflow) are not supported",
      },
    });
    parseCursorPath(cursorPath); // an invalid path fails here
    this.cursorPath = cursorPath;
    this.options = options;
    const { initialValue, endValue } = options;
    if (initialValue !== undefined && endValue !== undefined) {
      const func = lastValueFunction(options.lastValueFunc);
      if (
        compareCursors(initialValue, endValue, cursorPath) !== 0 &&
        func([initialValue, endValue]) === initialValue
      ) {
        throw new RangeError(
          `Incremental cursor "${cursorPath}": endValue ${
            show(endValue)
          } comes before initialValue ${show(initialValue)}`,
        );
      }
    }
  }
}

/** A cursor value: an ISO 8601 string, a valid `Date`, a number or a bigint. */
function cursorValue(): OptionCheck<CursorValue> {
  return (value) =>
    typeof value === "string" || typeof value === "bigint" ||
      (typeof value === "number" && !Number.isNaN(value)) ||
      (value instanceof Date && !Number.isNaN(value.getTime()))
      ? value as CursorValue
      : invalidValue("a string, number, bigint or valid Date");
}

const INCREMENTAL_SPEC: OptionSpec<IncrementalOptions> = {
  initialValue: cursorValue(),
  endValue: cursorValue(),
  lastValueFunc: (value) =>
    typeof value === "function" ? value as LastValueFunc : oneOf(["max", "min"])(value),
  rowOrder: oneOf(["asc", "desc"]),
  primaryKey: (value) =>
    // [] turns deduplication off
    Array.isArray(value) && value.every((v) => typeof v === "string" && v !== "")
      ? value as string[]
      : typeof value === "string" && value !== ""
      ? value
      : invalidValue("a column name or a list of column names ([] for none)"),
  onCursorValueMissing: oneOf(["raise", "include", "exclude"]),
  lag: number({ min: 0 }),
};

/** Creates an incremental cursor on `cursorPath`. See {@linkcode Incremental}. */
export function incremental(cursorPath: string, options: IncrementalOptions = {}): Incremental {
  return new Incremental(cursorPath, options);
}

/** Splits `a.b[0].c` (optionally `$.`-prefixed) into keys and indexes. */
function parseCursorPath(path: string): JsonPath {
  let parsed: JsonPath = [];
  try {
    parsed = parseJsonPath(path);
  } catch { /* reported below */ }
  if (parsed.length === 0) throw new RangeError(`Invalid incremental cursor path "${path}"`);
  return parsed;
}

function show(value: unknown): string {
  return value instanceof Date
    ? value.toISOString()
    : typeof value === "bigint"
    ? `${value}n`
    : JSON.stringify(value);
}

/** The kind of a cursor value, for comparisons and for storing it in the state. */
type CursorKind = "number" | "date" | "text";

function kindOf(value: CursorValue): CursorKind {
  if (typeof value === "number" || typeof value === "bigint") return "number";
  if (value instanceof Date) return "date";
  return Number.isNaN(Date.parse(value)) || !/^\d{4}-\d{2}-\d{2}/.test(value) ? "text" : "date";
}

function timeOf(value: CursorValue): number {
  return value instanceof Date ? value.getTime() : Date.parse(value as string);
}

/** Compares two cursor values of the same kind; throws on values of different kinds. */
export function compareCursors(a: CursorValue, b: CursorValue, cursorPath: string): number {
  const kind = kindOf(a);
  if (kind !== kindOf(b)) {
    throw new TypeError(
      `Incremental cursor "${cursorPath}": cannot compare ${show(a)} with ${show(b)}`,
    );
  }
  if (kind === "number") {
    if (typeof a === "bigint" || typeof b === "bigint") {
      const [x, y] = [toBigInt(a), toBigInt(b)];
      if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
    }
    return Number(a) - Number(b);
  }
  if (kind === "date") return timeOf(a) - timeOf(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

function toBigInt(value: CursorValue): bigint | undefined {
  if (typeof value === "bigint") return value;
  return Number.isInteger(value) ? BigInt(value as number) : undefined;
}

function lastValueFunction(
  func: LastValueFunc | undefined,
): (values: CursorValue[]) => CursorValue {
  if (typeof func === "function") return func;
  const sign = func === "min" ? -1 : 1;
  return (values) =>
    values.reduce((best, value) => sign * compareCursors(value, best, "") > 0 ? value : best);
}

/** The incremental state kept in a resource's state, under `incremental.<cursorPath>`. */
interface StoredCursor {
  initial_value: unknown;
  last_value: unknown;
  /** Hashes of the items whose cursor equals the last value. */
  unique_hashes: string[];
  /** How `last_value` is revived: dates and bigints are stored as strings. */
  value_type?: "date" | "bigint";
}

function store(value: CursorValue): { value: unknown; type?: "date" | "bigint" } {
  if (value instanceof Date) return { value: value.toISOString(), type: "date" };
  if (typeof value === "bigint") return { value: String(value), type: "bigint" };
  return { value };
}

function revive(value: unknown, type: StoredCursor["value_type"]): CursorValue {
  if (type === "date") return new Date(value as string);
  if (type === "bigint") return BigInt(value as string);
  return value as CursorValue;
}

/** What to do with an item. */
export type CursorDecision = "keep" | "skip" | "stop";

/**
 * An {@linkcode Incremental} bound to a resource for one run, as the resource function sees it
 * (`context.incremental`): pass `startValue` (and `endValue`) to the API so it sends only what is
 * new.
 */
export interface BoundIncremental {
  /** The cursor's path. */
  readonly cursorPath: string;
  /** The initial value (first run's start). */
  readonly initialValue: CursorValue | undefined;
  /** Where this run starts (inclusive): the stored last value (minus the lag), else the initial value. */
  readonly startValue: CursorValue | undefined;
  /** Where this run ends (exclusive), if it is a backfill window. */
  readonly endValue: CursorValue | undefined;
  /** The last (by `lastValueFunc`) cursor value seen so far, the stored one included. */
  readonly lastValue: CursorValue | undefined;
}

/**
 * An {@linkcode Incremental} bound to one resource for one run: the values the resource function
 * reads (`startValue`, `lastValue`, `endValue`), and the filter its items go through.
 */
export class IncrementalRun implements BoundIncremental {
  /** The cursor's path. */
  readonly cursorPath: string;
  /** The initial value (first run's start). */
  readonly initialValue: CursorValue | undefined;
  /** Where this run starts (inclusive): the stored last value (minus the lag), else the initial value. */
  readonly startValue: CursorValue | undefined;
  /** Where this run ends (exclusive), if it is a backfill window. */
  readonly endValue: CursorValue | undefined;
  #definition: Incremental;
  #path: JsonPath;
  #resourceName: string;
  #state: Record<string, unknown>;
  #func: (values: CursorValue[]) => CursorValue;
  #primaryKey: string[] | undefined;
  #seenHashes: Set<string>;
  #last: CursorValue | undefined;
  #lastHashes: Set<string> = new Set();
  #stored: StoredCursor | undefined;

  /**
   * Binds `definition` to the resource `resourceName` with `state` (its resource state) and its
   * primary key.
   */
  constructor(
    definition: Incremental,
    resourceName: string,
    state: Record<string, unknown>,
    resourcePrimaryKey: string | string[] | undefined,
  ) {
    const { options, cursorPath } = definition;
    this.#definition = definition;
    this.#path = parseCursorPath(cursorPath);
    this.#resourceName = resourceName;
    this.#state = state;
    this.cursorPath = cursorPath;
    this.#func = lastValueFunction(options.lastValueFunc);
    this.#primaryKey = keyColumns(options.primaryKey ?? resourcePrimaryKey);
    this.initialValue = options.initialValue;
    this.endValue = options.endValue;
    const all = state.incremental as Record<string, StoredCursor> | undefined;
    const stored = all?.[cursorPath];
    if (
      stored !== undefined && (typeof stored !== "object" || !Array.isArray(stored.unique_hashes))
    ) {
      throw new IncrementalCursorError(
        resourceName,
        cursorPath,
        "the stored state cannot be read (it is not what incremental writes)",
      );
    }
    this.#stored = stored;
    const last = stored?.last_value === undefined || stored.last_value === null
      ? undefined
      : revive(stored.last_value, stored.value_type);
    if (last !== undefined && options.initialValue !== undefined) {
      if (kindOf(last) !== kindOf(options.initialValue)) {
        throw new IncrementalCursorError(
          resourceName,
          cursorPath,
          `the stored last value ${show(last)} and the initial value ${
            show(options.initialValue)
          } are of different types`,
        );
      }
    }
    if (options.endValue !== undefined) {
      // a backfill window: from the initial value, whatever the stored cursor says
      this.startValue = options.initialValue;
      this.#seenHashes = new Set();
      this.#last = options.initialValue;
      return;
    }
    this.startValue = last === undefined ? options.initialValue : withLag(last, options);
    // boundary items already loaded: with a lag the window is loaded again on purpose
    this.#seenHashes = new Set(options.lag ? [] : stored?.unique_hashes ?? []);
    this.#last = last ?? options.initialValue;
  }

  /** The incremental this run binds (its cursor path and options). */
  get definition(): Incremental {
    return this.#definition;
  }

  /** The highest (by `lastValueFunc`) cursor value seen so far, the stored one included. */
  get lastValue(): CursorValue | undefined {
    return this.#last;
  }

  /** Decides what happens to `item`: kept, skipped (out of range or seen), or stop extracting. */
  decide(item: unknown): CursorDecision {
    const value = this.#cursorOf(item);
    if (value === undefined) {
      const mode = this.#definition.options.onCursorValueMissing ?? "raise";
      if (mode === "raise") {
        throw new IncrementalCursorError(
          this.#resourceName,
          this.cursorPath,
          `an item has no value there (set onCursorValueMissing to "include" or "exclude")`,
        );
      }
      return mode === "include" ? "keep" : "skip";
    }
    const rowOrder = this.#definition.options.rowOrder;
    if (this.endValue !== undefined) {
      const pastEnd = this.#compare(value, this.endValue) === 0 ||
        this.#func([value, this.endValue]) === value;
      if (pastEnd) return rowOrder === "asc" ? "stop" : "skip";
    }
    if (this.startValue !== undefined) {
      const order = this.#compare(value, this.startValue);
      if (order !== 0 && this.#func([value, this.startValue]) !== value) {
        return rowOrder === "desc" ? "stop" : "skip";
      }
      if (order === 0 && this.#seenHashes.size > 0 && this.#seenHashes.has(this.#hash(item))) {
        return "skip";
      }
    }
    this.#track(value, item);
    return "keep";
  }

  /** Writes the new last value and boundary hashes to the resource state (not for backfills). */
  commit(): void {
    if (this.endValue !== undefined || this.#last === undefined) return;
    const previous = this.#stored;
    const { value, type } = store(this.#last);
    const sameAsBefore = previous !== undefined &&
      JSON.stringify(previous.last_value) === JSON.stringify(value);
    const hashes = sameAsBefore
      ? [...new Set([...previous.unique_hashes, ...this.#lastHashes])]
      : [...this.#lastHashes];
    const entry: StoredCursor = {
      initial_value: store(this.initialValue ?? this.#last).value,
      last_value: value,
      unique_hashes: hashes,
    };
    if (type !== undefined) entry.value_type = type;
    const all = (this.#state.incremental ??= {}) as Record<string, StoredCursor>;
    all[this.cursorPath] = entry;
  }

  #compare(a: CursorValue, b: CursorValue): number {
    try {
      return compareCursors(a, b, this.cursorPath);
    } catch {
      throw new IncrementalCursorError(
        this.#resourceName,
        this.cursorPath,
        `value ${show(a)} is not of the type of ${show(b)} (the stored or given cursor)`,
      );
    }
  }

  #track(value: CursorValue, item: unknown): void {
    const last = this.#last;
    if (last === undefined || this.#compare(value, last) !== 0) {
      if (last !== undefined && this.#func([value, last]) !== value) return;
      this.#last = value;
      this.#lastHashes = new Set();
    }
    if (this.#primaryKey?.length !== 0) this.#lastHashes.add(this.#hash(item));
  }

  #cursorOf(item: unknown): CursorValue | undefined {
    const value = valueAtPath(item, this.#path);
    if (value === null || value === undefined) return undefined;
    if (
      typeof value === "string" || typeof value === "number" || typeof value === "bigint" ||
      value instanceof Date
    ) {
      return value;
    }
    throw new IncrementalCursorError(
      this.#resourceName,
      this.cursorPath,
      `value ${show(value)} is not a string, number, bigint or Date`,
    );
  }

  #hash(item: unknown): string {
    const key = this.#primaryKey;
    const identity = key === undefined
      ? item
      : key.map((k) => (item as Record<string, unknown>)?.[k]);
    const text = JSON.stringify(identity, (_k, v) => typeof v === "bigint" ? `${v}n` : v);
    return createHash("sha256").update(text ?? "").digest("base64url").slice(0, 22);
  }
}

function withLag(last: CursorValue, options: IncrementalOptions): CursorValue {
  const lag = options.lag;
  if (!lag) return last;
  // behind the cursor: lower for max, higher for min
  const sign = options.lastValueFunc === "min" ? 1 : -1;
  if (typeof last === "number") return last + sign * lag;
  if (typeof last === "bigint") return last + BigInt(sign * Math.round(lag));
  const shifted = new Date(timeOf(last) + sign * lag * 1000);
  return last instanceof Date ? shifted : shifted.toISOString();
}
