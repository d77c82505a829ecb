/**
 * Sources: named groups of resources that share a schema.
 *
 * @module
 */
import { DltResource } from "./resource.ts";
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
}

const SOURCE_SPEC: OptionSpec<SourceOptions> = {
  name: text(),
  maxTableNesting: integer({ min: 0 }),
  schemaContract: RESOURCE_HINTS_SPEC.schemaContract,
  rootKey: boolean(),
  naming: namingOption(),
  parallelized: boolean(),
};

/**
 * Groups resources into a source.
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
 */
export function source(resources: DltResource[], options: SourceOptions): DltSource {
  return new DltSource(resources, options);
}
