import assert from "node:assert/strict";
import { CsvRecordEnds } from "./csv_record_ends.ts";

const RECORDS = [
  '1,plain,"quoted, with comma"\n',
  '2,"line\nbreak","say ""hi"""\n',
  '3,"","\r\n"\n',
  '4,"ends with quote """,x\n',
  "5,,\n",
];
const CSV = RECORDS.join("");

/** The record ends found when `bytes` come in pieces cut at `cuts`, as offsets into `bytes`. */
function endsAcross(bytes: Uint8Array, cuts: number[]): number[] {
  const ends = new CsvRecordEnds();
  const found: number[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    for (const end of ends.scan(bytes.subarray(start, cut))) found.push(start + end);
    start = cut;
  }
  assert.equal(ends.quoted, false);
  return found;
}

Deno.test("record ends are line feeds outside quotes, however the bytes are cut", () => {
  const bytes = new TextEncoder().encode(CSV);
  // the offset of each record's last character, its line feed
  const expected = RECORDS.map((_, n) => RECORDS.slice(0, n + 1).join("").length - 1);
  assert.deepEqual(endsAcross(bytes, []), expected);
  for (let cut = 1; cut < bytes.length; cut++) {
    assert.deepEqual(endsAcross(bytes, [cut]), expected, `cut at ${cut}`);
  }
  // every byte a piece of its own
  assert.deepEqual(
    endsAcross(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)),
    expected,
  );
});

Deno.test("bytes that end inside quotes say so; a piece without a record end finds none", () => {
  const ends = new CsvRecordEnds();
  assert.deepEqual(ends.scan(new TextEncoder().encode('1,"open\n')), []);
  assert.equal(ends.quoted, true);
  assert.deepEqual(ends.scan(new TextEncoder().encode("still open")), []);
  assert.deepEqual(ends.scan(new TextEncoder().encode('"\n2\n')), [1, 3]);
  assert.equal(ends.quoted, false);
  assert.deepEqual(new CsvRecordEnds().scan(new Uint8Array(0)), []);
});
