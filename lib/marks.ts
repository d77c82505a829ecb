/**
 * Marks: items a resource yields with instructions for extract, as dlt's `dlt.mark`. An item
 * marked {@linkcode withTableName} goes to that table; one marked {@linkcode withHints} updates
 * the hints of its resource (or of a table variant) before it is written.
 *
 * @example dlt's `dlt.mark.with_table_name`
 * ```ts
 * import { mark, resource } from "../mod.ts";
 * const events = resource(function* () {
 *   for (const event of [{ type: "push", id: 1 }, { type: "fork", id: 2 }]) {
 *     yield mark.withTableName(event, event.type); // `push` and `fork` tables
 *   }
 * }, { name: "events" });
 * if ((await events.toArray()).length !== 2) throw new Error();
 * ```
 *
 * @module
 */
import { isPlainObject } from "./options.ts";
import {
  type NestedTableHints,
  type NormalizedHints,
  readHintOptions,
  RESOURCE_HINTS_SPEC,
  type ResourceHints,
} from "./resource_hints.ts";

/** Options of {@linkcode withHints}. */
export interface WithHintsOptions {
  /**
   * Keep the hints apart for the table they name (`tableName`, a string) instead of changing
   * the resource's, and send the item there: dlt's table variant.
   * @default {false}
   */
  createTableVariant?: boolean;
}

/**
 * An item (or page of items) with instructions for extract: made by {@linkcode withTableName}
 * and {@linkcode withHints}. Maps, filters and transformers see the item itself.
 */
export class MarkedItem<T = unknown> {
  /** The item or page of items. */
  readonly data: T;
  /** The table the item goes to, if the mark names one. */
  readonly tableName: string | undefined;
  /** Hints applied to the resource (or to the variant `tableName`) before the item is written. */
  readonly hints: NormalizedHints | undefined;
  /** Whether `hints` make a table variant for `tableName`. */
  readonly createTableVariant: boolean;

  /** Use {@linkcode withTableName} or {@linkcode withHints} instead. */
  constructor(
    data: T,
    mark: { tableName?: string; hints?: NormalizedHints; createTableVariant?: boolean },
  ) {
    this.data = data;
    this.tableName = mark.tableName;
    this.hints = mark.hints;
    this.createTableVariant = mark.createTableVariant ?? false;
  }

  /** The same mark on other data (a map's result keeps the mark of its input, as in dlt). */
  withData<U>(data: U): MarkedItem<U> {
    return new MarkedItem(data, this);
  }
}

/** The item of `value` and its mark, if it has one. */
export function unmark(value: unknown): [unknown, MarkedItem | undefined] {
  return value instanceof MarkedItem ? [value.data, value] : [value, undefined];
}

/**
 * Marks `item` (an item or a page of items) to be loaded into table `tableName`, whatever the
 * resource's table name, as dlt's `dlt.mark.with_table_name`.
 *
 * @example
 * ```ts
 * import { withTableName } from "./marks.ts";
 * const marked = withTableName({ id: 1, type: "push" }, "push_events");
 * if (marked.tableName !== "push_events") throw new Error();
 * ```
 */
export function withTableName<T>(item: T, tableName: string): MarkedItem<T> {
  if (typeof tableName !== "string" || tableName === "") {
    throw new TypeError(
      `The table name of withTableName() must be a non-empty string; got ${
        JSON.stringify(tableName) ?? String(tableName)
      }`,
    );
  }
  return new MarkedItem(item, { tableName });
}

/**
 * Marks `item` to update its resource's hints before it is written, as dlt's
 * `dlt.mark.with_hints`: the hints stay for the items after it (columns are merged into the
 * resource's, the others replace them). A `tableName` among the hints sends this item and the
 * following ones there. With `createTableVariant`, the hints are kept apart for the table
 * `tableName` names and only this item goes there (dlt's table variant, which takes no
 * functions of the item).
 *
 * @example The first page brings the columns and primary key
 * ```ts
 * import { makeHints, withHints } from "./marks.ts";
 * const first = withHints([{ id: 1, price: "1.50" }], makeHints({
 *   primaryKey: "id",
 *   columns: { price: { dataType: "decimal" } },
 * }));
 * if (first.hints?.primaryKey !== "id") throw new Error();
 * ```
 *
 * @example A table variant
 * ```ts
 * import { withHints } from "./marks.ts";
 * const audit = withHints({ id: 1 }, { tableName: "audit", writeDisposition: "replace" }, {
 *   createTableVariant: true,
 * });
 * if (audit.tableName !== "audit") throw new Error();
 * ```
 */
