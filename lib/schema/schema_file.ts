/**
 * Schema files: a schema as a YAML document in dlt's format (`<name>.schema.yaml`), which a user
 * can read and edit, and which dlt's own tools recognise (`data_type`, `write_disposition`,
 * `primary_key`, `schema_contract`, …).
 *
 * The files live in the user's import and export folders (`importSchemaPath`,
 * `exportSchemaPath`), not in the pipeline's working folder, so they are read and written here
 * with `Deno.*` rather than through the working folder's storage (`lib/storage/`).
 *
 * @module
 */
import { join } from "node:path";
import { DltError } from "../errors.ts";
import {
  type ColumnSchema,
  DATA_TYPES,
  type DataType,
  REFERENCE_CARDINALITIES,
  type StoredSchema,
  type TableReference,
  type TableSchema,
  WRITE_DISPOSITIONS,
  type WriteDisposition,
} from "./schema.ts";
import { expandSchemaContract } from "./contract.ts";

/** Column properties: ours and dlt's spelling. */
const COLUMN_KEYS = [
  ["dataType", "data_type"],
  ["nullable", "nullable"],
  ["primaryKey", "primary_key"],
  ["unique", "unique"],
  ["mergeKey", "merge_key"],
  ["hardDelete", "hard_delete"],
  ["dedupSort", "dedup_sort"],
  ["precision", "precision"],
  ["scale", "scale"],
  ["timezone", "timezone"],
  ["variant", "variant"],
] as const;

/** The file name of schema `name` in a schema folder. */
export function schemaFileName(name: string): string {
  return `${name}.schema.yaml`;
}

/** `schema` as a document in dlt's schema format. */
export function toDltDocument(schema: StoredSchema): Record<string, unknown> {
  const tables: Record<string, unknown> = {};
  for (const table of Object.values(schema.tables)) {
    const columns: Record<string, unknown> = {};
    for (const column of Object.values(table.columns)) {
      const out: Record<string, unknown> = { name: column.name };
      for (const [ours, theirs] of COLUMN_KEYS) {
        if (column[ours] !== undefined) out[theirs] = column[ours];
      }
      columns[column.name] = out;
    }
    const out: Record<string, unknown> = { name: table.name, columns };
    if (table.parent !== undefined) out.parent = table.parent;
    if (table.resource !== undefined) out.resource = table.resource;
    if (table.writeDisposition !== undefined) out.write_disposition = table.writeDisposition;
    if (table.schemaContract !== undefined) out.schema_contract = { ...table.schemaContract };
    if (table.references !== undefined) {
      out.references = table.references.map((reference) => ({
        referenced_table: reference.referencedTable,
        columns: [...reference.columns],
        referenced_columns: [...reference.referencedColumns],
        ...(reference.label === undefined ? {} : { label: reference.label }),
        ...(reference.cardinality === undefined ? {} : { cardinality: reference.cardinality }),
      }));
    }
    if (table.maxTableNesting !== undefined || table.rootKey) {
      out["x-normalizer"] = {
        ...(table.maxTableNesting === undefined ? {} : { max_nesting: table.maxTableNesting }),
        ...(table.rootKey ? { root_key: true } : {}),
      };
    }
    tables[table.name] = out;
  }
  return {
    version: schema.version,
    version_hash: schema.versionHash,
    engine_version: schema.engineVersion,
    name: schema.name,
    tables,
    normalizers: { names: schema.naming },
  };
}

