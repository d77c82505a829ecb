/**
 * Resource hints: what a user says about the tables a resource fills (`resource()`,
 * `applyHints()`, `run()` options), checked when they are given and kept in one normalized form.
 *
 * dlt's forms work as in dlt: the write disposition as a name or as dlt's dict
 * (`{ disposition: "merge", strategy: "scd2", validity_column_names: [...] }`, keys in camelCase
 * or snake_case), and `columns` as a record by column name or as a list of columns with a `name`.
 * In the normalized form the write disposition is a name, the merge settings are flat hints and
 * `columns` is a record.
 *
 * @module
 */
import {
  boolean,
  checkOptions,
  columnNames,
  integer,
  invalidValue,
  isPlainObject,
  oneOf,
  type OptionCheck,
  type OptionSpec,
  type ReadOptionsSettings,
  text,
} from "./options.ts";
import {
  type ColumnHint,
  DATA_TYPES,
  type DataType,
  type FileFormatHint,
  MERGE_STRATEGIES,
  type MergeStrategy,
  REFERENCE_CARDINALITIES,
  type ReferenceCardinality,
  type TableReference,
  WRITE_DISPOSITIONS,
  type WriteDisposition,
} from "./schema/schema.ts";
import { expandSchemaContract, type SchemaContract } from "./schema/contract.ts";
import { LOADER_FILE_FORMATS } from "./destination.ts";

/** The table name, or a function that picks the table for each item. */
// deno-lint-ignore no-explicit-any
export type TableNameHint = string | ((item: any) => string);

/**
 * A hint, or a function of the item that computes it (dlt's dynamic hints): the function is
 * called for every item and its result checked as the hint would be.
 */
// deno-lint-ignore no-explicit-any
export type DynamicHint<T> = T | ((item: any) => T);

/**
 * Hints of one nested (child) table, as dlt's `make_nested_hints`: its columns, schema contract,
 * keys, write disposition and references. The other hints of dlt's nested tables are refused
 * with what to do instead.
 *
 * A primary key or a merge key (given here or as a column hint) makes the nested table a table
 * of its own, as in dlt's "custom linking for nested tables": it keeps its name
 * (`customers__purchases`) and still takes its rows from the root items' lists, but it has no
 * `parent` in the schema and its rows no `_dlt_parent_id` and `_dlt_list_idx` (they keep
 * `_dlt_root_id` when the root table gives it); it gets `_dlt_load_id`, and its own write
 * disposition (default `append`, not the root table's) and keys. Link it to its root table with
 * a column of your own (e.g. pushed down by `addMap`) and, optionally, a reference.
 */
export interface NestedTableHints {
  /** Hints per column of the nested table, by source column name, or dlt's list of columns. */
  columns?: Record<string, ColumnHint> | (ColumnHint & { name: string })[];
  /**
   * The schema contract of the nested table (and the tables below it that set none), replacing
   * the root table's for it, as in dlt.
   */
  schemaContract?: SchemaContract;
  /** Column(s) that identify a row: the nested table becomes a table of its own. */
  primaryKey?: string | string[];
  /** Column(s) whose values `merge` replaces as a whole: the table becomes a table of its own. */
  mergeKey?: string | string[];
  /**
   * How rows of the table of its own (one with a primary or merge key) are written: a name, or
   * dlt's dict with a merge `strategy` (`delete-insert`, `upsert`, `insert-only`). A nested
   * table without keys is written as its root table is, so there it is refused.
   * @default {"append"}
   */
  writeDisposition?: WriteDisposition | Pick<WriteDispositionConfig, "disposition" | "strategy">;
  /** How `merge` merges rows of the table of its own (the dict's `strategy`). @default {"delete-insert"} */
  mergeStrategy?: MergeStrategy;
  /**
   * References from columns of the nested table to columns of another table, as dlt's
   * `references` (keys in camelCase or dlt's snake_case): stored in the schema, not enforced.
   */
  references?: TableReferenceHint[];
}

/**
 * A reference from columns of a table to another table's columns, as dlt's table reference
 * (`{ referenced_table, columns, referenced_columns }`; keys may be written in snake_case).
 */
export interface TableReferenceHint {
  /** Column(s) of the referencing table (source names), in the order of `referencedColumns`. */
  columns: string | string[];
  /** The referenced table. */
  referencedTable: string;
  /** Column(s) of the referenced table. */
  referencedColumns: string | string[];
  /** What the reference means. */
  label?: string;
  /** How many rows on each side match, as dlt's cardinalities (`"many_to_one"`, …). */
  cardinality?: ReferenceCardinality;
}

