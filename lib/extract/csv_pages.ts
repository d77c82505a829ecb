/**
 * Pages of rows that a source hands over already encoded as CSV records, typed by their
 * columns, so that no row becomes an object on its way to the destination: extract writes a
 * page's bytes as they are into an extracted `.csv` file, and normalize appends `_dlt_load_id`
 * and `_dlt_id` to each record where the destination loads CSV files (else it reads the records
 * back into items, see `lib/normalize/_csv_pages.ts`). The `sql_database` source reads
 * Postgres tables with `COPY … TO STDOUT` into them.
 *
 * A page holds whole records, each ending with `\n`, fields in the order of its columns, RFC
 * 4180 quoting (`""` inside quotes). NULL is an empty unquoted field and an empty string `""`.
 * Values are written as the CSV job files write them (`lib/normalize/csv.ts`), so that a
 * loader reads them as they are: bigints and decimals as digits, doubles as their shortest
 * exact text (`NaN`, `Infinity`, `-Infinity`), bools `true`/`false`, binary as base64, json as
 * JSON text, dates `YYYY-MM-DD`, timestamps `YYYY-MM-DD HH:MM:SS[.ffffff]` followed by their
 * UTC offset (`+00`, or ISO 8601's `T` and `Z`).
 *
 * A resource may yield pages only when extract says so for its run ({@linkcode takesCsvPages}):
 * when what it yields reaches the written file unchanged — no maps, filters, limit or
 * transformer see its items, and its hints are fixed. Everywhere else (iterating a resource,
 * `toArray`) it yields rows. An incremental cursor lets pages pass: a source that yields them
 * applies the cursor itself, and yields as rows those the cursor must see (the rows at its start
 * value, which it compares with those loaded before, and at its new last value, whose hashes it
 * keeps).
 *
 * @module
 */
import type { ResourceContext } from "../resource.ts";
import type { DataType } from "../schema/schema.ts";

/** A column of a {@linkcode CsvPage}: its name as the source gives it, and its data type. */
export interface CsvPageColumn {
  /** The column's name, not normalized. */
  readonly name: string;
  /** The type its values are written as. */
  readonly dataType: DataType;
}

/** Whole CSV records of rows with the same columns (see the module doc). */
export class CsvPage {
  /** The columns of every record, in order. */
  readonly columns: readonly CsvPageColumn[];
  /**
   * The records, each ending with `\n`, in pieces cut anywhere (as they came, not copied into
   * one array).
   */
  readonly parts: readonly Uint8Array[];
  /** The number of records. */
  readonly rows: number;

  /** A page of `rows` records of `columns`, the bytes of `parts` one after another. */
  constructor(columns: readonly CsvPageColumn[], parts: readonly Uint8Array[], rows: number) {
    this.columns = columns;
    this.parts = parts;
    this.rows = rows;
  }
}

/** The contexts of resource runs that may yield pages. */
const takingPages = new WeakSet<ResourceContext>();

/** Lets the resource run of `context` yield {@linkcode CsvPage}s (extract decides). */
export function allowCsvPages(context: ResourceContext): void {
  takingPages.add(context);
}

/** Whether the resource run of `context` may yield {@linkcode CsvPage}s instead of rows. */
export function takesCsvPages(context: ResourceContext): boolean {
  return takingPages.has(context);
}
