/**
 * Typed Arrow columns built one value at a time from normalized values, for the Parquet job
 * writer: {@linkcode arrowType} maps a column's data type and hints to an Arrow type as dlt does,
 * and {@linkcode columnBuilder} makes a builder that converts each value exactly (integers beyond
 * 2^53 as 64-bit integers, decimals from their digits, timestamps to the microsecond or finer).
 *
 * Builders write into typed arrays they grow and reuse: no Arrow vector is built per value
 * (apache-arrow's own builders are much slower for strings), and the strings of a column are
 * encoded into one buffer with `TextEncoder.encodeInto`.
 *
 * @module
 */
import {
  Binary,
  Bool,
  type Data,
  DateDay,
  Decimal,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  makeData,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  type TypeMap,
  Utf8,
} from "../deps/apache_arrow.ts";
import type { ColumnSchema } from "../schema/schema.ts";
import type { NormalizedValue } from "./inference.ts";
import { BigIntValue, type BinaryValue, jsonText } from "./typed_json.ts";

/** An Arrow data type a column is written as. */
export type ArrowType = TypeMap[string];

/** A value that the column's Arrow type cannot hold; the message says why. */
export class UnfitValue extends Error {
  /** The error for a value that does not fit, `reason` saying how. */
  constructor(reason: string) {
    super(reason);
    this.name = "UnfitValue";
  }
}

/** dlt's default precision and scale of decimals. */
const DECIMAL_DEFAULT = { precision: 38, scale: 9 };

/** Fractional digits of the timestamps of `column`: its precision hint, else microseconds. */
function timestampDigits(column: ColumnSchema): number {
  const precision = column.precision ?? 6;
  return precision === 0 ? 0 : precision <= 3 ? 3 : precision <= 6 ? 6 : 9;
}

/**
 * The Arrow type of `column`, as dlt's `get_py_arrow_datatype`: text and json → utf8 (json as
 * its JSON text), bigint → int64 (int8, int16 or int32 for a precision of at most 8, 16 or 32
 * bits), double → float64, bool → bool, timestamp → timestamp in UTC (no time zone when the
 * `timezone` hint is false) of seconds, milliseconds, microseconds (the default) or nanoseconds
 * by precision, date → date32, decimal → decimal128 of the column's precision and scale (dlt's
 * default 38, 9; a precision alone has scale 0; decimal256 above 38 digits), binary → binary.
 */
export function arrowType(column: ColumnSchema): ArrowType {
  switch (column.dataType!) {
    case "text":
    case "json":
      return new Utf8();
    case "bigint": {
      const bits = column.precision;
      if (bits === undefined || bits > 32) return new Int64();
      return bits <= 8 ? new Int8() : bits <= 16 ? new Int16() : new Int32();
    }
    case "double":
      return new Float64();
    case "bool":
      return new Bool();
    case "timestamp": {
      const zone = column.timezone === false ? null : "UTC";
      switch (timestampDigits(column)) {
        case 0:
          return new TimestampSecond(zone);
        case 3:
          return new TimestampMillisecond(zone);
        case 6:
          return new TimestampMicrosecond(zone);
        default:
          return new TimestampNanosecond(zone);
      }
    }
    case "date":
      return new DateDay();
    case "decimal": {
      const precision = column.precision ?? DECIMAL_DEFAULT.precision;
      const scale = column.scale ?? (column.precision === undefined ? DECIMAL_DEFAULT.scale : 0);
      return new Decimal(scale, precision, precision <= 38 ? 128 : 256);
    }
    case "binary":
      return new Binary();
  }
}

/**
 * The values of one column for the rows of one batch. Rows are set in increasing order; a row
 * not set is NULL.
 */
export interface ColumnBuilder {
  /** The column's Arrow type. */
  readonly type: ArrowType;
  /**
   * Sets the value of row `row`; returns about the bytes it takes. Throws an
   * {@linkcode UnfitValue} for a value the type cannot hold.
   */
  set(row: number, value: NormalizedValue): number;
  /** Whether row `row` has a value. */
  has(row: number): boolean;
  /**
   * The column's data for rows 0 to `rows - 1`, valid until the builder is used again (the
   * builder then starts over, empty, reusing its buffers).
   */
  finish(rows: number): Data;
}