export function withHints<T>(
  item: T,
  hints: ResourceHints | NormalizedHints,
  options: WithHintsOptions = {},
): MarkedItem<T> {
  const checked = makeHints(hints as ResourceHints, "withHints()");
  if (!isPlainObject(options)) {
    throw new TypeError(
      "The options of withHints() must be an object such as { createTableVariant: true }",
    );
  }
  for (const key of Object.keys(options)) {
    if (key !== "createTableVariant") {
      throw new TypeError(
        `withHints() has no option "${key}"; it takes: createTableVariant`,
      );
    }
  }
  const variant = options.createTableVariant ?? false;
  if (typeof variant !== "boolean") {
    throw new TypeError(
      `Option "createTableVariant" of withHints() must be a boolean; got ${typeof variant}`,
    );
  }
  if (variant) {
    if (typeof checked.tableName !== "string") {
      throw new TypeError(
        "withHints() with createTableVariant needs a tableName string among the hints: the variant's table",
      );
    }
    for (const [key, value] of Object.entries(checked)) {
      if (typeof value === "function") {
        throw new TypeError(
          `Hint "${key}" of the table variant "${checked.tableName}" is a function of the item; a table variant takes fixed hints only, as in dlt`,
        );
      }
    }
  }
  return new MarkedItem(item, {
    tableName: typeof checked.tableName === "string" ? checked.tableName : undefined,
    hints: checked,
    createTableVariant: variant,
  });
}

/**
 * Checks resource hints (those `resource()` and `applyHints()` take, functions of the item
 * included) and returns them in their normalized form, as dlt's `dlt.mark.make_hints`: for
 * {@linkcode withHints}. An unknown hint or a bad value is a `TypeError`/`RangeError`; `where`
 * names the caller in errors.
 *
 * @example
 * ```ts
 * import { makeHints } from "./marks.ts";
 * const hints = makeHints({ columns: [{ name: "id", dataType: "bigint" }], primaryKey: "id" });
 * if (JSON.stringify(hints.columns) !== '{"id":{"dataType":"bigint"}}') throw new Error();
 * ```
 */
export function makeHints(hints: ResourceHints, where = "makeHints()"): NormalizedHints {
  return readHintOptions(hints, RESOURCE_HINTS_SPEC, where);
}

/**
 * Checks the hints of one nested table, as dlt's `dlt.mark.make_nested_hints`: for a resource's
 * `nestedHints` (`{ purchases: makeNestedHints({ columns: [...] }) }`).
 *
 * @example dlt's nested hints example
 * ```ts
 * import { makeNestedHints } from "./marks.ts";
 * import { resource } from "./resource.ts";
 * const customers = resource([{ id: 1, purchases: [{ id: 1, price: "1.50" }] }], {
 *   name: "customers",
 *   nestedHints: {
 *     purchases: makeNestedHints({
 *       columns: [{ name: "price", dataType: "decimal" }],
 *       schemaContract: { columns: "freeze" },
 *     }),
 *   },
 * });
 * if (customers.hints.nestedHints?.[0].path[0] !== "purchases") throw new Error();
 * ```
 */
export function makeNestedHints(hints: NestedTableHints): NestedTableHints {
  const [entry] = readHintOptions(
    { nestedHints: [[["_"], hints]] },
    RESOURCE_HINTS_SPEC,
    "makeNestedHints()",
  ).nestedHints!;
  const { path: _, ...checked } = entry;
  return checked;
}

/**
 * dlt's `dlt.mark` as one object, for code ported from dlt: `mark.withTableName(item, "t")`,
 * `mark.withHints(item, mark.makeHints({...}))`, `mark.makeNestedHints({...})`.
 *
 * @example
 * ```ts
 * import { mark } from "./marks.ts";
 * const item = mark.withTableName({ id: 1 }, "other");
 * if (item.tableName !== "other") throw new Error();
 * ```
 */
export const mark: {
  readonly withTableName: typeof withTableName;
  readonly withHints: typeof withHints;
  readonly makeHints: typeof makeHints;
  readonly makeNestedHints: typeof makeNestedHints;
} = Object.freeze({ withTableName, withHints, makeHints, makeNestedHints });
