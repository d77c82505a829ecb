/**
 * Schema contracts, as in dlt: what normalize does when data would add a table, add a column to
 * an existing table, or not fit a column's type.
 *
 * @module
 */

/**
 * What happens when data would change the schema: `evolve` lets it, `freeze` fails the package
 * (nothing of it loads), `discard_row` drops the row (with its nested rows), `discard_value` drops
 * the value (for `tables`, the row).
 */
export type SchemaContractMode = "evolve" | "freeze" | "discard_row" | "discard_value";

/** The schema changes a contract governs. */
export type SchemaEntity = "tables" | "columns" | "data_type";

/** A contract per entity; entities left out evolve. `dataType` is accepted for `data_type`. */
export interface SchemaContractSettings {
  /** New tables (nested tables and tables named after the data included). */
  tables?: SchemaContractMode;
  /** New columns of tables that exist already. */
  columns?: SchemaContractMode;
  /** Values that do not fit their column's type (which would open a variant column). */
  data_type?: SchemaContractMode;
  /** Same as `data_type`. */
  dataType?: SchemaContractMode;
}

/**
 * A schema contract: one mode for every entity, or modes per entity.
 *
 * @example
 * ```ts
 * import type { SchemaContract } from "./contract.ts";
 * const strict: SchemaContract = "freeze";
 * const lenient: SchemaContract = { columns: "discard_value", data_type: "freeze" };
 * ```
 */
export type SchemaContract = SchemaContractMode | SchemaContractSettings;

/** A contract with a mode for every entity. */
export type ExpandedSchemaContract = Record<SchemaEntity, SchemaContractMode>;

const MODES: readonly string[] = ["evolve", "freeze", "discard_row", "discard_value"];
const KEYS: readonly string[] = ["tables", "columns", "data_type", "dataType"];

/** The contract under which everything evolves (dlt's default). */
export const EVOLVE_CONTRACT: Readonly<ExpandedSchemaContract> = Object.freeze({
  tables: "evolve",
  columns: "evolve",
  data_type: "evolve",
});

function checkMode(mode: unknown, where: string): SchemaContractMode {
  if (typeof mode !== "string" || !MODES.includes(mode)) {
    throw new TypeError(
      `${where}: schema contract mode ${JSON.stringify(mode)} is not one of ${MODES.join(", ")}`,
    );
  }
  return mode as SchemaContractMode;
}

/**
 * Expands `contract` to a mode per entity, `base` giving the modes it leaves out. Throws a
 * `TypeError` naming `where` for an unknown mode or entity.
 */
export function expandSchemaContract(
  contract: SchemaContract | undefined,
  where: string,
  base: Readonly<ExpandedSchemaContract> = EVOLVE_CONTRACT,
): ExpandedSchemaContract {
  if (contract === undefined) return { ...base };
  if (typeof contract === "string") {
    const mode = checkMode(contract, where);
    return { tables: mode, columns: mode, data_type: mode };
  }
  if (contract === null || typeof contract !== "object") {
    throw new TypeError(`${where}: a schema contract is a mode or an object of modes`);
  }
  for (const key of Object.keys(contract)) {
    if (!KEYS.includes(key)) {
      throw new TypeError(
        `${where}: schema contract entity "${key}" is not one of tables, columns, data_type`,
      );
    }
  }
  const dataType = contract.data_type ?? contract.dataType;
  return {
    tables: contract.tables === undefined ? base.tables : checkMode(contract.tables, where),
    columns: contract.columns === undefined ? base.columns : checkMode(contract.columns, where),
    data_type: dataType === undefined ? base.data_type : checkMode(dataType, where),
  };
}

/** Whether `contract` lets everything evolve. */
export function evolvesAll(contract: ExpandedSchemaContract | undefined): boolean {
  return contract === undefined ||
    (contract.tables === "evolve" && contract.columns === "evolve" &&
      contract.data_type === "evolve");
}
