/**
 * Type inference and coercion of normalized values.
 *
 * @module
 */
import type { DataType } from "../schema/schema.ts";
import { BigIntValue, BinaryValue } from "./typed_json.ts";

/** A value as the normalizer sees it after `JSON.parse` and marker decoding. */
export type NormalizedValue =
  | string
  | number
  | boolean
  | BigIntValue
  | BinaryValue
  | Record<string, unknown>
  | unknown[];

const ISO_TIMESTAMP =
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Whether `value` is an ISO 8601 date with a time (and optional offset), as dlt detects them. */
export function isIsoTimestamp(value: string): boolean {
  return value.length >= 16 && value.length <= 40 && ISO_TIMESTAMP.test(value) &&
    !Number.isNaN(Date.parse(value.replace(" ", "T")));
}

/** Integer digits a `decimal` column (DECIMAL(38,9)) holds. */
const DECIMAL_INTEGER_DIGITS = 29;

function fitsDecimal(digits: string): boolean {
  return digits.replace(/^[+-]/, "").length <= DECIMAL_INTEGER_DIGITS;
}

function fitsInt64(digits: string): boolean {
  const n = BigInt(digits);
  return n >= INT64_MIN && n <= INT64_MAX;
}

/** Infers the data type of a non-null value. */
export function inferDataType(value: NormalizedValue): DataType {
  switch (typeof value) {
    case "string":
      return isIsoTimestamp(value) ? "timestamp" : "text";
    case "number":
      return Number.isSafeInteger(value) ? "bigint" : "double";
    case "boolean":
      return "bool";
    default:
      if (value instanceof BigIntValue) {
        if (fitsInt64(value.digits)) return "bigint";
        return fitsDecimal(value.digits) ? "decimal" : "text";
      }
      if (value instanceof BinaryValue) return "binary";
      return "json";
  }
}

/** The UTC date (`YYYY-MM-DD`) of an ISO timestamp; one without an offset is UTC already. */
function utcDate(timestamp: string): string {
  const iso = timestamp.replace(" ", "T");
  return new Date(ZONE.test(iso) ? iso : `${iso}Z`).toISOString().slice(0, 10);
}

const ZONE = /(?:Z|z|[+-]\d{2}(?::?\d{2})?)$/;

function epochSecondsToIso(seconds: number): string | undefined {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function coerceString(value: string, dataType: DataType): NormalizedValue | undefined {
  switch (dataType) {
    case "text":
    case "json":
      return value;
    case "timestamp":
      return isIsoTimestamp(value) ? value : undefined;
    case "date":
      // a timestamp goes in as its UTC date, as dlt coerces datetimes into date columns
      if (ISO_DATE.test(value)) return value;
      return isIsoTimestamp(value) ? utcDate(value) : undefined;
    case "bigint":
      return INTEGER.test(value) && fitsInt64(value) ? value : undefined;
    case "double": {
      const n = DECIMAL.test(value.trim()) ? Number(value) : NaN;
      return Number.isFinite(n) ? n : undefined;
    }
    case "decimal":
      return DECIMAL.test(value.trim()) && fitsDecimal(value.trim().split(".")[0])
        ? shortDecimal(value.trim())
        : undefined;
    default:
      return undefined;
  }
}

/**
 * A decimal's text without the zeros that end its fraction (`1.50` → `1.5`, `2.000` → `2`), the
 * same number: databases print a `numeric` to its full scale (twenty digits for a quotient), and
 * DuckDB parses every digit of a long fraction into a 128-bit integer.
 */
function shortDecimal(text: string): string {
  if (!text.includes(".") || /[eE]/.test(text)) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--; // "0"
  if (text.charCodeAt(end - 1) === 46) end--; // "."
  return end === text.length ? text : text.slice(0, end);
}

function coerceNumber(value: number, dataType: DataType): NormalizedValue | undefined {
  switch (dataType) {
    case "bigint":
      return Number.isSafeInteger(value) ? value : undefined;
    case "double":
    case "json":
      return value;
    case "text":
      return String(value);
    case "decimal":
      return Number.isFinite(value) ? String(value) : undefined;
    case "timestamp":
      return epochSecondsToIso(value);
    default:
      return undefined;
  }
}

function coerceOther(value: NormalizedValue, dataType: DataType): NormalizedValue | undefined {
  if (value instanceof BigIntValue) {
    if (dataType === "bigint") return fitsInt64(value.digits) ? value : undefined;
    if (dataType === "decimal") return fitsDecimal(value.digits) ? value.digits : undefined;
    return dataType === "text" || dataType === "json" ? value.digits : undefined;
  }
  if (value instanceof BinaryValue) return dataType === "binary" ? value : undefined;
  if (dataType === "json") return value;
  return dataType === "text" ? JSON.stringify(value) : undefined;
}

/**
 * Converts `value` to `dataType` where that loses nothing; returns `undefined` where it cannot,
 * and the caller puts the value in a variant column instead.
 */
export function coerceValue(
  value: NormalizedValue,
  dataType: DataType,
): NormalizedValue | undefined {
  switch (typeof value) {
    case "string":
      return coerceString(value, dataType);
    case "number":
      return coerceNumber(value, dataType);
    case "boolean":
      if (dataType === "bool" || dataType === "json") return value;
      return dataType === "text" ? String(value) : undefined;
    default:
      return coerceOther(value, dataType);
  }
}