/**
 * dlt's `nested_hints`: hints of nested tables, by the path of lists from the root item. An
 * object is keyed by field name (`{ purchases: {...} }` hints `<table>__purchases`); deeper
 * tables take a path, as dlt's tuple keys: a list of `[path, hints]` pairs or a `Map`
 * (`[[["purchases", "coupons"], {...}]]` hints `<table>__purchases__coupons`).
 */
export type NestedHints =
  | Record<string, NestedTableHints>
  | Iterable<readonly [string | readonly string[], NestedTableHints]>;

/** One entry of nested hints in their normalized form: the path and the checked hints. */
export interface NormalizedNestedHints {
  /** Field names from the root item down to the list (source names). */
  path: string[];
  /** Hints per column, by source column name. */
  columns?: Record<string, ColumnHint>;
  /** The schema contract of the nested table. */
  schemaContract?: SchemaContract;
  /** Columns of the primary key. */
  primaryKey?: string[];
  /** Columns of the merge key. */
  mergeKey?: string[];
  /** How rows of the table of its own are written. */
  writeDisposition?: WriteDisposition;
  /** How `merge` merges rows of the table of its own. */
  mergeStrategy?: MergeStrategy;
  /** References to other tables' columns. */
  references?: TableReference[];
}

/**
 * dlt's dict form of a write disposition, e.g. `{ disposition: "merge", strategy: "upsert" }`:
 * the same as giving `writeDisposition` and the merge hints flat. Keys may also be written in
 * dlt's snake_case (`validity_column_names`).
 */
export interface WriteDispositionConfig {
  /** The write disposition. */
  disposition: WriteDisposition;
  /** `merge`: how rows are merged. @default {"delete-insert"} */
  strategy?: MergeStrategy;
  /** `scd2`: names of the valid-from and valid-to columns. */
  validityColumnNames?: [string, string];
  /** `scd2`: the valid-to value of current rows. @default {NULL} */
  activeRecordTimestamp?: string | Date;
  /** `scd2`: the time new versions become valid and retired ones end. @default {the load's time} */
  boundaryTimestamp?: string | Date;
  /** `scd2`: a column of the data identifying a row's version, instead of a hash of the row. */
  rowVersionColumnName?: string;
  /** `delete-insert`: the incoming rows are known to be unique by primary key: no deduplication. */
  deduplicated?: boolean;
}

