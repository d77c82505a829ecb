/**
 * The SQL dialect of the postgres destination: dlt's Postgres type mapping
 * (`dlt/destinations/impl/postgres/factory.py`), its capabilities, and the rules a dataset
 * (a Postgres schema) name must follow.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { DestinationCapabilities } from "../../lib/destination.ts";
import { DestinationError } from "../../lib/errors.ts";
import type { SqlDialect } from "../../lib/load/sql_dialect.ts";
import { shortenIdentifier } from "../../lib/normalize/naming.ts";
import type { ColumnSchema } from "../../lib/schema/schema.ts";

/** Longest identifier Postgres keeps, in bytes (`NAMEDATALEN - 1`); it cuts longer ones. */
export const MAX_IDENTIFIER_BYTES = 63;

/** What the postgres destination can do: it loads CSV (by `COPY`) and INSERT VALUES files. */
export const POSTGRES_CAPABILITIES: DestinationCapabilities = {
  preferredLoaderFileFormat: "csv",
  supportedLoaderFileFormats: ["csv", "insert_values"],
  supportedMergeStrategies: ["delete-insert", "upsert", "scd2", "insert-only"],
  maxIdentifierLength: MAX_IDENTIFIER_BYTES,
  // MaxHeapAttributeNumber
  maxColumnsPerTable: 1600,
  supportsTransactions: true,
  // not `loadsOffMainThread`: a chain's transaction would then be open while extract runs, and a
  // table it alters would stay locked for other sessions' readers (a resource reading the
  // destination among them, which extract waits for) until the commit
};

/** Integer types by the bits a `bigint` column's precision asks for, as dlt maps them. */
const INTEGER_TYPES: [bits: number, type: string][] = [
  [16, "smallint"],
  [32, "integer"],
  [64, "bigint"],
];

/** dlt's default precision and scale of decimals (`DEFAULT_NUMERIC_PRECISION`, `…_SCALE`). */
const DECIMAL_DEFAULT = { precision: 38, scale: 9 };

/** Most fractional digits of a Postgres timestamp. */
const MAX_TIMESTAMP_PRECISION = 6;

/**
 * The Postgres type of `column`, as dlt maps it: text → `varchar` (`varchar(n)` with a
 * precision), bigint by bits of precision → `smallint`, `integer`, `bigint`, double →
 * `double precision`, bool → `boolean`, timestamp → `timestamp with time zone` (`without time
 * zone` when `timezone` is false; a precision of 0 to 6 fractional digits), date → `date`,
 * decimal → `numeric(p,s)` (dlt's default 38,9; a precision alone has scale 0, as SQL's
 * `numeric(p)`), binary → `bytea`, json → `jsonb`. An integer of more than 64 bits, which dlt
 * refuses on Postgres, is a `numeric` of as many digits (as DuckDB's HUGEINT holds it). A
 * timestamp precision above 6 is a `RangeError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { postgresColumnType } from "./_dialect.ts";
 * assert.equal(postgresColumnType({ name: "n", dataType: "bigint", precision: 32 }), "integer");
 * assert.equal(postgresColumnType({ name: "t", dataType: "text", precision: 10 }), "varchar(10)");
 * assert.equal(
 *   postgresColumnType({ name: "at", dataType: "timestamp", timezone: false, precision: 3 }),
 *   "timestamp (3) without time zone",
 * );
 * assert.equal(postgresColumnType({ name: "d", dataType: "decimal" }), "numeric(38,9)");
 * ```
 */
export function postgresColumnType(column: ColumnSchema): string {
  const { precision, scale } = column;
  switch (column.dataType!) {
    case "text":
      return precision === undefined ? "varchar" : `varchar(${precision})`;
    case "bigint":
      if (precision === undefined) return "bigint";
      return INTEGER_TYPES.find(([bits]) => precision <= bits)?.[1] ??
        `numeric(${Math.ceil(precision * Math.log10(2))},0)`;
    case "double":
      return "double precision";
    case "bool":
      return "boolean";
    case "timestamp": {
      if (precision !== undefined && !(precision >= 0 && precision <= MAX_TIMESTAMP_PRECISION)) {
        throw new RangeError(
          `Column "${column.name}": Postgres timestamps have 0 to ${MAX_TIMESTAMP_PRECISION} fractional digits; got precision ${precision}`,
        );
      }
      const digits = precision === undefined ? "" : ` (${precision})`;
      return `timestamp${digits} ${column.timezone === false ? "without" : "with"} time zone`;
    }
    case "date":
      return "date";
    case "decimal": {
      const p = precision ?? DECIMAL_DEFAULT.precision;
      const s = scale ?? (precision === undefined ? DECIMAL_DEFAULT.scale : 0);
      return `numeric(${p},${s})`;
    }
    case "binary":
      return "bytea";
    case "json":
      return "jsonb";
  }
}

/** The dialect the shared SQL job client speaks to Postgres in. */
export const POSTGRES_DIALECT: SqlDialect = {
  capabilities: POSTGRES_CAPABILITIES,
  columnType: postgresColumnType,
  // tables the client inserts into are only appended to before a merge reads them
  insertOrder: "ctid",
};

/**
 * Checks that `datasetName` can be a Postgres schema: not empty, at most 63 bytes (Postgres
 * would cut a longer one, so two datasets could share a schema), no NUL character, not starting
 * with `pg_` (reserved for system schemas). A `DestinationError` otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkDatasetName } from "./_dialect.ts";
 * checkDatasetName("github_events");
 * assert.throws(() => checkDatasetName("x".repeat(64)), { name: "DestinationError" });
 * assert.throws(() => checkDatasetName("pg_data"), /reserved/);
 * ```
 */
export function checkDatasetName(datasetName: string): void {
  const bytes = Buffer.byteLength(datasetName, "utf8");
  const refuse = (why: string): never => {
    throw new DestinationError(
      `Dataset name "${datasetName}" cannot be a Postgres schema name: ${why}`,
    );
  };
  if (datasetName === "") refuse("it is empty");
  if (bytes > MAX_IDENTIFIER_BYTES) {
    refuse(
      `it has ${bytes} bytes, and Postgres keeps ${MAX_IDENTIFIER_BYTES} (give a shorter datasetName)`,
    );
  }
  if (datasetName.includes("\0")) refuse("it contains a NUL character");
  if (datasetName.startsWith("pg_")) refuse('the prefix "pg_" is reserved for system schemas');
}

/**
 * The schema where merges stage rows, `<dataset>_staging` as in dlt, shortened with a hash (as
 * dlt shortens identifiers) when that is longer than Postgres keeps.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stagingDatasetName } from "./_dialect.ts";
 * assert.equal(stagingDatasetName("events"), "events_staging");
 * assert.equal(stagingDatasetName("e".repeat(60)).length, 63);
 * ```
 */
export function stagingDatasetName(datasetName: string): string {
  const staging = `${datasetName}_staging`;
  // shortenIdentifier counts characters: a name of wider ones is shortened further until it fits
  for (let length = MAX_IDENTIFIER_BYTES;; length--) {
    const name = shortenIdentifier(staging, staging, length);
    if (Buffer.byteLength(name, "utf8") <= MAX_IDENTIFIER_BYTES) return name;
  }
}
