/**
 * INSERT VALUES job files (dlt's `insert_values`): one SQL row tuple per line, `(v1,v2,…)`, with
 * a value for each of the job's columns in order (the manifest names them), so a loader runs
 * `INSERT INTO <table> (<columns>) VALUES` followed by lines joined with commas. As in dlt, the
 * values are literals of the destination's SQL — Postgres here, the one destination that loads
 * this format:
 *
 * | column type | literal                                                                  |
 * | ----------- | ------------------------------------------------------------------------ |
 * | text        | `'…'`, quotes doubled; `E'…'` with backslash escapes when it has a line break |
 * | bigint      | its digits (exact beyond 2^53)                                           |
 * | double      | JavaScript's shortest exact text; `'NaN'`, `'Infinity'`, `'-Infinity'`   |
 * | bool        | `TRUE` / `FALSE`                                                         |
 * | timestamp   | the ISO 8601 text (`(…::timestamptz AT TIME ZONE 'UTC')` for a column without time zone, which keeps the UTC time) |
 * | date        | `'YYYY-MM-DD'`                                                           |
 * | decimal     | `'…'` of its digits (exact)                                              |
 * | binary      | `decode('<base64>', 'base64')`                                           |
 * | json        | `'…'` of the JSON text (non-finite numbers inside as `null`)             |
 *
 * A NULL is `NULL`. No line holds a line break, so files are read line by line.
 *
 * @module
 */
import type { PackageJob } from "../load/package_store.ts";
import type { ColumnSchema } from "../schema/schema.ts";
import type { NormalizedValue } from "./inference.ts";
import { lineJobFormat } from "./_line_files.ts";
import { BigIntValue, type BinaryValue, jsonText } from "./typed_json.ts";

const LINE_BREAK = /[\n\r]/;

/**
 * `text` as an SQL string literal: `'…'` with quotes doubled, or, when it holds a line break,
 * an `E'…'` string with backslashes, quotes and line breaks escaped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sqlString } from "./insert_values.ts";
 * assert.equal(sqlString("it's"), "'it''s'");
 * assert.equal(sqlString("a\\b"), "'a\\b'");
 * assert.equal(sqlString("two\nlines\\"), "E'two\\nlines\\\\'");
 * ```
 */
export function sqlString(text: string): string {
  const quoted = text.replaceAll("'", "''");
  if (!LINE_BREAK.test(text)) return `'${quoted}'`;
  return `E'${quoted.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll("\r", "\\r")}'`;
}

/**
 * Encodes one non-null `value` of `column` as a Postgres SQL literal (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeSqlValue } from "./insert_values.ts";
 * import { BigIntValue, BinaryValue } from "./typed_json.ts";
 * assert.equal(encodeSqlValue(new BigIntValue("9007199254740993"), { name: "n", dataType: "bigint" }), "9007199254740993");
 * assert.equal(encodeSqlValue(-Infinity, { name: "d", dataType: "double" }), "'-Infinity'");
 * assert.equal(encodeSqlValue(new BinaryValue("AAE="), { name: "b", dataType: "binary" }), "decode('AAE=', 'base64')");
 * assert.equal(
 *   encodeSqlValue("2024-05-01T10:00:00+02:00", { name: "t", dataType: "timestamp", timezone: false }),
 *   "('2024-05-01T10:00:00+02:00'::timestamptz AT TIME ZONE 'UTC')",
 * );
 * ```
 */
export function encodeSqlValue(value: NormalizedValue, column: ColumnSchema): string {
  switch (column.dataType) {
    case "bigint":
      if (value instanceof BigIntValue) return value.digits;
      // a text of digits coerced into the column ("+7", "007")
      return typeof value === "string" ? BigInt(value).toString() : String(value);
    case "double":
      return Number.isFinite(value) ? String(value) : `'${String(value)}'`;
    case "bool":
      return value ? "TRUE" : "FALSE";
    case "binary":
      return `decode('${(value as BinaryValue).base64}', 'base64')`;
    case "json":
      return sqlString(jsonText(value));
    case "timestamp":
      return column.timezone === false
        ? `(${sqlString(value as string)}::timestamptz AT TIME ZONE 'UTC')`
        : sqlString(value as string);
    default:
      return sqlString(value instanceof BigIntValue ? value.digits : String(value));
  }
}

function line(_labels: readonly string[], fields: readonly string[]): string {
  let text = "(";
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    text += (i === 0 ? "" : ",") + (field === "" ? "NULL" : field);
  }
  return text;
}

/** The job `job` with its columns renamed as `renamed` maps (the file names none). */
function renameColumns(
  _storage: unknown,
  _dir: string,
  job: PackageJob,
  renamed: ReadonlyMap<string, string>,
): Promise<PackageJob> {
  return Promise.resolve({
    ...job,
    columns: job.columns?.map((name) => renamed.get(name) ?? name),
  });
}

/** INSERT VALUES job files: a row tuple per line, columns fixed per file. */
export const INSERT_VALUES_FORMAT = lineJobFormat({
  name: "insert_values",
  fixedColumns: true,
  label: (name: string) => name,
  encode: encodeSqlValue,
  line,
  header: () => "",
  // a line is closed here, after the NULLs of columns it was written without
  padding: (missing: number) => ",NULL".repeat(missing) + ")",
  renameColumns,
});
