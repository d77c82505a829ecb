import assert from "node:assert/strict";
import { counted, formatCount, formatDuration, formatRate } from "./_format.ts";

Deno.test("formatCount groups thousands and rounds", () => {
  assert.equal(formatCount(0), "0");
  assert.equal(formatCount(999), "999");
  assert.equal(formatCount(1000), "1,000");
  assert.equal(formatCount(1234567.6), "1,234,568");
  assert.equal(formatCount(-12345), "-12,345");
});

Deno.test("formatDuration shows tenths, then minutes, then hours", () => {
  assert.equal(formatDuration(0), "0.0 s");
  assert.equal(formatDuration(3249), "3.2 s");
  assert.equal(formatDuration(59_940), "59.9 s");
  assert.equal(formatDuration(59_960), "1 min 00 s");
  assert.equal(formatDuration(125_000), "2 min 05 s");
  assert.equal(formatDuration(3_720_000), "1 h 02 min");
  assert.equal(formatDuration(-5), "0.0 s");
});

Deno.test("formatRate is per second, with a decimal only for small fractional rates", () => {
  assert.equal(formatRate(200_000, 3200), "62,500/s");
  assert.equal(formatRate(5, 2000), "2.5/s");
  assert.equal(formatRate(20, 2000), "10/s");
  assert.equal(formatRate(4, 2000), "2/s");
  assert.equal(formatRate(10, 0), undefined);
});

Deno.test("counted makes the noun plural unless the count is one", () => {
  assert.equal(counted(1, "resource"), "1 resource");
  assert.equal(counted(0, "table"), "0 tables");
  assert.equal(counted(1200, "row"), "1,200 rows");
});
