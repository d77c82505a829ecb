/**
 * Sources: named groups of resources that share a schema.
 *
 * @module
 */
import { DltResource } from "./resource.ts";
import { expandSchemaContract, type SchemaContract } from "./schema/contract.ts";
import { namingConvention, type NamingConventionName } from "./normalize/naming.ts";

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
   * The naming convention of this source's schema, when it is created: `snake_case`, `direct`
   * or `duck_case`. @default {the pipeline's}
   */
  naming?: NamingConventionName;
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
  readonly naming: NamingConventionName | undefined;
  #resources: Map<string, DltResource>;

  /** Use {@linkcode source} instead. */
  constructor(resources: DltResource[], options: SourceOptions) {
    if (!options.name) throw new TypeError("A source needs a name: pass the `name` option");
    this.name = options.name;
    this.maxTableNesting = options.maxTableNesting;
    expandSchemaContract(options.schemaContract, `Source "${this.name}"`);
    this.schemaContract = options.schemaContract;
    this.rootKey = options.rootKey ?? false;
    if (options.naming !== undefined) namingConvention(options.naming); // unknown names fail here
    this.naming = options.naming;
    this.#resources = new Map();
    for (const r of resources) {
      if (!(r instanceof DltResource)) {
        throw new TypeError(`Source "${this.name}" got something that is not a resource`);
      }
      if (this.#resources.has(r.name)) {
        throw new TypeError(`Source "${this.name}" has two resources named "${r.name}"`);
      }
      this.#resources.set(r.name, r);
    }
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