/** Hints of the table(s) a resource writes, as in dlt. */
export interface ResourceHints {
  /**
   * Table the items go to; a function of the item routes items to several tables.
   * @default {the resource name}
   */
  tableName?: TableNameHint;
  /** Column(s) that identify a row; a function of the item computes them per item. */
  primaryKey?: DynamicHint<string | string[]>;
  /**
   * Column(s) whose values `merge` replaces as a whole: rows sharing a merge key value with the
   * new rows are deleted first (a partition reloaded). A function of the item computes them.
   */
  mergeKey?: DynamicHint<string | string[]>;
  /**
   * How rows are written: `append` adds, `replace` swaps the table's content, `merge` updates
   * rows by primary key (and replaces rows by merge key; dlt's `delete-insert`), `skip` extracts
   * nothing. dlt's dict form (`{ disposition: "merge", strategy: "scd2", … }`) sets the merge
   * hints below as well. A function of the item computes it per item.
   * @default {"append"}
   */
  writeDisposition?: DynamicHint<WriteDisposition | WriteDispositionConfig>;
  /**
   * How `merge` merges: `delete-insert` (default), `upsert` (rows updated by primary key, their
   * `_dlt_id` a hash of it), `insert-only` (rows whose primary key is in the table already are
   * skipped) or `scd2` (every version kept, with `_dlt_valid_from` and `_dlt_valid_to`; a row
   * missing from a full extract is retired).
   */
  mergeStrategy?: MergeStrategy;
  /** `scd2`: names of the valid-from and valid-to columns. @default {["_dlt_valid_from", "_dlt_valid_to"]} */
  validityColumnNames?: [string, string];
  /** `scd2`: the valid-to value of current rows (e.g. `"9999-12-31"`). @default {NULL} */
  activeRecordTimestamp?: string | Date;
  /** `scd2`: the time new versions become valid and retired ones end. @default {the load's time} */
  boundaryTimestamp?: string | Date;
  /** `scd2`: a column of the data identifying a row's version, instead of a hash of the row. */
  rowVersionColumnName?: string;
  /** `delete-insert`: the incoming rows are known to be unique by primary key: no deduplication. */
  deduplicated?: boolean;
  /**
   * Hints per column, by source column name (data type, nullability, keys), or dlt's list of
   * columns with a `name` each. A function of the item computes them per item.
   */
  columns?: DynamicHint<Record<string, ColumnHint> | (ColumnHint & { name: string })[]>;
  /**
   * Hints of nested tables (the child tables lists become), as dlt's `nested_hints`: their
   * columns, schema contract, keys, write disposition and references, by path (see
   * {@linkcode NestedHints}); a key makes a nested table a table of its own (see
   * {@linkcode NestedTableHints}).
   */
  nestedHints?: NestedHints;
  /** Levels of nesting unpacked into child tables and columns; deeper data becomes json. */
  maxTableNesting?: number;
  /**
   * What happens when data would add a table or column or not fit a column's type: `evolve`
   * (default), `freeze`, `discard_row` or `discard_value`, for all or per entity.
   */
  schemaContract?: SchemaContract;
  /**
   * Give nested rows `_dlt_root_id`, the `_dlt_id` of their root row (dlt's root key), so they
   * can be found from the root table in one join.
   */
  rootKey?: boolean;
  /**
   * The job file format of the table(s) and their nested tables, as dlt's `file_format`: one the
   * destination loads (`"csv"`, `"jsonl"`, `"parquet"`, `"insert_values"`), or `"preferred"` for
   * the destination's preferred one. Another is a `RangeError` naming the table and the formats
   * the destination takes. `run()`'s `loaderFileFormat` replaces it for the resources of that
   * run, as in dlt.
   * @default {`pipeline()`'s `loaderFileFormat`, else the destination's preferred format}
   */
  fileFormat?: FileFormatHint;
}

/** A key hint (`"id"` or `["a", "b"]`) as a list of columns; `undefined` stays undefined. */
export function keyColumns(key: string | string[] | undefined): string[] | undefined {
  return key === undefined ? undefined : Array.isArray(key) ? key : [key];
}

/** The hints that may be functions of the item (besides `tableName`). */
export const DYNAMIC_HINTS = ["primaryKey", "mergeKey", "writeDisposition", "columns"] as const;

/** Whether `hints` has a hint other than `tableName` that is a function of the item. */
export function hasDynamicHints(hints: ResourceHints | NormalizedHints): boolean {
  return DYNAMIC_HINTS.some((key) => typeof hints[key] === "function");
}

/**
 * Hints in their normalized form (what {@linkcode normalizeHints} returns and
 * `DltResource.hints` holds): the write disposition a name, `columns` a record.
 */
export interface NormalizedHints
  extends Omit<ResourceHints, "writeDisposition" | "columns" | "nestedHints"> {
  /** How rows are written (a function of the item: computed per item). */
  // deno-lint-ignore no-explicit-any
  writeDisposition?: WriteDisposition | ((item: any) => WriteDisposition | WriteDispositionConfig);
  /** Hints per column, by source column name (a function of the item: computed per item). */
  columns?:
    | Record<string, ColumnHint>
    // deno-lint-ignore no-explicit-any
    | ((item: any) => Record<string, ColumnHint> | (ColumnHint & { name: string })[]);
  /** Hints of nested tables, by path. */
  nestedHints?: NormalizedNestedHints[];
}

/** `H` in its normalized form. */
export type Normalized<H extends ResourceHints> =
  & Omit<H, "writeDisposition" | "columns" | "nestedHints">
  & NormalizedHints;

/** The hints that only `merge` uses: they need `writeDisposition: "merge"`. */
export const MERGE_HINTS = [
  "mergeStrategy",
  "validityColumnNames",
  "activeRecordTimestamp",
  "boundaryTimestamp",
  "rowVersionColumnName",
  "deduplicated",
] as const;

/**
 * `base` with `over` laid on it, as `applyHints()` and the `run()` options do: a hint `over`
 * gives replaces `base`'s, and a write disposition it gives replaces `base`'s merge settings as
 * well (dlt's dict is one value).
 */
