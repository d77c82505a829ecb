/**
 * Rows of a Postgres query fetched as one text each: the query's row cast to text
 * (`SELECT ROW(q.*)::text FROM (…) AS q`), then split here into the columns' texts. The driver decodes
 * each value of a row on its own, at a cost per value that is most of the time of reading a
 * table; one text per row is a tenth of those, and the server writes each value with its type's
 * output function, the text it sends for the value alone.
 *
 * The text is the record's output form: `(v1,v2,…)`, a NULL as nothing between the commas,
 * and a value in double quotes when it is empty or holds `"`, `\`, `(`, `)`, `,` or white space,
 * with `"` and `\` doubled inside the quotes.
 *
 * @module
 */

const COMMA = 0x2c;
const CLOSE = 0x29; // )
const OPEN = 0x28; // (
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c;

/** How the text of one column becomes its value. */
export type TextConverter = (text: string) => unknown;

/**
 * Reads record texts into objects keyed by the columns' names, each value converted by its
 * column's converter (NULL stays `null`); when names repeat, the last column wins.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RecordReader } from "./pg_records.ts";
 * const reader = new RecordReader(["id", "note", "tag"], [Number, String, String]);
 * assert.deepEqual(reader.rows(['(1,"a ""b"", c",)', '(2,"",x)']), [
 *   { id: 1, note: 'a "b", c', tag: null },
 *   { id: 2, note: "", tag: "x" },
 * ]);
 * ```
 */
export class RecordReader {
  readonly #names: readonly string[];
  readonly #converters: readonly TextConverter[];

  /** Reads records of the columns `names`, their values converted by `converters`. */
  constructor(names: readonly string[], converters: readonly TextConverter[]) {
    if (names.length !== converters.length) {
      throw new RangeError(
        `RecordReader needs one converter per column: got ${names.length} names and ${converters.length} converters`,
      );
    }
    this.#names = names;
    this.#converters = converters;
  }

  /** The rows of `texts`, one record text each. */
  rows(texts: readonly (string | null)[]): Record<string, unknown>[] {
    const rows = new Array<Record<string, unknown>>(texts.length);
    for (let i = 0; i < texts.length; i++) rows[i] = this.row(texts[i]);
    return rows;
  }

  /** The row of one record text. */
  row(text: string | null): Record<string, unknown> {
    const names = this.#names;
    const converters = this.#converters;
    const last = names.length - 1;
    if (
      text === null || text.charCodeAt(0) !== OPEN || text.charCodeAt(text.length - 1) !== CLOSE
    ) {
      throw this.#malformed(text);
    }
    const row: Record<string, unknown> = {};
    if (last === -1) {
      if (text.length !== 2) throw this.#malformed(text);
      return row;
    }
    // without a backslash, a quoted value not followed by another quote ends at it
    const backslash = text.includes("\\");
    let pos = 1;
    for (let i = 0; i <= last; i++) {
      const separator = i === last ? CLOSE : COMMA;
      const c = text.charCodeAt(pos);
      let raw: string | null;
      if (c === separator) {
        raw = null;
      } else if (c !== QUOTE) {
        // an unquoted value holds no comma, parenthesis, quote or blank
        const end = i === last ? text.length - 1 : text.indexOf(",", pos);
        if (end === -1) throw this.#malformed(text);
        raw = text.slice(pos, end);
        if (i === last && raw.includes(",")) throw this.#malformed(text);
        pos = end;
      } else {
        const end = text.indexOf('"', pos + 1);
        if (!backslash && end !== -1 && text.charCodeAt(end + 1) !== QUOTE) {
          raw = text.slice(pos + 1, end);
          pos = end + 1;
        } else {
          [raw, pos] = quoted(text, pos);
        }
      }
      if (text.charCodeAt(pos) !== separator) throw this.#malformed(text);
      pos++;
      row[names[i]] = raw === null ? null : converters[i](raw);
    }
    if (pos !== text.length) throw this.#malformed(text);
    return row;
  }

  #malformed(text: string | null): Error {
    return new Error(
      `A row's text is not a record of ${this.#names.length} values: ${
        text === null ? "NULL" : `"${text.slice(0, 80)}"`
      }`,
    );
  }
}

/**
 * The value of the quoted text starting at `start` (its opening quote) and the index after its
 * closing quote: `""` is a quote, a backslash takes the next character as it is.
 */
function quoted(text: string, start: number): [string, number] {
  let value = "";
  let from = start + 1;
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) {
      value += text.slice(from, i);
      from = i + 1;
      i += 2;
    } else if (c !== QUOTE) {
      i++;
    } else if (text.charCodeAt(i + 1) === QUOTE) {
      value += text.slice(from, i + 1);
      i += 2;
      from = i;
    } else {
      return [value + text.slice(from, i), i + 1];
    }
  }
  return [value, text.length];
}
