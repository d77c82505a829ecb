/**
 * Reading option objects written in camelCase or in dlt's snake_case, and describing values in
 * messages: the helpers that config, auth, paginator and rest_api configurations share.
 *
 * @module
 */
import { redact } from "./redact.ts";

/**
 * `name` in dlt's snake_case: `pageSize` → `page_size`. An acronym stays one word:
 * `APIKey` → `api_key`, `nextURLPath` → `next_url_path`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { snakeCase } from "./options.ts";
 * assert.equal(snakeCase("accessTokenUrl"), "access_token_url");
 * assert.equal(snakeCase("APIKey"), "api_key");
 * assert.equal(snakeCase("limit"), "limit");
 * ```
 */
export function snakeCase(name: string): string {
  return name.replace(/([a-z\d])([A-Z])/g, "$1_$2").replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

/** An unknown option, or one given in both spellings (a `RangeError` by name too): names the `key`. */
export class OptionKeyError extends RangeError {
  /** The key as it was written. */
  readonly key: string;

  /** Creates the error for `key`. */
  constructor(key: string, message: string) {
    super(message);
    this.key = key;
  }
}

/** How {@linkcode readOptions} treats keys. */
export interface ReadOptionsSettings {
  /**
   * `accept`: a known option may also be written in dlt's snake_case (configurations ported from
   * Python as data, such as rest_api's); `refuse`: snake_case is an error that names the
   * camelCase option (options in code).
   * @default {"accept"}
   */
  snakeCase?: "accept" | "refuse";
  /**
   * Options dlt has that this function does not, by name (either spelling), each with what to
   * do instead; given, they are an error with that text.
   */
  unsupported?: Readonly<Record<string, string>>;
}

/**
 * The options in `value`, keyed by their camelCase names. Each of the `known` names (camelCase)
 * may be given as it is or (unless `settings.snakeCase` is `"refuse"`) in its
 * {@linkcode snakeCase} spelling; a key whose value is `undefined` counts as not given and is
 * left out.
 *
 * Throws an {@linkcode OptionKeyError} (a `RangeError`) naming `where` and the key for an
 * unknown key (with the option meant, when the key is a snake_case spelling or a near miss of
 * one, and the valid ones) or for an option given in both spellings, and a `TypeError` when
 * `value` is not a plain object (see {@linkcode isPlainObject}).
 *
 * @example Options in either spelling, unknown keys refused
 * ```ts
 * import assert from "node:assert/strict";
 * import { readOptions } from "./options.ts";
 * const known = ["limit", "totalPath"];
 * const where = 'paginator "offset"';
 * assert.deepEqual(readOptions({ limit: 10, total_path: "count" }, known, where), {
 *   limit: 10,
 *   totalPath: "count",
 * });
 * assert.throws(
 *   () => readOptions({ limit: 10, totl: "count" }, known, where),
 *   /Unknown option "totl" for paginator "offset"; valid options: limit, totalPath/,
 * );
 * assert.throws(() => readOptions({ totalPath: "a", total_path: "b" }, known, where), RangeError);
 * assert.throws(() => readOptions([], known, where), TypeError);
 * ```
 *
 * @example Options in code: snake_case and typos named
 * ```ts
 * import assert from "node:assert/strict";
 * import { readOptions } from "./options.ts";
 * const known = ["datasetName", "pipelinesDir"];
 * const settings = { snakeCase: "refuse" } as const;
 * assert.throws(
 *   () => readOptions({ dataset_name: "x" }, known, "pipeline()", settings),
 *   /Unknown option "dataset_name" for pipeline\(\): write "datasetName"/,
 * );
 * assert.throws(
 *   () => readOptions({ datasetname: "x" }, known, "pipeline()", settings),
 *   /did you mean "datasetName"\?/,
 * );
 * ```
 */
export function readOptions(
  value: unknown,
  known: readonly string[],
  where: string,
  settings: ReadOptionsSettings = {},
): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new TypeError(`Options for ${where} must be an object, got ${describeValue(value)}`);
  }
  const acceptSnake = settings.snakeCase !== "refuse";
  const names = new Map(
    known.flatMap((name): [string, string][] =>
      acceptSnake ? [[name, name], [snakeCase(name), name]] : [[name, name]]
    ),
  );
  const options: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(value)) {
    const name = names.get(key);
    if (name === undefined) {
      throw new OptionKeyError(key, unknownOption(key, known, where, settings));
    }
    if (option === undefined) continue;
    if (Object.hasOwn(options, name)) {
      throw new OptionKeyError(
        key,
        `Option "${name}" for ${where} is given twice, as "${name}" and as "${snakeCase(name)}"`,
      );
    }
    options[name] = option;
  }
  return options;
}