export function overlayHints(base: NormalizedHints, over: NormalizedHints): NormalizedHints {
  const kept: Record<string, unknown> = { ...base };
  if (over.writeDisposition !== undefined) {
    for (const key of MERGE_HINTS) delete kept[key];
  }
  for (const [key, value] of Object.entries(over)) {
    if (value !== undefined) kept[key] = value;
  }
  return kept as NormalizedHints;
}

/** The merge hints that only one strategy uses, with that strategy. */
const STRATEGY_HINTS: Partial<Record<typeof MERGE_HINTS[number], MergeStrategy>> = {
  validityColumnNames: "scd2",
  activeRecordTimestamp: "scd2",
  boundaryTimestamp: "scd2",
  rowVersionColumnName: "scd2",
  deduplicated: "delete-insert",
};

/** A timestamp: an ISO 8601 string or a valid `Date`. */
function timestamp(): OptionCheck<string | Date> {
  return (value) => {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
    if (typeof value === "string" && !Number.isNaN(Date.parse(value))) return value;
    return invalidValue("an ISO 8601 date or timestamp, or a valid Date");
  };
}

/** Two column names: valid-from and valid-to. */
function validityColumns(): OptionCheck<[string, string]> {
  return (value) =>
    Array.isArray(value) && value.length === 2 &&
      value.every((v) => typeof v === "string" && v !== "")
      ? [value[0], value[1]]
      : invalidValue("a list of two column names (valid from, valid to)");
}

/** `check`, or a function of the item (a dynamic hint, checked when it is called). */
function dynamic<T>(check: OptionCheck<T>): OptionCheck<DynamicHint<T>> {
  return (value) => typeof value === "function" ? value as (item: unknown) => T : check(value);
}

/** A write disposition name, or dlt's dict form (kept as given; see `normalizeHints`). */
function writeDisposition(): OptionCheck<WriteDisposition | WriteDispositionConfig> {
  const name = oneOf(WRITE_DISPOSITIONS);
  return (value) => {
    if (typeof value === "string") return name(value);
    if (!isPlainObject(value)) {
      return invalidValue(
        `one of ${WRITE_DISPOSITIONS.map((d) => JSON.stringify(d)).join(", ")}, or dlt's dict ` +
          '{ disposition: "merge", strategy: … }',
      );
    }
    return value as unknown as WriteDispositionConfig;
  };
}

/** The table name: a non-empty string or a function of the item. */
function tableName(): OptionCheck<TableNameHint> {
  const name = text();
  return (value) =>
    typeof value === "function"
      ? value as (item: unknown) => string
      : typeof value === "string"
      ? name(value)
      : invalidValue("a table name or a function of the item that returns one");
}

/** A schema contract: a mode, or modes per entity. */
function schemaContract(): OptionCheck<SchemaContract> {
  return (value) => {
    try {
      expandSchemaContract(value as SchemaContract, "");
    } catch (error) {
      // what is wrong inside an object of modes: `schema contract mode "freez" is not one of …`
      const inside = isPlainObject(value)
        ? ` (${(error as Error).message.replace(/^: /, "")})`
        : "";
      return invalidValue(
        "a mode (evolve, freeze, discard_row, discard_value) or modes by entity (tables, " +
          `columns, data_type)${inside}`,
        true,
      );
    }
    return value as SchemaContract;
  };
}

/** Column hints: a record by column name or dlt's list of columns with a `name`. */
function columns(): OptionCheck<Record<string, ColumnHint> | (ColumnHint & { name: string })[]> {
  return (value) =>
    Array.isArray(value) || isPlainObject(value)
      ? value as Record<string, ColumnHint> | (ColumnHint & { name: string })[]
      : invalidValue("a record of column hints by column name, or a list of columns with a name");
}

/** The checks of every hint. */
export const RESOURCE_HINTS_SPEC: OptionSpec<ResourceHints> = {
  tableName: tableName(),
  primaryKey: dynamic(columnNames()),
  mergeKey: dynamic(columnNames()),
  writeDisposition: dynamic(writeDisposition()),
  mergeStrategy: oneOf(MERGE_STRATEGIES),
  validityColumnNames: validityColumns(),
  activeRecordTimestamp: timestamp(),
  boundaryTimestamp: timestamp(),
  rowVersionColumnName: text(),
  deduplicated: boolean(),
  columns: dynamic(columns()),
  nestedHints: nestedHints(),
  maxTableNesting: integer({ min: 0 }),
  schemaContract: schemaContract(),
  rootKey: boolean(),
  fileFormat: oneOf<FileFormatHint>([...LOADER_FILE_FORMATS, "preferred"]),
};

