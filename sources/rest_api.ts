/**
 * A declarative source for REST APIs, as dlt's `rest_api_source`: describe the client and the
 * endpoints, get a source with one resource per endpoint. Child endpoints are filled in from
 * their parent's items, incremental cursors are sent as query parameters, and configs written
 * for Python dlt (snake_case keys) work unchanged.
 *
 * @example
 * ```ts ignore
 * import { pipeline } from "@denodlt/dlt";
 * import { restApiSource } from "@denodlt/dlt/sources/rest_api";
 *
 * const github = restApiSource({
 *   client: { baseUrl: "https://api.github.com/repos/denoland/deno/", paginator: "header_link" },
 *   resourceDefaults: { primaryKey: "id", endpoint: { params: { per_page: 100 } } },
 *   resources: [
 *     {
 *       name: "issues",
 *       writeDisposition: "merge",
 *       endpoint: {
 *         path: "issues",
 *         params: { state: "all", since: "{incremental.start_value}" },
 *         incremental: { cursorPath: "updated_at", initialValue: "2024-01-01T00:00:00Z" },
 *       },
 *     },
 *     {
 *       name: "issue_comments",
 *       endpoint: { path: "issues/{resources.issues.number}/comments" },
 *       includeFromParent: ["id"],
 *     },
 *   ],
 * });
 * await pipeline({ pipelineName: "github" }).run(github);
 * ```
 *
 * @module
 */
import { log } from "../lib/log.ts";
import { isPlainObject, OptionKeyError, readOptions } from "../lib/options.ts";
import { DltError, ResourceExtractionError } from "../lib/errors.ts";
import { concurrentFlatMap } from "../lib/concurrent.ts";
import {
  type CursorValue,
  type Incremental,
  incremental,
  type IncrementalOptions,
} from "../lib/incremental.ts";
import { type JsonPath, parseJsonPath, valueAtPath } from "../lib/json_path.ts";
import {
  type DltResource,
  resource,
  type ResourceContext,
  type ResourceHints,
  transformer,
} from "../lib/resource.ts";
import { type DltSource, source, type SourceOptions } from "../lib/source.ts";
import type { MergeStrategy, WriteDisposition } from "../lib/schema/schema.ts";
import {
  type Auth,
  type AuthSpec,
  createAuth,
  createPaginator,
  HttpError,
  type Paginator,
  type PaginatorSpec,
  type QueryValue,
  type ResponseContext,
  type ResponseHook,
  RESTClient,
  type RESTClientOptions,
} from "../lib/http/mod.ts";

/** The API client of a {@linkcode RestApiConfig}. */
export interface ClientConfig extends
  Pick<
    RESTClientOptions,
    "headers" | "retry" | "timeoutMs" | "maxPages" | "allowedHosts" | "fetch"
  > {
  /** Base URL of every endpoint path. */
  baseUrl: string;
  /** Credentials: an authenticator or dlt's `{ type: "bearer", token }`-style config. */
  auth?: Auth | AuthSpec;
  /** Default paginator: an instance, dlt's type name (`"header_link"`) or `{ type, ...options }`. */
  paginator?: Paginator | PaginatorSpec;
}

/** An endpoint's incremental cursor: dlt's `incremental` of an endpoint. */
export interface IncrementalConfig extends IncrementalOptions {
  /** Path of the cursor in each item, e.g. `updated_at`. */
  cursorPath: string;
  /** Query parameter that receives the start value, e.g. `since`. */
  startParam?: string;
  /** Query parameter that receives the end value. */
  endParam?: string;
  /** Turns the cursor value into the parameter's value (e.g. a date into epoch seconds). */
  convert?: (value: CursorValue) => unknown;
}

/**
 * What to do with responses that match, e.g. `{ statusCode: 404, action: "ignore" }`; without
 * `statusCode` and `content` it matches every response.
 */
export interface ResponseActionConfig {
  /** Matches responses with this status. */
  statusCode?: number;
  /** Matches responses whose body contains this text. */
  content?: string;
  /**
   * `ignore` ends the endpoint's pagination without this response (no error), `raise` fails
   * with the response's status, URL and body, a function decides itself (return `"ignore"`,
   * throw, or return nothing to go on).
   */
  action: "ignore" | "raise" | ResponseHook;
}

