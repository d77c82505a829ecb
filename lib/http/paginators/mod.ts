/**
 * The paginators of the REST client, by dlt's names, and {@linkcode createPaginator}, which builds
 * one from a dlt-style configuration (a type name, or an object of `type` and options in camelCase
 * or in dlt's snake_case).
 *
 * @example A paginator from a Python dlt configuration
 * ```ts
 * import assert from "node:assert/strict";
 * import { createPaginator } from "./mod.ts";
 * const paginator = createPaginator({ type: "offset", limit: 100, total_path: "meta.count" });
 * const request = {
 *   url: new URL("https://api.example.com/items"),
 *   method: "GET",
 *   headers: new Headers(),
 * };
 * paginator?.fresh().initRequest(request);
 * assert.equal(request.url.search, "?offset=0&limit=100");
 * ```
 *
 * @module
 */
import type { Paginator } from "../types.ts";
import { parseJsonPath } from "../../json_path.ts";
import { describeValue, readOptions, snakeCase } from "../../options.ts";
import { AutoPaginator } from "./auto.ts";
import { JsonResponseCursorPaginator, type JsonResponseCursorPaginatorOptions } from "./cursor.ts";
import { HeaderCursorPaginator, type HeaderCursorPaginatorOptions } from "./header_cursor.ts";
import { HeaderLinkPaginator, type HeaderLinkPaginatorOptions } from "./header_link.ts";
import { JsonLinkPaginator, type JsonLinkPaginatorOptions } from "./json_link.ts";
import { OffsetPaginator, type OffsetPaginatorOptions } from "./offset.ts";
import { PageNumberPaginator, type PageNumberPaginatorOptions } from "./page_number.ts";
import { SinglePagePaginator } from "./single_page.ts";

export * from "./auto.ts";
export * from "./cursor.ts";
export * from "./header_cursor.ts";
export * from "./header_link.ts";
export * from "./json_link.ts";
export * from "./offset.ts";
export * from "./page_number.ts";
export * from "./single_page.ts";
export type { PageResponse, Paginator, RequestSpec } from "../types.ts";

/** dlt's names of the paginators. */
export type PaginatorType =
  | "json_link"
  | "header_link"
  | "offset"
  | "page_number"
  | "cursor"
  | "header_cursor"
  | "single_page"
  | "auto";

/** A paginator given by its type and options; options in camelCase or dlt's snake_case. */
export interface PaginatorConfig {
  /**
   * The kind of paginator.
   * @default {"auto"}
   */
  type?: PaginatorType;
  /** The paginator's options, e.g. `limit` and `totalPath` (or `total_path`). */
  [option: string]: unknown;
}

/** A paginator as a configuration gives it: a type name, or a type with options. */
export type PaginatorSpec = PaginatorType | PaginatorConfig;

/** What an option takes: an integer, a boolean, a non-empty name, a JSON path (or `null`). */
type OptionKind = "integer" | "boolean" | "name" | "path" | "path or null";

/** How the factory builds one type of paginator. */
interface PaginatorKind {
  /** The options (in camelCase) and what each takes. */
  options: Record<string, OptionKind>;
  /** The options that must be given. */
  required: string[];
  /** Creates the paginator from checked options. */
  create(options: Record<string, unknown>): Paginator;
}

/** The kind of a paginator whose options are `O`: the table must list every one of them. */
function kind<O>(
  options: { [K in keyof Required<O>]: OptionKind },
  create: (options: O) => Paginator,
  required: (keyof O & string)[] = [],
): PaginatorKind {
  return { options, required, create: (checked) => create(checked as O) };
}

