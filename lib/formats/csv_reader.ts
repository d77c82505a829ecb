/**
 * CSV read as dlt's `read_csv` reads it with pandas' defaults, streaming: the records of
 * `csv_records.ts` (RFC 4180: quoted fields with `""` escapes, delimiters and newlines inside
 * quotes, LF or CRLF line ends, a byte order mark dropped) turned into rows, in chunks, with
 * bounded memory.
 *
 * What pandas does and this reader does too:
 * - The first record names the columns (`header: false`: columns are named `0`, `1`, … unless
 *   `names` are given). An empty name becomes `Unnamed: <i>`, a repeated one `<name>.1`, … .
 * - Empty lines are skipped.
 * - A record with fewer fields than columns is filled with nulls; one with more is an error
 *   (`Expected 3 fields, saw 4`), as is a quote left open at the end of the file.
 * - Types are inferred per column and chunk: a column whose values all read as integers holds
 *   numbers (beyond 2^53: `bigint`), one of numbers floats, one of `True`/`False` (`true`,
 *   `TRUE`…) booleans, any other text. Values that pandas reads as missing (`""`, `NA`, `NULL`,
 *   `NaN`, `n/a`, `None`, … see {@linkcode DEFAULT_NA_VALUES}) are `null`.
 * - Characters after a closing quote belong to the field (`"a"b` is `ab`).
 *
 * @module
 */
import {
  boolean,
  checkOptions,
  integer,
  invalidValue,
  type OptionCheck,
  type OptionSpec,
} from "../options.ts";
import { Field, Float64, Schema } from "../deps/apache_arrow.ts";
import { withArrowOrigin } from "../extract/arrow.ts";
import { csvRecords } from "./csv_records.ts";
import { FileFormatError } from "./format_error.ts";

/** Options of {@linkcode readCsvChunks}; pandas' `read_csv` options of the same meaning. */
export interface CsvReadOptions {
  /**
   * What separates fields: one or more characters, not a quote or a line end (pandas `sep`).
   * @default {","}
   */
  delimiter?: string;
  /**
   * Whether the first record names the columns.
   * @default {true}
   */
  header?: boolean;
  /** Column names; with `header`, they replace the first record's. */
  names?: string[];
  /**
   * The text encoding, as a `TextDecoder` label (`utf-8`, `latin1`, `utf-16le`, `windows-1252`…).
   * Bytes that are not valid in it are an error.
   * @default {"utf-8"}
   */
  encoding?: string;
  /**
   * Rows per chunk.
   * @default {10000}
   */
  chunkSize?: number;
  /**
   * Field texts read as `null` (pandas `na_values` with `keep_default_na=False`).
   * @default {DEFAULT_NA_VALUES}
   */
  naValues?: string[];
  /**
   * Whether column types are inferred (`false`: every value is text, as pandas' `dtype=str`).
   * @default {true}
   */
  inferTypes?: boolean;
}

/** The field texts pandas reads as missing values by default (its `STR_NA_VALUES`). */
export const DEFAULT_NA_VALUES: readonly string[] = [
  "",
  "#N/A",
  "#N/A N/A",
  "#NA",
  "-1.#IND",
  "-1.#QNAN",
  "-NaN",
  "-nan",
  "1.#IND",
  "1.#QNAN",
  "<NA>",
  "N/A",
  "NA",
  "NULL",
  "NaN",
  "None",
  "n/a",
  "nan",
  "null",
];