/** One endpoint: dlt's `endpoint` of a resource. */
export interface EndpointConfig {
  /** Path below the base URL. May hold `{resources.<parent>.<field>}` placeholders. @default {the resource name} */
  path?: string;
  /** HTTP method. @default {"GET"} */
  method?: "GET" | "POST";
  /** Query parameters; values may hold placeholders (`{incremental.start_value}`). */
  params?: Record<string, unknown>;
  /** JSON body; strings in it may hold placeholders. */
  json?: unknown;
  /** Paginator of this endpoint instead of the client's. */
  paginator?: Paginator | PaginatorSpec;
  /** JSON path of the items in a response; found by looking when not given. */
  dataSelector?: string;
  /** Incremental cursor bound to query parameters. */
  incremental?: IncrementalConfig;
  /** Responses handled specially (ignored, or raised although 200). */
  responseActions?: (ResponseActionConfig | ResponseHook)[];
  /** Headers of this endpoint on top of the client's. */
  headers?: Record<string, string>;
  /** Credentials of this endpoint instead of the client's. */
  auth?: Auth | AuthSpec;
  /** Pages after which this endpoint's pagination stops with a warning. */
  maxPages?: number;
}

/** A resource of a {@linkcode RestApiConfig}: its endpoint and its table hints. */
export interface EndpointResourceConfig extends Omit<ResourceHints, "writeDisposition"> {
  /** Resource name, also the default table name and endpoint path. */
  name: string;
  /** The endpoint, or just its path. */
  endpoint?: string | EndpointConfig;
  /** `append`, `replace`, `merge`, `skip`, or dlt's `{ disposition, strategy }`. */
  writeDisposition?: WriteDisposition | { disposition: WriteDisposition; strategy?: MergeStrategy };
  /** Fields of the parent item copied into each child item, as `_<parent>_<field>`. */
  includeFromParent?: string[];
  /** Whether the resource is loaded. @default {true} */
  selected?: boolean;
  /**
   * Load the pages fetched before an HTTP or response error instead of failing the run (the
   * error is logged as a warning; for a child, the other parent items go on). Off by default:
   * a failed run loads nothing of its pages. Mind an incremental cursor: it moves to the newest
   * item loaded.
   */
  keepPagesOnError?: boolean;
  /**
   * Accepted for dlt configs, and needs no effect: these resources are async, so extract runs
   * them concurrently with the others (`extract.max_parallel_items`), and a child's requests run
   * concurrently anyway (`maxConcurrency` per parent page, several pages at once).
   */
  parallelized?: boolean;
  /** Filters and maps applied to the items, in order. */
  // deno-lint-ignore no-explicit-any
  processingSteps?: ({ filter: (item: any) => boolean } | { map: (item: any) => unknown })[];
}

/** The whole configuration of {@linkcode restApiSource}, as dlt's `RESTAPIConfig`. */
export interface RestApiConfig {
  /** The API client. */
  client: ClientConfig;
  /** Defaults merged into every resource (endpoint and params merged key by key). */
  resourceDefaults?: Partial<EndpointResourceConfig>;
  /** The resources: configs, or just names (the name is also the path). */
  resources: (string | EndpointResourceConfig)[];
}

/** Options of {@linkcode restApiSource}. */
export interface RestApiSourceOptions extends Partial<SourceOptions> {
  /**
   * Requests of a child resource that run at once (one per parent item). `1` is sequential.
   * @default {5}
   */
  maxConcurrency?: number;
}

/** A configuration error, found before any request; names the resource and the key. */
export class RestApiConfigError extends DltError {
  /** The resource concerned, when one is. */
  readonly resourceName: string | undefined;
  /** The config key concerned, e.g. `endpoint.paginator`. */
  readonly key: string;

  /** Creates the error. */
  constructor(resourceName: string | undefined, key: string, reason: string) {
    const where = resourceName === undefined ? "" : `resource "${resourceName}", `;
    super(`rest_api config: ${where}${key}: ${reason}`);
    this.resourceName = resourceName;
    this.key = key;
  }
}

/**
 * Builds a source from `config`. Everything is checked here, before any request: unknown keys,
 * paginators, auth, and that every placeholder can be filled.
 */