/** A builder of `column`'s values (see {@linkcode arrowType} for the types). */
export function columnBuilder(column: ColumnSchema): ColumnBuilder {
  const type = arrowType(column);
  switch (column.dataType!) {
    case "text":
      return new Utf8Builder(type, textOf);
    case "json":
      return new Utf8Builder(type, jsonText);
    case "bigint":
      return type instanceof Int64 ? new Int64Builder(type) : new SmallIntBuilder(type);
    case "double":
      return new Float64Builder(type);
    case "bool":
      return new BoolBuilder(type);
    case "timestamp":
      return new TimestampBuilder(type, timestampDigits(column));
    case "date":
      return new DateBuilder(type);
    case "decimal":
      return new DecimalBuilder(type as Decimal);
    case "binary":
      return new BinaryBuilder(type);
  }
}

function textOf(value: NormalizedValue): string {
  return typeof value === "string"
    ? value
    : value instanceof BigIntValue
    ? value.digits
    : String(value);
}

/** A typed array of at least `length` elements holding `array`'s first `keep`. */
function grown<A extends Int32Array | Uint32Array | Uint8Array | Float64Array>(
  array: A,
  length: number,
  keep: number,
): A {
  if (array.length >= length) return array;
  const next = new (array.constructor as new (n: number) => A)(
    Math.max(length, array.length * 2),
  );
  next.set(array.subarray(0, keep));
  return next;
}

/** Validity bits of a batch's rows, and the rows set. */
abstract class Builder implements ColumnBuilder {
  readonly type: ArrowType;
  /** One bit per row: set when the row has a value. */
  #validity = new Uint8Array(16);
  /** Rows with a value. */
  #count = 0;
  /** One more than the last row set. */
  protected end = 0;

  constructor(type: ArrowType) {
    this.type = type;
  }

  abstract set(row: number, value: NormalizedValue): number;

  /** Marks row `row` as set (after its value is stored). */
  protected mark(row: number): void {
    const byte = row >> 3;
    if (byte >= this.#validity.length) {
      this.#validity = grown(this.#validity, byte + 1, this.#validity.length);
    }
    this.#validity[byte] |= 1 << (row & 7);
    this.#count++;
    this.end = row + 1;
  }

  has(row: number): boolean {
    const byte = row >> 3;
    return byte < this.#validity.length && (this.#validity[byte] & (1 << (row & 7))) !== 0;
  }

  /** The data of the rows, from the buffers the subclass gives. */
  protected data(rows: number, buffers: Record<string, unknown>): Data {
    const bytes = (rows + 7) >> 3;
    const validity = grown(this.#validity, bytes, this.#validity.length);
    const data = makeData({
      type: this.type,
      length: rows,
      nullCount: rows - this.#count,
      nullBitmap: validity.subarray(0, bytes),
      ...buffers,
    } as never) as Data;
    this.#validity = validity;
    return data;
  }

  /** Starts the next batch (new validity bits: the last batch's data may still be read). */
  protected reset(): void {
    this.#validity = new Uint8Array(this.#validity.length);
    this.#count = 0;
    this.end = 0;
  }

  finish(rows: number): Data {
    const data = this.build(rows);
    this.reset();
    return data;
  }

  /** The data of the first `rows` rows. */
  protected abstract build(rows: number): Data;
}

/** Strings (or bytes) in one buffer, with offsets. */
abstract class VariableBuilder extends Builder {
  protected bytes = new Uint8Array(1024);
  #offsets = new Int32Array(128);
  /** Bytes the rows take. */
  protected used = 0;

  /** Room for `total` bytes. */
  protected room(total: number): void {
    if (total > this.bytes.length) this.bytes = grown(this.bytes, total, this.used);
  }

  /** Adds row `row`, of `length` bytes (the rows before it not set are NULLs); returns its start. */
  protected begin(row: number, length: number): number {
    this.#fillOffsets(row);
    const start = this.used;
    this.used += length;
    if (this.used > 0x7fffffff) throw new UnfitValue("a batch of more than 2 GiB of text");
    this.#offsets[row + 1] = this.used;
    this.mark(row);
    return start;
  }

  /** The offsets of the rows before `row` not set (NULLs), ending where the data ends now. */
  #fillOffsets(row: number): void {
    if (row + 2 > this.#offsets.length) {
      this.#offsets = grown(this.#offsets, row + 2, this.end + 1);
    }
    const offsets = this.#offsets;
    const at = this.used;
    for (let i = this.end + 1; i <= row; i++) offsets[i] = at;
  }

