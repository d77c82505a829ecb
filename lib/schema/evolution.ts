/**
 * Schema evolution: new tables and columns appear as data arrives, values are coerced into the
 * column's type, and values that do not fit go to a variant column `<column>__v_<type>`.
 *
 * @module
 */
import type { NamingConvention } from "../normalize/naming.ts";
import { coerceValue, inferDataType, type NormalizedValue } from "../normalize/inference.ts";
import {
  type ColumnSchema,
  DLT,
  type StoredSchema,
  type TableHints,
  type TableSchema,
} from "./schema.ts";

const NOT_NULL_COLUMNS = new Set<string>([DLT.id, DLT.loadId, DLT.parentId, DLT.listIdx]);

/** Evolves `schema` in place as rows are coerced into it. */
export class SchemaEvolver {
  #schema: StoredSchema;
  #naming: NamingConvention;

  /** Evolves `schema`, naming variant columns with `naming`. */
  constructor(schema: StoredSchema, naming: NamingConvention) {
    this.#schema = schema;
    this.#naming = naming;
  }

  /** The schema being evolved. */
  get schema(): StoredSchema {
    return this.#schema;
  }

  /** Creates or updates the root table `name` with the hints of its resource. */
  applyTableHints(name: string, hints: TableHints): TableSchema {
    const table = this.#schema.tables[name] ??= { name, columns: {} };
    table.resource = hints.resource;
    table.writeDisposition = hints.writeDisposition;
    if (hints.maxTableNesting !== undefined) table.maxTableNesting = hints.maxTableNesting;
    for (const [source, hint] of Object.entries(hints.columns ?? {})) {
      const column = this.#naming.normalizeIdentifier(source);
      const existing = table.columns[column] ?? { name: column };
      table.columns[column] = { ...existing, ...hint, name: column };
    }
    for (const source of hints.primaryKey ?? []) {
      const column = this.#naming.normalizeIdentifier(source);
      const existing = table.columns[column] ?? { name: column };
      table.columns[column] = { ...existing, primaryKey: true, nullable: false };
    }
    return table;
  }

  /** The table `name`, created as a child of `parent` when it does not exist. */
  table(name: string, parent: string | undefined): TableSchema {
    let table = this.#schema.tables[name];
    if (table === undefined) {
      table = { name, columns: {} };
      if (parent !== undefined) table.parent = parent;
      this.#schema.tables[name] = table;
    }
    return table;
  }

  /** The value {@linkcode SchemaEvolver.place} coerced, for the column it returned. */
  value: NormalizedValue | undefined;

  /**
   * Finds the column for `value` of source column `name` in `table`: adds the column when it is
   * new, coerces the value to the column's type, or picks (adding if needed) the variant column
   * `<name>__v_<type>` when it does not fit. The value to store is left in `this.value`.
   */
  place(table: TableSchema, name: string, value: NormalizedValue): ColumnSchema {
    const columns = table.columns;
    const column = columns[name];
    if (column?.dataType === undefined) {
      this.value = value;
      return this.#addColumn(table, name, column, inferDataType(value));
    }
    const coerced = coerceValue(value, column.dataType);
    if (coerced !== undefined) {
      this.value = coerced;
      return column;
    }
    const dataType = inferDataType(value);
    const variantName = this.#naming.shortenFragments(name, `v_${dataType}`);
    this.value = value;
    const variant = columns[variantName];
    if (variant !== undefined) return variant;
    const added = this.#addColumn(table, variantName, undefined, dataType);
    added.variant = true;
    return added;
  }

  #addColumn(
    table: TableSchema,
    name: string,
    hinted: ColumnSchema | undefined,
    dataType: ColumnSchema["dataType"],
  ): ColumnSchema {
    const column: ColumnSchema = { name, dataType, nullable: !NOT_NULL_COLUMNS.has(name) };
    if (name === DLT.id) column.unique = true;
    const merged = hinted === undefined ? column : { ...column, ...hinted, dataType };
    table.columns[name] = merged;
    return merged;
  }
}