export function restApiSource(
  config: RestApiConfig | Record<string, unknown>,
  options: RestApiSourceOptions = {},
): DltSource {
  const { name = "rest_api", maxConcurrency = 5, ...sourceOptions } = options;
  const top = readKeys(config, TOP_KEYS, undefined, "");
  if (top.client === undefined) throw new RestApiConfigError(undefined, "client", "is missing");
  if (!Array.isArray(top.resources) || top.resources.length === 0) {
    throw new RestApiConfigError(undefined, "resources", "must be a non-empty list");
  }
  const client = readClient(top.client);
  const defaults = top.resourceDefaults === undefined
    ? {}
    : readKeys(top.resourceDefaults, RESOURCE_KEYS, undefined, "resourceDefaults");
  const plans = new Map<string, ResourcePlan>();
  for (const [i, entry] of (top.resources as unknown[]).entries()) {
    const plan = planResource(entry, defaults, i);
    if (plans.has(plan.name)) {
      throw new RestApiConfigError(plan.name, "name", "two resources have this name");
    }
    plans.set(plan.name, plan);
  }
  for (const plan of plans.values()) {
    if (plan.parent !== undefined && !plans.has(plan.parent)) {
      throw new RestApiConfigError(
        plan.name,
        plan.parentKey!,
        `refers to resource "${plan.parent}", which is not in the config`,
      );
    }
  }
  const built = new Map<string, DltResource>();
  const build = (plan: ResourcePlan, chain: string[]): DltResource => {
    const done = built.get(plan.name);
    if (done !== undefined) return done;
    if (chain.includes(plan.name)) {
      throw new RestApiConfigError(
        plan.name,
        "endpoint",
        `parent cycle: ${[...chain, plan.name].join(" → ")}`,
      );
    }
    const parent = plan.parent === undefined
      ? undefined
      : build(plans.get(plan.parent)!, [...chain, plan.name]);
    const r = buildResource(plan, client, parent, maxConcurrency);
    built.set(plan.name, r);
    return r;
  };
  for (const plan of plans.values()) build(plan, []);
  return source([...built.values()], { name, ...sourceOptions });
}

// ---------------------------------------------------------------------------------------------
// Reading the config: camelCase or snake_case keys, unknown keys refused

const TOP_KEYS = ["client", "resourceDefaults", "resources"];
const CLIENT_KEYS = [
  "baseUrl",
  "headers",
  "auth",
  "paginator",
  "retry",
  "timeoutMs",
  "maxPages",
  "allowedHosts",
  "fetch",
];
const RESOURCE_KEYS = [
  "name",
  "endpoint",
  "tableName",
  "primaryKey",
  "mergeKey",
  "writeDisposition",
  "mergeStrategy",
  "validityColumnNames",
  "columns",
  "maxTableNesting",
  "schemaContract",
  "rootKey",
  "includeFromParent",
  "selected",
  "processingSteps",
  "keepPagesOnError",
  "parallelized",
];
const ENDPOINT_KEYS = [
  "path",
  "method",
  "params",
  "json",
  "paginator",
  "dataSelector",
  "incremental",
  "responseActions",
  "headers",
  "auth",
  "maxPages",
];
const INCREMENTAL_KEYS = [
  "cursorPath",
  "startParam",
  "endParam",
  "initialValue",
  "endValue",
  "rowOrder",
  "lastValueFunc",
  "primaryKey",
  "onCursorValueMissing",
  "lag",
  "convert",
];
const RESPONSE_ACTION_KEYS = ["statusCode", "content", "action"];

type Loose = Record<string, unknown>;

/**
 * `value`'s keys in camelCase (dlt's snake_case accepted); an unknown key, or one given in both
 * spellings, is an error naming it.
 */
function readKeys(
  value: unknown,
  known: readonly string[],
  resource: string | undefined,
  where: string,
): Loose {
  try {
    return readOptions(value, known, where || "the config");
  } catch (error) {
    if (error instanceof OptionKeyError) {
      const key = where === "" ? error.key : `${where}.${error.key}`;
      throw new RestApiConfigError(resource, key, error.message);
    }
    throw new RestApiConfigError(resource, where || "config", "must be an object");
  }
}

function readClient(value: unknown): RESTClientOptions & { baseUrl: string } {
  const c = readKeys(value, CLIENT_KEYS, undefined, "client");
  if (typeof c.baseUrl !== "string" || c.baseUrl === "") {
    throw new RestApiConfigError(undefined, "client.baseUrl", "is missing");
  }
  try {
    new URL(c.baseUrl);
  } catch {
    throw new RestApiConfigError(undefined, "client.baseUrl", `"${c.baseUrl}" is not a URL`);
  }
  return {
    ...c,
    baseUrl: c.baseUrl,
    auth: checked(undefined, "client.auth", () => createAuth(c.auth as AuthSpec)),
    paginator: checked(
      undefined,
      "client.paginator",
      () => createPaginator(c.paginator as PaginatorSpec),
    ),
  } as RESTClientOptions & { baseUrl: string };
}

