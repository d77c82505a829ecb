/**
 * {@linkcode Schema}: a schema as users read it in code, as dlt's `Schema` (`pipeline.defaultSchema`,
 * `source.schema`): its tables, columns and hints, and its text in dlt's schema format. It is a
 * read-only copy of a {@linkcode StoredSchema}, taken when it is asked for: the pipeline's own
 * schema changes only through its runs.
 *
 * @module
 */
import { boolean, checkOptions, type OptionSpec } from "../options.ts";
import type { ColumnSchema, StoredSchema, TableSchema } from "./schema.ts";
import { schemaToJson, schemaToYaml, toDltDocument } from "./schema_file.ts";

/** Options of {@linkcode Schema.dataTables}, {@linkcode Schema.dataTableNames} and {@linkcode Schema.getTableColumns}. */
export interface SchemaTablesOptions {
  /**
   * Include what has no data type yet: tables without a typed column, columns without a type (a
   * hint given before any data arrived), as dlt's `include_incomplete`.
   * @default {false}
   */
  includeIncomplete?: boolean;
}

const TABLES_SPEC: OptionSpec<SchemaTablesOptions> = { includeIncomplete: boolean() };

/** The prefix of dlt's own tables and columns. */
const DLT_PREFIX = "_dlt_";

/**
 * A schema: tables with their columns and hints, in camelCase as the pipeline's schema files
 * (`schemas/<name>.schema.json`) hold them; read-only (frozen).
 *
 * @example
 * ```ts
 * import { newSchema } from "./schema.ts";
 * import { Schema } from "./schema_view.ts";
 * const stored = newSchema("shop");
 * stored.tables.orders = {
 *   name: "orders",
 *   writeDisposition: "merge",
 *   columns: {
 *     id: { name: "id", dataType: "bigint", nullable: false, primaryKey: true },
 *     note: { name: "note" }, // a hint without a type yet
 *   },
 * };
 * const schema = new Schema(stored);
 * if (schema.tables.orders.columns.id.dataType !== "bigint") throw new Error();
 * if (Object.keys(schema.getTableColumns("orders")).join() !== "id") throw new Error();
 * if (schema.dataTableNames().join() !== "orders") throw new Error();
 * if (!(await schema.toPrettyYaml()).includes("write_disposition: merge")) throw new Error();
 * ```
 */
export class Schema {
  #stored: StoredSchema;

  /** A read-only copy of `stored` (later changes to `stored` do not show). */
  constructor(stored: StoredSchema) {
    this.#stored = deepFreeze(structuredClone(stored));
  }

  /** The schema name: the name of the source it belongs to. */
  get name(): string {
    return this.#stored.name;
  }

  /** The version, incremented whenever tables or columns change. */
  get version(): number {
    return this.#stored.version;
  }

  /** A hash of the tables and columns, telling versions apart. */
  get versionHash(): string {
    return this.#stored.versionHash;
  }

  /** The naming convention of its identifiers (`snake_case`, `direct`, …). */
  get naming(): string {
    return this.#stored.naming;
  }

  /** The tables by name, in creation order: nested tables name their `parent`. */
  get tables(): Readonly<Record<string, TableSchema>> {
    return this.#stored.tables;
  }

  /** The table `name`; a `RangeError` naming the known tables when there is none. */
  getTable(name: string): TableSchema {
    const table = Object.hasOwn(this.#stored.tables, name) ? this.#stored.tables[name] : undefined;
    if (table === undefined) {
      const known = Object.keys(this.#stored.tables);
      throw new RangeError(
        `Schema "${this.name}" has no table "${name}"; it has: ${
          known.length === 0 ? "none" : known.map((t) => `"${t}"`).join(", ")
        }`,
      );
    }
    return table;
  }

  /**
   * The columns of table `name` that have a data type (with `includeIncomplete`, all), as dlt's
   * `get_table_columns`; a `RangeError` when there is no such table.
   */
  getTableColumns(
    name: string,
    options: SchemaTablesOptions = {},
  ): Readonly<Record<string, ColumnSchema>> {
    const { includeIncomplete } = checkOptions(options, TABLES_SPEC, "getTableColumns()");
    const columns = this.getTable(name).columns;
    if (includeIncomplete) return columns;
    return Object.fromEntries(
      Object.entries(columns).filter(([, column]) => column.dataType !== undefined),
    );
  }

  /**
   * The tables that hold loaded data, as dlt's `data_tables`: not dlt's own (`_dlt_*`), and only
   * those with a typed column unless `includeIncomplete`.
   */
  dataTables(options: SchemaTablesOptions = {}): TableSchema[] {
    const { includeIncomplete } = checkOptions(options, TABLES_SPEC, "dataTables()");
    return Object.values(this.#stored.tables).filter((table) =>
      !table.name.startsWith(DLT_PREFIX) &&
      (includeIncomplete || Object.values(table.columns).some((c) => c.dataType !== undefined))
    );
  }

  /** The names of {@linkcode Schema.dataTables}, as dlt's `data_table_names`. */
  dataTableNames(options: SchemaTablesOptions = {}): string[] {
    checkOptions(options, TABLES_SPEC, "dataTableNames()");
    return this.dataTables(options).map((table) => table.name);
  }

  /**
   * The schema as a document in dlt's format (snake_case: `data_type`, `write_disposition`), as
   * dlt's `to_dict`: what the schema files hold, readable by dlt's own tools.
   */
  toDict(): Record<string, unknown> {
    return toDltDocument(this.#stored);
  }

  /**
   * The schema as the pipeline stores it (camelCase), a copy: what `JSON.stringify(schema)`
   * writes.
   */
  toJSON(): StoredSchema {
    return structuredClone(this.#stored);
  }

  /**
   * The schema as JSON text in dlt's format, as dlt's `to_pretty_json`: what
   * `dlt pipeline <name> schema --format json` prints.
   */
  toPrettyJson(): string {
    return schemaToJson(this.#stored);
  }

  /**
   * The schema as YAML text in dlt's format, as dlt's `to_pretty_yaml`: the text of the
   * `<name>.schema.yaml` file that `exportSchemaPath` receives. Asynchronous, unlike dlt's: the
   * YAML library loads on first use, so pipelines that never write YAML do not load it.
   */
  toPrettyYaml(): Promise<string> {
    return schemaToYaml(this.#stored);
  }
}

/** Freezes `value` and everything it holds; returns it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