  /** Writes the rows' bytes, when they were not written as they came. */
  protected fill(): void {}

  protected build(rows: number): Data {
    // the rows after the last one set are NULLs, ending where the data ends
    this.#fillOffsets(rows);
    this.fill();
    const data = this.data(rows, {
      valueOffsets: this.#offsets.subarray(0, rows + 1),
      data: this.bytes.subarray(0, this.used),
    });
    this.used = 0;
    return data;
  }
}

const NON_ASCII = /[\u0080-\uffff]/;

/** Bytes of `text` in UTF-8 (a lone surrogate as U+FFFD, as `TextEncoder` writes it). */
function utf8Length(text: string): number {
  if (!NON_ASCII.test(text)) return text.length;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (
      code >= 0xd800 && code <= 0xdbff && i + 1 < text.length &&
      (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * UTF-8 text: text as is, json as its JSON text. The texts of a batch are encoded in one go when
 * it is built (one `encodeInto` per value would cost more than the rest of the column).
 */
class Utf8Builder extends VariableBuilder {
  #encoder = new TextEncoder();
  #text: (value: NormalizedValue) => string;
  #texts: string[] = [];

  constructor(type: ArrowType, text: (value: NormalizedValue) => string) {
    super(type);
    this.#text = text;
  }

  set(row: number, value: NormalizedValue): number {
    const text = this.#text(value);
    const length = utf8Length(text);
    this.begin(row, length);
    this.#texts.push(text);
    return length + 4;
  }

  protected override fill(): void {
    this.room(this.used);
    const texts = this.#texts;
    this.#texts = [];
    const { written } = this.#encoder.encodeInto(texts.join(""), this.bytes);
    if (written === this.used) return;
    // a lone surrogate at the end of one text paired with one at the start of the next
    let at = 0;
    for (const text of texts) at += this.#encoder.encodeInto(text, this.bytes.subarray(at)).written;
  }
}

/** Binary data, from base64. */
class BinaryBuilder extends VariableBuilder {
  set(row: number, value: NormalizedValue): number {
    const bytes = Uint8Array.fromBase64((value as BinaryValue).base64);
    this.room(this.used + bytes.length);
    this.bytes.set(bytes, this.begin(row, bytes.length));
    return bytes.length + 4;
  }
}

/** 64-bit integers (timestamps too), kept as two 32-bit words each. */
abstract class Int64Words extends Builder {
  protected words = new Int32Array(256);

  /** Stores the safe integer `n` at row `row`. */
  protected setNumber(row: number, n: number): void {
    this.#room(row);
    const high = Math.floor(n / 4294967296);
    this.words[2 * row] = (n - high * 4294967296) | 0;
    this.words[2 * row + 1] = high;
    this.mark(row);
  }

  /** Stores `n` at row `row`; one outside 64 bits is an {@linkcode UnfitValue}. */
  protected setBigInt(row: number, n: bigint): void {
    if (BigInt.asIntN(64, n) !== n) throw new UnfitValue(`${n} does not fit 64 bits`);
    this.#room(row);
    new BigInt64Array(this.words.buffer, row * 8, 1)[0] = n;
    this.mark(row);
  }

  #room(row: number): void {
    if (2 * row + 2 > this.words.length) {
      this.words = grown(this.words, 2 * row + 2, 2 * this.end);
    }
  }

  protected build(rows: number): Data {
    this.words = grown(this.words, 2 * rows, 2 * this.end);
    return this.data(rows, { data: new BigInt64Array(this.words.buffer, 0, rows) });
  }
}

/** bigint columns without a narrower precision. */
class Int64Builder extends Int64Words {
  set(row: number, value: NormalizedValue): number {
    if (typeof value === "number") this.setNumber(row, value);
    else if (value instanceof BigIntValue) this.setBigInt(row, BigInt(value.digits));
    else {
      // a text of digits coerced into the column ("+7", "007")
      const n = Number(value);
      if (Number.isSafeInteger(n)) this.setNumber(row, n);
      else this.setBigInt(row, BigInt(value as string));
    }
    return 8;
  }
}

/** bigint columns of 8, 16 or 32 bits (by their precision hint). */
class SmallIntBuilder extends Builder {
  #values: Int8Array | Int16Array | Int32Array;
  #min: number;
  #max: number;

  constructor(type: ArrowType) {
    super(type);
    const bits = (type as Int8 | Int16 | Int32).bitWidth;
    this.#values = bits === 8
      ? new Int8Array(128)
      : bits === 16
      ? new Int16Array(128)
      : new Int32Array(128);
    this.#max = 2 ** (bits - 1) - 1;
    this.#min = -(2 ** (bits - 1));
  }

  set(row: number, value: NormalizedValue): number {
    const n = Number(value instanceof BigIntValue ? value.digits : value);
    if (!(n >= this.#min && n <= this.#max)) {
      throw new UnfitValue(
        `${value instanceof BigIntValue ? value.digits : String(value)} does not fit a ${
          this.#values.BYTES_PER_ELEMENT * 8
        }-bit integer (the column's precision)`,
      );
    }
    if (row >= this.#values.length) {
      const next = new (this.#values.constructor as Int32ArrayConstructor)(
        Math.max(row + 1, this.#values.length * 2),
      );
      next.set(this.#values.subarray(0, this.end));
      this.#values = next;
    }
    this.#values[row] = n;
    this.mark(row);
    return this.#values.BYTES_PER_ELEMENT;
  }

  protected build(rows: number): Data {
    if (rows > this.#values.length) {
      const next = new (this.#values.constructor as Int32ArrayConstructor)(rows);
      next.set(this.#values.subarray(0, this.end));
      this.#values = next;
    }
    return this.data(rows, { data: this.#values.subarray(0, rows) });
  }
}

/** Doubles. */
class Float64Builder extends Builder {
  #values = new Float64Array(128);

  set(row: number, value: NormalizedValue): number {
    if (row >= this.#values.length) this.#values = grown(this.#values, row + 1, this.end);
    this.#values[row] = value as number;
    this.mark(row);
    return 8;
  }

  protected build(rows: number): Data {
    this.#values = grown(this.#values, rows, this.end);
    return this.data(rows, { data: this.#values.subarray(0, rows) });
  }
}

/** Booleans, one bit each. */
class BoolBuilder extends Builder {
  #bits = new Uint8Array(16);

  set(row: number, value: NormalizedValue): number {
    const byte = row >> 3;
    if (byte >= this.#bits.length) this.#bits = grown(this.#bits, byte + 1, this.#bits.length);
    if (value) this.#bits[byte] |= 1 << (row & 7);
    this.mark(row);
    return 1;
  }

  protected build(rows: number): Data {
    const bytes = (rows + 7) >> 3;
    this.#bits = grown(this.#bits, bytes, this.#bits.length);
    return this.data(rows, { data: this.#bits.subarray(0, bytes) });
  }

  protected override reset(): void {
    this.#bits = new Uint8Array(this.#bits.length);
    super.reset();
  }
}

/**
 * Days from 1970-01-01 to the date `year`-`month`-`day` of the proleptic Gregorian calendar
 * (Howard Hinnant's `days_from_civil`); a day the month does not have is an
 * {@linkcode UnfitValue}.
 */
function epochDays(year: number, month: number, day: number, text: string): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  if (month < 1 || month > 12 || day < 1 || day > monthDays) {
    throw new UnfitValue(`"${text}" is not a valid date`);
  }
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) +
    dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Dates, as days since 1970-01-01. */
class DateBuilder extends Builder {
  #days = new Int32Array(128);

  set(row: number, value: NormalizedValue): number {
    const text = value as string;
    const match = ISO_DATE.exec(text);
    if (match === null) throw new UnfitValue(`"${text}" is not a date (YYYY-MM-DD)`);
    if (row >= this.#days.length) this.#days = grown(this.#days, row + 1, this.end);
    this.#days[row] = epochDays(+match[1], +match[2], +match[3], text);
    this.mark(row);
    return 4;
  }

  protected build(rows: number): Data {
    this.#days = grown(this.#days, rows, this.end);
    return this.data(rows, { data: this.#days.subarray(0, rows) });
  }
}

/** An ISO 8601 timestamp as the normalizer detects them (`inference.ts`). */
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:[Zz]|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/** Largest whole seconds whose microseconds are a safe integer (the year 2255). */
const SAFE_MICRO_SECONDS = Math.floor(Number.MAX_SAFE_INTEGER / 1e6) - 1;

/**
 * Timestamps as integers of their unit since 1970-01-01 UTC: a timestamp with an offset is
 * converted to UTC, one without is UTC already; digits finer than the unit are cut, as DuckDB
 * casts text to timestamps.
 */
class TimestampBuilder extends Int64Words {
  #digits: number;
  #scale: number;

  constructor(type: ArrowType, digits: number) {
    super(type);
    this.#digits = digits;
    this.#scale = 10 ** digits;
  }

  set(row: number, value: NormalizedValue): number {
    const text = value as string;
    const m = ISO_TIMESTAMP.exec(text);
    if (m === null) throw new UnfitValue(`"${text}" is not an ISO 8601 timestamp`);
    let seconds = epochDays(+m[1], +m[2], +m[3], text) * 86400 + +m[4] * 3600 + +m[5] * 60 +
      (m[6] === undefined ? 0 : +m[6]);
    if (m[8] !== undefined) {
      const offset = +m[9] * 3600 + (m[10] === undefined ? 0 : +m[10] * 60);
      seconds -= m[8] === "-" ? -offset : offset;
    }
    const digits = this.#digits;
    const fraction = digits === 0 || m[7] === undefined
      ? 0
      : +(m[7].length >= digits ? m[7].slice(0, digits) : m[7].padEnd(digits, "0"));
    if (digits <= 3 || Math.abs(seconds) <= SAFE_MICRO_SECONDS && digits === 6) {
      this.setNumber(row, seconds * this.#scale + fraction);
    } else {
      this.setBigInt(row, BigInt(seconds) * BigInt(this.#scale) + BigInt(fraction));
    }
    return 8;
  }
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The decimal `text` as an integer of `scale` fractional digits (`"-1.005"` of scale 2: -101),
 * rounded half away from zero as DuckDB and Postgres round text cast to a decimal; `undefined`
 * when it has more than `precision` digits then, or is not a number.
 */
function unscaledDecimal(text: string, precision: number, scale: number): bigint | undefined {
  const match = DECIMAL_TEXT.exec(text.trim());
  if (match === null || match[2] === "" && !match[3]) return undefined;
  const [, sign, whole, fraction = "", exponent = "0"] = match;
  const digits = (whole + fraction).replace(/^0+/, "");
  if (digits === "") return 0n;
  // zeros to append (negative: digits to drop) for `scale` fractional digits
  const shift = scale - fraction.length + Number(exponent);
  let unscaled: bigint;
  if (shift >= 0) {
    if (digits.length + shift > precision) return undefined;
    unscaled = BigInt(digits + "0".repeat(shift));
  } else if (-shift > digits.length) {
    unscaled = 0n;
  } else {
    const kept = digits.slice(0, digits.length + shift);
    unscaled = BigInt(kept === "" ? "0" : kept) +
      (digits.charCodeAt(digits.length + shift) >= 0x35 ? 1n : 0n);
  }
  if (unscaled >= 10n ** BigInt(precision)) return undefined;
  return sign === "-" ? -unscaled : unscaled;
}

/** Decimals, as two's complement integers of 128 (or 256) bits, little-endian words. */
class DecimalBuilder extends Builder {
  #words: Uint32Array;
  #width: number;
  #precision: number;
  #scale: number;

  constructor(type: Decimal) {
    super(type);
    this.#width = type.bitWidth / 32;
    this.#words = new Uint32Array(128 * this.#width);
    this.#precision = type.precision;
    this.#scale = type.scale;
  }

  set(row: number, value: NormalizedValue): number {
    const text = value instanceof BigIntValue ? value.digits : String(value);
    const unscaled = unscaledDecimal(text, this.#precision, this.#scale);
    if (unscaled === undefined) {
      throw new UnfitValue(`"${text}" does not fit DECIMAL(${this.#precision},${this.#scale})`);
    }
    const width = this.#width;
    if ((row + 1) * width > this.#words.length) {
      this.#words = grown(this.#words, (row + 1) * width, this.end * width);
    }
    let rest = BigInt.asUintN(width * 32, unscaled);
    for (let i = 0; i < width; i++) {
      this.#words[row * width + i] = Number(rest & 0xffffffffn);
      rest >>= 32n;
    }
    this.mark(row);
    return width * 4;
  }

  protected build(rows: number): Data {
    this.#words = grown(this.#words, rows * this.#width, this.end * this.#width);
    return this.data(rows, { data: this.#words.subarray(0, rows * this.#width) });
  }
}