/** Runs `make`, turning its errors into {@linkcode RestApiConfigError}s naming `key`. */
function checked<T>(resource: string | undefined, key: string, make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof RestApiConfigError) throw error;
    throw new RestApiConfigError(resource, key, (error as Error).message);
  }
}

// ---------------------------------------------------------------------------------------------
// Planning a resource: its endpoint, placeholders and parent

interface ResourcePlan {
  name: string;
  hints: ResourceHints & { selected?: boolean };
  endpoint: Loose;
  path: string;
  params: Loose;
  json: unknown;
  parent: string | undefined;
  /** The key that names the parent, e.g. `endpoint.path`. */
  parentKey: string | undefined;
  includeFromParent: { column: string; path: JsonPath; field: string }[];
  incremental: IncrementalConfig | undefined;
  /** The resource's cursor, built from `incremental` (so its options are checked early). */
  cursor: Incremental | undefined;
  paginator: Paginator | undefined;
  auth: Auth | undefined;
  responseActions: ResponseActionConfig[];
  processingSteps: EndpointResourceConfig["processingSteps"];
  keepPagesOnError: boolean;
}

function planResource(entry: unknown, defaults: Loose, index: number): ResourcePlan {
  const given = typeof entry === "string"
    ? { name: entry }
    : readKeys(entry, RESOURCE_KEYS, nameOf(entry, index), `resources[${index}]`);
  const name = given.name;
  if (typeof name !== "string" || name === "") {
    throw new RestApiConfigError(undefined, `resources[${index}].name`, "is missing");
  }
  const r: Loose = { ...defaults, ...given };
  const endpoint = mergeEndpoints(
    readEndpoint(defaults.endpoint, name, "resourceDefaults.endpoint"),
    readEndpoint(given.endpoint, name, "endpoint"),
  );
  const path = typeof endpoint.path === "string" ? endpoint.path : name;
  const params: Loose = { ...(endpoint.params as Loose | undefined) };
  let incrementalConfig = endpoint.incremental === undefined
    ? undefined
    : readIncremental(endpoint.incremental, name, "endpoint.incremental");
  let parent: string | undefined;
  let parentKey: string | undefined;
  const pathParams = new Map<string, string>(); // legacy `{name}` in the path ← resolved param
  const setParent = (candidate: string, key: string) => {
    if (parent !== undefined && parent !== candidate) {
      throw new RestApiConfigError(
        name,
        key,
        `refers to resource "${candidate}", but this resource already depends on "${parent}"; a resource has one parent`,
      );
    }
    parent = candidate;
    parentKey ??= key;
  };
  // dlt's older forms: `{ type: "resolve", resource, field }` and `{ type: "incremental", … }`
  for (const [param, value] of Object.entries(params)) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) continue;
    const typed = value as Loose;
    if (typed.type === "resolve") {
      if (typeof typed.resource !== "string" || typeof typed.field !== "string") {
        throw new RestApiConfigError(
          name,
          `endpoint.params.${param}`,
          "resolve needs `resource` and `field`",
        );
      }
      setParent(typed.resource, `endpoint.params.${param}`);
      const placeholder = `{resources.${typed.resource}.${typed.field}}`;
      if (path.includes(`{${param}}`)) {
        pathParams.set(param, placeholder);
        delete params[param];
      } else params[param] = placeholder;
    } else if (typed.type === "incremental") {
      const { type: _type, ...rest } = typed;
      if (incrementalConfig !== undefined) {
        throw new RestApiConfigError(
          name,
          `endpoint.params.${param}`,
          "a second incremental; an endpoint has one",
        );
      }
      incrementalConfig = {
        ...readIncremental(rest, name, `endpoint.params.${param}`),
        startParam: param,
      };
      delete params[param];
    }
  }
  let resolvedPath = path;
  for (const [param, placeholder] of pathParams) {
    resolvedPath = resolvedPath.replaceAll(`{${param}}`, placeholder);
  }
  // every placeholder must be one we can fill
  const check = (text: string, key: string, strict: boolean) => {
    for (const p of placeholdersIn(text, strict, name, key)) {
      if (p.kind === "parent") setParent(p.resource, key);
      else if (incrementalConfig === undefined) {
        throw new RestApiConfigError(
          name,
          key,
          `{incremental.${p.which}} needs endpoint.incremental`,
        );
      }
    }
  };
  check(resolvedPath, "endpoint.path", true);
  for (const [param, value] of Object.entries(params)) {
    if (typeof value === "string") check(value, `endpoint.params.${param}`, false);
  }
  walkStrings(endpoint.json, (text, where) => check(text, `endpoint.json${where}`, false));
  walkStrings(endpoint.headers, (text, where) => check(text, `endpoint.headers${where}`, false));

  const includeFields = (r.includeFromParent as string[] | undefined) ?? [];
  if (!Array.isArray(includeFields) || includeFields.some((f) => typeof f !== "string")) {
    throw new RestApiConfigError(name, "includeFromParent", "must be a list of field names");
  }
  if (includeFields.length > 0 && parent === undefined) {
    throw new RestApiConfigError(name, "includeFromParent", "the resource has no parent resource");
  }
  const includeFromParent = includeFields.map((field) => ({
    field,
    path: checked(name, "includeFromParent", () => parseJsonPath(field)),
    column: `_${parent}_${field}`,
  }));
  const cursor = incrementalConfig === undefined
    ? undefined
    : checked(name, "endpoint.incremental", () => cursorOf(incrementalConfig!));
  if (endpoint.dataSelector !== undefined) {
    checked(name, "endpoint.dataSelector", () => parseJsonPath(String(endpoint.dataSelector)));
  }
  if (endpoint.json !== undefined && String(endpoint.method ?? "GET").toUpperCase() === "GET") {
    throw new RestApiConfigError(name, "endpoint.json", "a JSON body needs method POST");
  }
  const responseActions = ((endpoint.responseActions as unknown[] | undefined) ?? []).map((a, i) =>
    readResponseAction(a, name, `endpoint.responseActions[${i}]`)
  );
  // as dlt: a placeholder in the last path segment (a trailing slash aside) means one object
  const singleEntity = /\{[^{}]+\}[^/{}]*\/?$/.test(resolvedPath);
  const paginator = checked(name, "endpoint.paginator", () =>
    createPaginator(
      (endpoint.paginator ?? (singleEntity ? "single_page" : undefined)) as PaginatorSpec,
    ));
  const auth = checked(name, "endpoint.auth", () => createAuth(endpoint.auth as AuthSpec));
  if (
    endpoint.method !== undefined &&
    !["GET", "POST"].includes(String(endpoint.method).toUpperCase())
  ) {
    throw new RestApiConfigError(
      name,
      "endpoint.method",
      `"${endpoint.method}" is not GET or POST`,
    );
  }
  if (singleEntity && endpoint.dataSelector === undefined) endpoint.dataSelector = "$";
  return {
    name,
    hints: resourceHints(r, name),
    endpoint,
    path: resolvedPath,
    params,
    json: endpoint.json,
    parent,
    parentKey,
    includeFromParent,
    incremental: incrementalConfig,
    cursor,
    paginator,
    auth,
    responseActions,
    processingSteps: r.processingSteps as EndpointResourceConfig["processingSteps"],
    keepPagesOnError: r.keepPagesOnError === true,
  };
}