/** Nested hints: an object by field name, a `Map` or a list of `[path, hints]` pairs. */
function nestedHints(): OptionCheck<NestedHints> {
  return (value) =>
    isPlainObject(value) || value instanceof Map || Array.isArray(value)
      ? value as NestedHints
      : invalidValue(
        'an object of nested table hints by field name ({ purchases: { columns: {...} } }), or a list of [path, hints] pairs ([[["purchases", "coupons"], {...}]])',
      );
}

/** The hints a nested table takes. */
const NESTED_HINTS_SPEC: OptionSpec<NestedTableHints> = {
  columns: columns() as OptionCheck<NestedTableHints["columns"]>,
  schemaContract: schemaContract(),
  primaryKey: columnNames(),
  mergeKey: columnNames(),
  writeDisposition: writeDisposition() as OptionCheck<NestedTableHints["writeDisposition"]>,
  mergeStrategy: oneOf(MERGE_STRATEGIES),
  references: references(),
};

/** dlt's hints of nested tables this port does not have, with what to do instead. */
const UNSUPPORTED_NESTED_HINTS: Readonly<Record<string, string>> = {
  fileFormat: "nested tables take their root table's file format",
  tableFormat: "table formats are not supported yet",
  parentTableName: "nested tables are linked to the table their list is in",
  tableName: "nested tables are named after their path",
};

/** The parts of a table reference. */
const REFERENCE_SPEC: OptionSpec<TableReferenceHint> = {
  columns: columnNames(),
  referencedTable: text(),
  referencedColumns: columnNames(),
  label: text(),
  cardinality: oneOf(REFERENCE_CARDINALITIES),
};

/** A list of table references (each read by {@linkcode readReferences}). */
function references(): OptionCheck<TableReferenceHint[]> {
  return (value) =>
    Array.isArray(value) ? value as TableReferenceHint[] : invalidValue(
      "a list of table references ([{ referencedTable, columns, referencedColumns }])",
    );
}

/** Table references checked, each with its columns as lists; a bad one is a `TypeError`. */
function readReferences(given: TableReferenceHint[], where: string): TableReference[] {
  return given.map((raw, i) => {
    const at = `reference ${i} of ${where}`;
    const read = checkOptions(raw, REFERENCE_SPEC, at);
    for (const key of ["columns", "referencedTable", "referencedColumns"] as const) {
      if (read[key] === undefined) {
        throw new TypeError(
          `The ${at} has no "${key}"; write { referencedTable: "customers", columns: ["customer_id"], referencedColumns: ["id"] }`,
        );
      }
    }
    const reference: TableReference = {
      columns: keyColumns(read.columns)!,
      referencedTable: read.referencedTable,
      referencedColumns: keyColumns(read.referencedColumns)!,
    };
    if (reference.columns.length !== reference.referencedColumns.length) {
      throw new TypeError(
        `The ${at} names ${reference.columns.length} column(s) and ${reference.referencedColumns.length} referenced column(s); give as many of each, in matching order`,
      );
    }
    if (read.label !== undefined) reference.label = read.label;
    if (read.cardinality !== undefined) reference.cardinality = read.cardinality;
    return reference;
  });
}

/**
 * The keys, write disposition and references of nested hints `read` checked and put in `entry`:
 * a write disposition needs a key (a nested table without one is written as its root table is),
 * and merge strategies are those of a table of its own.
 */
