/**
 * A streaming reader of RFC 4180 CSV: records from text that arrives in chunks, fields quoted or
 * not, quotes doubled inside quoted fields, line breaks inside them kept. It tells an empty field
 * written without quotes from a quoted empty one, which is how job files and many exports write
 * NULL apart from `""`.
 *
 * @module
 */

/** Options of {@linkcode csvRecords}. */
export interface CsvRecordsOptions {
  /**
   * The field separator, one character.
   * @default {","}
   */
  delimiter?: string;
  /**
   * What an empty field without quotes is: `null` (NULL, as job files and DuckDB's `nullstr = ''`
   * write it) or `""`.
   * @default {null}
   */
  unquotedEmpty?: null | "";
}

/**
 * The records of the CSV text in `chunks` (split anywhere, even inside a field), each a list of
 * its fields. Lines end with `\n` or `\r\n`; a last line without a line break is a record too,
 * and an empty line is none. A quote inside an unquoted field is kept as it is; text after a
 * closing quote, or a quoted field left open at the end, is a `SyntaxError` naming the record.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { csvRecords } from "./csv_records.ts";
 * const chunks = ['id,name\n1,"a,', 'b"\n2,\n3,""\n4,"say ""hi""\nthere"\n'];
 * assert.deepEqual(await Array.fromAsync(csvRecords(chunks)), [
 *   ["id", "name"],
 *   ["1", "a,b"],
 *   ["2", null],
 *   ["3", ""],
 *   ["4", 'say "hi"\nthere'],
 * ]);
 * ```
 */
export async function* csvRecords(
  chunks: AsyncIterable<string> | Iterable<string>,
  options: CsvRecordsOptions = {},
): AsyncGenerator<(string | null)[]> {
  const delimiter = options.delimiter ?? ",";
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") {
    throw new RangeError(
      `CSV delimiter must be one character other than a quote or line break; got "${delimiter}"`,
    );
  }
  const unquotedEmpty = options.unquotedEmpty === undefined ? null : options.unquotedEmpty;
  let record: (string | null)[] = [];
  let field = "";
  // "start": before a field; "plain": in an unquoted one; "quoted": inside quotes;
  // "closed": after a closing quote (or at the first quote of a doubled pair)
  let state: "start" | "plain" | "quoted" | "closed" = "start";
  let records = 0;
  let pendingCr = false;
  const endField = () => {
    record.push(state === "start" || (state === "plain" && field === "") ? unquotedEmpty : field);
    field = "";
    state = "start";
  };
  for await (const chunk of chunks) {
    const ready: (string | null)[][] = [];
    let i = 0;
    while (i < chunk.length) {
      const c = chunk[i];
      if (state === "quoted") {
        const quote = chunk.indexOf('"', i);
        if (quote === -1) {
          field += chunk.slice(i);
          break;
        }
        field += chunk.slice(i, quote);
        state = "closed";
        i = quote + 1;
        continue;
      }
      if (pendingCr) {
        pendingCr = false;
        if (c !== "\n") field += "\r";
      }
      if (state === "closed") {
        if (c === '"') {
          field += '"';
          state = "quoted";
          i++;
          continue;
        }
        if (c !== delimiter && c !== "\n" && c !== "\r") {
          throw new SyntaxError(
            `CSV record ${records + 1} has text after the closing quote of field ${
              record.length + 1
            }`,
          );
        }
      }
      if (c === delimiter) {
        endField();
      } else if (c === "\n") {
        if (!(record.length === 0 && state === "start")) {
          endField();
          ready.push(record);
          records++;
        }
        record = [];
      } else if (c === "\r") {
        pendingCr = true;
      } else if (c === '"' && state === "start") {
        state = "quoted";
      } else {
        field += c;
        state = "plain";
      }
      i++;
    }
    yield* ready;
  }
  if (state === "quoted") {
    throw new SyntaxError(`CSV record ${records + 1} ends inside a quoted field`);
  }
  if (pendingCr) {
    field += "\r";
    state = "plain";
  }
  if (record.length > 0 || state !== "start") {
    endField();
    yield record;
  }
}