function nameOf(entry: unknown, index: number): string {
  const name = (entry as Loose | null)?.name;
  return typeof name === "string" ? name : `#${index}`;
}

function readEndpoint(value: unknown, resource: string, where: string): Loose {
  if (value === undefined) return {};
  if (typeof value === "string") return { path: value };
  return readKeys(value, ENDPOINT_KEYS, resource, where);
}

/** A resource's endpoint over the defaults' one; `params`, `json` and `headers` merge key by key. */
function mergeEndpoints(defaults: Loose, own: Loose): Loose {
  const merged: Loose = { ...defaults, ...own };
  for (const key of ["params", "json", "headers"]) {
    if (isPlainObject(defaults[key]) && isPlainObject(own[key])) {
      merged[key] = { ...(defaults[key] as Loose), ...(own[key] as Loose) };
    }
  }
  return merged;
}

/** The {@linkcode Incremental} of an endpoint's incremental config. */
function cursorOf(inc: IncrementalConfig): Incremental {
  return incremental(inc.cursorPath, {
    initialValue: inc.initialValue,
    endValue: inc.endValue,
    lastValueFunc: inc.lastValueFunc,
    rowOrder: inc.rowOrder,
    primaryKey: inc.primaryKey,
    onCursorValueMissing: inc.onCursorValueMissing,
    lag: inc.lag,
  });
}

