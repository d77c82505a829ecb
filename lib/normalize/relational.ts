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

/**
 * A flat row: normalized column names and their values, in the order the normalizer met them,
 * each name at most once; `null` values are left out. Two arrays rather than an object: V8 keeps
 * an object that gets hundreds of keys one by one as a hash table, which took four times as long
 * to fill and to walk (the root rows of 20,000 GitHub events: 440 against 110 ms).
 */
export class FlatRow {
  /** The column names. */
  readonly names: string[] = [];
  /** The value of each column, at its name's position. */
  readonly values: NormalizedValue[] = [];

  /**
   * A row of the entries of `record`, in their order.
   *
   * @example
   * ```ts
   * import { FlatRow } from "./relational.ts";
   * if (FlatRow.of({ a: 1, b: "x" }).get("b") !== "x") throw new Error();
   * ```
   */
  static of(record: Record<string, NormalizedValue>): FlatRow {
    const row = new FlatRow();
    for (const [name, value] of Object.entries(record)) row.add(name, value);
    return row;
  }

  /** The value of column `name`; `undefined` when the row has none. */
  get(name: string): NormalizedValue | undefined {
    const at = this.names.indexOf(name);
    return at === -1 ? undefined : this.values[at];
  }

  /** Sets column `name` to `value`: in its place when the row has it, else as the last column. */
  set(name: string, value: NormalizedValue): void {
    const at = this.names.indexOf(name);
    if (at === -1) this.add(name, value);
    else this.values[at] = value;
  }

  /** Appends column `name`, which the row must not have yet. */
  add(name: string, value: NormalizedValue): void {
    this.names.push(name);
    this.values.push(value);
  }

  /** The row as an object of its columns (for messages and errors). */
  toRecord(): Record<string, NormalizedValue> {
    const record: Record<string, NormalizedValue> = {};
    for (let i = 0; i < this.names.length; i++) record[this.names[i]] = this.values[i];
    return record;
  }
}

/** A column name met while flattening, shared by every key that normalizes to it. */
interface ColumnSlot {
  readonly name: string;
  /** The number of the last row flattened that got a value in it. */
  row: number;
}

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
function namesUnder<T>(cache: Map<string, Map<string, T>>, outer: string): Map<string, T> {
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
 *   emit: (table, _parent, row) => rows.push([table, row.toRecord()]),
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
  /** Columns by parent path ("" for the row itself) and source key. */
  #columnNames = new Map<string, Map<string, ColumnSlot>>();
  /** Columns by name. */
  #slots = new Map<string, ColumnSlot>();
  /** The number of the row flattened last. */
  #row = 0;
  /** The row flattened last. */
  #flattened: FlatRow | undefined;
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
    const given = this.#given(row, DLT.id);
    const id = typeof given === "string" ? given : this.#options.rootId?.(row) ?? randomRowId();
    this.#put(row, DLT.loadId, this.#options.loadId);
    if (id !== given) this.#put(row, DLT.id, id);
    if (this.#options.emit(table, undefined, row) === false) {
      this.#lists = [];
      return;
    }
    this.#rootId = this.#options.rootKey ? id : undefined;
    this.#emitLists(table, id, 0);
  }

  /** Whether `row` has column `name`: for the row flattened last, without a search. */
  #has(row: FlatRow, name: string): boolean {
    return row === this.#flattened
      ? this.#slots.get(name)?.row === this.#row
      : row.names.includes(name);
  }

  /** The value of column `name` of `row`; `undefined` when it has none. */
  #given(row: FlatRow, name: string): NormalizedValue | undefined {
    return this.#has(row, name) ? row.get(name) : undefined;
  }

  /** Sets dlt's column `name` of `row` to `value`, in place of a value the item gave it. */
  #put(row: FlatRow, name: string, value: NormalizedValue): void {
    if (this.#has(row, name)) return row.set(name, value);
    row.add(name, value);
    if (row === this.#flattened) this.#slot(name).row = this.#row;
  }

  /** The column `name`, made the first time. */
  #slot(name: string): ColumnSlot {
    let slot = this.#slots.get(name);
    if (slot === undefined) {
      slot = { name, row: 0 };
      this.#slots.set(name, slot);
    }
    return slot;
  }

  /** `_dlt_id` of the root row whose nested rows are being emitted, when they carry it. */
  #rootId: string | undefined;

  /** The column of `key` under `prefix`, added to `names` (the columns under `prefix`). */
  #newColumn(names: Map<string, ColumnSlot>, prefix: string, key: string): ColumnSlot {
    const normalized = this.#options.naming.normalizeIdentifier(key);
    const name = prefix === ""
      ? normalized
      : this.#options.naming.shortenFragments(prefix, normalized);
    const slot = this.#slot(name);
    names.set(key, slot);
    return slot;
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
    const row = new FlatRow();
    this.#row++;
    this.#flattened = row;
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
    const current = this.#row;
    for (const key in object) {
      const value = object[key];
      if (value === null || value === undefined) continue;
      const slot = names.get(key) ?? this.#newColumn(names, prefix, key);
      const column = slot.name;
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
      if (slot.row === current) {
        // the same value twice (as `blockHash` and `block_hash`) loses nothing
        if (sameValue(row.get(column)!, normalized)) continue;
        throw new NormalizeError(
          table,
          column,
          `key "${key}" collides with another key that normalizes to the same name`,
        );
      }
      slot.row = current;
      row.add(column, normalized);
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
        const row = new FlatRow();
        if (this.#rootId !== undefined) row.add(DLT.rootId, this.#rootId);
        row.add(DLT.parentId, parentId);
        row.add(DLT.listIdx, idx);
        row.add(DLT.id, id);
        if (emit(table, parent, row) === false) continue;
        this.#emitList(this.#childTable(table, "list"), table, element, id, level + 1);
        continue;
      }
      let row: FlatRow;
      if (isPlainObject(element)) {
        row = this.#flatten(element, table, level);
      } else {
        row = new FlatRow();
        if (element !== null && element !== undefined) {
          row.add(
            "value",
            typeof element === "string" ? decodeMarked(element) : element as NormalizedValue,
          );
        }
        // dlt's column order for values: value, own id, then the link to the parent
        row.add(DLT.id, id);
      }
      // dlt's column order for objects: the link to the parent, then the row's own id
      if (this.#rootId !== undefined) this.#put(row, DLT.rootId, this.#rootId);
      this.#put(row, DLT.parentId, parentId);
      this.#put(row, DLT.listIdx, idx);
      const given = this.#given(row, DLT.id);
      const rowId = typeof given === "string" ? given : id;
      if (rowId !== given) this.#put(row, DLT.id, rowId);
      if (emit(table, parent, row) === false) {
        this.#lists = [];
        continue;
      }
      this.#emitLists(table, rowId, level);
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
      let row = new FlatRow();
      const linking = Array.isArray(element) && level + 1 <= maxNesting;
      if (isPlainObject(element)) {
        row = this.#flatten(element, table, level);
      } else if (!linking && element !== null && element !== undefined) {
        row.add(
          "value",
          typeof element === "string" ? decodeMarked(element) : element as NormalizedValue,
        );
      }
      if (outerRootId !== undefined) this.#put(row, DLT.rootId, outerRootId);
      this.#put(row, DLT.loadId, loadId);
      const given = this.#given(row, DLT.id);
      const id = typeof given === "string" ? given : own.rowId?.(row) ?? randomRowId();
      if (id !== given) this.#put(row, DLT.id, id);
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