/**
 * `name` in camelCase: `write_disposition` → `writeDisposition`; a name without `_` is kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { camelCase } from "./options.ts";
 * assert.equal(camelCase("max_table_nesting"), "maxTableNesting");
 * assert.equal(camelCase("name"), "name");
 * ```
 */
export function camelCase(name: string): string {
  return name.replace(/_+([a-z\d])/g, (_, c: string) => c.toUpperCase());
}

/** The message for an unknown option `key`: what was meant, and the valid ones (or none). */
function unknownOption(
  key: string,
  known: readonly string[],
  where: string,
  settings: ReadOptionsSettings,
): string {
  const { unsupported = {} } = settings;
  const dltOnly = [key, camelCase(key)].find((name) => Object.hasOwn(unsupported, name));
  if (dltOnly !== undefined) {
    return `Option "${key}" is not supported by ${where}: ${unsupported[dltOnly]}`;
  }
  const camel = camelCase(key);
  if (settings.snakeCase === "refuse" && camel !== key && known.includes(camel)) {
    return `Unknown option "${key}" for ${where}: write "${camel}" (options are camelCase here)`;
  }
  if (known.length === 0) return `Unknown option "${key}" for ${where}; it takes none`;
  const acceptSnake = settings.snakeCase !== "refuse";
  const near = nearestName(key, known);
  // a snake_case key meant the snake_case spelling, where that is accepted
  const meant = near === undefined
    ? ""
    : ` (did you mean "${acceptSnake && key.includes("_") ? snakeCase(near) : near}"?)`;
  const snake = acceptSnake && known.some((name) => snakeCase(name) !== name)
    ? " (or in snake_case)"
    : "";
  return `Unknown option "${key}" for ${where}${meant}; valid options: ${known.join(", ")}${snake}`;
}

/**
 * The name of `known` that `key` most likely meant: the same but for case, `_` and `-`, or a few
 * letters off (one for names of up to four letters, two for longer ones).
 */
function nearestName(key: string, known: readonly string[]): string | undefined {
  const loose = (name: string) => name.toLowerCase().replace(/[_-]/g, "");
  const wanted = loose(key);
  const limit = wanted.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const name of known) {
    const distance = editDistance(wanted, loose(name), limit);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}

/** Levenshtein distance of `a` and `b`, or `limit + 1` once it is certainly above `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      rowMin = Math.min(rowMin, current[j]);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length];
}

/**
 * How function `kind` names itself in errors: `resource "users"` when its options name it under
 * `nameKey`, else `resource()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeCall } from "./options.ts";
 * assert.equal(describeCall("resource", { name: "users" }), 'resource "users"');
 * assert.equal(describeCall("pipeline", {}, "pipelineName"), "pipeline()");
 * ```
 */
export function describeCall(kind: string, options: unknown, nameKey = "name"): string {
  const name = isPlainObject(options) ? options[nameKey] : undefined;
  return typeof name === "string" && name !== "" ? `${kind} "${name}"` : `${kind}()`;
}

/**
 * Checks one option's value and returns it as the option keeps it; a value it refuses is
 * reported with {@linkcode invalidValue}.
 */
export type OptionCheck<T> = (value: unknown) => T;

/** A check for every option of `O`: the compiler insists that none is left out. */
export type OptionSpec<O> = { readonly [K in keyof Required<O>]: OptionCheck<O[K]> };

/** What a check found wrong with a value; {@linkcode checkOptions} turns it into the error. */
class InvalidValue extends Error {
  constructor(readonly expected: string, readonly range: boolean) {
    super(expected);
  }
}

/**
 * Refuses a value in an {@linkcode OptionCheck}: `expected` says what the option takes (`"an
 * integer ≥ 0"`, `'one of "asc", "desc"'`); `range` makes the error a `RangeError` (a value of
 * the right type but not allowed) instead of a `TypeError`.
 */
export function invalidValue(expected: string, range = false): never {
  throw new InvalidValue(expected, range);
}

