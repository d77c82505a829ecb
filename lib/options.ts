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

/**
 * The options in `value`, keyed by their camelCase names. Each of the `known` names (camelCase)
 * may be given as it is or in its {@linkcode snakeCase} spelling; a key whose value is
 * `undefined` counts as not given and is left out.
 *
 * Throws an {@linkcode OptionKeyError} (a `RangeError`) naming `where` and the key for an
 * unknown key (listing the valid ones) or for an option given in both spellings, and a `TypeError` when `value` is not a plain
 * object (see {@linkcode isPlainObject}).
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
 */
export function readOptions(
  value: unknown,
  known: readonly string[],
  where: string,
): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new TypeError(`Options for ${where} must be an object, got ${describeValue(value)}`);
  }
  const names = new Map(
    known.flatMap((name): [string, string][] => [[name, name], [snakeCase(name), name]]),
  );
  const options: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(value)) {
    const name = names.get(key);
    if (name === undefined) throw new OptionKeyError(key, unknownOption(key, known, where));
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

/** The message for an unknown option `key`: the valid ones, or that there are none. */
function unknownOption(key: string, known: readonly string[], where: string): string {
  if (known.length === 0) return `Unknown option "${key}" for ${where}; it takes none`;
  const snake = known.some((name) => snakeCase(name) !== name) ? " (or in snake_case)" : "";
  return `Unknown option "${key}" for ${where}; valid options: ${known.join(", ")}${snake}`;
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
