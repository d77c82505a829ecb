/**
 * The relational normalizer: turns one nested item into flat rows of a root table and its
 * nested (child) tables, as dlt does.
 *
 * - nested objects flatten into `parent__child` columns;
 * - lists become child tables `<table>__<field>` whose rows carry `_dlt_parent_id`,
 *   `_dlt_list_idx` and their own deterministic `_dlt_id`; lists of scalars get a `value`
 *   column, lists of lists a `<table>__list` table;
 * - past `maxNesting` levels, objects and lists stay whole as `json` values.
 *
 * @module
 */
import { DLT } from "../schema/schema.ts";
import { NormalizeError } from "../errors.ts";
import type { NamingConvention } from "./naming.ts";
import { nestedRowId, randomRowId } from "./ids.ts";
import { BigIntValue, BinaryValue, decodeMarked } from "./typed_json.ts";
import type { NormalizedValue } from "./inference.ts";

/** A flat row: normalized column name to value. `null` values are left out. */
export type FlatRow = Record<string, NormalizedValue>;

/**
 * Receives each row the normalizer produces, parents before their children; returning `false`
 * discards the row's nested rows as well.
 */
export type RowSink = (table: string, parent: string | undefined, row: FlatRow) => unknown;

/** Options of {@linkcode normalizeItem}. */
export interface NormalizeItemOptions {
  /** Naming convention for tables and columns. */
  naming: NamingConvention;
  /** Load id stamped on root rows as `_dlt_load_id`. */
  loadId: string;
  /** Levels of nesting unpacked into columns and child tables; deeper values become json. */
  maxNesting: number;
  /** Whether a column is declared `json` by a hint, so it must not be unpacked. */
  isJsonColumn?: (table: string, column: string) => boolean;
  /** Whether nested rows get `_dlt_root_id`, the `_dlt_id` of their root row. */
  rootKey?: boolean;
  /** The `_dlt_id` of a root row (`upsert`, `scd2`: a hash); random when absent. */
  rootId?: (row: FlatRow) => string;
  /**
   * Whether nested table `table` (where lists of `parent`'s rows go) is a table of its own, as
   * dlt's nested tables with a primary or merge key: its rows get `_dlt_load_id` and a root
   * row's `_dlt_id`, no `_dlt_parent_id` and `_dlt_list_idx`, and are emitted without a parent.
   * `undefined`: the table is nested. Asked once per table.
   */
  ownTable?: (table: string, parent: string) => OwnTableRows | undefined;
  /** Receives the rows. */
  emit: RowSink;
}

/** How the rows of a nested table that is a table of its own are made. */
export interface OwnTableRows {
  /** Whether the rows nested in it get its rows' `_dlt_id` as `_dlt_root_id`. */
  rootKey: boolean;
  /** The `_dlt_id` of a row (`upsert`: a hash of its key); random when absent. */
  rowId?: (row: FlatRow) => string;
}

/** Whether two normalized values are the same value. */
function sameValue(a: NormalizedValue, b: NormalizedValue): boolean {
  if (a === b) return true;
  if (a instanceof BigIntValue && b instanceof BigIntValue) return a.digits === b.digits;
  if (a instanceof BinaryValue && b instanceof BinaryValue) return a.base64 === b.base64;
  return false;
}

/** The default cap on nesting, as in dlt. */
export const DEFAULT_MAX_NESTING = 1000;

/** `cache[outer]`, made empty the first time. */
function namesUnder(cache: Map<string, Map<string, string>>, outer: string): Map<string, string> {
  let names = cache.get(outer);
  if (names === undefined) {
    names = new Map();
    cache.set(outer, names);
  }
  return names;
}

