import assert from "node:assert/strict";
import { coerceValue, inferDataType, isIsoTimestamp } from "./inference.ts";
import { BigIntValue, BinaryValue } from "./typed_json.ts";

Deno.test("types are inferred as dlt does", () => {
  assert.equal(inferDataType("x"), "text");
  assert.equal(inferDataType("2024-01-02T03:04:05Z"), "timestamp");
  assert.equal(inferDataType("2024-01-02T03:04:05.123+02:00"), "timestamp");
  assert.equal(inferDataType("2024-01-02"), "text");
  assert.equal(inferDataType(1), "bigint");
  assert.equal(inferDataType(1.5), "double");
  assert.equal(inferDataType(2 ** 60), "double");
  assert.equal(inferDataType(true), "bool");
  assert.equal(inferDataType(new BigIntValue("12")), "bigint");
  assert.equal(inferDataType(new BigIntValue((2n ** 64n).toString())), "decimal");
  assert.equal(inferDataType(new BinaryValue("AQI=")), "binary");
  assert.equal(inferDataType({ a: 1 }), "json");
});

Deno.test("ISO timestamps need a valid date and a time", () => {
  assert.ok(isIsoTimestamp("2011-01-26T19:01:12Z"));
  assert.ok(isIsoTimestamp("2011-01-26 19:01:12"));
  assert.ok(!isIsoTimestamp("2011-13-45T19:01:12Z"));
  assert.ok(!isIsoTimestamp("yesterday at noon"));
});

Deno.test("coercion is lossless or refused", () => {
  assert.equal(coerceValue(3, "double"), 3);
  assert.equal(coerceValue(3.5, "bigint"), undefined);
  assert.equal(coerceValue(7, "text"), "7");
  assert.equal(coerceValue("12", "bigint"), "12");
  assert.equal(coerceValue("x", "bigint"), undefined);
  assert.equal(coerceValue("2.5", "double"), 2.5);
  assert.equal(coerceValue(true, "bigint"), undefined);
  assert.equal(coerceValue(0, "timestamp"), "1970-01-01T00:00:00.000Z");
  assert.equal(coerceValue({ a: 1 }, "text"), '{"a":1}');
  assert.equal(coerceValue("not a date", "timestamp"), undefined);
});

Deno.test("a timestamp goes into a date column as its UTC date, as dlt coerces datetimes", () => {
  assert.equal(coerceValue("2024-03-05", "date"), "2024-03-05");
  assert.equal(coerceValue("2024-03-05T23:30:00-02:00", "date"), "2024-03-06");
  assert.equal(coerceValue("2024-03-05 23:30:00", "date"), "2024-03-05");
  assert.equal(coerceValue(new Date(Date.UTC(2024, 2, 5)).toISOString(), "date"), "2024-03-05");
  assert.equal(coerceValue("March 5th", "date"), undefined);
});
