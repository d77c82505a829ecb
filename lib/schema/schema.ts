/**
 * The schema: tables, columns and their hints, as the normalizer infers and evolves them.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { ExpandedSchemaContract } from "./contract.ts";
import type { LoaderFileFormat } from "../destination.ts";

/** Data types of columns, as dlt names them. */
export type DataType =
  | "text"
  | "bigint"
  | "double"
  | "bool"
  | "timestamp"
  | "date"
  | "decimal"
  | "binary"
  | "json";

/** The data types of columns, as dlt names them. */
export const DATA_TYPES: readonly DataType[] = [
  "text",
  "bigint",
  "double",
  "bool",
  "timestamp",
  "date",
  "decimal",
  "binary",
  "json",
];

/**
 * The job file format a table asks for, as dlt's `file_format` hint: a loader file format, or
 * `preferred` for the destination's preferred one.
 */
export type FileFormatHint = LoaderFileFormat | "preferred";

/** How a table's rows are written: dlt's write dispositions. */
export type WriteDisposition = "append" | "replace" | "merge" | "skip";

/** dlt's write dispositions. */
export const WRITE_DISPOSITIONS: readonly WriteDisposition[] = [
  "append",
  "replace",
  "merge",
  "skip",
];

/**
 * How `merge` merges, as in dlt: `delete-insert` (default) replaces rows by primary or merge
 * key, `upsert` updates rows by primary key keeping their ids, `insert-only` inserts rows whose
 * primary key is not in the table yet and leaves the others alone, `scd2` keeps every version of
 * a row with validity columns.
 */
export type MergeStrategy = "delete-insert" | "upsert" | "insert-only" | "scd2";

/** dlt's merge strategies. */
export const MERGE_STRATEGIES: readonly MergeStrategy[] = [
  "delete-insert",
  "upsert",
  "insert-only",
  "scd2",
];

/** dlt's default names of the `scd2` validity columns. */
export const SCD2_COLUMNS = ["_dlt_valid_from", "_dlt_valid_to"] as const;

/** A column and its hints. */
export interface ColumnSchema {
  /** Normalized column name. */
  name: string;
  /** Data type; a column whose type is not known yet has none. */
  dataType?: DataType;
  /** Whether NULL is allowed. @default {true} */
  nullable?: boolean;
  /** Part of the table's primary key. */
  primaryKey?: boolean;
  /** Holds unique values. */
  unique?: boolean;
  /** Part of the merge key: `merge` replaces every row sharing a merge key with the new ones. */
  mergeKey?: boolean;
  /** `merge`: a row whose value here is `true` (or, for other types, not null) is deleted. */
  hardDelete?: boolean;
  /** `merge`: of incoming rows sharing a primary key, the one sorting first here is kept. */
  dedupSort?: "asc" | "desc";
  /** Precision of decimals, timestamps and text lengths. */
  precision?: number;
  /** Scale of decimals. */
  scale?: number;
  /** Whether timestamps keep their time zone. */
  timezone?: boolean;
  /** A variant column, holding values that did not fit the column it was split from. */
  variant?: boolean;
}

/** A table and its columns, in column order. */
export interface TableSchema {
  /** Normalized table name. */
  name: string;
  /** The parent table of a child (nested) table. */
  parent?: string;
  /** The resource that produced the table (root tables). */
  resource?: string;
  /** How rows are written (root tables; children follow their root). */
  writeDisposition?: WriteDisposition;
  /** Cap on nesting below this table. */
  maxTableNesting?: number;
  /**
   * The schema contract of this table and its nested tables that have none (root tables, and
   * nested tables given one by `nestedHints`; none: the parent's, at the root evolve).
   */
  schemaContract?: ExpandedSchemaContract;
  /** Whether nested rows carry `_dlt_root_id`, their root row's `_dlt_id` (root tables). */
  rootKey?: boolean;
  /** How `merge` merges (root tables). @default {"delete-insert"} */
  mergeStrategy?: MergeStrategy;
  /** `scd2`: the names of the valid-from and valid-to columns. */
  validityColumns?: [string, string];
  /** `scd2`: the valid-to value of current rows (ISO 8601); none: NULL. */
  activeRecordTimestamp?: string;
  /** `scd2`: the time new versions become valid and retired ones end (ISO 8601); none: the load's. */
  boundaryTimestamp?: string;
  /** `scd2`: the column identifying a row's version; none: `_dlt_id`, a hash of the row. */
  rowVersionColumn?: string;
  /** `delete-insert`: incoming rows are unique by primary key, so they are not deduplicated. */
  deduplicated?: boolean;
  /** References to other tables' columns: annotations, not enforced (dlt's `references`). */
  references?: TableReference[];
  /** Columns by normalized name. */
  columns: Record<string, ColumnSchema>;
}

/** The cardinality of a table reference, from its columns to the referenced ones (dlt's). */
export type ReferenceCardinality =
  | "zero_to_one"
  | "one_to_zero"
  | "zero_to_many"
  | "many_to_zero"
  | "one_to_many"
  | "many_to_one"
  | "one_to_one"
  | "many_to_many";

/** dlt's cardinalities of a table reference. */
export const REFERENCE_CARDINALITIES: readonly ReferenceCardinality[] = [
  "zero_to_one",
  "one_to_zero",
  "zero_to_many",
  "many_to_zero",
  "one_to_many",
  "many_to_one",
  "one_to_one",
  "many_to_many",
];

/**
 * A reference from columns of a table to columns of another, as dlt's `references`: an
 * annotation in the schema, not enforced by any destination.
 */
