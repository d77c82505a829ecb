/**
 * The check every destination makes before it loads a package: each table that asks for `merge`
 * asks for a strategy the destination runs, as its capabilities say.
 *
 * @module
 */
import type { DestinationCapabilities } from "../destination.ts";
import { DestinationError } from "../errors.ts";
import type { StoredSchema } from "../schema/schema.ts";

/**
 * Refuses, with a `DestinationError` naming the table, a `schema` with a `merge` table whose
 * strategy `capabilities` lack. A destination that runs no strategy (`filesystem`) says which
 * write dispositions it takes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkMergeStrategies } from "./merge_support.ts";
 * const schema = {
 *   name: "s", version: 1, versionHash: "", engineVersion: 1, naming: "snake_case",
 *   tables: { items: { name: "items", writeDisposition: "merge" as const, columns: {} } },
 * };
 * const capabilities = {
 *   preferredLoaderFileFormat: "jsonl" as const, supportedLoaderFileFormats: ["jsonl" as const],
 *   supportedMergeStrategies: [], supportsTransactions: false,
 * };
 * assert.throws(
 *   () => checkMergeStrategies(schema, capabilities, "filesystem"),
 *   /Table "items" has write disposition "merge", which destination "filesystem" does not support; it takes "append", "replace"/,
 * );
 * ```
 */
export function checkMergeStrategies(
  schema: StoredSchema,
  capabilities: DestinationCapabilities,
  destinationName?: string,
): void {
  const supported = capabilities.supportedMergeStrategies;
  const destination = destinationName === undefined
    ? "this destination"
    : `destination "${destinationName}"`;
  for (const table of Object.values(schema.tables)) {
    if (table.writeDisposition !== "merge") continue;
    if (supported.length === 0) {
      throw new DestinationError(
        `Table "${table.name}" has write disposition "merge", which ${destination} does not support; it takes "append", "replace"`,
      );
    }
    const strategy = table.mergeStrategy ?? "delete-insert";
    if (supported.includes(strategy)) continue;
    throw new DestinationError(
      `Table "${table.name}" asks for merge strategy "${strategy}", which ${destination} does not run; it runs ${
        supported.map((s) => `"${s}"`).join(", ")
      }`,
    );
  }
}
