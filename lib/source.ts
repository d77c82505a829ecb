/**
 * Sources: named groups of resources that share a schema.
 *
 * @module
 */
import { type AddLimitOptions, DltResource } from "./resource.ts";
import { iterateResources } from "./_iterate.ts";
import type { SchemaContract } from "./schema/contract.ts";
import { type NamingOption, namingOption } from "./normalize/conventions.ts";
import {
  boolean,
  checkOptions,
  describeCall,
  describeValue,
  integer,
  type OptionSpec,
  text,
} from "./options.ts";
import { RESOURCE_HINTS_SPEC, UNSUPPORTED_HINTS } from "./resource_hints.ts";
import { Schema } from "./schema/schema_view.ts";
import { discoverSourceSchema } from "./schema/source_schema.ts";

/** Options of {@linkcode source}. */
export interface SourceOptions {
  /** Source name; also the schema name. */
  name: string;
  /** Levels of nesting unpacked for every resource that does not set its own. */
  maxTableNesting?: number;
  /** The schema contract of every resource, which a resource's own contract overrides. */
  schemaContract?: SchemaContract;
  /** Give the nested rows of every resource `_dlt_root_id` (dlt's `root_key`). */
  rootKey?: boolean;
  /**
   * The naming convention of this source's schema, when it is created: `snake_case`, `direct`,
   * `duck_case` or a custom one (see `PipelineOptions.naming`). @default {the pipeline's}
   */
  naming?: NamingOption;
  /**
   * Marks every selected resource that can be parallelized (sync generators and transformers)
   * as `parallelized`, as dlt's `@dlt.source(parallelized=True)`; the others are left as they
   * are (async ones are extracted concurrently anyway).
   * @default {false}
   */
  parallelized?: boolean;
}

/** A named group of resources, loaded together under one schema. */
export class DltSource {
  /** The source (and schema) name. */
  readonly name: string;
  /** Nesting cap for resources that do not set their own. */
  readonly maxTableNesting: number | undefined;
  /** The schema contract resources start from. */
  schemaContract: SchemaContract | undefined;
  /** Whether nested rows of every resource carry `_dlt_root_id`. */
  readonly rootKey: boolean;
  /** The naming convention asked for this source's schema. */
  readonly naming: NamingOption | undefined;
  #resources: Map<string, DltResource>;

  /** Use {@linkcode source} instead. */
  constructor(resources: DltResource[], options: SourceOptions) {
    options = checkOptions(options, SOURCE_SPEC, describeCall("source", options), {
      snakeCase: "refuse",
      unsupported: {
        section: UNSUPPORTED_HINTS.section,
        schema: UNSUPPORTED_HINTS.schema,
        spec: UNSUPPORTED_HINTS.spec,
      },
    });
    if (!options.name) throw new TypeError("A source needs a name: pass the `name` option");
    this.name = options.name;
    this.maxTableNesting = options.maxTableNesting;
    this.schemaContract = options.schemaContract;
    this.rootKey = options.rootKey ?? false;
    this.naming = options.naming;
    this.#resources = new Map();
    if (!Array.isArray(resources)) {
      throw new TypeError(
        `Source "${this.name}" takes a list of resources, got ${describeValue(resources)}`,
      );
    }
    for (const r of resources) {
      if (!(r instanceof DltResource)) {
        throw new TypeError(
          `Source "${this.name}" got ${describeValue(r)} where a resource belongs`,
        );
      }
      if (this.#resources.has(r.name)) {
        throw new TypeError(`Source "${this.name}" has two resources named "${r.name}"`);
      }
      this.#resources.set(r.name, r);
    }
    if (options.parallelized) this.parallelize();
  }

  /**
   * Marks every selected resource that can be parallelized as `parallelized` and leaves the
   * others as they are, as dlt's `parallelize()` (in place; returns this source).
   */
  parallelize(): this {
    for (const r of this.selectedResources) {
      try {
        r.parallelize();
      } catch (error) {
        // as dlt: resources that cannot be parallelized (async ones, lists) are skipped
        if (!(error instanceof TypeError)) throw error;
      }
    }
    return this;
  }