/** `cache[outer][inner]`, computed by `compute` the first time. */
function memoized(
  cache: Map<string, Map<string, string>>,
  outer: string,
  inner: string,
  compute: () => string,
): string {
  const names = namesUnder(cache, outer);
  let name = names.get(inner);
  if (name === undefined) {
    name = compute();
    names.set(inner, name);
  }
  return name;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Normalizes `item` into rows of `table` (already a normalized name) and its child tables.
 *
 * @example
 * ```ts
 * import { normalizeItem } from "./relational.ts";
 * import { snakeCaseNaming } from "./naming.ts";
 * const rows: [string, Record<string, unknown>][] = [];
 * normalizeItem({ id: 1, user: { name: "a" }, tags: ["x"] }, "items", {
 *   naming: snakeCaseNaming(), loadId: "1", maxNesting: 1000,
 *   emit: (table, _parent, row) => rows.push([table, row]),
 * });
 * if (rows[0][1].user__name !== "a" || rows[1][0] !== "items__tags") throw new Error();
 * ```
 */
export function normalizeItem(item: unknown, table: string, options: NormalizeItemOptions): void {
  new RelationalNormalizer(options).normalize(item, table);
}

/**
 * Normalizes items one after another with the same options; keeps the names it computed, so
 * use one instance for many items.
 */
export class RelationalNormalizer {
  #options: NormalizeItemOptions;
  /** Lists found while flattening the current row: child table name and the list. */
  #lists: [string, unknown[]][] = [];
  /** Column names by parent path ("" for the row itself) and source key. */
  #columnNames = new Map<string, Map<string, string>>();
  /** Child table names by table and column. */
  #childTables = new Map<string, Map<string, string>>();
  /** Whether each nested table (by parent and name) is a table of its own (`null`: nested). */
  #ownTables = new Map<string, OwnTableRows | null>();

  /** Normalizes with `options`. */
  constructor(options: NormalizeItemOptions) {
    this.#options = options;
  }

  /** Normalizes `item` into rows of `table` (a normalized name) and its child tables. */
  normalize(item: unknown, table: string): void {
    const root: Record<string, unknown> = isPlainObject(item) ? item : { value: item };
    const row = this.#flatten(root, table, 0);
    const id = typeof row[DLT.id] === "string"
      ? undefined
      : this.#options.rootId?.(row) ?? randomRowId();
    row[DLT.loadId] = this.#options.loadId;
    if (id !== undefined) row[DLT.id] = id;
    if (this.#options.emit(table, undefined, row) === false) {
      this.#lists = [];
      return;
    }
    this.#rootId = this.#options.rootKey ? row[DLT.id] as string : undefined;
    this.#emitLists(table, row[DLT.id] as string, 0);
  }

  /** `_dlt_id` of the root row whose nested rows are being emitted, when they carry it. */
  #rootId: string | undefined;

  /** The column of `key` under `prefix`, added to `names` (the column names under `prefix`). */
  #newColumnName(names: Map<string, string>, prefix: string, key: string): string {
    const normalized = this.#options.naming.normalizeIdentifier(key);
    const name = prefix === ""
      ? normalized
      : this.#options.naming.shortenFragments(prefix, normalized);
    names.set(key, name);
    return name;
  }

  #childTable(table: string, column: string): string {
    return memoized(
      this.#childTables,
      table,
      column,
      () => this.#options.naming.shortenFragments(table, column),
    );
  }

  #flatten(object: Record<string, unknown>, table: string, level: number): FlatRow {
    const row: FlatRow = {};
    this.#flattenInto(row, object, table, "", level);
    return row;
  }

  #flattenInto(
    row: FlatRow,
    object: Record<string, unknown>,
    table: string,
    prefix: string,
    level: number,
  ): void {
    const { maxNesting, isJsonColumn } = this.#options;
    // looked up once for the object, not for each of its keys
    const names = namesUnder(this.#columnNames, prefix);
    for (const key in object) {
      const value = object[key];
      if (value === null || value === undefined) continue;
      const column = names.get(key) ?? this.#newColumnName(names, prefix, key);
      if (typeof value === "object") {
        const nested = level + 1 <= maxNesting && !isJsonColumn?.(table, column);
        if (nested && Array.isArray(value)) {
          const child = this.#childTable(table, column);
          if (this.#lists.some(([name]) => name === child)) {
            throw new NormalizeError(
              table,
              column,
              `list "${key}" collides with another list that normalizes to the same name`,
            );
          }
          this.#lists.push([child, value]);
          continue;
        }
        if (nested) {
          this.#flattenInto(row, value as Record<string, unknown>, table, column, level + 1);
          continue;
        }
      }
      const normalized = typeof value === "string" ? decodeMarked(value) : value as NormalizedValue;
      if (column in row) {
        // the same value twice (as `blockHash` and `block_hash`) loses nothing
        if (sameValue(row[column], normalized)) continue;
        throw new NormalizeError(
          table,
          column,
          `key "${key}" collides with another key that normalizes to the same name`,
        );
      }
      row[column] = normalized;
    }
  }

  /** Emits the rows of the lists collected for the row `parentId` of `table`. */
  #emitLists(table: string, parentId: string, level: number): void {
    const lists = this.#lists;
    this.#lists = [];
    for (const [childTable, list] of lists) {
      this.#emitList(childTable, table, list, parentId, level + 1);
    }
  }

  /** How rows of `table` (nested in `parent`) are made when it is a table of its own. */
  #ownTable(table: string, parent: string): OwnTableRows | undefined {
    const key = `${parent}\u0000${table}`;
    let own = this.#ownTables.get(key);
    if (own === undefined) {
      own = this.#options.ownTable?.(table, parent) ?? null;
      this.#ownTables.set(key, own);
    }
    return own ?? undefined;
  }

  #emitList(
    table: string,
    parent: string,
    list: unknown[],
    parentId: string,
    level: number,
  ): void {
    const own = this.#ownTable(table, parent);
    if (own !== undefined) {
      this.#emitOwnList(table, own, list, level);
      return;
    }
    const { emit, maxNesting } = this.#options;
    for (let idx = 0; idx < list.length; idx++) {
      const element = list[idx];
      const id = nestedRowId(parentId, table, idx);
      if (Array.isArray(element) && level + 1 <= maxNesting) {
        // a list inside a list: a linking row here, its elements one table further down
        const row: FlatRow = {};
        if (this.#rootId !== undefined) row[DLT.rootId] = this.#rootId;
        row[DLT.parentId] = parentId;
        row[DLT.listIdx] = idx;
        row[DLT.id] = id;
        if (emit(table, parent, row) === false) continue;
        this.#emitList(this.#childTable(table, "list"), table, element, id, level + 1);
        continue;
      }
      let row: FlatRow;
      if (isPlainObject(element)) {
        row = this.#flatten(element, table, level);
      } else {
        row = {};
        if (element !== null && element !== undefined) {
          row.value = typeof element === "string"
            ? decodeMarked(element)
            : element as NormalizedValue;
        }
        // dlt's column order for values: value, own id, then the link to the parent
        row[DLT.id] = id;
      }
      // dlt's column order for objects: the link to the parent, then the row's own id
      if (this.#rootId !== undefined) row[DLT.rootId] = this.#rootId;
      row[DLT.parentId] = parentId;
      row[DLT.listIdx] = idx;
      if (typeof row[DLT.id] !== "string") row[DLT.id] = id;
      if (emit(table, parent, row) === false) {
        this.#lists = [];
        continue;
      }
      this.#emitLists(table, row[DLT.id] as string, level);
    }
  }

  /**
   * Emits the elements of `list` as rows of `table`, a table of its own: as root rows (with the
   * `_dlt_root_id` of the root row they came from, when nested rows get one), linked to no
   * parent row; the rows nested in them take theirs as `_dlt_root_id` when `own.rootKey`.
   */
  #emitOwnList(table: string, own: OwnTableRows, list: unknown[], level: number): void {
    const { emit, maxNesting, loadId } = this.#options;
    const outerRootId = this.#rootId;
    for (const element of list) {
      let row: FlatRow = {};
      const linking = Array.isArray(element) && level + 1 <= maxNesting;
      if (isPlainObject(element)) {
        row = this.#flatten(element, table, level);
      } else if (!linking && element !== null && element !== undefined) {
        row.value = typeof element === "string"
          ? decodeMarked(element)
          : element as NormalizedValue;
      }
      if (outerRootId !== undefined) row[DLT.rootId] = outerRootId;
      row[DLT.loadId] = loadId;
      if (typeof row[DLT.id] !== "string") row[DLT.id] = own.rowId?.(row) ?? randomRowId();
      const id = row[DLT.id] as string;
      if (emit(table, undefined, row) === false) {
        this.#lists = [];
        continue;
      }
      if (own.rootKey) this.#rootId = id;
      if (linking) {
        // a list inside a list: this row links its elements, one table further down
        this.#emitList(this.#childTable(table, "list"), table, element as unknown[], id, level + 1);
      } else {
        this.#emitLists(table, id, level);
      }
      this.#rootId = outerRootId;
    }
  }
}
