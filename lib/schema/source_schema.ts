/**
 * The schema of a source before it runs, as dlt's `source.discover_schema()`: the tables its
 * selected resources declare, with the hints given in code (table names, write dispositions,
 * primary and merge keys, column hints, contracts), placed as the normalizer places them. No
 * resource runs: a table named by a function of the item is known only from data, and nested
 * tables and inferred columns appear with the first run.
 *
 * @module
 */
import type { DltResource } from "../resource.ts";
import { keyColumns } from "../resource_hints.ts";
import type { DltSource } from "../source.ts";
import { NamingConventions } from "../normalize/conventions.ts";
import { expandSchemaContract } from "./contract.ts";
import { SchemaEvolver } from "./evolution.ts";
import { bumpSchemaVersion, newSchema, type StoredSchema, type TableHints } from "./schema.ts";

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
    const tableName = r.hints.tableName ?? r.name;
    // dlt's discover_schema skips tables whose name needs an item as well
    if (typeof tableName !== "string") continue;
    evolver.applyTableHints(naming.normalizeIdentifier(tableName), tableHintsOf(r, source));
  }
  bumpSchemaVersion(schema);
  return schema;
}

/**
 * The table hints of `r` in `source`, as extract records them for normalize (`resolveHints` in
 * `extract/extract.ts`, there with the run's options on top).
 */
function tableHintsOf(r: DltResource, source: DltSource): TableHints {
  const h = r.hints;
  const strategy = h.writeDisposition === "merge" ? h.mergeStrategy : undefined;
  const scd2 = strategy === "scd2";
  const given = source.schemaContract !== undefined || h.schemaContract !== undefined;
  const contract = expandSchemaContract(
    h.schemaContract,
    `Resource "${r.name}"`,
    expandSchemaContract(source.schemaContract, `Source "${source.name}"`),
  );
  return {
    resource: r.name,
    writeDisposition: h.writeDisposition ?? "append",
    primaryKey: keyColumns(h.primaryKey),
    mergeKey: keyColumns(h.mergeKey),
    columns: h.columns,
    mergeStrategy: strategy,
    validityColumns: scd2 ? h.validityColumnNames : undefined,
    activeRecordTimestamp: scd2 ? isoTimestamp(h.activeRecordTimestamp) : undefined,
    boundaryTimestamp: scd2 ? isoTimestamp(h.boundaryTimestamp) : undefined,
    rowVersionColumn: scd2 ? h.rowVersionColumnName : undefined,
    deduplicated:
      h.writeDisposition === "merge" && (strategy ?? "delete-insert") === "delete-insert"
        ? h.deduplicated
        : undefined,
    maxTableNesting: h.maxTableNesting ?? source.maxTableNesting,
    // merge finds nested rows by their root: they carry `_dlt_root_id`, as in dlt
    rootKey: h.rootKey || source.rootKey || h.writeDisposition === "merge" ? true : undefined,
    schemaContract: given ? contract : undefined,
  };
}

/** A timestamp hint as ISO 8601 text. */
function isoTimestamp(value: string | Date | undefined): string | undefined {
  return value === undefined ? undefined : new Date(value).toISOString();
}