/**
 * Reads options with {@linkcode readOptions} and checks each given value with its entry in
 * `spec`. A refused value is a `TypeError` (or `RangeError`) naming `where`, the option, what it
 * takes and what it got.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkOptions, oneOf, integer } from "./options.ts";
 * const spec = { order: oneOf(["asc", "desc"] as const), limit: integer({ min: 0 }) };
 * assert.deepEqual(checkOptions({ order: "asc" }, spec, "sort()"), { order: "asc" });
 * assert.throws(
 *   () => checkOptions({ order: "up" }, spec, "sort()"),
 *   new RangeError('Option "order" of sort() must be one of "asc", "desc"; got "up"'),
 * );
 * ```
 */
export function checkOptions<O>(
  value: unknown,
  spec: OptionSpec<O>,
  where: string,
  settings: ReadOptionsSettings = {},
): O {
  const checks = spec as Record<string, OptionCheck<unknown>>;
  const options = readOptions(value, Object.keys(checks), where, settings);
  for (const [name, given] of Object.entries(options)) {
    options[name] = checkValue(checks[name], given, `Option "${name}" of ${where}`);
  }
  return options as O;
}

/**
 * Runs `check` on `value`; a refusal becomes a `TypeError` or `RangeError` whose message starts
 * with `subject` (`Option "limit" of addLimit()`), for values that are not options of an object.
 */
export function checkValue<T>(check: OptionCheck<T>, value: unknown, subject: string): T {
  try {
    return check(value);
  } catch (error) {
    if (!(error instanceof InvalidValue)) throw error;
    const message = `${subject} must be ${error.expected}; got ${describeValue(value)}`;
    throw error.range ? new RangeError(message) : new TypeError(message);
  }
}

/** Any value at all. */
export function anyValue<T = unknown>(): OptionCheck<T> {
  return (value) => value as T;
}

/** A string (non-empty unless `empty` is allowed). */
export function text(options: { empty?: boolean } = {}): OptionCheck<string> {
  return (value) =>
    typeof value === "string" && (options.empty || value !== "")
      ? value
      : invalidValue(options.empty ? "a string" : "a non-empty string");
}

/** `true` or `false`. */
export function boolean(): OptionCheck<boolean> {
  return (value) => typeof value === "boolean" ? value : invalidValue("true or false");
}

/** An integer of at least `min` (and at most `max`). */
export function integer(options: { min?: number; max?: number } = {}): OptionCheck<number> {
  const { min, max } = options;
  const bounds = min !== undefined && max !== undefined
    ? ` from ${min} to ${max}`
    : min !== undefined
    ? ` ≥ ${min}`
    : max !== undefined
    ? ` ≤ ${max}`
    : "";
  return (value) => {
    if (!Number.isInteger(value)) return invalidValue(`an integer${bounds}`);
    const n = value as number;
    return (min !== undefined && n < min) || (max !== undefined && n > max)
      ? invalidValue(`an integer${bounds}`, true)
      : n;
  };
}

/** A finite number of at least `min`. */
export function number(options: { min?: number } = {}): OptionCheck<number> {
  const bounds = options.min === undefined ? "" : ` ≥ ${options.min}`;
  return (value) => {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      return invalidValue(`a finite number${bounds}`);
    }
    return options.min !== undefined && value < options.min
      ? invalidValue(`a number${bounds}`, true)
      : value;
  };
}

/** One of `values` (listed in the error). */
export function oneOf<const T extends string>(values: readonly T[]): OptionCheck<T> {
  const listed = values.map((v) => JSON.stringify(v)).join(", ");
  return (value) =>
    values.includes(value as T) ? value as T : invalidValue(`one of ${listed}`, true);
}

/** A function. */
// deno-lint-ignore no-explicit-any
export function func<F extends (...args: any[]) => unknown>(): OptionCheck<F> {
  return (value) => typeof value === "function" ? value as F : invalidValue("a function");
}

/** A column name or a non-empty list of them (a key hint: `"id"`, `["a", "b"]`). */
export function columnNames(): OptionCheck<string | string[]> {
  return (value) => {
    if (typeof value === "string" && value !== "") return value;
    if (
      Array.isArray(value) && value.every((v) => typeof v === "string" && v !== "")
    ) {
      return value as string[];
    }
    return invalidValue("a column name or a list of column names");
  };
}