function readNestedKeys(
  entry: NormalizedNestedHints,
  read: NestedTableHints,
  where: string,
): void {
  if (read.primaryKey !== undefined) entry.primaryKey = keyColumns(read.primaryKey);
  if (read.mergeKey !== undefined) entry.mergeKey = keyColumns(read.mergeKey);
  let disposition = read.writeDisposition;
  let strategy = read.mergeStrategy;
  if (disposition !== undefined && typeof disposition === "object") {
    const config = checkOptions(
      disposition,
      NESTED_DISPOSITION_SPEC,
      `writeDisposition of ${where}`,
      {
        unsupported: NESTED_UNSUPPORTED_DISPOSITION,
      },
    );
    if (config.disposition === undefined) {
      throw new TypeError(
        `The writeDisposition of ${where} needs a "disposition" (e.g. { disposition: "merge", strategy: "upsert" })`,
      );
    }
    if (
      config.strategy !== undefined && strategy !== undefined && config.strategy !== strategy
    ) {
      throw new TypeError(
        `${capitalize(where)} gives "mergeStrategy" twice, in writeDisposition and as a hint`,
      );
    }
    disposition = config.disposition;
    strategy = config.strategy ?? strategy;
  }
  const keyed = entry.primaryKey !== undefined || entry.mergeKey !== undefined ||
    Object.values(entry.columns ?? {}).some((c) => c.primaryKey || c.mergeKey);
  if (disposition !== undefined && !keyed) {
    throw new TypeError(
      `${capitalize(where)} gives writeDisposition ${
        JSON.stringify(disposition)
      } without a primaryKey or mergeKey: a nested table is written as its root table is; give it a primaryKey or mergeKey to make it a table of its own`,
    );
  }
  if (strategy !== undefined && disposition !== "merge") {
    throw new TypeError(
      `${
        capitalize(where)
      } gives mergeStrategy "${strategy}", which needs writeDisposition "merge", not ${
        JSON.stringify(disposition ?? "append")
      }`,
    );
  }
  if (strategy === "scd2") {
    throw new TypeError(
      `${
        capitalize(where)
      } gives mergeStrategy "scd2", which nested tables do not support yet; use "delete-insert", "upsert" or "insert-only", or yield the rows from a resource of their own`,
    );
  }
  if (strategy === "upsert" || strategy === "insert-only") {
    const primary = entry.primaryKey !== undefined ||
      Object.values(entry.columns ?? {}).some((c) => c.primaryKey);
    const merge = entry.mergeKey !== undefined ||
      Object.values(entry.columns ?? {}).some((c) => c.mergeKey);
    if (!primary || merge) {
      throw new TypeError(
        `${
          capitalize(where)
        } gives merge strategy "${strategy}", which matches rows by primaryKey only: give a primaryKey and no mergeKey, or use "delete-insert"`,
      );
    }
  }
  if (disposition !== undefined) entry.writeDisposition = disposition;
  if (strategy !== undefined) entry.mergeStrategy = strategy;
  if (read.references !== undefined) {
    entry.references = readReferences(read.references, where);
  }
}

/** dlt's dict form of a nested table's write disposition. */
const NESTED_DISPOSITION_SPEC: OptionSpec<
  Pick<WriteDispositionConfig, "disposition" | "strategy">
> = {
  disposition: oneOf(WRITE_DISPOSITIONS),
  strategy: oneOf(MERGE_STRATEGIES),
};

/** Merge settings of the dict form that tables of their own from nested hints do not take. */
const NESTED_UNSUPPORTED_DISPOSITION: Readonly<Record<string, string>> = Object.fromEntries(
  ["validityColumnNames", "activeRecordTimestamp", "boundaryTimestamp", "rowVersionColumnName"]
    .map((key) => [key, "scd2 is not supported on nested tables yet"]),
);

/** Nested hints as a list of paths with checked hints; a bad path or hint is a `TypeError`. */
function readNestedHints(given: NestedHints, where: string): NormalizedNestedHints[] {
  const entries: [unknown, unknown][] = isPlainObject(given)
    ? Object.entries(given)
    : [...(given as Iterable<unknown>)].map((entry, i) => {
      if (!Array.isArray(entry) || entry.length !== 2) {
        throw new TypeError(
          `Entry ${i} of nestedHints of ${where} must be a [path, hints] pair, e.g. [["purchases", "coupons"], { columns: {...} }]; got ${
            JSON.stringify(entry) ?? String(entry)
          }`,
        );
      }
      return [entry[0], entry[1]];
    });
  const out: NormalizedNestedHints[] = [];
  const seen = new Set<string>();
  for (const [key, hints] of entries) {
    const path = typeof key === "string" ? [key] : key;
    if (
      !Array.isArray(path) || path.length === 0 ||
      !path.every((p) => typeof p === "string" && p !== "")
    ) {
      throw new TypeError(
        `A path of nestedHints of ${where} must be a field name or a list of field names; got ${
          JSON.stringify(key) ?? String(key)
        }`,
      );
    }
    const id = JSON.stringify(path);
    if (seen.has(id)) {
      throw new TypeError(`Nested table ${id} of ${where} is given twice in nestedHints`);
    }
    seen.add(id);
    const read = checkOptions(hints, NESTED_HINTS_SPEC, `nestedHints ${id} of ${where}`, {
      snakeCase: "refuse",
      unsupported: UNSUPPORTED_NESTED_HINTS,
    });
    const entry: NormalizedNestedHints = { path: [...path] };
    if (read.columns !== undefined) {
      entry.columns = readColumns(read.columns, `nestedHints ${id} of ${where}`);
    }
    if (read.schemaContract !== undefined) entry.schemaContract = read.schemaContract;
    readNestedKeys(entry, read, `nestedHints ${id} of ${where}`);
    out.push(entry);
  }
  return out;
}

