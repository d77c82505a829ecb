/**
 * The columns of one table as a job file writer meets them, shared by the writers of every
 * format: positions in order of first appearance, and the check that NOT NULL columns got a
 * value.
 *
 * @module
 */
import type { ColumnSchema, TableSchema } from "../schema/schema.ts";
import { NormalizeError } from "../errors.ts";

/** A table's columns by position, in the order values first arrived in them. */
export class TableColumns {
  /** The table. */
  readonly table: TableSchema;
  /** Column names by position. */
  readonly names: string[] = [];
  /** The columns by position. */
  readonly columns: ColumnSchema[] = [];
  /** Positions by column name. */
  readonly index: Map<string, number> = new Map();
  /** NOT NULL columns (hinted `nullable: false`; dlt's own columns always have values). */
  readonly #required: ColumnSchema[];

  /** The columns of `table`, none met yet. */
  constructor(table: TableSchema) {
    this.table = table;
    this.#required = Object.values(table.columns).filter((c) =>
      c.nullable === false && !c.name.startsWith("_dlt_")
    );
  }

  /** Gives `column` the next position; returns it. */
  add(column: ColumnSchema): number {
    this.index.set(column.name, this.names.length);
    this.columns.push(column);
    return this.names.push(column.name) - 1;
  }

  /**
   * Fails when the row being written has no value in a NOT NULL column — missing, or moved to a
   * variant column because it did not fit the column's type: the destination would refuse the
   * whole load, naming neither the row nor the reason. `filled(at)` says whether the row has a
   * value at position `at`.
   */
  checkRequired(filled: (at: number) => boolean): void {
    for (const column of this.#required) {
      const at = this.index.get(column.name);
      if (at !== undefined && filled(at)) continue;
      throw new NormalizeError(
        this.table.name,
        column.name,
        `${
          column.primaryKey ? "primary key" : "NOT NULL"
        } column has no value in a row (missing, or not of the column's type)`,
      );
    }
  }
}
