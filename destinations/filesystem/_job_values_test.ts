import assert from "node:assert/strict";
import { csvDecoder, decimalOf, jsonlDecoder, parseTimestamp } from "./_job_values.ts";

Deno.test("ISO timestamps in every form the normalizer keeps, UTC without an offset", () => {
  const utc = new Date("2024-01-01T10:00:00Z");
  for (
    const text of [
      "2024-01-01T10:00:00Z",
      "2024-01-01T10:00:00z",
      "2024-01-01 10:00:00",
      "2024-01-01T10:00",
      "2024-01-01T12:00:00+02",
      "2024-01-01T12:00:00+0200",
      "2024-01-01T12:00:00+02:00",
      "2024-01-01T08:30:00-01:30",
    ]
  ) {
    assert.deepEqual(parseTimestamp(text), utc, text);
  }
  assert.deepEqual(
    parseTimestamp("2024-01-01T10:00:00.123456789Z"),
    new Date("2024-01-01T10:00:00.123Z"),
  );
  assert.deepEqual(parseTimestamp("2024-02-29"), new Date("2024-02-29T00:00:00Z"));
  assert.deepEqual(parseTimestamp("0099-01-01"), new Date("0099-01-01T00:00:00Z"));
});

Deno.test("decimals round half away from zero to the column's scale", () => {
  assert.equal(decimalOf("0.0000000005", 9), 1e-9);
  assert.equal(decimalOf("-0.0000000005", 9), -1e-9);
  assert.equal(decimalOf("123", 2), 123);
  assert.equal(decimalOf("99999999999999999999.99", 2), "99999999999999999999.99");
  assert.equal(decimalOf("12345678901234567890", 0), 12345678901234567890n);
  assert.throws(() => decimalOf("abc", 2), SyntaxError);
});

Deno.test("each data type decodes from JSONL and CSV alike", () => {
  const columns = {
    big: { name: "big", dataType: "bigint" as const },
    d: { name: "d", dataType: "double" as const },
    b: { name: "b", dataType: "bool" as const },
    bin: { name: "bin", dataType: "binary" as const },
    day: { name: "day", dataType: "date" as const },
    doc: { name: "doc", dataType: "json" as const },
    text: { name: "text", dataType: "text" as const },
    price: { name: "price", dataType: "decimal" as const, precision: 10, scale: 2 },
  };
  const cases: [keyof typeof columns, unknown, string, unknown][] = [
    ["big", 9007199254740993n, "9007199254740993", 9007199254740993n],
    ["big", -5, "-5", -5],
    ["d", "-Infinity", "-Infinity", -Infinity],
    ["d", 0.1, "0.1", 0.1],
    ["b", true, "true", true],
    ["b", false, "false", false],
    ["bin", "AP8=", "AP8=", new Uint8Array([0, 255])],
    ["day", "2024-03-01", "2024-03-01", new Date("2024-03-01T00:00:00Z")],
    ["doc", { a: [1, "x"] }, '{"a":[1,"x"]}', '{"a":[1,"x"]}'],
    ["doc", "plain", '"plain"', '"plain"'],
    ["text", "a,b", "a,b", "a,b"],
    ["price", "1.005", "1.005", 1.01],
  ];
  for (const [column, json, csv, expected] of cases) {
    assert.deepEqual(jsonlDecoder(columns[column])(json), expected, `${column} from JSONL`);
    assert.deepEqual(csvDecoder(columns[column])(csv), expected, `${column} from CSV`);
  }
});