export interface TableReference {
  /** The referencing columns of the table, in the order of `referencedColumns`. */
  columns: string[];
  /** The referenced table. */
  referencedTable: string;
  /** The referenced columns. */
  referencedColumns: string[];
  /** What the reference means (e.g. `"bought by"`). */
  label?: string;
  /** How many rows on each side of the reference match. */
  cardinality?: ReferenceCardinality;
}

/** A schema as stored on disk and in `_dlt_version`. */
export interface StoredSchema {
  /** Schema name (the source name). */
  name: string;
  /** Incremented whenever tables or columns change. */
  version: number;
  /** Hash of the tables, to tell schema versions apart. */
  versionHash: string;
  /** Format of this document. */
  engineVersion: number;
  /** Naming convention used for identifiers. */
  naming: string;
  /** Tables by name, in creation order. */
  tables: Record<string, TableSchema>;
  /** Hash of the schema file last applied from the import folder. */
  importedHash?: string;
}

/** Version of the stored schema document format. */
export const SCHEMA_ENGINE_VERSION = 1;

/** Names of the system columns dlt adds (system tables: `SYSTEM_TABLES` in `load/sql.ts`). */
export const DLT = {
  id: "_dlt_id",
  loadId: "_dlt_load_id",
  parentId: "_dlt_parent_id",
  listIdx: "_dlt_list_idx",
  rootId: "_dlt_root_id",
} as const;

/** Creates an empty schema called `name`. */
export function newSchema(name: string, naming = "snake_case"): StoredSchema {
  const schema: StoredSchema = {
    name,
    version: 0,
    versionHash: "",
    engineVersion: SCHEMA_ENGINE_VERSION,
    naming,
    tables: {},
  };
  schema.versionHash = schemaVersionHash(schema);
  return schema;
}

/** A hash of the schema's tables and columns; equal content gives an equal hash. */
export function schemaVersionHash(schema: StoredSchema): string {
  return createHash("sha256").update(JSON.stringify([schema.name, schema.tables])).digest(
    "base64url",
  ).slice(0, 22);
}

/** Increments the version if the content changed since the last hash; returns whether it did. */
export function bumpSchemaVersion(schema: StoredSchema): boolean {
  const hash = schemaVersionHash(schema);
  if (hash === schema.versionHash) return false;
  schema.version += 1;
  schema.versionHash = hash;
  return true;
}

/** The root table of `tableName` (itself when it has no parent). */
export function rootTableOf(schema: StoredSchema, tableName: string): TableSchema {
  let table = schema.tables[tableName];
  if (table === undefined) throw new RangeError(`Unknown table "${tableName}"`);
  while (table.parent !== undefined) {
    const parent = schema.tables[table.parent];
    if (parent === undefined) throw new RangeError(`Unknown table "${table.parent}"`);
    table = parent;
  }
  return table;
}

/** All tables below `tableName`, children before grandchildren. */
export function nestedTablesOf(schema: StoredSchema, tableName: string): TableSchema[] {
  const out: TableSchema[] = [];
  const queue = [tableName];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const t of Object.values(schema.tables)) {
      if (t.parent === parent) {
        out.push(t);
        queue.push(t.name);
      }
    }
  }
  return out;
}

/** Hints a user gives for one column (`columns` option of resources and `run`). */
export type ColumnHint = Omit<ColumnSchema, "name" | "variant">;

/** Hints for the table a resource writes, recorded by extract for normalize. */
export interface TableHints {
  /** The resource that produced the table. */
  resource: string;
  /** How rows are written. */
  writeDisposition: WriteDisposition;
  /** Columns (source names) that form the primary key. */
  primaryKey?: string[];
  /** Columns (source names) that form the merge key. */
  mergeKey?: string[];
  /** Column hints by source column name. */
  columns?: Record<string, ColumnHint>;
  /** Cap on nesting below this table. */
  maxTableNesting?: number;
  /** The schema contract given in code; none keeps the table's (none there: evolve). */
  schemaContract?: ExpandedSchemaContract;
  /** Whether nested rows carry `_dlt_root_id`. */
  rootKey?: boolean;
  /** How `merge` merges. */
  mergeStrategy?: MergeStrategy;
  /** `scd2`: the names of the valid-from and valid-to columns. */
  validityColumns?: [string, string];
  /** `scd2`: the valid-to value of current rows (ISO 8601). */
  activeRecordTimestamp?: string;
  /** `scd2`: the boundary of validity windows (ISO 8601). */
  boundaryTimestamp?: string;
  /** `scd2`: the column (source name) identifying a row's version. */
  rowVersionColumn?: string;
  /** `delete-insert`: incoming rows need no deduplication. */
  deduplicated?: boolean;
  /** The job file format of the table and its nested tables (none: the run's). */
  fileFormat?: FileFormatHint;
  /** Hints of nested tables, by the path of lists from the root item (dlt's `nested_hints`). */
  nestedHints?: NestedTableRecord[];
}

/** Hints of one nested table, by its path from the root item. */
export interface NestedTableRecord {
  /** Field names (source names) from the root item down to the list. */
  path: string[];
  /** Column hints by source column name. */
  columns?: Record<string, ColumnHint>;
  /** The contract of the nested table (and those below it that have none). */
  schemaContract?: ExpandedSchemaContract;
  /**
   * Columns (source names) of its primary key: with one (or a merge key) the nested table is a
   * table of its own (no `parent`, no link to its parent's rows), as in dlt.
   */
  primaryKey?: string[];
  /** Columns (source names) of its merge key (makes it a table of its own as well). */
  mergeKey?: string[];
  /** How rows of the table of its own are written. @default {"append"} */
  writeDisposition?: WriteDisposition;
  /** How `merge` merges rows of the table of its own. */
  mergeStrategy?: MergeStrategy;
  /** References to other tables' columns (source names). */
  references?: TableReference[];
}
