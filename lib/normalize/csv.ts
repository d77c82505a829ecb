/**
 * CSV encoding of normalized values: the file format of normalized load jobs. Text-like values
 * are always quoted (so an empty string differs from NULL, which is an empty unquoted field),
 * binary is base64 and json is JSON text. Non-finite doubles are written as `NaN`, `Infinity`
 * and `-Infinity`, which DuckDB reads into DOUBLE; inside json values, which have no literal for
 * them, they become `null`, as dlt's JSON encoder (orjson) writes them.
 *
 * @module
 */
import type { DataType } from "../schema/schema.ts";
import { BigIntValue, type BinaryValue } from "./typed_json.ts";

function quote(text: string): string {
  return text.includes('"') ? `"${text.replaceAll('"', '""')}"` : `"${text}"`;
}

const MARKED_IN_JSON = /"\uE000([nbsf])((?:[^"\\]|\\.)*)"/g;

/** JSON text of a json value, with extract's markers turned back into numbers and strings. */
function jsonText(value: unknown): string {
  const text = JSON.stringify(value);
  if (!text.includes("\uE000")) return text;
  return text.replace(
    MARKED_IN_JSON,
    (_, tag: string, body: string) => tag === "n" ? body : tag === "f" ? "null" : `"${body}"`,
  );
}

/** Encodes one non-null value of a column of `dataType` as a CSV field. */
export function encodeCsvField(value: unknown, dataType: DataType | undefined): string {
  switch (dataType) {
    case "bigint":
      return value instanceof BigIntValue ? value.digits : String(value);
    case "double":
    case "bool":
      return String(value);
    case "binary":
      return quote((value as BinaryValue).base64);
    case "json":
      return quote(jsonText(value));
    default:
      if (value instanceof BigIntValue) return quote(value.digits);
      return quote(typeof value === "string" ? value : String(value));
  }
}