function fail(where: string, message: string): never {
  throw new DltError(`Schema file ${where}: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readColumn(where: string, name: string, raw: unknown): ColumnSchema {
  if (!isObject(raw)) fail(where, "is not a mapping of column properties");
  const column: ColumnSchema = { name };
  for (const [ours, theirs] of COLUMN_KEYS) {
    const value = raw[theirs] ?? raw[ours];
    if (value === undefined || value === null) continue;
    if (ours === "dataType") {
      // dlt's older name for json
      const type = value === "complex" ? "json" : value;
      if (typeof type !== "string" || !(DATA_TYPES as readonly string[]).includes(type)) {
        fail(where, `data_type ${JSON.stringify(value)} is not one of ${DATA_TYPES.join(", ")}`);
      }
      column.dataType = type as DataType;
    } else if (ours === "dedupSort") {
      if (value !== "asc" && value !== "desc") fail(where, `dedup_sort must be "asc" or "desc"`);
      column.dedupSort = value;
    } else if (ours === "precision" || ours === "scale") {
      if (!Number.isInteger(value)) fail(where, `${theirs} must be an integer`);
      column[ours] = value as number;
    } else {
      if (typeof value !== "boolean") fail(where, `${theirs} must be true or false`);
      column[ours as "nullable"] = value;
    }
  }
  return column;
}

function readTable(where: string, name: string, raw: unknown): TableSchema {
  if (!isObject(raw)) fail(where, "is not a mapping of table properties");
  const table: TableSchema = { name, columns: {} };
  const columns = raw.columns ?? {};
  if (!isObject(columns)) fail(where, "columns is not a mapping");
  for (const [column, value] of Object.entries(columns)) {
    table.columns[column] = readColumn(`${where}, column "${column}"`, column, value);
  }
  if (typeof raw.parent === "string") table.parent = raw.parent;
  if (typeof raw.resource === "string") table.resource = raw.resource;
  const disposition = raw.write_disposition ?? raw.writeDisposition;
  if (disposition !== undefined && disposition !== null) {
    if (
      typeof disposition !== "string" ||
      !(WRITE_DISPOSITIONS as readonly string[]).includes(disposition)
    ) {
      fail(
        where,
        `write_disposition ${JSON.stringify(disposition)} is not one of ${
          WRITE_DISPOSITIONS.join(", ")
        }`,
      );
    }
    table.writeDisposition = disposition as WriteDisposition;
  }
  const contract = raw.schema_contract ?? raw.schemaContract;
  if (contract !== undefined && contract !== null) {
    try {
      table.schemaContract = expandSchemaContract(contract as never, where);
    } catch (error) {
      fail(where, (error as Error).message.replace(`${where}: `, ""));
    }
  }
  if (raw.references !== undefined && raw.references !== null) {
    table.references = readReferences(where, raw.references);
  }
  const normalizer = raw["x-normalizer"];
  if (isObject(normalizer) && Number.isInteger(normalizer.max_nesting)) {
    table.maxTableNesting = normalizer.max_nesting as number;
  }
  if (isObject(normalizer) && normalizer.root_key === true) table.rootKey = true;
  return table;
}

/** A list of column names in a schema file. */
function isNames(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string");
}

/** The `references` of a table in a schema file (dlt's snake_case keys, or camelCase). */
function readReferences(where: string, raw: unknown): TableReference[] {
  if (!Array.isArray(raw)) fail(where, "references is not a list");
  return raw.map((entry, i) => {
    const at = `${where}, reference ${i}`;
    if (!isObject(entry)) fail(at, "is not a mapping");
    const table = entry.referenced_table ?? entry.referencedTable;
    const columns = entry.columns;
    const referenced = entry.referenced_columns ?? entry.referencedColumns;
    if (typeof table !== "string" || table === "") fail(at, "referenced_table is not a table name");
    if (!isNames(columns)) fail(at, "columns is not a list of column names");
    if (!isNames(referenced)) fail(at, "referenced_columns is not a list of column names");
    const reference: TableReference = {
      columns: [...columns],
      referencedTable: table,
      referencedColumns: [...referenced],
    };
    if (typeof entry.label === "string") reference.label = entry.label;
    const cardinality = entry.cardinality;
    if (cardinality !== undefined && cardinality !== null) {
      if (!(REFERENCE_CARDINALITIES as readonly unknown[]).includes(cardinality)) {
        fail(
          at,
          `cardinality ${JSON.stringify(cardinality)} is not one of ${
            REFERENCE_CARDINALITIES.join(", ")
          }`,
        );
      }
      reference.cardinality = cardinality as TableReference["cardinality"];
    }
    return reference;
  });
}

/**
 * Reads a schema document in dlt's format (as {@linkcode toDltDocument} writes it). Throws a
 * {@linkcode DltError} naming the file, table and column of anything it cannot take.
 */
export function fromDltDocument(document: unknown, file: string): StoredSchema {
  if (!isObject(document)) fail(`"${file}"`, "is not a mapping");
  if (typeof document.name !== "string" || document.name === "") {
    fail(`"${file}"`, "has no name");
  }
  const tables = document.tables ?? {};
  if (!isObject(tables)) fail(`"${file}"`, "tables is not a mapping");
  const schema: StoredSchema = {
    name: document.name,
    version: Number.isInteger(document.version) ? document.version as number : 0,
    versionHash: typeof document.version_hash === "string" ? document.version_hash : "",
    engineVersion: 1,
    naming: isObject(document.normalizers) && typeof document.normalizers.names === "string"
      ? document.normalizers.names
      : "snake_case",
    tables: {},
  };
  for (const [name, raw] of Object.entries(tables)) {
    if (name.startsWith("_dlt_")) continue; // dlt's system tables: the destination keeps its own
    schema.tables[name] = readTable(`"${file}", table "${name}"`, name, raw);
  }
  return schema;
}

/**
 * The YAML library, loaded when a schema file is read or written: a pipeline without import or
 * export folders never needs it.
 */
function yaml(): Promise<typeof import("../deps/yaml.ts")> {
  return import("../deps/yaml.ts");
}

/** `schema` as the YAML text of its schema file (what {@linkcode writeSchemaFile} writes). */
export async function schemaToYaml(schema: StoredSchema): Promise<string> {
  const { stringify } = await yaml();
  return stringify(toDltDocument(schema), { lineWidth: 0 });
}

/** `schema` as JSON text in dlt's format (what `dlt pipeline <name> schema --format json` prints). */
export function schemaToJson(schema: StoredSchema): string {
  return JSON.stringify(toDltDocument(schema), null, 2);
}

/** Writes `schema` to `<dir>/<name>.schema.yaml`; returns the file's path. */
export async function writeSchemaFile(dir: string, schema: StoredSchema): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const path = join(dir, schemaFileName(schema.name));
  const temporary = `${path}.tmp`;
  await Deno.writeTextFile(temporary, await schemaToYaml(schema));
  await Deno.rename(temporary, path);
  return path;
}

/** The text of `<dir>/<name>.schema.yaml`, or `undefined` when there is no such file. */
export async function readSchemaFileText(dir: string, name: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(join(dir, schemaFileName(name)));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Parses the YAML `text` of schema file `file`. */
export async function parseSchemaFile(text: string, file: string): Promise<StoredSchema> {
  const { parse } = await yaml();
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    fail(`"${file}"`, `is not valid YAML: ${(error as Error).message}`);
  }
  return fromDltDocument(document, file);
}

/**
 * Applies the tables and column hints of `imported` to `schema` (in place): tables it lacks are
 * added, and every property the imported file sets overrides the schema's.
 */
export function applyImportedSchema(schema: StoredSchema, imported: StoredSchema): void {
  for (const table of Object.values(imported.tables)) {
    const existing = schema.tables[table.name];
    if (existing === undefined) {
      schema.tables[table.name] = structuredClone(table);
      continue;
    }
    const { columns, name: _name, ...properties } = table;
    Object.assign(existing, properties);
    for (const column of Object.values(columns)) {
      existing.columns[column.name] = { ...existing.columns[column.name], ...column };
    }
  }
}