  /** All resources, by name. */
  get resources(): ReadonlyMap<string, DltResource> {
    return this.#resources;
  }

  /** The resources that will be loaded. */
  get selectedResources(): DltResource[] {
    return [...this.#resources.values()].filter((r) => r.selected);
  }

  /** The resource called `name`; throws a `RangeError` naming the known ones if missing. */
  resource(name: string): DltResource {
    const found = this.#resources.get(name);
    if (found === undefined) {
      throw new RangeError(
        `Source "${this.name}" has no resource "${name}"; it has: ${
          [...this.#resources.keys()].join(", ")
        }`,
      );
    }
    return found;
  }

  /**
   * Selects exactly the resources called `names` (in place; returns this source), as dlt's
   * `with_resources`.
   */
  withResources(...names: string[]): this {
    for (const name of names) this.resource(name);
    for (const r of this.#resources.values()) r.selected = names.includes(r.name);
    return this;
  }

  /**
   * The schema of this source before it runs, as dlt's `discover_schema()`: a table for each
   * selected resource, with the hints given in code (write disposition, primary key, columns);
   * no resource runs. A table named by a function of the item is left out; inferred columns and
   * nested tables appear with the pipeline's first run (read them in `pipeline.defaultSchema`).
   *
   * @example
   * ```ts
   * import { resource, source } from "../mod.ts";
   * const shop = source([
   *   resource([], { name: "orders", primaryKey: "id", writeDisposition: "merge" }),
   * ], { name: "shop" });
   * const schema = shop.discoverSchema();
   * if (schema.tables.orders.columns.id.primaryKey !== true) throw new Error();
   * if (schema.tables.orders.writeDisposition !== "merge") throw new Error();
   * ```
   */
  discoverSchema(): Schema {
    return new Schema(discoverSourceSchema(this));
  }

  /**
   * The schema of this source, as dlt's `source.schema` once discovered: the same as
   * {@linkcode DltSource.discoverSchema}, computed anew on each read (hints may have changed).
   *
   * @example
   * ```ts
   * import { resource, source } from "../mod.ts";
   * const shop = source([resource([], { name: "Customers" })], { name: "shop" });
   * if (Object.keys(shop.schema.tables).join() !== "customers") throw new Error();
   * ```
   */
  get schema(): Schema {
    return this.discoverSchema();
  }

  /**
   * Limits every selected resource of the source that is not a transformer, as dlt's
   * `source.add_limit`: by yields (`maxItems`), by time (`maxTime` seconds) or both; see
   * {@linkcode DltResource.addLimit}, which takes the same arguments. Transformers process all
   * they receive (in place; returns this source).
   *
   * @example Ten pages of each endpoint, as dlt's docs
   * ```ts
   * import { resource } from "./resource.ts";
   * import { source } from "./source.ts";
   * const pages = (name: string) =>
   *   resource(function* () {
   *     for (let page = 0;; page++) yield [{ page }];
   *   }, { name });
   * const api = source([pages("users"), pages("deals")], { name: "api" }).addLimit(10);
   * if ((await api.toArray()).length !== 20) throw new Error();
   * api.addLimit({ maxItems: 2, maxTime: 10 }); // dlt's keywords in one object
   * ```
   */
  addLimit(maxItems?: number | null | AddLimitOptions, options: AddLimitOptions = {}): this {
    for (const r of this.selectedResources) {
      if (!r.isTransformer) r.addLimit(maxItems, options);
    }
    return this;
  }

  /**
   * The items of the selected resources, without a pipeline, as dlt's `list(source)`: pages
   * flattened, after maps, filters, limits and transformers, against an empty state that is
   * dropped afterwards.
   *
   * @example
   * ```ts
   * import { resource } from "./resource.ts";
   * import { source } from "./source.ts";
   * const shop = source([
   *   resource([{ id: 1 }], { name: "customers" }),
   *   resource([{ id: 7 }, { id: 8 }], { name: "orders" }),
   * ], { name: "shop" });
   * const items: unknown[] = [];
   * for await (const item of shop.withResources("orders")) items.push(item);
   * if (items.length !== 2) throw new Error();
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return iterateResources(this.selectedResources, this.name)[Symbol.asyncIterator]();
  }

  /**
   * All items of the selected resources in a list: see
   * {@linkcode DltSource[Symbol.asyncIterator]}.
   *
   * @example
   * ```ts
   * import { resource } from "./resource.ts";
   * import { source } from "./source.ts";
   * const shop = source([resource([{ id: 1 }], { name: "customers" })], { name: "shop" });
   * if ((await shop.toArray()).length !== 1) throw new Error();
   * ```
   */
  // deno-lint-ignore no-explicit-any
  toArray(): Promise<any[]> {
    return Array.fromAsync(this);
  }
}

const SOURCE_SPEC: OptionSpec<SourceOptions> = {
  name: text(),
  maxTableNesting: integer({ min: 0 }),
  schemaContract: RESOURCE_HINTS_SPEC.schemaContract,
  rootKey: boolean(),
  naming: namingOption(),
  parallelized: boolean(),
};

/** Options of {@linkcode source} given a source function: the name defaults to the function's. */
export interface SourceFunctionOptions extends Omit<SourceOptions, "name"> {
  /**
   * Source name; also the schema name.
   * @default {the function's name}
   */
  name?: string;
}

/**
 * What a source function returns: a resource, or a list (or any iterable, a generator
 * included) of resources.
 */
export type SourceFunctionResult = DltResource | Iterable<DltResource>;

/**
 * Groups resources into a source: a list of resources with a `name`, or a named function that
 * returns them, as dlt's `@dlt.source def my_source(): return [...]`, named after the function
 * (`my_source`). The function is called once, now; a parameterised source is a factory function
 * of yours that calls `source()`.
 *
 * @example
 * ```ts
 * import { resource } from "./resource.ts";
 * import { source } from "./source.ts";
 * const shop = source([
 *   resource([{ id: 1 }], { name: "customers" }),
 *   resource([{ id: 7 }], { name: "orders" }),
 * ], { name: "shop" });
 * shop.withResources("orders");
 * if (shop.selectedResources.length !== 1) throw new Error();
 * ```
 *
 * @example Named after its function, as dlt's `@dlt.source`
 * ```ts
 * import { resource } from "./resource.ts";
 * import { source } from "./source.ts";
 * const github = source(function github_source() {
 *   return [resource([{ id: 1 }], { name: "issues" })];
 * });
 * if (github.name !== "github_source") throw new Error();
 * ```
 */
export function source(resources: DltResource[], options: SourceOptions): DltSource;
/**
 * Makes a source of what source function `fn` returns, named after `fn` (or `options.name`), as
 * dlt's `@dlt.source`; see the list form above.
 */
export function source(
  fn: () => SourceFunctionResult,
  options?: SourceFunctionOptions,
): DltSource;
export function source(
  given: DltResource[] | (() => SourceFunctionResult),
  options?: SourceOptions | SourceFunctionOptions,
): DltSource {
  if (typeof given !== "function") {
    if (options === undefined) {
      throw new TypeError(
        'A source of a list of resources needs a name: source([...], { name: "my_source" })',
      );
    }
    return new DltSource(given, options as SourceOptions);
  }
  const name = options?.name ?? given.name;
  if (!name) {
    throw new TypeError(
      'A source function needs a name: write source(function my_source() { ... }) or pass { name: "my_source" }',
    );
  }
  const result: unknown = given();
  if (result instanceof Promise) {
    throw new TypeError(
      `Source function "${name}" returned a promise: await what it needs first and return the resources`,
    );
  }
  let resources: unknown[];
  if (result instanceof DltResource) {
    resources = [result];
  } else if (
    typeof result === "object" && result !== null && Symbol.iterator in result &&
    typeof result !== "string"
  ) {
    resources = [...(result as Iterable<unknown>)];
  } else {
    throw new TypeError(
      `Source function "${name}" must return a resource or a list of resources; got ${
        describeValue(result)
      }`,
    );
  }
  return new DltSource(resources as DltResource[], { ...options, name });
}
