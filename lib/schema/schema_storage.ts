/**
 * The schemas of a pipeline's working folder (`schemas/<name>.schema.json`), with dlt's import
 * and export folders: a schema saved is also exported, and written once into the import folder
 * for the user to edit; an edited import file is applied before the next extract.
 *
 * The working folder is read and written through its {@linkcode WorkingStorage}. The import and
 * export folders are the user's own paths, outside the working folder, where the user edits
 * YAML files; `schema_file.ts` reads and writes them on the local file system (a browser build
 * has neither option).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { DltError } from "../errors.ts";
import { readJsonFile, writeJsonFile } from "../load/package_store.ts";
import { isNotFound, type WorkingStorage } from "../storage/storage.ts";
import { bumpSchemaVersion, newSchema, type StoredSchema } from "./schema.ts";
import {
  applyImportedSchema,
  parseSchemaFile,
  readSchemaFileText,
  schemaFileName,
  writeSchemaFile,
} from "./schema_file.ts";

/** The folder of the schemas in the working folder. */
const SCHEMAS_DIR = "schemas";

/** Where {@linkcode SchemaStorage} keeps and exchanges schemas. */
export interface SchemaStorageOptions {
  /** dlt's `import_schema_path`: files the user edits, applied when they change. */
  importSchemaPath?: string;
  /** dlt's `export_schema_path`: every saved version is written there too. */
  exportSchemaPath?: string;
}

/** The schemas of one working folder, by name. */
export class SchemaStorage {
  #storage: WorkingStorage;
  #options: SchemaStorageOptions;
  #schemas = new Map<string, StoredSchema>();

  /** The schemas in folder `schemas` of the working folder `storage`. */
  constructor(storage: WorkingStorage, options: SchemaStorageOptions = {}) {
    this.#storage = storage;
    this.#options = options;
  }

  /** The schemas read or saved, by name. */
  get all(): ReadonlyMap<string, StoredSchema> {
    return this.#schemas;
  }

  /** The schema `name`, if known. */
  get(name: string): StoredSchema | undefined {
    return this.#schemas.get(name);
  }

  /** Reads every schema of the folder afresh (another process may have saved some). */
  async reload(): Promise<void> {
    this.#schemas.clear();
    let entries;
    try {
      entries = await this.#storage.list(SCHEMAS_DIR);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    for (const entry of entries) {
      if (!entry.name.endsWith(".schema.json")) continue;
      const schema = await readJsonFile<StoredSchema>(
        this.#storage,
        join(SCHEMAS_DIR, entry.name),
      );
      this.#schemas.set(schema.name, schema);
    }
  }

  /** Forgets every schema (the working folder was dropped). */
  clear(): void {
    this.#schemas.clear();
  }

  /** Whether `schema` is newer than the one known under its name (or none is known). */
  isNewer(schema: StoredSchema): boolean {
    const known = this.#schemas.get(schema.name);
    return known === undefined || schema.version > known.version;
  }

  /** Keeps `schema` in memory if it is newer than the one known (a pending package's). */
  adopt(schema: StoredSchema): void {
    if (this.isNewer(schema)) this.#schemas.set(schema.name, schema);
  }

  /** Saves `schema` to the folder, exports it, and writes the import file once it has tables. */
  async save(schema: StoredSchema): Promise<void> {
    await this.#storage.mkdir(SCHEMAS_DIR);
    await writeJsonFile(this.#storage, join(SCHEMAS_DIR, `${schema.name}.schema.json`), schema);
    this.#schemas.set(schema.name, schema);
    const { exportSchemaPath, importSchemaPath } = this.#options;
    if (exportSchemaPath !== undefined) await writeSchemaFile(exportSchemaPath, schema);
    if (
      importSchemaPath !== undefined && Object.keys(schema.tables).length > 0 &&
      await readSchemaFileText(importSchemaPath, schema.name) === undefined
    ) {
      await writeSchemaFile(importSchemaPath, schema);
    }
  }

  /**
   * Applies the import folder's file of schema `name` when it changed since it was last applied;
   * `checkNaming` refuses a naming convention the pipeline cannot use.
   */
  async applyImport(name: string, checkNaming: (schema: StoredSchema) => void): Promise<void> {
    const dir = this.#options.importSchemaPath;
    if (dir === undefined) return;
    const text = await readSchemaFileText(dir, name);
    if (text === undefined) return;
    const hash = createHash("sha256").update(text).digest("base64url");
    const known = this.#schemas.get(name);
    if (known?.importedHash === hash) return;
    const file = join(dir, schemaFileName(name));
    const imported = await parseSchemaFile(text, file);
    if (imported.name !== name) {
      throw new DltError(`Schema file "${file}" holds schema "${imported.name}", not "${name}"`);
    }
    const schema = known ?? newSchema(name, imported.naming);
    checkNaming(schema);
    applyImportedSchema(schema, imported);
    schema.importedHash = hash;
    bumpSchemaVersion(schema);
    await this.save(schema);
  }
}