const KINDS: Record<PaginatorType, PaginatorKind> = {
  json_link: kind<JsonLinkPaginatorOptions>(
    { nextUrlPath: "path" },
    (options) => new JsonLinkPaginator(options),
  ),
  header_link: kind<HeaderLinkPaginatorOptions>(
    { linksNextKey: "name" },
    (options) => new HeaderLinkPaginator(options),
  ),
  offset: kind<OffsetPaginatorOptions>(
    {
      limit: "integer",
      offset: "integer",
      offsetParam: "name",
      limitParam: "name",
      totalPath: "path or null",
      maximumOffset: "integer",
      stopAfterEmptyPage: "boolean",
      hasMorePath: "path",
      offsetBodyPath: "path",
      limitBodyPath: "path",
    },
    (options) => new OffsetPaginator(options),
    ["limit"],
  ),
  page_number: kind<PageNumberPaginatorOptions>(
    {
      basePage: "integer",
      page: "integer",
      pageParam: "name",
      totalPath: "path or null",
      maximumPage: "integer",
      stopAfterEmptyPage: "boolean",
      hasMorePath: "path",
      pageBodyPath: "path",
    },
    (options) => new PageNumberPaginator(options),
  ),
  cursor: kind<JsonResponseCursorPaginatorOptions>(
    {
      cursorPath: "path",
      cursorParam: "name",
      cursorBodyPath: "path",
      hasMorePath: "path",
      stopAfterEmptyPage: "boolean",
    },
    (options) => new JsonResponseCursorPaginator(options),
  ),
  header_cursor: kind<HeaderCursorPaginatorOptions>(
    { cursorKey: "name", cursorParam: "name" },
    (options) => new HeaderCursorPaginator(options),
  ),
  single_page: kind<Record<never, never>>({}, () => new SinglePagePaginator()),
  auto: kind<Record<never, never>>({}, () => new AutoPaginator()),
};

/**
 * The paginator that `spec` describes: a {@linkcode Paginator} is returned as it is, `undefined`
 * stays `undefined` (the caller's default applies). An unknown type or option, a value of the wrong
 * kind, or a missing required option is a RangeError that names it.
 *
 * @example Type names; options in camelCase and snake_case mixed
 * ```ts
 * import assert from "node:assert/strict";
 * import { createPaginator, HeaderLinkPaginator } from "./mod.ts";
 * assert.ok(createPaginator("header_link") instanceof HeaderLinkPaginator);
 * assert.throws(() => createPaginator("offset"), /requires the option "limit"/);
 * const paginator = createPaginator({ type: "page_number", basePage: 1, page_param: "p" });
 * const request = {
 *   url: new URL("https://api.example.com/items"),
 *   method: "GET",
 *   headers: new Headers(),
 * };
 * paginator?.initRequest(request);
 * assert.equal(request.url.search, "?p=1");
 * ```
 */
export function createPaginator(
  spec: PaginatorSpec | Paginator | undefined,
): Paginator | undefined {
  if (spec === undefined) return undefined;
  if (typeof spec === "string") return build(spec, {});
  if (typeof spec !== "object" || spec === null) {
    throw new RangeError(
      `A paginator is a type name, an object with a type and options, or a Paginator; got ${
        describeValue(spec)
      }`,
    );
  }
  if (typeof (spec as Partial<Paginator>).fresh === "function") return spec as Paginator;
  const { type = "auto", ...options } = spec as PaginatorConfig;
  return build(type, options);
}

function build(type: unknown, given: Record<string, unknown>): Paginator {
  if (typeof type !== "string" || !Object.hasOwn(KINDS, type)) {
    throw new RangeError(
      `Unknown paginator type ${describeValue(type)}; valid types: ${
        Object.keys(KINDS).join(", ")
      }`,
    );
  }
  const { options: kinds, required, create } = KINDS[type as PaginatorType];
  const options = readOptions(given, Object.keys(kinds), `paginator "${type}"`);
  for (const [name, value] of Object.entries(options)) {
    options[name] = checkValue(type, spelling(given, name), kinds[name], value);
  }
  const missing = required.find((name) => options[name] === undefined);
  if (missing !== undefined) {
    throw new RangeError(`Paginator "${type}" requires the option "${missing}"`);
  }
  return create(options);
}

/** How option `name` is spelled in `given`: as it is, or in snake_case. */
function spelling(given: Record<string, unknown>, name: string): string {
  return given[name] !== undefined ? name : snakeCase(name);
}

/** `value` as the option takes it (`null` means "not given" unless the option takes `null`). */
function checkValue(type: string, key: string, kind: OptionKind, value: unknown): unknown {
  if (value === null) return kind === "path or null" ? value : undefined;
  const fits = kind === "integer"
    ? Number.isInteger(value)
    : kind === "boolean"
    ? typeof value === "boolean"
    : kind === "name"
    ? typeof value === "string" && value !== ""
    : typeof value === "string" && isPath(value);
  if (!fits) {
    const wanted = kind === "integer"
      ? "an integer"
      : kind === "boolean"
      ? "a boolean"
      : kind === "name"
      ? "a non-empty string"
      : 'a JSON path such as "data.next"';
    throw new RangeError(
      `Paginator "${type}": option "${key}" must be ${wanted}, got ${describeValue(value)}`,
    );
  }
  return value;
}

function isPath(text: string): boolean {
  try {
    parseJsonPath(text);
    return true;
  } catch {
    return false;
  }
}
