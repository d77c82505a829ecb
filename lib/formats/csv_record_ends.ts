/**
 * Where the records of CSV bytes end, without parsing their fields: a record ends at a line feed
 * outside quotes (RFC 4180 quoting, `""` inside a quoted field). The bytes may come in pieces
 * cut anywhere; whether the cut fell inside quotes carries over to the next piece. Scans with
 * `indexOf`, so a piece without quotes costs one native search per record.
 *
 * @module
 */

const QUOTE = 34;
const LINE_FEED = 10;

/**
 * Finds the line feeds that end records in successive pieces of CSV bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CsvRecordEnds } from "./csv_record_ends.ts";
 * const ends = new CsvRecordEnds();
 * const bytes = new TextEncoder().encode('1,"a\nb"\n2,""\n3,"x');
 * assert.deepEqual(ends.scan(bytes), [7, 12]);
 * // the last record's quote is still open: its line feed comes in the next piece
 * assert.deepEqual(ends.scan(new TextEncoder().encode('""y"\n')), [4]);
 * assert.equal(ends.quoted, false);
 * ```
 */
export class CsvRecordEnds {
  #quoted = false;

  /** Whether the bytes scanned so far end inside a quoted field. */
  get quoted(): boolean {
    return this.#quoted;
  }

  /** The positions in `bytes` (the next piece) of the line feeds that end records, in order. */
  scan(bytes: Uint8Array): number[] {
    const ends: number[] = [];
    let at = 0;
    // the next quote at or after `at` (-1: none left in the piece)
    let quote = bytes.indexOf(QUOTE);
    while (at < bytes.length) {
      if (this.#quoted) {
        const closing = bytes.indexOf(QUOTE, at);
        if (closing < 0) break;
        this.#quoted = false;
        at = closing + 1;
        quote = bytes.indexOf(QUOTE, at);
        continue;
      }
      const end = bytes.indexOf(LINE_FEED, at);
      if (quote >= 0 && (end < 0 || quote < end)) {
        this.#quoted = true;
        at = quote + 1;
        continue;
      }
      if (end < 0) break;
      ends.push(end);
      at = end + 1;
    }
    return ends;
  }
}