const CHOICES: Record<string, readonly unknown[]> = {
  rowOrder: ["asc", "desc"],
  onCursorValueMissing: ["raise", "include", "exclude"],
};

function readIncremental(value: unknown, resource: string, where: string): IncrementalConfig {
  const inc = readKeys(value, INCREMENTAL_KEYS, resource, where);
  if (typeof inc.cursorPath !== "string" || inc.cursorPath === "") {
    throw new RestApiConfigError(resource, `${where}.cursorPath`, "is missing");
  }
  if (inc.convert !== undefined && typeof inc.convert !== "function") {
    throw new RestApiConfigError(resource, `${where}.convert`, "must be a function");
  }
  for (const [key, choices] of Object.entries(CHOICES)) {
    if (inc[key] !== undefined && !choices.includes(inc[key])) {
      throw new RestApiConfigError(
        resource,
        `${where}.${key}`,
        `${JSON.stringify(inc[key])} is not one of ${choices.map((c) => `"${c}"`).join(", ")}`,
      );
    }
  }
  const func = inc.lastValueFunc;
  if (func !== undefined && func !== "max" && func !== "min" && typeof func !== "function") {
    throw new RestApiConfigError(
      resource,
      `${where}.lastValueFunc`,
      `must be "max", "min" or a function`,
    );
  }
  return inc as unknown as IncrementalConfig;
}

/**
 * One response action. As in dlt, a bare function is a hook called with every response, and an
 * action without `statusCode` and `content` matches every response.
 */
function readResponseAction(value: unknown, resource: string, where: string): ResponseActionConfig {
  if (typeof value === "function") return { action: value as ResponseHook };
  const a = readKeys(value, RESPONSE_ACTION_KEYS, resource, where);
  if (a.action !== "ignore" && a.action !== "raise" && typeof a.action !== "function") {
    throw new RestApiConfigError(
      resource,
      `${where}.action`,
      `must be "ignore", "raise" or a function`,
    );
  }
  if (a.statusCode !== undefined) {
    const status = Number(a.statusCode);
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      throw new RestApiConfigError(
        resource,
        `${where}.statusCode`,
        `${a.statusCode} is no HTTP status`,
      );
    }
    a.statusCode = status;
  }
  if (a.content !== undefined && typeof a.content !== "string") {
    throw new RestApiConfigError(resource, `${where}.content`, "must be a string");
  }
  return a as unknown as ResponseActionConfig;
}

