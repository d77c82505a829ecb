import assert from "node:assert/strict";
import { cursorUp, cut, renderLine } from "./_ansi.ts";

Deno.test("renderLine cuts to the width, counting only visible characters", () => {
  const line = [["extract", "step"], ["  "], ["1,000", "count"], [" items"]] as const;
  assert.equal(renderLine(line, undefined, false), "extract  1,000 items");
  assert.equal(renderLine(line, 20, false), "extract  1,000 items");
  assert.equal(renderLine(line, 12, false), "extract  1,…");
  assert.equal(renderLine(line, 9, false), "extract  ");
  assert.equal(
    renderLine(line, 12, true),
    "\x1b[1;36mextract\x1b[0m  \x1b[1m1,…\x1b[0m",
  );
});

Deno.test("cut counts code points, not UTF-16 units", () => {
  assert.equal(cut("ünïcødé_tåble", 6), "ünïcø…");
  assert.equal(cut("😀😀😀", 3), "😀😀😀");
  assert.equal(cut("😀😀😀😀", 3), "😀😀…");
});

Deno.test("cursorUp returns to the start of an earlier line", () => {
  assert.equal(cursorUp(3), "\r\x1b[3A");
  assert.equal(cursorUp(0), "\r");
});
