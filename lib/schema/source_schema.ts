/**
 * The schema of a source before it runs, as dlt's `source.discover_schema()`: the tables its
 * selected resources declare, with the hints given in code (table names, write dispositions,
 * primary and merge keys, column hints, contracts), placed as the normalizer places them. No
 * resource runs: a table named by a function of the item is known only from data, and nested
 * tables and inferred columns appear with the first run.
 *
 * @module
 */
import type { DltSource } from "../source.ts";
import { NamingConventions } from "../normalize/conventions.ts";
import { hintsTemplate } from "../extract/table_hints.ts";
import { SchemaEvolver } from "./evolution.ts";
import { bumpSchemaVersion, newSchema, type StoredSchema } from "./schema.ts";

/**
 * The schema `source` declares: one table per selected resource with a static table name, named
 * by the source's naming convention (`snake_case` unless it asks for another).
 */
export function discoverSourceSchema(source: DltSource): StoredSchema {
  // identifiers are not shortened: the destination's limit is known when the pipeline runs
  const conventions = new NamingConventions(source.naming ?? "snake_case", undefined);
  const schema = newSchema(source.name, conventions.defaultName);
  const naming = conventions.get(schema.naming);
  const evolver = new SchemaEvolver(schema, naming);
  for (const r of source.selectedResources) {
    // dlt's discover_schema skips tables whose name or hints need an item
    const { fixed } = hintsTemplate(r, {}, source, undefined);
    if (fixed === undefined || typeof fixed.tableName !== "string") continue;
    const { tableName, ...hints } = fixed;
    evolver.applyTableHints(naming.normalizeIdentifier(tableName), hints);
  }
  bumpSchemaVersion(schema);
  return schema;
}