/** dlt's dict form of the write disposition: the merge hints under their dict names. */
const DISPOSITION_SPEC: OptionSpec<WriteDispositionConfig> = {
  disposition: oneOf(WRITE_DISPOSITIONS),
  strategy: RESOURCE_HINTS_SPEC.mergeStrategy as OptionCheck<MergeStrategy>,
  validityColumnNames: RESOURCE_HINTS_SPEC.validityColumnNames,
  activeRecordTimestamp: RESOURCE_HINTS_SPEC.activeRecordTimestamp,
  boundaryTimestamp: RESOURCE_HINTS_SPEC.boundaryTimestamp,
  rowVersionColumnName: RESOURCE_HINTS_SPEC.rowVersionColumnName,
  deduplicated: RESOURCE_HINTS_SPEC.deduplicated,
};

/** Options of dlt's resources and `run()` that this port does not have, with what to do instead. */
export const UNSUPPORTED_HINTS: Readonly<Record<string, string>> = {
  tableFormat: "table formats (delta, iceberg) are not supported yet",
  references:
    "references of a resource's own table are not supported yet; nested tables take them in nestedHints",
  spec: "declare config with the `config` option and config()/secret()",
  section: "config sections follow the source and resource names",
  standalone: "a resource is a plain value here: call a factory function to parameterize it",
  schema: "schemas come from the source name; use pipeline({ importSchemaPath })",
};

/** What resources do not take ({@linkcode UNSUPPORTED_HINTS}, and the options of `run()`). */
const RESOURCE_UNSUPPORTED: Readonly<Record<string, string>> = {
  ...UNSUPPORTED_HINTS,
  loaderFileFormat: "a resource's job file format is its \"fileFormat\" hint (dlt's file_format)",
};

const COLUMN_HINT_SPEC: OptionSpec<ColumnHint & { name?: string }> = {
  name: text(),
  dataType: dataType(),
  nullable: boolean(),
  primaryKey: boolean(),
  unique: boolean(),
  mergeKey: boolean(),
  hardDelete: boolean(),
  dedupSort: oneOf(["asc", "desc"]),
  precision: integer({ min: 0 }),
  scale: integer({ min: 0 }),
  timezone: boolean(),
};

/** dlt's column hints this port does not have. */
const UNSUPPORTED_COLUMN_HINTS = {
  partition: "no destination here partitions tables yet",
  cluster: "no destination here clusters tables yet",
  sort: "no destination here sorts tables yet",
  description: "column descriptions are not stored yet",
  rowKey: "_dlt_id is the row key",
  parentKey: "_dlt_parent_id is the parent key",
  rootKey: "give rootKey: true to the resource or source",
  variant: "variant columns are made by normalize",
  incremental: "give the resource an incremental() cursor",
};

/** A data type of dlt's (`complex`, its older name of `json`, is taken as `json`). */
function dataType(): OptionCheck<DataType> {
  const known = oneOf(DATA_TYPES);
  return (value) => {
    if (value === "complex") return "json";
    if (value === "time" || value === "wei") {
      return invalidValue(
        `one of ${DATA_TYPES.join(", ")} (dlt's "${value}" is not supported yet)`,
        true,
      );
    }
    return known(value);
  };
}

/** Reads one column's hints (dlt's snake_case keys accepted, as in its column dicts). */
function readColumnHint(value: unknown, where: string): ColumnHint & { name?: string } {
  return checkOptions(value, COLUMN_HINT_SPEC, where, {
    unsupported: UNSUPPORTED_COLUMN_HINTS,
  });
}

/**
 * Reads a hints object: every option of `spec` (the hints plus the caller's own options) checked,
 * then the hints normalized (see {@linkcode normalizeHints}). `where` names the function in
 * errors (`resource "users"`, `run()`).
 */
export function readHintOptions<O extends ResourceHints>(
  value: unknown,
  spec: OptionSpec<O>,
  where: string,
  unsupported: Readonly<Record<string, string>> = RESOURCE_UNSUPPORTED,
): Normalized<O> {
  const settings: ReadOptionsSettings = { snakeCase: "refuse", unsupported };
  return normalizeHints(checkOptions(value, spec, where, settings), where);
}

