/**
 * What the paginators share: path options, reading `has more` flags from responses, and putting
 * values into requests as a query parameter or into the JSON body.
 *
 * @module
 */
import { DltError } from "../../errors.ts";
import { type JsonPath, parseJsonPath, valueAtPath } from "../../json_path.ts";
import { describeValue } from "../../options.ts";
import type { RequestSpec } from "../types.ts";

/** A parsed path option with the text it was given as, for messages. */
export interface NamedPath {
  /** The path as given. */
  readonly text: string;
  /** The parsed path. */
  readonly path: JsonPath;
}

/** Parses the JSON path given as option `option`; a malformed one is a RangeError naming it. */
export function compilePath(option: string, text: string): NamedPath {
  try {
    return { text, path: parseJsonPath(text) };
  } catch (error) {
    throw new RangeError(`Paginator option "${option}": ${(error as Error).message}`);
  }
}

/** Where a paginator puts a value: a query parameter or a place in the JSON body. */
export type Target = { param: string } | { bodyPath: JsonPath };

/**
 * The target chosen by a pair of options such as `offsetParam`/`offsetBodyPath`: the body path
 * when given, else the query parameter (`defaultParam` when that is not given either).
 */
export function chooseTarget(
  [paramOption, param]: [string, string | undefined],
  [bodyOption, bodyPath]: [string, string | undefined],
  defaultParam: string,
): Target {
  if (param !== undefined && bodyPath !== undefined) {
    throw new RangeError(`Give either "${paramOption}" or "${bodyOption}", not both`);
  }
  if (bodyPath === undefined) {
    if (param === "") throw new RangeError(`Paginator option "${paramOption}" is empty`);
    return { param: param ?? defaultParam };
  }
  const { path } = compilePath(bodyOption, bodyPath);
  if (path.length === 0) throw new RangeError(`Paginator option "${bodyOption}" is empty`);
  return { bodyPath: path };
}

/**
 * Puts `value` into `request` at `target`. The JSON body is copied along the path rather than
 * edited, so a body object shared with the caller's configuration never changes.
 */
export function putValue(request: RequestSpec, target: Target, value: string | number): void {
  if ("param" in target) request.url.searchParams.set(target.param, String(value));
  else request.json = withValue(request.json, target.bodyPath, value);
}

type Container = Record<string | number, unknown>;

function withValue(document: unknown, path: JsonPath, value: unknown): unknown {
  if (path.length === 0) return value;
  const container = document ?? {};
  if (typeof container !== "object") {
    throw new DltError(
      `Cannot put a pagination value into the request body: a ${typeof container} is where an object should be`,
    );
  }
  const copy = (Array.isArray(container) ? [...container] : { ...container }) as Container;
  const [key, ...rest] = path;
  copy[key] = withValue(copy[key], rest, value);
  return copy;
}

const TRUE_WORDS = ["true", "yes", "y", "t", "on", "1"];
const FALSE_WORDS = ["false", "no", "n", "f", "off", "0"];

/**
 * The flag at `hasMorePath` in `body` that says whether more pages follow. Booleans and dlt's
 * boolean words (`"true"`, `"no"`, `"1"`…) are read; anything else is a DltError.
 */
export function readHasMore(owner: string, hasMorePath: NamedPath, body: unknown): boolean {
  const value = valueAtPath(body, hasMorePath.path);
  if (typeof value === "boolean") return value;
  const word = typeof value === "string" ? value.trim().toLowerCase() : undefined;
  if (word !== undefined && TRUE_WORDS.includes(word)) return true;
  if (word !== undefined && FALSE_WORDS.includes(word)) return false;
  throw new DltError(
    `${owner} expected a boolean at "${hasMorePath.text}" in the response, found ${
      describeValue(value)
    }`,
  );
}
