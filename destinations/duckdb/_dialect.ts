/**
 * DuckDB's SQL dialect for the shared SQL job client: what each engine loads, dlt's DuckDB type
 * mapping and how a CSV field of each type is read into its column.
 *
 * @module
 */
import type { DestinationCapabilities } from "../../lib/destination.ts";
import type { SqlDialect } from "../../lib/load/sql_dialect.ts";
import type { ColumnSchema } from "../../lib/schema/schema.ts";

/**
 * What DuckDB on its default engine, DuckDB-WASM, can do: it loads CSV (it has no Parquet
 * reader here).
 */
export const DUCKDB_CAPABILITIES: DestinationCapabilities = {
  preferredLoaderFileFormat: "csv",
  supportedLoaderFileFormats: ["csv"],
  supportedMergeStrategies: ["delete-insert", "upsert", "scd2", "insert-only"],
  maxIdentifierLength: 65536,
  supportsTransactions: true,
};

/** What native DuckDB can do: the same, and it loads Parquet files with `read_parquet`. */
export const NATIVE_DUCKDB_CAPABILITIES: DestinationCapabilities = {
  ...DUCKDB_CAPABILITIES,
  supportedLoaderFileFormats: ["csv", "parquet"],
  // its statements run on DuckDB's threads
  loadsOffMainThread: true,
};

/** Integer types by the bits a `bigint` column's precision asks for, as dlt maps them. */
const INTEGER_TYPES: [bits: number, type: string][] = [
  [8, "TINYINT"],
  [16, "SMALLINT"],
  [32, "INTEGER"],
  [64, "BIGINT"],
];
/** Timestamp types without time zone by fractional digits (DuckDB's with time zone has 6). */
const TIMESTAMP_TYPES: Record<number, string> = {
  0: "TIMESTAMP_S",
  3: "TIMESTAMP_MS",
  6: "TIMESTAMP",
  9: "TIMESTAMP_NS",
};
/** dlt's default precision and scale of decimals on DuckDB. */
const DECIMAL_DEFAULT = { precision: 38, scale: 9 };
/** Most digits of a DECIMAL that DuckDB stores in 64 bits. */
const INT64_DECIMAL_DIGITS = 18;

/** The precision and scale of a decimal `column`: its hints, else dlt's defaults. */
function decimalOf(column: ColumnSchema): { precision: number; scale: number } {
  return {
    precision: column.precision ?? DECIMAL_DEFAULT.precision,
    scale: column.scale ?? (column.precision === undefined ? DECIMAL_DEFAULT.scale : 0),
  };
}

/** The SQL type of `column`, following its precision, scale and time zone hints. */
export function sqlType(column: ColumnSchema): string {
  switch (column.dataType!) {
    case "text":
    case "json":
      return "VARCHAR";
    case "bigint": {
      if (column.precision === undefined) return "BIGINT";
      return INTEGER_TYPES.find(([bits]) => column.precision! <= bits)?.[1] ?? "HUGEINT";
    }
    case "double":
      return "DOUBLE";
    case "bool":
      return "BOOLEAN";
    case "timestamp":
      if (column.timezone !== false) return "TIMESTAMP WITH TIME ZONE";
      return TIMESTAMP_TYPES[column.precision ?? 6] ?? "TIMESTAMP";
    case "date":
      return "DATE";
    case "decimal": {
      const { precision, scale } = decimalOf(column);
      return `DECIMAL(${precision},${scale})`;
    }
    case "binary":
      return "BLOB";
  }
}

/** How a CSV field of `column` is read (`read_csv` type) and turned into the column's value. */
export function csvRead(
  column: ColumnSchema,
): { csvType: string; expr: (field: string) => string } {
  switch (column.dataType!) {
    case "timestamp": {
      // through TIMESTAMPTZ, which applies the offset: a timestamp without time zone holds UTC
      const type = sqlType(column);
      const utc = (field: string) => `CAST(${field} AS TIMESTAMP WITH TIME ZONE)`;
      if (type === "TIMESTAMP WITH TIME ZONE") return { csvType: "VARCHAR", expr: utc };
      // DuckDB casts TIMESTAMPTZ (UTC without the ICU extension) only to plain TIMESTAMP
      const naive = (field: string) => `CAST(${utc(field)} AS TIMESTAMP)`;
      return {
        csvType: "VARCHAR",
        expr: type === "TIMESTAMP" ? naive : (field) => `CAST(${naive(field)} AS ${type})`,
      };
    }
    case "decimal": {
      const type = sqlType(column);
      const { precision, scale } = decimalOf(column);
      // DuckDB parses text into a DECIMAL wider than 18 digits through 128-bit division, three
      // times as slow as the 64-bit parse; the values that fit 18 digits take the fast one
      if (precision <= INT64_DECIMAL_DIGITS || scale > INT64_DECIMAL_DIGITS) {
        return { csvType: "VARCHAR", expr: (field) => `CAST(${field} AS ${type})` };
      }
      const narrow = `DECIMAL(${INT64_DECIMAL_DIGITS},${scale})`;
      return {
        csvType: "VARCHAR",
        expr: (field) => `COALESCE(TRY_CAST(${field} AS ${narrow}), CAST(${field} AS ${type}))`,
      };
    }
    case "binary":
      return { csvType: "VARCHAR", expr: (field) => `from_base64(${field})` };
    case "text":
    case "json":
      return { csvType: "VARCHAR", expr: (field) => field };
    default:
      return { csvType: sqlType(column), expr: (field) => field };
  }
}

/** The DuckDB dialect of an engine that can do what `capabilities` say. */
export function duckdbDialect(capabilities: DestinationCapabilities): SqlDialect {
  return { capabilities, columnType: sqlType, insertOrder: "rowid" };
}