function resourceHints(r: Loose, name: string): ResourceHints & { selected?: boolean } {
  let writeDisposition = r.writeDisposition as EndpointResourceConfig["writeDisposition"];
  let mergeStrategy = r.mergeStrategy as MergeStrategy | undefined;
  if (writeDisposition !== undefined && typeof writeDisposition === "object") {
    const wd = readKeys(
      writeDisposition,
      ["disposition", "strategy"],
      name,
      "writeDisposition",
    );
    writeDisposition = wd.disposition as WriteDisposition;
    mergeStrategy = (wd.strategy as MergeStrategy | undefined) ?? mergeStrategy;
  }
  return {
    tableName: r.tableName as string | undefined,
    primaryKey: r.primaryKey as string | string[] | undefined,
    mergeKey: r.mergeKey as string | string[] | undefined,
    writeDisposition,
    mergeStrategy,
    validityColumnNames: r.validityColumnNames as [string, string] | undefined,
    columns: r.columns as ResourceHints["columns"],
    maxTableNesting: r.maxTableNesting as number | undefined,
    schemaContract: r.schemaContract as ResourceHints["schemaContract"],
    rootKey: r.rootKey as boolean | undefined,
    selected: r.selected as boolean | undefined,
  };
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** The incremental values a placeholder can name, as in dlt. */
const INCREMENTAL_VALUES = ["start_value", "end_value", "initial_value", "last_value"] as const;
type IncrementalValue = typeof INCREMENTAL_VALUES[number];

/** A placeholder: `{resources.<parent>.<field path>}` or `{incremental.<value>}`. */
type Placeholder =
  | { kind: "parent"; resource: string; field: string; path: JsonPath }
  | { kind: "incremental"; which: IncrementalValue };

/**
 * What `{inner}` stands for; `undefined` when it is none of ours (other braces in params and
 * JSON stay text). A malformed `{resources.…}` or `{incremental.…}` is a RangeError.
 */
function parsePlaceholder(inner: string): Placeholder | undefined {
  const [head, ...rest] = inner.split(".");
  if (head === "resources") {
    if (rest.length < 2 || rest.some((part) => part === "")) {
      throw new RangeError(`{${inner}} is not {resources.<parent>.<field>}`);
    }
    const field = rest.slice(1).join(".");
    return { kind: "parent", resource: rest[0], field, path: parseJsonPath(field) };
  }
  if (head === "incremental") {
    const which = rest.join(".") as IncrementalValue;
    if (!INCREMENTAL_VALUES.includes(which)) {
      throw new RangeError(
        `unknown placeholder {${inner}}; use {incremental.${
          INCREMENTAL_VALUES.join("}, {incremental.")
        }}`,
      );
    }
    return { kind: "incremental", which };
  }
  return undefined;
}

/**
 * The placeholders in `text`. `strict` (paths): every `{…}` must be a placeholder. Otherwise
 * (params, JSON, headers) only `{resources.…}` and `{incremental.…}` are.
 */
function placeholdersIn(
  text: string,
  strict: boolean,
  resource: string,
  key: string,
): Placeholder[] {
  const found: Placeholder[] = [];
  for (const [, inner] of text.matchAll(PLACEHOLDER)) {
    const placeholder = checked(resource, key, () => parsePlaceholder(inner));
    if (placeholder !== undefined) found.push(placeholder);
    else if (strict) {
      throw new RestApiConfigError(
        resource,
        key,
        `cannot resolve the placeholder {${inner}}; use {resources.<parent>.<field>} or {incremental.start_value}`,
      );
    }
  }
  return found;
}

function walkStrings(
  value: unknown,
  visit: (text: string, where: string) => void,
  where = "",
): void {
  if (typeof value === "string") visit(value, where);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, visit, `${where}[${i}]`));
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) walkStrings(v, visit, `${where}.${k}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Building the resources

/** What placeholders are filled from: the parent item and the incremental cursor. */
interface Bindings {
  parentName?: string;
  parentItem?: unknown;
  incremental: Partial<Record<IncrementalValue, unknown>>;
}

/**
 * `text` with its placeholders filled. In a path values are URL-encoded (slashes kept, as in
 * dlt's paths such as `{resources.repos.full_name}`); a param or JSON string that is one
 * placeholder becomes the value itself (`undefined` leaves the param out).
 */
function fill(text: string, bindings: Bindings, inPath: boolean, resource: string): unknown {
  const valueOf = (placeholder: Placeholder, inner: string): unknown => {
    if (placeholder.kind === "incremental") return bindings.incremental[placeholder.which];
    const found = valueAtPath(bindings.parentItem, placeholder.path);
    if (found === undefined || found === null) {
      // a ResourceExtractionError already names the resource: extract does not wrap it again
      throw new ResourceExtractionError(
        resource,
        `the item of parent resource "${bindings.parentName}" has no field "${placeholder.field}" for {${inner}}`,
      );
    }
    return found;
  };
  const whole = /^\{([^{}]*)\}$/.exec(text);
  const single = whole === null ? undefined : parsePlaceholder(whole[1]);
  if (single !== undefined && !inPath) return valueOf(single, whole![1]);
  return text.replace(PLACEHOLDER, (match, inner: string) => {
    const placeholder = parsePlaceholder(inner);
    if (placeholder === undefined) return match;
    const value = valueOf(placeholder, inner);
    if (value === undefined) {
      throw new ResourceExtractionError(
        resource,
        `{${inner}} has no value in this run; give the incremental an initialValue`,
      );
    }
    const text = value instanceof Date ? value.toISOString() : String(value);
    return inPath ? encodeURIComponent(text).replaceAll("%2F", "/") : text;
  });
}

function fillDeep(value: unknown, bindings: Bindings, resource: string): unknown {
  if (typeof value === "string") return fill(value, bindings, false, resource);
  if (Array.isArray(value)) return value.map((v) => fillDeep(v, bindings, resource));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, fillDeep(v, bindings, resource)]),
    );
  }
  return value;
}

function responseHooks(actions: ResponseActionConfig[]): ResponseHook[] {
  return actions.map((a) => (context: ResponseContext) => {
    const { response, text, request, pageNumber } = context;
    if (a.statusCode !== undefined && response.status !== a.statusCode) return;
    if (a.content !== undefined && !text.includes(a.content)) return;
    if (a.action === "ignore") return "ignore";
    if (a.action === "raise") {
      throw new HttpError(`Response action "raise" matched (HTTP ${response.status})`, {
        method: request.method,
        url: request.url,
        pageNumber,
        status: response.status,
        body: text,
      });
    }
    return a.action(context);
  });
}

/**
 * `pages`, ending quietly (with a warning) at an HTTP or response error, so the pages before it
 * are loaded: a resource's `keepPagesOnError`.
 */
async function* keepPages<T>(pages: AsyncIterable<T>, resourceName: string): AsyncGenerator<T> {
  try {
    yield* pages;
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    log.warn(
      `Resource "${resourceName}": ${error.message}; the pages fetched before it are kept (keepPagesOnError)`,
    );
  }
}

function buildResource(
  plan: ResourcePlan,
  clientOptions: RESTClientOptions,
  parent: DltResource | undefined,
  maxConcurrency: number,
): DltResource {
  const client = new RESTClient({
    ...clientOptions,
    ...(plan.paginator ? { paginator: plan.paginator } : {}),
    ...(plan.auth ? { auth: plan.auth } : {}),
    ...(plan.endpoint.maxPages !== undefined ? { maxPages: plan.endpoint.maxPages as number } : {}),
  });
  const inc = plan.incremental;
  const hooks = { response: responseHooks(plan.responseActions) };
  const { selected, ...hints } = plan.hints;
  const incrementalHint = plan.cursor;
  const convert = (v: CursorValue | undefined) =>
    v === undefined
      ? undefined
      : inc?.convert
      ? inc.convert(v)
      : v instanceof Date
      ? v.toISOString()
      : v;

  const pages = (bindings: Bindings, signal: AbortSignal) => {
    const paginated = request(bindings, signal);
    return plan.keepPagesOnError ? keepPages(paginated, plan.name) : paginated;
  };
  const request = (bindings: Bindings, signal: AbortSignal) => {
    const params: Record<string, QueryValue> = {};
    for (const [key, value] of Object.entries(plan.params)) {
      params[key] = fillDeep(value, bindings, plan.name) as QueryValue;
    }
    if (inc?.startParam) params[inc.startParam] = bindings.incremental.start_value as QueryValue;
    if (inc?.endParam) params[inc.endParam] = bindings.incremental.end_value as QueryValue;
    return client.paginate(fill(plan.path, bindings, true, plan.name) as string, {
      method: (plan.endpoint.method as string | undefined) ?? "GET",
      params,
      json: fillDeep(plan.json, bindings, plan.name),
      headers: fillDeep(plan.endpoint.headers, bindings, plan.name) as
        | Record<string, string>
        | undefined,
      dataSelector: plan.endpoint.dataSelector as string | undefined,
      hooks,
      signal,
    });
  };
  const cursorBindings = (ctx: ResourceContext): Bindings => ({
    incremental: {
      start_value: convert(ctx.incremental?.startValue),
      end_value: convert(ctx.incremental?.endValue),
      initial_value: convert(ctx.incremental?.initialValue),
      last_value: convert(ctx.incremental?.lastValue),
    },
  });

  let r: DltResource;
  if (parent === undefined) {
    r = resource(async function* (ctx) {
      yield* pages(cursorBindings(ctx), ctx.signal);
    }, { name: plan.name, ...hints, incremental: incrementalHint, selected });
  } else {
    const parentName = parent.name;
    r = transformer(async function* (unit: unknown, ctx: ResourceContext) {
      const items = Array.isArray(unit) ? unit : [unit];
      yield* concurrentFlatMap(items, maxConcurrency, async function* (item, signal) {
        const bindings = { ...cursorBindings(ctx), parentName, parentItem: item };
        for await (const page of pages(bindings, signal)) {
          if (plan.includeFromParent.length === 0) {
            yield page;
            continue;
          }
          const extra: Loose = {};
          for (const { field, path, column } of plan.includeFromParent) {
            const value = valueAtPath(item, path);
            if (value === undefined) {
              throw new ResourceExtractionError(
                plan.name,
                `includeFromParent: the item of parent resource "${parentName}" has no field "${field}"`,
              );
            }
            extra[column] = value;
          }
          yield page.map((child) =>
            child !== null && typeof child === "object" ? { ...child, ...extra } : child
          );
        }
      }, ctx.signal);
    }, { name: plan.name, ...hints, incremental: incrementalHint, selected, dataFrom: parent });
  }
  for (const step of plan.processingSteps ?? []) {
    if ("filter" in step) r.addFilter(step.filter);
    else if ("map" in step) r.addMap(step.map);
  }
  return r;
}
