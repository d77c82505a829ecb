/**
 * Naming conventions: how source keys become table and column identifiers.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** Turns source identifiers into destination identifiers. */
export interface NamingConvention {
  /** The convention's name, as stored in the schema. */
  readonly name: string;
  /** Longest identifier the destination accepts; longer ones are shortened with a hash tag. */
  readonly maxLength: number | undefined;
  /** Normalizes one identifier (a key, a table name). */
  normalizeIdentifier(identifier: string): string;
  /** Joins already normalized fragments into a path and shortens it when too long. */
  shortenFragments(...fragments: string[]): string;
}

/** Name given to an empty (or blank) key. */
export const EMPTY_KEY_IDENTIFIER = "_empty";

const REDUCE_FROM = "+-*@|";
const REDUCE_TO = "x_xal";
const NON_ALPHANUMERIC = /[^a-zA-Z0-9_]+/g;
const SNAKE_BREAK_1 = /([^_])([A-Z][a-z]+)/g;
const SNAKE_BREAK_2 = /([a-z0-9])([A-Z])/g;
const LEADING_DIGIT = /^[0-9]/;
const TRAILING_UNDERSCORES = /_+$/;
const MULTI_UNDERSCORES = /__+/g;

function reduceAlphabet(identifier: string): string {
  let out = "";
  for (const ch of identifier) {
    const at = REDUCE_FROM.indexOf(ch);
    out += at === -1 ? ch : REDUCE_TO[at];
  }
  return out;
}

/**
 * A stable tag for `identifier`, as dlt computes it: 4 bytes of SHAKE-128, base64 without
 * padding, `/+` replaced by `ab`, lower case.
 */
function hashTag(identifier: string): string {
  const digest = createHash("shake128", { outputLength: 4 }).update(identifier, "utf8").digest(
    "base64",
  );
  return digest.replace(/=+$/, "").replaceAll("/", "a").replaceAll("+", "b").toLowerCase();
}

/**
 * Shortens `normalized` to `maxLength` by keeping its head and tail around a hash tag computed
 * from `original`, so the same input always yields the same short name.
 */
export function shortenIdentifier(
  normalized: string,
  original: string,
  maxLength: number | undefined,
): string {
  if (maxLength === undefined || normalized.length <= maxLength) return normalized;
  const tag = hashTag(original);
  const remaining = maxLength - tag.length;
  const head = Math.floor(remaining / 2) + (remaining % 2);
  const tail = Math.floor(remaining / 2);
  return normalized.slice(0, head) + tag + normalized.slice(normalized.length - tail);
}

function toSnakeCase(identifier: string): string {
  let out = identifier.replace(SNAKE_BREAK_1, "$1_$2").replace(SNAKE_BREAK_2, "$1_$2")
    .toLowerCase();
  if (LEADING_DIGIT.test(out)) out = "_" + out;
  const trailing = TRAILING_UNDERSCORES.exec(out);
  if (trailing) out = out.slice(0, trailing.index) + "x".repeat(trailing[0].length);
  return out.replace(MULTI_UNDERSCORES, "_");
}

/** Options of {@linkcode snakeCaseNaming}, {@linkcode directNaming} and {@linkcode duckCaseNaming}. */
export interface NamingConventionOptions {
  /** Longest identifier the destination accepts. @default {undefined} (no limit) */
  maxLength?: number;
}

/**
 * dlt's default `snake_case` naming convention: ASCII letters, digits and `_` only, camelCase
 * split into words, lower case, a leading digit prefixed with `_`, trailing `_` turned into `x`,
 * runs of `_` collapsed, and `__` joining nested paths.
 *
 * @example
 * ```ts
 * import { snakeCaseNaming } from "./naming.ts";
 * const naming = snakeCaseNaming();
 * if (naming.normalizeIdentifier("createdAt") !== "created_at") throw new Error();
 * if (naming.normalizeIdentifier("1st Place!") !== "_1st_placex") throw new Error();
 * ```
 */
