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
  type NestedTableRecord,
  SCD2_COLUMNS,
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

  /** Hints of nested tables, by table name: applied when the table is made (or now if it is). */
  #nested = new Map<string, NestedHintsOf>();

  /**
   * Evolves `schema`, naming variant columns with `naming`. `tables` are the root tables' hints
   * of the package: their nested hints are applied to the nested tables as they appear.
   */
  constructor(
    schema: StoredSchema,
    naming: NamingConvention,
    tables: Readonly<Record<string, TableHints>> = {},
  ) {
    this.#schema = schema;
    this.#naming = naming;
    for (const [root, hints] of Object.entries(tables)) {
      for (const nested of nestedTableHints(root, hints, naming)) {
        this.#nested.set(nested.name, nested);
      }
    }
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
    if (hints.mergeStrategy === undefined) delete table.mergeStrategy;
    else table.mergeStrategy = hints.mergeStrategy;
    for (const key of ["activeRecordTimestamp", "boundaryTimestamp", "deduplicated"] as const) {
      if (hints[key] === undefined) delete table[key];
      else (table as Record<typeof key, unknown>)[key] = hints[key];
    }
    delete table.rowVersionColumn;
    if (hints.mergeStrategy === "scd2") {
      const names = hints.validityColumns ?? SCD2_COLUMNS;
      table.validityColumns = [names[0], names[1]];
      for (const name of names) {
        table.columns[name] ??= { name, dataType: "timestamp", nullable: true };
      }
      if (hints.rowVersionColumn !== undefined) {
        table.rowVersionColumn = this.#naming.normalizeIdentifier(hints.rowVersionColumn);
      }
    }
    // a contract given in code replaces the table's; without one, the schema's (perhaps from
    // an imported schema file) stays
    if (hints.schemaContract !== undefined) {
      if (evolvesAll(hints.schemaContract)) delete table.schemaContract;
      else table.schemaContract = hints.schemaContract;
    }
    this.#applyColumns(table, hints);
    for (const nested of nestedTableHints(name, hints, this.#naming)) {
      this.#nested.set(nested.name, nested);
      this.#ownTemplates.delete(nested.name);
      const existing = this.#schema.tables[nested.name];
      if (existing !== undefined) this.#applyNested(existing, nested);
    }
    return table;
  }

  /** Gives `table` the column hints and keys of `hints`; a primary key given re-keys it. */
  #applyColumns(
    table: TableSchema,
    hints: Pick<TableHints, "columns" | "primaryKey" | "mergeKey">,
  ): void {
    if (hints.primaryKey !== undefined) {
      // a resource's primary key replaces the table's: a changed key re-keys the table
      const key = new Set(
        hints.primaryKey.map((source) => this.#naming.normalizeIdentifier(source)),
      );
      for (const column of Object.values(table.columns)) {
        if (column.primaryKey && !key.has(column.name)) {
          delete column.primaryKey;
          column.nullable = true;
        }
      }
    }
    for (const [source, hint] of Object.entries(hints.columns ?? {})) {
      this.#hintColumn(table, source, hint);
    }
    for (const source of hints.primaryKey ?? []) {
      this.#hintColumn(table, source, { primaryKey: true, nullable: false });
    }
    for (const source of hints.mergeKey ?? []) this.#hintColumn(table, source, { mergeKey: true });
  }

  /**
   * Gives nested table `table` the hints of `nested`: its columns and contract, its references,
   * and, when it has a key, what makes it a table of its own (dlt's custom linking of nested
   * tables): no parent, the root's resource, its own write disposition and keys.
   */
  #applyNested(table: TableSchema, nested: NestedHintsOf): void {
    const hints = nested.hints;
    if (nested.own) {
      if (table.parent !== undefined) {
        // a nested table made a table of its own: its rows no longer link to a parent row
        delete table.parent;
        for (const link of [DLT.parentId, DLT.listIdx]) {
          if (table.columns[link] !== undefined) table.columns[link].nullable = true;
        }
      }
      table.resource = nested.resource;
      table.writeDisposition = hints.writeDisposition ?? "append";
      if (hints.mergeStrategy === undefined) delete table.mergeStrategy;
      else table.mergeStrategy = hints.mergeStrategy;
      // merge finds the rows nested in it by their root: they need `_dlt_root_id`, as in dlt
      if (table.writeDisposition === "merge") table.rootKey = true;
    }
    this.#applyColumns(table, hints);
    if (hints.references !== undefined) {
      const naming = this.#naming;
      table.references = hints.references.map((reference) => ({
        ...reference,
        columns: reference.columns.map((c) => naming.normalizeIdentifier(c)),
        // a nested table's name is a path: its fragments are normalized one by one
        referencedTable: naming.shortenFragments(
          ...reference.referencedTable.split("__").map((f) => naming.normalizeIdentifier(f)),
        ),
        referencedColumns: reference.referencedColumns.map((c) => naming.normalizeIdentifier(c)),
      }));
    }
    const contract = hints.schemaContract;
    if (contract !== undefined) {
      table.schemaContract = contract;
      this.#contracts.clear();
    }
  }

  /** Tables of their own that nested hints make, prepared before their first row is admitted. */
  #ownTemplates = new Map<string, TableSchema>();

  /**
   * The table `name` (where a list of table `parent`'s rows goes) when it is a table of its own,
   * as dlt's root tables: one in the schema without a parent, or one nested hints give a key.
   * Not made yet, it is the table {@linkcode SchemaEvolver.table} will make. `undefined`: the
   * table is nested in `parent`.
   */
  ownTable(name: string, parent: string): TableSchema | undefined {
    const existing = this.#schema.tables[name];
    if (existing !== undefined) return existing.parent === undefined ? existing : undefined;
    const nested = this.#nested.get(name);
    if (nested === undefined || !nested.own || nested.parent !== parent) return undefined;
    let template = this.#ownTemplates.get(name);
    if (template === undefined) {
      template = { name, columns: {} };
      this.#applyNested(template, nested);
      this.#ownTemplates.set(name, template);
    }
    return template;
  }

  /** Merges `hint` into the column of `table` that source column `source` names. */
  #hintColumn(table: TableSchema, source: string, hint: Omit<ColumnSchema, "name">): void {
    const name = this.#naming.normalizeIdentifier(source);
    table.columns[name] = { ...table.columns[name] ?? { name }, ...hint, name };
  }

  /** The contract of table `name` (a child of `parent`): its root table's. */
  contractOf(name: string, parent?: string): ExpandedSchemaContract | undefined {
    // asked for every row: the root's contract does not change while rows are placed
    if (this.#contracts.has(name)) return this.#contracts.get(name);
    const tables = this.#schema.tables;
    // the nearest table up the chain that has one, as dlt's inherited table hints; a nested
    // table not made yet has the contract its nested hints give
    const pending = tables[name] === undefined ? this.#nested.get(name) : undefined;
    let contract = pending?.hints.schemaContract;
    let table: TableSchema | undefined = tables[name] ?? tables[parent ?? name];
    while (contract === undefined && table !== undefined) {
      contract = table.schemaContract;
      table = table.parent === undefined ? undefined : tables[table.parent];
    }
    if (tables[name] !== undefined) this.#contracts.set(name, contract);
    return contract;
  }

  /** Contracts by table, once looked up. */
  #contracts = new Map<string, ExpandedSchemaContract | undefined>();

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
      this.#violation(name, undefined, "tables", mode, row.toRecord(), "a new table");
    }
    this.#admitted.set(name, mode === "evolve");
    return mode === "evolve";
  }

  /**
   * Applies `discard_row` contracts to `row` of `table`: whether the row may go in (it may not
   * when a value would add a column or open a variant column the contract refuses). The other
   * modes apply value by value in {@linkcode SchemaEvolver.place}.
   */
  screen(table: TableSchema, row: FlatRow): boolean {
    const contract = this.contractOf(table.name);
    if (contract === undefined) return true;
    const newColumns = this.#existing.has(table.name) && contract.columns === "discard_row";
    const variants = contract.data_type === "discard_row";
    if (!newColumns && !variants) return true;
    const { names, values } = row;
    for (let i = 0; i < names.length; i++) {
      const key = names[i];
      const column = table.columns[key];
      if (column === undefined) {
        if (newColumns) return false;
      } else if (variants && column.dataType !== undefined) {
        const value = values[i];
        if (coerceValue(value, column.dataType) !== undefined) continue;
        // a variant column that exists already is no change to the schema
        const variant = this.#naming.shortenFragments(key, `v_${inferDataType(value)}`);
        if (table.columns[variant] === undefined) return false;
      }
    }
    return true;
  }

  /**
   * Whether the contract of `table` lets `entity` change: `freeze` throws a
   * {@linkcode DataValidationError}, `discard_value` says no (`discard_row` rows never get here:
   * {@linkcode SchemaEvolver.screen} drops them first).
   */
  #allows(
    table: TableSchema,
    entity: "columns" | "data_type",
    column: string,
    value: unknown,
    reason: string,
  ): boolean {
    const contract = this.contractOf(table.name);
    if (contract === undefined) return true;
    // a new table infers its columns freely, as in dlt
    if (entity === "columns" && !this.#existing.has(table.name)) return true;
    const mode = contract[entity];
    if (mode === "evolve") return true;
    if (mode === "freeze") this.#violation(table.name, column, entity, mode, value, reason);
    return false;
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
      const own = this.#ownTemplates.get(name);
      if (own !== undefined && parent === undefined) {
        this.#schema.tables[name] = own;
        this.#ownTemplates.delete(name);
        return own;
      }
      table = { name, columns: {} };
      if (parent !== undefined) table.parent = parent;
      this.#schema.tables[name] = table;
      const nested = this.#nested.get(name);
      if (nested !== undefined && nested.parent === parent) this.#applyNested(table, nested);
    }
    return table;
  }

  /** The value {@linkcode SchemaEvolver.place} coerced, for the column it returned. */
  value: NormalizedValue | undefined;

  /**
   * Finds the column for `value` of source column `name` in `table`: adds the column when it is
   * new, coerces the value to the column's type, or picks (adding if needed) the variant column
   * `<name>__v_<type>` when it does not fit. The value to store is left in `this.value`. Where
   * the table's schema contract refuses the change, `freeze` throws a
   * {@linkcode DataValidationError} and `discard_value` returns `undefined` (drop the value).
   */
  place(table: TableSchema, name: string, value: NormalizedValue): ColumnSchema | undefined {
    const columns = table.columns;
    const column = columns[name];
    if (column?.dataType === undefined) {
      if (column === undefined && !this.#allows(table, "columns", name, value, "a new column")) {
        return undefined;
      }
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
    const reason = `a ${dataType} value in a ${column.dataType} column`;
    if (!this.#allows(table, "data_type", name, value, reason)) return undefined;
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

/** Nested hints with the names of their table and its parent. */
interface NestedHintsOf {
  name: string;
  parent: string;
  /** The root table's resource. */
  resource: string;
  /** Whether a key makes the table one of its own (dlt's `may_be_nested` is false). */
  own: boolean;
  hints: NestedTableRecord;
}

/**
 * The nested tables the nested hints of root table `root` name, as the relational normalizer
 * names them: each list's table is its parent's name and the list's field joined by `naming`.
 */
function nestedTableHints(
  root: string,
  hints: TableHints,
  naming: NamingConvention,
): NestedHintsOf[] {
  return (hints.nestedHints ?? []).map((nested) => {
    let parent = root;
    let name = root;
    for (const field of nested.path) {
      parent = name;
      name = naming.shortenFragments(name, naming.normalizeIdentifier(field));
    }
    const own = nested.primaryKey !== undefined || nested.mergeKey !== undefined ||
      Object.values(nested.columns ?? {}).some((c) => c.primaryKey || c.mergeKey);
    return { name, parent, resource: hints.resource, own, hints: nested };
  });
}
