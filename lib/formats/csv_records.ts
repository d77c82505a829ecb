/**
 * The records of a CSV file, streaming: RFC 4180 fields (quoted ones with `""` escapes,
 * delimiters and line breaks inside quotes), LF or CRLF line ends, a byte order mark dropped,
 * parsed a piece of the file at a time with bounded memory. This is the one CSV parser: the
 * filesystem source's pandas-like `readCsvChunks` (`csv_reader.ts`) reads records through it, and
 * so does the filesystem destination, which tells NULL (an empty field without quotes, as job
 * files write it) from `""`.
 *
 * - Empty lines are skipped; a last line without a line end is a record.
 * - Characters after a closing quote belong to the field (`"a"b` is `ab`), as pandas reads them;
 *   a quote inside an unquoted field is kept.
 * - A lone CR does not end a line (only LF and CRLF do).
 * - A quote left open at the end of the file is an error.
 *
 * @module
 */
import { FileFormatError } from "./format_error.ts";
import { textPieces } from "./_pieces.ts";

/** Options of {@linkcode csvRecords}. */
export interface CsvRecordsOptions {
  /**
   * What separates fields: one or more characters, not a quote or a line end.
   * @default {","}
   */
  delimiter?: string;
  /**
   * The text encoding, as a `TextDecoder` label. Bytes that are not valid in it are an error.
   * @default {"utf-8"}
   */
  encoding?: string;
  /**
   * What an empty field written without quotes is: `""`, as a quoted empty one, or `null`
   * (NULL, as job files and DuckDB's `nullstr = ''` write it).
   * @default {""}
   */
  unquotedEmpty?: "" | null;
}

/** The records parsed from one piece of a file. */
export interface CsvRecordBatch {
  /** The records, each a list of its fields. */
  records: (string | null)[][];
  /** The line (from 1) each record starts on. */
  lines: number[];
}

/**
 * Yields the records of the CSV bytes of `stream`, a batch per piece of the file read (see the
 * module doc; after a record longer than a piece, a batch holds the records of the pieces read
 * while it was parsed again, up to its length). A quote left open at the end, or bytes that are
 * not valid in the encoding, are a {@linkcode FileFormatError} naming `fileName` and the line; a
 * bad delimiter or encoding label is a `RangeError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { csvRecords } from "./csv_records.ts";
 * const csv = new Blob(['id,name\n1,"a,\nb"\n2,\n3,""\n4,"say ""hi"""\n']).stream();
 * const batches = await Array.fromAsync(csvRecords(csv, "t.csv", { unquotedEmpty: null }));
 * assert.deepEqual(batches.flatMap((batch) => batch.records), [
 *   ["id", "name"],
 *   ["1", "a,\nb"],
 *   ["2", null],
 *   ["3", ""],
 *   ["4", 'say "hi"'],
 * ]);
 * assert.deepEqual(batches.flatMap((batch) => batch.lines), [1, 2, 4, 5, 6]);
 * ```
 */
