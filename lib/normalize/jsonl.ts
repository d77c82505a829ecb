/**
 * JSONL job files: one JSON object per line (ending with `\n`) holding a row's non-null values
 * under their column names; a NULL is a missing key. Files have no header: their columns are
 * those of the job, and a column new to the table simply appears in later lines.
 *
 * Values are encoded so that a reader that knows the column types gets the typed value back
 * exactly (each type as dlt's JSON encoder writes it, or exact where that loses precision):
 *
 * | column type       | JSON value                                                          |
 * | ----------------- | ------------------------------------------------------------------- |
 * | text              | string                                                              |
 * | bigint            | number with all its digits (exact beyond 2^53 for readers that keep them, e.g. DuckDB, Postgres, Python) |
 * | double            | number; `NaN`, `Infinity` and `-Infinity` as those strings          |
 * | bool              | `true` / `false`                                                    |
 * | timestamp, date   | ISO 8601 string, as it was given (an offset or `Z`, else UTC)       |
 * | decimal           | string of its digits (exact)                                        |
 * | binary            | base64 string                                                       |
 * | json              | the JSON value itself; bigints inside as number literals, non-finite numbers as `null` |
 *
 * @module
 */
import { join } from "node:path";
import { readLines } from "../load/lines.ts";
import type { PackageJob } from "../load/package_store.ts";
import { replaceJobFile } from "../load/job_files.ts";
import { TextWriter } from "../load/write_all.ts";
import type { WorkingStorage } from "../storage/storage.ts";
import type { DataType } from "../schema/schema.ts";
import type { NormalizedValue } from "./inference.ts";
import { lineJobFormat } from "./_line_files.ts";
import { BigIntValue, type BinaryValue, jsonText } from "./typed_json.ts";

/**
 * Encodes one non-null value of a column of `dataType` as JSON text (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeJsonlValue } from "./jsonl.ts";
 * import { BigIntValue } from "./typed_json.ts";
 * assert.equal(encodeJsonlValue(new BigIntValue("9007199254740993"), "bigint"), "9007199254740993");
 * assert.equal(encodeJsonlValue(Infinity, "double"), '"Infinity"');
 * assert.equal(encodeJsonlValue("12.50", "decimal"), '"12.50"');
 * assert.equal(encodeJsonlValue({ a: [1] }, "json"), '{"a":[1]}');
 * ```
 */
export function encodeJsonlValue(value: NormalizedValue, dataType: DataType | undefined): string {
  switch (dataType) {
    case "bigint":
      if (value instanceof BigIntValue) return value.digits;
      // a text of digits coerced into the column ("+7", "007") becomes a valid JSON number
      return typeof value === "string" ? BigInt(value).toString() : String(value);
    case "double":
      return Number.isFinite(value) ? String(value) : `"${String(value)}"`;
    case "bool":
      return String(value);
    case "binary":
      return `"${(value as BinaryValue).base64}"`;
    case "json":
      return jsonText(value);
    default:
      if (value instanceof BigIntValue) return `"${value.digits}"`;
      return JSON.stringify(typeof value === "string" ? value : String(value));
  }
}

/** A column name as an object key, with its colon. */
function key(name: string): string {
  return JSON.stringify(name) + ":";
}

function line(labels: readonly string[], fields: readonly string[], filled: readonly number[]) {
  let text = "{";
  for (let i = 0; i < filled.length; i++) {
    const at = filled[i];
    text += i === 0 ? labels[at] + fields[at] : "," + labels[at] + fields[at];
  }
  return text + "}";
}

/** JSONL job files. */
export const JSONL_FORMAT = lineJobFormat({
  name: "jsonl",
  fixedColumns: false,
  label: key,
  encode: (value, column) => encodeJsonlValue(value, column.dataType),
  line,
  header: () => "",
  padding: () => "",
  renameColumns: renameJsonlColumns,
});

/** JSON.parse's reviver with the source text of primitives (ES2025, not in TypeScript's lib yet). */
type Reviver = (key: string, value: unknown, context: { source?: string }) => unknown;

/** `JSON.rawJSON` (ES2025, not in TypeScript's lib yet): a value `JSON.stringify` writes as `text`. */
const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** Keeps every number as its source text, so no digit is lost when the value is written again. */
const exactNumbers: Reviver = (_key, value, context) =>
  typeof value === "number" ? rawJson(context.source!) : value;

/**
 * The JSONL job `job` in folder `dir` of `storage` with the keys `renamed` maps renamed on every
 * line.
 */
async function renameJsonlColumns(
  storage: WorkingStorage,
  dir: string,
  job: PackageJob,
  renamed: ReadonlyMap<string, string>,
): Promise<PackageJob> {
  const path = join(dir, job.file);
  const writer = new TextWriter();
  let longestLine = 0;
  const bytes = await replaceJobFile(storage, path, async (target) => {
    let written = 0;
    let chunk = "";
    for await (const text of readLines(storage, path)) {
      const row = JSON.parse(text, exactNumbers as Parameters<typeof JSON.parse>[1]);
      let out = "";
      for (const name in row) {
        out += `,${key(renamed.get(name) ?? name)}${JSON.stringify(row[name])}`;
      }
      out = `{${out.slice(1)}}\n`;
      longestLine = Math.max(longestLine, out.length * 3);
      chunk += out;
      if (chunk.length >= 1 << 20) {
        written += await writer.write(target, chunk);
        chunk = "";
      }
    }
    return written + await writer.write(target, chunk);
  });
  const columns = job.columns?.map((name) => renamed.get(name) ?? name);
  return { ...job, columns, bytes, longestLine };
}