export function snakeCaseNaming(options: NamingConventionOptions = {}): NamingConvention {
  const { maxLength } = options;
  const cache = new Map<string, string>();
  const shortened = new Map<string, string>();
  return {
    name: "snake_case",
    maxLength,
    normalizeIdentifier(identifier: string): string {
      let out = cache.get(identifier);
      if (out === undefined) {
        const trimmed = identifier.trim();
        out = trimmed === "" ? EMPTY_KEY_IDENTIFIER : shortenIdentifier(
          toSnakeCase(reduceAlphabet(trimmed).replace(NON_ALPHANUMERIC, "_")),
          trimmed,
          maxLength,
        );
        cache.set(identifier, out);
      }
      return out;
    },
    shortenFragments(...fragments: string[]): string {
      let path = "";
      for (const fragment of fragments) {
        if (fragment === "") continue;
        path = path === "" ? fragment : path + "__" + fragment;
      }
      if (maxLength === undefined || path.length <= maxLength) return path;
      let out = shortened.get(path);
      if (out === undefined) {
        out = shortenIdentifier(path, path, maxLength);
        shortened.set(path, out);
      }
      return out;
    },
  };
}

/** A convention that cleans identifiers with `clean` and joins paths with `separator`. */
function convention(
  name: string,
  maxLength: number | undefined,
  separator: string,
  clean: (identifier: string) => string,
): NamingConvention {
  const cache = new Map<string, string>();
  return {
    name,
    maxLength,
    normalizeIdentifier(identifier: string): string {
      let out = cache.get(identifier);
      if (out === undefined) {
        const trimmed = identifier.trim();
        out = trimmed === ""
          ? EMPTY_KEY_IDENTIFIER
          : shortenIdentifier(clean(trimmed), trimmed, maxLength);
        cache.set(identifier, out);
      }
      return out;
    },
    shortenFragments(...fragments: string[]): string {
      const path = fragments.filter((f) => f !== "").join(separator);
      return shortenIdentifier(path, path, maxLength);
    },
  };
}

const DIRECT_CLEANUP = /[.\n\r'"\u25B6]/g;

/**
 * dlt's `direct` naming convention: identifiers kept as they are (case, spaces, Unicode), only
 * `.`, quotes, line breaks and `▶` replaced by `_`; nested paths joined with `▶`.
 *
 * @example
 * ```ts
 * import { directNaming } from "./naming.ts";
 * if (directNaming().normalizeIdentifier("Created At") !== "Created At") throw new Error();
 * ```
 */
export function directNaming(options: NamingConventionOptions = {}): NamingConvention {
  return convention("direct", options.maxLength, "\u25B6", (id) => id.replace(DIRECT_CLEANUP, "_"));
}

const DUCK_CLEANUP = /[\n\r"]/g;

/**
 * dlt's `duck_case` naming convention: case-sensitive, any characters but quotes and line breaks
 * (replaced by `_`), runs of `_` collapsed; nested paths joined with `__`.
 *
 * @example
 * ```ts
 * import { duckCaseNaming } from "./naming.ts";
 * if (duckCaseNaming().normalizeIdentifier("createdAt") !== "createdAt") throw new Error();
 * ```
 */
export function duckCaseNaming(options: NamingConventionOptions = {}): NamingConvention {
  return convention(
    "duck_case",
    options.maxLength,
    "__",
    (id) => id.replace(DUCK_CLEANUP, "_").replace(MULTI_UNDERSCORES, "_"),
  );
}

/** The name of a built-in naming convention, as dlt names it. */
export type NamingConventionName = "snake_case" | "direct" | "duck_case";

/** Names of the naming conventions available. */
export const NAMING_CONVENTIONS: readonly NamingConventionName[] = [
  "snake_case",
  "direct",
  "duck_case",
];

/** The naming convention called `name`, shortening identifiers to `maxLength`. */
export function namingConvention(name: string, maxLength?: number): NamingConvention {
  switch (name) {
    case "snake_case":
      return snakeCaseNaming({ maxLength });
    case "direct":
      return directNaming({ maxLength });
    case "duck_case":
      return duckCaseNaming({ maxLength });
    default:
      throw new RangeError(
        `Unknown naming convention "${name}"; available: ${NAMING_CONVENTIONS.join(", ")}`,
      );
  }
}