export async function* csvRecords(
  stream: ReadableStream<Uint8Array>,
  fileName: string,
  options: CsvRecordsOptions = {},
): AsyncGenerator<CsvRecordBatch> {
  const delimiter = options.delimiter ?? ",";
  if (delimiter === "" || /["\r\n]/.test(delimiter)) {
    throw new RangeError(
      `CSV delimiter must be one or more characters other than quotes and line ends; got "${delimiter}"`,
    );
  }
  const encoding = options.encoding ?? "utf-8";
  try {
    new TextDecoder(encoding);
  } catch (error) {
    throw new RangeError(`Text encoding "${encoding}" is not known to TextDecoder`, {
      cause: error,
    });
  }
  // `??` would take a `null` for "not given"
  const unquotedEmpty = options.unquotedEmpty === undefined ? "" : options.unquotedEmpty;
  const parser = new RecordParser(fileName, delimiter, unquotedEmpty);
  // The text not parsed yet, in pieces. A record left unfinished is parsed again from its start
  // only once the text has doubled, so one of many megabytes (or a quote never closed) costs
  // time in proportion to its size rather than to its size times the pieces it spans.
  let unparsed: string[] = [];
  let unparsedLength = 0;
  let parseAt = 0;
  const parseUnparsed = (): CsvRecordBatch => {
    const text = unparsed.join("");
    const batch: CsvRecordBatch = { records: [], lines: [] };
    const rest = text.slice(parser.parse(text, false, batch));
    unparsed = [rest];
    unparsedLength = rest.length;
    parseAt = 2 * rest.length;
    return batch;
  };
  // Bytes that do not decode: what was read before them is parsed first, so that the error
  // names the line a parse of every piece would have reached, after the records it completes.
  let beforeBadBytes: CsvRecordBatch | undefined;
  const line = () => {
    beforeBadBytes = parseUnparsed();
    return parser.line;
  };
  try {
    for await (const piece of textPieces(stream, fileName, encoding, line)) {
      unparsed.push(piece);
      unparsedLength += piece.length;
      if (unparsedLength < parseAt) continue;
      const batch = parseUnparsed();
      if (batch.records.length > 0) yield batch;
    }
  } catch (error) {
    if (beforeBadBytes !== undefined && beforeBadBytes.records.length > 0) yield beforeBadBytes;
    throw error;
  }
  // the records complete before the end come first, as they would with a parse of every piece,
  // and then a quote left open at the end is an error
  if (unparsed.length > 1) {
    const batch = parseUnparsed();
    if (batch.records.length > 0) yield batch;
  }
  const last: CsvRecordBatch = { records: [], lines: [] };
  parser.parse(unparsed.join(""), true, last);
  if (last.records.length > 0) yield last;
}

const QUOTE = 34;
const CR = 13;

/**
 * Splits CSV text into records, across pieces: `parse` takes what was read so far and leaves
 * the unfinished last record for the next call. Scans with `indexOf`, never character by
 * character outside quotes.
 */
class RecordParser {
  /** The line (from 1) the unparsed text starts on. */
  line = 1;
  #fileName: string;
  #delimiter: string;
  #unquotedEmpty: "" | null;

  constructor(fileName: string, delimiter: string, unquotedEmpty: "" | null) {
    this.#fileName = fileName;
    this.#delimiter = delimiter;
    this.#unquotedEmpty = unquotedEmpty;
  }

  /**
   * Parses the complete records of `text` into `out`; returns how much of `text` they took.
   * With `final`, `text` is the rest of the file: its last record need not end with a line
   * end, and an open quote is an error.
   */
  parse(text: string, final: boolean, out: CsvRecordBatch): number {
    const delimiter = this.#delimiter;
    const empty = this.#unquotedEmpty;
    const step = delimiter.length;
    const length = text.length;
    let pos = 0;
    let line = this.line;
    // the next delimiter at or after `pos` (length + 1: none left)
    let nextDelimiter = -1;
    const delimiterFrom = (from: number) => {
      if (nextDelimiter < from) {
        const found = text.indexOf(delimiter, from);
        nextDelimiter = found === -1 ? length + 1 : found;
      }
      return nextDelimiter;
    };
    records: while (pos < length) {
      const recordStart = pos;
      const recordLine = line;
      let end = text.indexOf("\n", pos);
      if (end === -1) {
        if (!final) break;
        end = length;
      }
      if (end === pos || (end === pos + 1 && text.charCodeAt(pos) === CR)) {
        // an empty line
        pos = end + 1;
        line++;
        continue;
      }
      const fields: (string | null)[] = [];
      for (;;) {
        if (text.charCodeAt(pos) === QUOTE) {
          const closed = quoted(text, pos, final);
          if (closed === undefined) {
            if (!final) {
              pos = recordStart;
              line = recordLine;
              break records;
            }
            throw new FileFormatError(
              this.#fileName,
              "a quoted field is not closed before the end of the file",
              { line: recordLine },
            );
          }
          let [value, after] = closed;
          line += countLines(text, pos, after);
          end = text.indexOf("\n", after);
          if (end === -1) {
            if (!final) {
              pos = recordStart;
              line = recordLine;
              break records;
            }
            end = length;
          }
          // what follows the closing quote, up to the delimiter, belongs to the field (pandas)
          const next = delimiterFrom(after);
          if (next < end) {
            fields.push(value + text.slice(after, next));
            pos = next + step;
            continue;
          }
          value += text.slice(after, trimCr(text, after, end));
          fields.push(value);
          pos = end + 1;
          break;
        }
        const next = delimiterFrom(pos);
        if (next < end) {
          fields.push(next === pos ? empty : text.slice(pos, next));
          pos = next + step;
          continue;
        }
        const stop = trimCr(text, pos, end);
        fields.push(stop === pos ? empty : text.slice(pos, stop));
        pos = end + 1;
        break;
      }
      line++;
      out.records.push(fields);
      out.lines.push(recordLine);
    }
    this.line = line;
    return Math.min(pos, length);
  }
}

/**
 * The value of the quoted field opening at `start` of `text`, and where it ends (after the
 * closing quote); `undefined` when `text` ends first (or could go on with a `"` when not
 * `final`).
 */
function quoted(text: string, start: number, final: boolean): [string, number] | undefined {
  let value = "";
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return undefined;
    if (quote + 1 === text.length && !final) return undefined;
    if (text.charCodeAt(quote + 1) === QUOTE) {
      value += text.slice(from, quote + 1);
      from = quote + 2;
      continue;
    }
    return [value + text.slice(from, quote), quote + 1];
  }
}

/** `end`, or one less when the line ends with CRLF. */
function trimCr(text: string, start: number, end: number): number {
  return end > start && text.charCodeAt(end - 1) === CR ? end - 1 : end;
}

/** The number of LFs in `text` from `start` to `end`. */
function countLines(text: string, start: number, end: number): number {
  let count = 0;
  for (let at = text.indexOf("\n", start); at !== -1 && at < end; at = text.indexOf("\n", at + 1)) {
    count++;
  }
  return count;
}
