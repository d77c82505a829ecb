/**
 * What the filesystem destination can do, as data the engine reads.
 *
 * @module
 */
import type { DestinationCapabilities } from "../../lib/destination.ts";

/**
 * What the filesystem destination can do: jsonl (dlt's preferred format for it), parquet and csv files; no
 * merge strategy (a `merge` table fails before anything loads, as in dlt without table formats);
 * no transactions (a package completes when its marker is written).
 */
export const FILESYSTEM_CAPABILITIES: DestinationCapabilities = {
  preferredLoaderFileFormat: "jsonl",
  supportedLoaderFileFormats: ["jsonl", "parquet", "csv"],
  supportedMergeStrategies: [],
  supportsTransactions: false,
};