function delimiterCheck(): OptionCheck<string> {
  return (value) =>
    typeof value === "string" && value !== "" && !/["\r\n]/.test(value)
      ? value
      : invalidValue("a non-empty string without quotes or line ends");
}

function stringList(): OptionCheck<string[]> {
  return (value) =>
    Array.isArray(value) && value.every((v) => typeof v === "string")
      ? value as string[]
      : invalidValue("a list of strings");
}

function encodingCheck(): OptionCheck<string> {
  return (value) => {
    if (typeof value !== "string") return invalidValue("a text encoding label");
    try {
      new TextDecoder(value);
    } catch {
      return invalidValue('a text encoding label known to TextDecoder ("utf-8", "latin1"…)', true);
    }
    return value;
  };
}

const CSV_SPEC: OptionSpec<CsvReadOptions> = {
  delimiter: delimiterCheck(),
  header: boolean(),
  names: stringList(),
  encoding: encodingCheck(),
  chunkSize: integer({ min: 1 }),
  naValues: stringList(),
  inferTypes: boolean(),
};

/** pandas options users paste, with what to write here instead. */
const PANDAS_OPTIONS: Readonly<Record<string, string>> = {
  sep: 'write "delimiter"',
  chunksize: 'write "chunkSize"',
  dtype: "write inferTypes: false to keep every value text, or give column types as hints",
  usecols: "select columns with addMap() on the resource",
  keepDefaultNa: 'give the complete list as "naValues"',
  parseDates: "ISO dates and timestamps are detected when they are loaded",
};

/**
 * `options` checked: an unknown option (a pandas one, a snake_case spelling) or a bad value is a
 * `TypeError`/`RangeError` naming it and `where`.
 */
export function checkCsvOptions(options: unknown, where: string): CsvReadOptions {
  return checkOptions(options, CSV_SPEC, where, {
    snakeCase: "refuse",
    unsupported: PANDAS_OPTIONS,
  });
}

/**
 * Reads the CSV bytes of `stream` and yields its rows as objects (column name → value), in
 * chunks of `chunkSize` rows; see the module doc for the semantics. A malformed record is a
 * {@linkcode FileFormatError} naming `fileName` and the line the record starts on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCsvChunks } from "./csv_reader.ts";
 * const csv = new Blob(['id;name;score\n1;"Ada; the first";1.5\n2;Grace;\n']).stream();
 * const chunks = await Array.fromAsync(readCsvChunks(csv, "people.csv", { delimiter: ";" }));
 * assert.deepEqual(chunks, [[
 *   { id: 1, name: "Ada; the first", score: 1.5 },
 *   { id: 2, name: "Grace", score: null },
 * ]]);
 * ```
 */
export async function* readCsvChunks(
  stream: ReadableStream<Uint8Array>,
  fileName: string,
  options: CsvReadOptions = {},
): AsyncGenerator<Record<string, unknown>[]> {
  const checked = checkCsvOptions(options, "readCsvChunks()");
  const chunkSize = checked.chunkSize ?? 10_000;
  const converter = new RowConverter(checked);
  let columns: string[] | undefined = checked.names === undefined
    ? undefined
    : namesOf(checked.names);
  let skipHeader = checked.header ?? true;
  let records: string[][] = [];
  const batches = csvRecords(stream, fileName, {
    delimiter: checked.delimiter,
    encoding: checked.encoding,
  });
  for await (const batch of batches) {
    for (let i = 0; i < batch.records.length; i++) {
      // no field is null: an unquoted empty one is ""
      const record = batch.records[i] as string[];
      if (skipHeader) {
        skipHeader = false;
        columns ??= namesOf(record);
        continue;
      }
      columns ??= record.map((_, index) => String(index));
      if (record.length > columns.length) {
        throw new FileFormatError(
          fileName,
          `Expected ${columns.length} fields, saw ${record.length}`,
          { line: batch.lines[i] },
        );
      }
      records.push(record);
    }
    while (records.length >= chunkSize) {
      yield converter.rows(records.slice(0, chunkSize), columns!);
      records = records.slice(chunkSize);
    }
  }
  if (records.length > 0) yield converter.rows(records, columns!);
}

/** Column names as pandas makes them: empty ones `Unnamed: <i>`, repeated ones `<name>.<n>`. */
function namesOf(record: readonly string[]): string[] {
  const seen = new Map<string, number>();
  const names: string[] = [];
  for (let i = 0; i < record.length; i++) {
    let name = record[i] === "" ? `Unnamed: ${i}` : record[i];
    const count = seen.get(name);
    if (count !== undefined) {
      seen.set(name, count + 1);
      let candidate = `${name}.${count + 1}`;
      while (seen.has(candidate)) candidate = `${name}.${(seen.get(name) ?? 0) + 1}`;
      name = candidate;
    }
    seen.set(name, seen.get(name) ?? 0);
    names.push(name);
  }
  return names;
}

const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity)$/i;
const TRUE_VALUES = new Set(["True", "TRUE", "true"]);
const FALSE_VALUES = new Set(["False", "FALSE", "false"]);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** What a column's values all read as, in one chunk. */
type Kind = "integer" | "float" | "boolean" | "text";

