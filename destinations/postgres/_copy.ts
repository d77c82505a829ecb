/**
 * How one CSV job file (`lib/normalize/csv.ts`: a header row naming the job's columns, binary as
 * base64, NULL as an empty unquoted field) goes into a Postgres table: with `COPY … FROM STDIN`,
 * which reads every other field as the column's own input (ISO timestamps with their offset,
 * JSON text into `jsonb`, `NaN` into `double precision`, `""` as an empty string).
 *
 * Two types need a conversion COPY cannot do: base64 into `bytea` (`decode(…, 'base64')`), and
 * a timestamp with an offset into `timestamp without time zone`, which would drop the offset
 * (the UTC time is kept: `timestamptz AT TIME ZONE 'UTC'`). A file with such columns is copied
 * into a temporary table first, those columns as text, then inserted with the conversions.
 *
 * @module
 */
import type { LoadJob } from "../../lib/destination.ts";
import { quoteIdentifier } from "../../lib/load/sql.ts";
import type { ColumnSchema, TableSchema } from "../../lib/schema/schema.ts";
import { postgresColumnType } from "./_dialect.ts";

/** The temporary table a converted file is copied into (one at a time per connection). */
const STAGE = `pg_temp.${quoteIdentifier("_dlt_copy")}`;

/** The statements that load a job file: `before`, the COPY fed with the file, then `after`. */
export interface CopyPlan {
  /** Statements run before the COPY. */
  before: string[];
  /** The `COPY … FROM STDIN` statement the file's bytes are streamed to. */
  copy: string;
  /** Statements run after the COPY. */
  after: string[];
}

/** The expression that converts the text `field` of `column` to its type; none when COPY can. */
function conversion(column: ColumnSchema | undefined, field: string): string | undefined {
  if (column?.dataType === "binary") return `decode(${field}, 'base64')`;
  if (column?.dataType === "timestamp" && column.timezone === false) {
    return `(${field}::timestamp with time zone AT TIME ZONE 'UTC')`;
  }
  return undefined;
}

/**
 * The statements that load `job` (columns of `table`) into `into`, a qualified table name.
 *
 * @example A file COPY reads as it is
 * ```ts
 * import assert from "node:assert/strict";
 * import { copyPlan } from "./_copy.ts";
 * const table = { name: "t", columns: { id: { name: "id", dataType: "bigint" as const } } };
 * const job = { path: "/x/t.1.csv", table: "t", format: "csv" as const, columns: ["id"], rows: 1, longestLine: 0 };
 * assert.deepEqual(copyPlan(job, table, '"ds"."t"'), {
 *   before: [],
 *   copy: 'COPY "ds"."t" ("id") FROM STDIN (FORMAT csv, HEADER true)',
 *   after: [],
 * });
 * ```
 */
export function copyPlan(job: LoadJob, table: TableSchema, into: string): CopyPlan {
  const columns = job.columns.map(quoteIdentifier).join(", ");
  const csv = "FROM STDIN (FORMAT csv, HEADER true)";
  const converted = job.columns.map((name) =>
    conversion(table.columns[name], quoteIdentifier(name))
  );
  if (converted.every((expression) => expression === undefined)) {
    return { before: [], copy: `COPY ${into} (${columns}) ${csv}`, after: [] };
  }
  const staged = job.columns.map((name, i) => {
    const column = table.columns[name];
    const type = converted[i] !== undefined || column?.dataType === undefined
      ? "text"
      : postgresColumnType(column);
    return `${quoteIdentifier(name)} ${type}`;
  });
  const values = job.columns.map((name, i) => converted[i] ?? quoteIdentifier(name));
  return {
    before: [
      `DROP TABLE IF EXISTS ${STAGE}`,
      // temporary tables are scanned in insertion order (never in parallel): merges rely on it
      `CREATE TEMPORARY TABLE ${quoteIdentifier("_dlt_copy")} (${staged.join(", ")})`,
    ],
    copy: `COPY ${STAGE} (${columns}) ${csv}`,
    after: [
      `INSERT INTO ${into} (${columns}) SELECT ${values.join(", ")} FROM ${STAGE}`,
      `DROP TABLE ${STAGE}`,
    ],
  };
}