/** An instance of `type` (described as `description` in errors). */
export function instanceOf<T>(
  // deno-lint-ignore no-explicit-any
  type: abstract new (...args: any[]) => T,
  description: string,
): OptionCheck<T> {
  return (value) => value instanceof type ? value : invalidValue(description);
}

/** An `AbortSignal`. */
export function abortSignal(): OptionCheck<AbortSignal> {
  return instanceOf(AbortSignal, "an AbortSignal");
}

/**
 * Whether `value` is a plain object: made by an object literal, `JSON.parse` or a TOML parser
 * (whose tables have no prototype); not `null`, a list, a `Date` or another class's instance.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPlainObject } from "./options.ts";
 * assert.ok(isPlainObject({ a: 1 }) && isPlainObject(Object.create(null)));
 * assert.ok(!isPlainObject([1]) && !isPlainObject(null) && !isPlainObject(new Date()));
 * ```
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** How many characters of a value {@linkcode describeValue} shows. */
const EXCERPT_LENGTH = 60;

/**
 * A short text of `value` for messages: its type and an excerpt. Text is quoted and cut; lists,
 * objects (by their keys, never their values) and class instances are described; `undefined` is
 * `nothing`. Registered secrets are redacted before the text is cut.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeValue } from "./options.ts";
 * assert.equal(describeValue("abc"), '"abc"');
 * assert.equal(describeValue(4.5), "4.5");
 * assert.equal(describeValue(undefined), "nothing");
 * assert.equal(describeValue([1, 2]), "a list of 2 items");
 * assert.equal(describeValue({ href: "x", rel: "next" }), "an object with keys href, rel");
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return excerpt(JSON.stringify(value));
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (typeof value !== "object" || value === null) return String(value);
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? "" : "s"}`;
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? "an invalid date" : value.toISOString();
  }
  if (!isPlainObject(value)) return `a ${value.constructor?.name || "class"} instance`;
  const keys = Object.keys(value);
  return keys.length === 0 ? "an empty object" : excerpt(`an object with keys ${keys.join(", ")}`);
}

/** `text` with registered secrets redacted, then cut to {@linkcode EXCERPT_LENGTH}. */
function excerpt(text: string): string {
  const redacted = redact(text);
  return redacted.length > EXCERPT_LENGTH ? `${redacted.slice(0, EXCERPT_LENGTH)}…` : redacted;
}

/**
 * The options object of a destination factory called as dlt's are: `factory(options)`, or
 * `factory(credentials, options?)` with the credentials (a string) first. `credentialOptions`
 * are the options that name the same thing as the credentials (given twice is a `RangeError`);
 * `count` is the number of arguments the factory got.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCredentialsArguments } from "./options.ts";
 * const read = (...args: unknown[]) =>
 *   readCredentialsArguments("duckdb()", args[0], args[1], args.length, ["credentials"]);
 * assert.deepEqual(read("a.duckdb", { memoryLimit: "1GB" }), {
 *   credentials: "a.duckdb",
 *   memoryLimit: "1GB",
 * });
 * assert.deepEqual(read({ credentials: "a.duckdb" }), { credentials: "a.duckdb" });
 * assert.throws(() => read(5), TypeError);
 * ```
 */
export function readCredentialsArguments(
  factory: string,
  first: unknown,
  second: unknown,
  count: number,
  credentialOptions: readonly string[],
): object {
  if (typeof first !== "string") {
    if (!isPlainObject(first)) {
      throw new TypeError(
        `${factory} takes the credentials (a string) or an options object; got ${
          describeValue(first)
        }`,
      );
    }
    if (count > 1) {
      throw new TypeError(
        `${factory} takes the credentials and then the options, or the options alone; got ${
          describeValue(first)
        } and ${describeValue(second)}`,
      );
    }
    return first;
  }
  if (count > 2) {
    throw new TypeError(`${factory} takes at most two arguments: the credentials and the options`);
  }
  if (second === undefined) return { credentials: first };
  if (!isPlainObject(second)) {
    throw new TypeError(
      `Options for ${factory} after the credentials must be an object, got ${
        describeValue(second)
      }`,
    );
  }
  for (const key of credentialOptions) {
    if (key in second) {
      // the credentials are not shown: they may hold a password
      throw new RangeError(
        `${factory} was given the credentials first and the option "${key}": both say where to connect; give one`,
      );
    }
  }
  return { credentials: first, ...second };
}