/**
 * `hints` in their normalized form: the dict write disposition expanded into `writeDisposition`
 * and the flat merge hints, `columns` as a record of checked hints. Merge hints with another write
 * disposition in the same hints, hints of another strategy, or a hint given both flat and in the
 * dict are `TypeError`s naming `where`.
 */
export function normalizeHints<H extends ResourceHints>(hints: H, where: string): Normalized<H> {
  const out = { ...hints } as Record<string, unknown> & ResourceHints;
  const disposition = hints.writeDisposition;
  if (disposition !== null && typeof disposition === "object") {
    const config = checkOptions(disposition, DISPOSITION_SPEC, `writeDisposition of ${where}`);
    if (config.disposition === undefined) {
      throw new TypeError(
        `The writeDisposition of ${where} needs a "disposition" (e.g. { disposition: "merge", strategy: "upsert" })`,
      );
    }
    out.writeDisposition = config.disposition;
    const { disposition: _, strategy, ...rest } = config;
    const merge: Partial<ResourceHints> = { ...rest, mergeStrategy: strategy };
    for (const [key, value] of Object.entries(merge)) {
      if (value === undefined) continue;
      const flat = (hints as Record<string, unknown>)[key];
      if (flat !== undefined && flat !== value) {
        throw new TypeError(
          `${capitalize(where)} gives "${key}" twice, in writeDisposition and as a hint`,
        );
      }
      out[key] = value;
    }
  }
  checkMergeHints(out, where);
  if (out.columns !== undefined && typeof out.columns !== "function") {
    out.columns = readColumns(out.columns, where);
  }
  if (out.nestedHints !== undefined && !isNormalizedNested(out.nestedHints)) {
    (out as Record<string, unknown>).nestedHints = readNestedHints(
      out.nestedHints as NestedHints,
      where,
    );
  }
  return out as Normalized<H>;
}

/** Whether `value` is nested hints normalized already (by an earlier `normalizeHints`). */
function isNormalizedNested(value: unknown): value is NormalizedNestedHints[] {
  return Array.isArray(value) &&
    value.every((v) => isPlainObject(v) && Array.isArray(v.path) && !Array.isArray(v));
}

/** Merge hints need `merge`, and strategy-specific hints their strategy. */
function checkMergeHints(hints: ResourceHints, where: string): void {
  const given = MERGE_HINTS.filter((key) => hints[key] !== undefined);
  if (given.length === 0) return;
  // a function of the item is checked against the merge hints per item
  if (typeof hints.writeDisposition === "function") return;
  if (hints.writeDisposition !== undefined && hints.writeDisposition !== "merge") {
    throw new TypeError(
      `${capitalize(where)} gives "${given[0]}", which needs writeDisposition "merge", not ${
        JSON.stringify(hints.writeDisposition)
      }`,
    );
  }
  const strategy = hints.mergeStrategy ?? "delete-insert";
  for (const key of given) {
    const needs = STRATEGY_HINTS[key];
    if (needs !== undefined && needs !== strategy) {
      throw new TypeError(
        `${
          capitalize(where)
        } gives "${key}", which needs mergeStrategy "${needs}", not "${strategy}"`,
      );
    }
  }
}

/** Column hints as a record by column name, each checked. */
export function readColumns(
  given: Record<string, ColumnHint> | (ColumnHint & { name: string })[],
  where: string,
): Record<string, ColumnHint> {
  const record: Record<string, ColumnHint> = {};
  if (Array.isArray(given)) {
    given.forEach((column, i) => {
      const { name, ...hint } = readColumnHint(column, `column ${i} of ${where}`);
      if (name === undefined) {
        throw new TypeError(`Column ${i} of ${where} has no "name"`);
      }
      if (Object.hasOwn(record, name)) {
        throw new TypeError(`Column "${name}" of ${where} is given twice`);
      }
      record[name] = hint;
    });
    return record;
  }
  for (const [name, column] of Object.entries(given)) {
    if (column === undefined) continue;
    const { name: inner, ...hint } = readColumnHint(column, `column "${name}" of ${where}`);
    if (inner !== undefined && inner !== name) {
      throw new TypeError(`Column "${name}" of ${where} is named "${inner}" inside`);
    }
    record[name] = hint;
  }
  return record;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
