import assert from "node:assert/strict";
import {
  EMPTY_KEY_IDENTIFIER,
  namingConvention,
  shortenIdentifier,
  snakeCaseNaming,
} from "./naming.ts";

Deno.test("snake_case splits camelCase and lower-cases", () => {
  const n = snakeCaseNaming();
  assert.equal(n.normalizeIdentifier("createdAt"), "created_at");
  assert.equal(n.normalizeIdentifier("HTTPResponseCode"), "http_response_code");
  assert.equal(n.normalizeIdentifier("URLValue"), "url_value");
  assert.equal(n.normalizeIdentifier("already_snake"), "already_snake");
});

Deno.test("snake_case reduces the alphabet and cleans up underscores", () => {
  const n = snakeCaseNaming();
  assert.equal(n.normalizeIdentifier("a+b"), "axb");
  assert.equal(n.normalizeIdentifier("a-b"), "a_b");
  assert.equal(n.normalizeIdentifier("a*b"), "axb");
  assert.equal(n.normalizeIdentifier("user@host"), "userahost");
  assert.equal(n.normalizeIdentifier("a|b"), "alb");
  assert.equal(n.normalizeIdentifier("with space"), "with_space");
  assert.equal(n.normalizeIdentifier("foo__bar"), "foo_bar");
  assert.equal(n.normalizeIdentifier("trailing_"), "trailingx");
  assert.equal(n.normalizeIdentifier("1st"), "_1st");
  assert.equal(n.normalizeIdentifier("  padded  "), "padded");
  assert.equal(n.normalizeIdentifier("é"), "x");
});

Deno.test("snake_case names empty keys and is idempotent", () => {
  const n = snakeCaseNaming();
  assert.equal(n.normalizeIdentifier(""), EMPTY_KEY_IDENTIFIER);
  assert.equal(n.normalizeIdentifier("   "), EMPTY_KEY_IDENTIFIER);
  for (const raw of ["createdAt", "1st Place!", "a-b+c", "HTTPServer", "x__y__z"]) {
    const once = n.normalizeIdentifier(raw);
    assert.equal(n.normalizeIdentifier(once), once, raw);
  }
});

Deno.test("over-long identifiers are shortened with a stable tag", () => {
  const n = snakeCaseNaming({ maxLength: 20 });
  const long = "aVeryLongIdentifierNameThatGoesOnAndOn";
  const short = n.normalizeIdentifier(long);
  assert.equal(short.length, 20);
  assert.equal(short, n.normalizeIdentifier(long));
  assert.ok(short.startsWith("a_very"));
  assert.notEqual(short, n.normalizeIdentifier(long + "X"));
  assert.equal(shortenIdentifier("short", "short", 20), "short");
});

Deno.test("paths join with __ and skip empty fragments", () => {
  const n = snakeCaseNaming();
  assert.equal(n.shortenFragments("issues", "labels"), "issues__labels");
  assert.equal(n.shortenFragments("issues", "", "labels"), "issues__labels");
  const tiny = snakeCaseNaming({ maxLength: 12 });
  assert.equal(tiny.shortenFragments("parent_table", "child_table").length, 12);
});

Deno.test("direct keeps names, cleaning only dots, quotes and line breaks; paths join with ▶", () => {
  const naming = namingConvention("direct");
  assert.equal(naming.normalizeIdentifier("Created At"), "Created At");
  assert.equal(naming.normalizeIdentifier(" a.b\"c'\n "), "a_b_c_");
  assert.equal(naming.shortenFragments("Orders", "Line Items"), "Orders▶Line Items");
});

Deno.test("duck_case is case-sensitive and keeps any character but quotes and line breaks", () => {
  const naming = namingConvention("duck_case");
  assert.equal(naming.normalizeIdentifier("createdAt"), "createdAt");
  assert.equal(naming.normalizeIdentifier("Ünïcode Ключ"), "Ünïcode Ключ");
  assert.equal(naming.normalizeIdentifier('a"b\r\nc'), "a_b_c");
  assert.equal(naming.shortenFragments("Orders", "lineItems"), "Orders__lineItems");
  assert.throws(() => namingConvention("camelCase"), /available: snake_case, direct, duck_case/);
});