/** Turns records into row objects, each column's type inferred over the chunk (see module doc). */
class RowConverter {
  #na: MissingValues;
  #infer: boolean;

  constructor(options: CsvReadOptions) {
    this.#na = new MissingValues(options.naValues ?? DEFAULT_NA_VALUES);
    this.#infer = options.inferTypes ?? true;
  }

  rows(records: string[][], columns: string[]): Record<string, unknown>[] {
    const width = columns.length;
    const values: unknown[][] = [];
    const floats: string[] = [];
    for (let c = 0; c < width; c++) {
      const kind = this.#infer ? this.#kindOf(records, c) : "text";
      if (kind === "float") floats.push(columns[c]);
      values.push(this.#column(records, c, kind));
    }
    const rows: Record<string, unknown>[] = new Array(records.length);
    for (let r = 0; r < records.length; r++) {
      const row: Record<string, unknown> = {};
      for (let c = 0; c < width; c++) row[columns[c]] = values[c][r];
      rows[r] = row;
    }
    // a float column stays double where its values are whole (`250.00` is 250 in JS), as pandas
    // keeps it float64: the rows carry an Arrow schema that says so
    return floats.length === 0 ? rows : withArrowOrigin(rows, {
      schema: new Schema(floats.map((name) => new Field(name, new Float64(), true))),
      numRows: rows.length,
      getChildAt: () => null,
    });
  }

  /** The values of column `c` of `records`, converted to `kind`. */
  #column(records: string[][], c: number, kind: Kind): unknown[] {
    const na = this.#na;
    const out: unknown[] = new Array(records.length);
    for (let r = 0; r < records.length; r++) {
      const field = records[r][c];
      if (field === undefined || na.includes(field)) {
        out[r] = null;
        continue;
      }
      switch (kind) {
        case "integer":
          out[r] = integerOf(field);
          break;
        case "float":
          out[r] = floatOf(field);
          break;
        case "boolean":
          // each is one of the true or false values: true ones start with T or t
          out[r] = (field.charCodeAt(0) | 32) === 116;
          break;
        default:
          out[r] = field;
      }
    }
    return out;
  }

  #kindOf(records: string[][], c: number): Kind {
    const na = this.#na;
    let integer = true;
    let float = true;
    let bool = true;
    let any = false;
    for (let r = 0; r < records.length; r++) {
      const field = records[r][c];
      if (field === undefined || na.includes(field)) continue;
      any = true;
      if (integer && !INTEGER.test(field)) integer = false;
      if (float && !integer && !FLOAT.test(field)) float = false;
      if (bool && !TRUE_VALUES.has(field) && !FALSE_VALUES.has(field)) bool = false;
      if (!integer && !float && !bool) return "text";
    }
    if (!any) return "text";
    return integer ? "integer" : float ? "float" : bool ? "boolean" : "text";
  }
}

/**
 * A set of field texts, tested by length and first character before equality: `Set.has` hashes
 * each field, which costs more than parsing it.
 */
class MissingValues {
  #byLength: (string[] | undefined)[] = [];
  #empty = false;

  constructor(values: readonly string[]) {
    for (const value of values) {
      if (value === "") this.#empty = true;
      else (this.#byLength[value.length] ??= []).push(value);
    }
  }

  includes(field: string): boolean {
    if (field.length === 0) return this.#empty;
    const candidates = this.#byLength[field.length];
    if (candidates === undefined) return false;
    const first = field.charCodeAt(0);
    for (const candidate of candidates) {
      if (candidate.charCodeAt(0) === first && candidate === field) return true;
    }
    return false;
  }
}

/** An integer's text as a number, or a `bigint` when a number would round it. */
function integerOf(field: string): number | bigint {
  // up to 15 digits always fit a double exactly
  if (field.length <= 15) return Number(field);
  const n = BigInt(field.charCodeAt(0) === 43 ? field.slice(1) : field);
  return n >= -MAX_SAFE && n <= MAX_SAFE ? Number(n) : n;
}

/** A float's text as a number (`inf`, `-Infinity` included). */
function floatOf(field: string): number {
  const n = Number(field);
  if (!Number.isNaN(n)) return n;
  return field.charCodeAt(0) === 45 ? -Infinity : Infinity;
}
