/**
 * CSV encoding of normalized values: the file format of normalized load jobs. Text-like values
 * are always quoted (so an empty string differs from NULL, which is an empty unquoted field),
 * binary is base64 and json is JSON text.
 *
 * @module
 */
import type { DataType } from "../schema/schema.ts";
import { BigIntValue, type BinaryValue } from "./typed_json.ts";

function quote(text: string): string {
  return text.includes('"') ? `"${text.replaceAll('"', '""')}"` : `"${text}"`;
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
      return quote(JSON.stringify(value));
    default:
      if (value instanceof BigIntValue) return quote(value.digits);
      return quote(typeof value === "string" ? value : String(value));
  }
}
