import assert from "node:assert/strict";
import { numberPlaceholders } from "./_placeholders.ts";

Deno.test("? placeholders are numbered in order outside literals, identifiers and comments", () => {
  const cases: [string, string][] = [
    ["SELECT ?", "SELECT $1"],
    ["SELECT ?, ?, ?", "SELECT $1, $2, $3"],
    ["SELECT 'it''s?', ?", "SELECT 'it''s?', $1"],
    [`SELECT "a""?", ?`, `SELECT "a""?", $1`],
    ["SELECT E'\\'?', ?", "SELECT E'\\'?', $1"],
    ["SELECT e'a\\\\', ?", "SELECT e'a\\\\', $1"],
    // a backslash ends nothing in a standard string
    ["SELECT 'a\\', ?", "SELECT 'a\\', $1"],
    ["SELECT $$ ? $$, ?", "SELECT $$ ? $$, $1"],
    ["SELECT $fn$ ?$x$ $fn$, ?", "SELECT $fn$ ?$x$ $fn$, $1"],
    ["SELECT ? -- ?\n, ?", "SELECT $1 -- ?\n, $2"],
    ["SELECT /* ? /* ? */ ? */ ?", "SELECT /* ? /* ? */ ? */ $1"],
    // a $ inside an identifier starts no quote
    ["SELECT a$b, ?", "SELECT a$b, $1"],
    ["SELECT ?, 'unterminated ?", "SELECT $1, 'unterminated ?"],
  ];
  for (const [sql, expected] of cases) assert.equal(numberPlaceholders(sql), expected, sql);
});

Deno.test("SQL numbering its placeholders keeps its ? operators", () => {
  const sql = "SELECT * FROM t WHERE data ? 'a' AND data ?| array['b'] AND id = $1";
  assert.equal(numberPlaceholders(sql), sql);
  // a dollar-quoted body and an identifier's $ are not placeholders
  assert.equal(numberPlaceholders("SELECT $$x$$, a$1, ?"), "SELECT $$x$$, a$1, $1");
});
