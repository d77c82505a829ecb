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
import {
  evolvesAll,
  type ExpandedSchemaContract,
  type SchemaContractMode,
  type SchemaEntity,
} from "./contract.ts";
import { DataValidationError } from "../errors.ts";
import type { FlatRow } from "../normalize/relational.ts";

const NOT_NULL_COLUMNS = new Set<string>([
  DLT.id,
  DLT.loadId,
  DLT.parentId,
  DLT.listIdx,
  DLT.rootId,
]);

/** Evolves `schema` in place as rows are coerced into it. */
export class SchemaEvolver {
  #schema: StoredSchema;
  #naming: NamingConvention;

  /**
   * Tables that existed (with a column of known type) when evolution started: only their columns
   * are held to the `columns` contract, as in dlt, where a new table first infers its columns.
   */
  #existing: Set<string>;
  /** New tables the `tables` contract let in, or (`false`) discards the rows of. */
  #admitted = new Map<string, boolean>();

  /** Evolves `schema`, naming variant columns with `naming`. */
  constructor(schema: StoredSchema, naming: NamingConvention) {
    this.#schema = schema;
    this.#naming = naming;
    this.#existing = new Set(
      Object.values(schema.tables).filter((t) =>
        Object.values(t.columns).some((c) => c.dataType !== undefined)
      ).map((t) => t.name),
    );
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
    if (hints.rootKey) table.rootKey = true;
    // a contract given in code replaces the table's; without one, the schema's (perhaps from
    // an imported schema file) stays
    if (hints.schemaContract !== undefined) {
      if (evolvesAll(hints.schemaContract)) delete table.schemaContract;
      else table.schemaContract = hints.schemaContract;
    }
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

  /** The contract of table `name` (a child of `parent`): its root table's. */
  contractOf(name: string, parent?: string): ExpandedSchemaContract | undefined {
    const tables = this.#schema.tables;
    let table = tables[parent ?? name];
    while (table?.parent !== undefined) table = tables[table.parent];
    return table?.schemaContract;
  }

  /**
   * Applies the `tables` contract to a row of table `name` (a child of `parent`): whether the row
   * may go in. Throws a {@linkcode DataValidationError} when the contract freezes a new table.
   */
  admitTable(name: string, parent: string | undefined, row: FlatRow): boolean {
    if (this.#existing.has(name)) return true;
    const admitted = this.#admitted.get(name);
    if (admitted !== undefined) return admitted;
    const mode = this.contractOf(name, parent)?.tables ?? "evolve";
    if (mode === "freeze") {
      this.#violation(name, undefined, "tables", mode, row, "a new table");
    }
    this.#admitted.set(name, mode === "evolve");
    return mode === "evolve";
  }

  /**
   * Applies the `columns` and `data_type` contracts to `row` of `table`: drops the values a
   * `discard_value` contract refuses, and returns `false` when a `discard_row` contract refuses
   * the row. Throws a {@linkcode DataValidationError} on what a `freeze` contract refuses.
   */
  screen(table: TableSchema, row: FlatRow): boolean {
    const contract = this.contractOf(table.name);
    if (contract === undefined) return true;
    const columnsMode = this.#existing.has(table.name) ? contract.columns : "evolve";
    const typeMode = contract.data_type;
    if (columnsMode === "evolve" && typeMode === "evolve") return true;
    for (const key in row) {
      const value = row[key];
      const column = table.columns[key];
      let entity: SchemaEntity;
      let mode: SchemaContractMode;
      let reason: string;
      if (column === undefined) {
        if (columnsMode === "evolve") continue;
        [entity, mode, reason] = ["columns", columnsMode, "a new column"];
      } else {
        if (typeMode === "evolve" || column.dataType === undefined) continue;
        if (coerceValue(value, column.dataType) !== undefined) continue;
        // a variant column that exists already is no change to the schema
        const dataType = inferDataType(value);
        if (table.columns[this.#naming.shortenFragments(key, `v_${dataType}`)]) continue;
        [entity, mode, reason] = [
          "data_type",
          typeMode,
          `a ${dataType} value in a ${column.dataType} column`,
        ];
      }
      if (mode === "freeze") this.#violation(table.name, key, entity, mode, value, reason);
      if (mode === "discard_row") return false;
      delete row[key];
    }
    return true;
  }

  #violation(
    tableName: string,
    columnName: string | undefined,
    schemaEntity: SchemaEntity,
    contractMode: SchemaContractMode,
    value: unknown,
    reason: string,
  ): never {
    throw new DataValidationError({
      schemaName: this.#schema.name,
      tableName,
      columnName,
      schemaEntity,
      contractMode,
      value,
      reason,
    });
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
