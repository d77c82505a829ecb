import assert from "node:assert/strict";
import { globBase, globToRegExp } from "./glob.ts";

const PATHS = [
  "a.csv",
  "b.jsonl",
  ".hidden.csv",
  "sub/c.csv",
  "sub/deep/d.csv",
  "sub/deep/e.parquet",
  "2024/01/f.csv.gz",
  "x+y (1).csv",
];

function matching(glob: string): string[] {
  const re = globToRegExp(glob);
  return PATHS.filter((path) => re.test(path));
}

Deno.test("* stays in its folder; ** crosses folders, none included", () => {
  assert.deepEqual(matching("*"), ["a.csv", "b.jsonl", ".hidden.csv", "x+y (1).csv"]);
  assert.deepEqual(matching("**/*.csv"), [
    "a.csv",
    ".hidden.csv",
    "sub/c.csv",
    "sub/deep/d.csv",
    "x+y (1).csv",
  ]);
  assert.deepEqual(matching("sub/**/*.csv"), ["sub/c.csv", "sub/deep/d.csv"]);
  assert.deepEqual(matching("sub/**"), ["sub/c.csv", "sub/deep/d.csv", "sub/deep/e.parquet"]);
  assert.deepEqual(matching("**"), PATHS);
  assert.deepEqual(matching("*/*.csv"), ["sub/c.csv"]);
});

Deno.test("?, character sets, braces and literal specials", () => {
  assert.deepEqual(matching("?.csv"), ["a.csv"]);
  assert.deepEqual(matching("[ab].*"), ["a.csv", "b.jsonl"]);
  assert.deepEqual(matching("[!a]*.csv"), [".hidden.csv", "x+y (1).csv"]);
  assert.deepEqual(matching("**/*.{csv,parquet}"), [
    "a.csv",
    ".hidden.csv",
    "sub/c.csv",
    "sub/deep/d.csv",
    "sub/deep/e.parquet",
    "x+y (1).csv",
  ]);
  assert.deepEqual(matching("{sub/deep,2024/*}/*.{csv,csv.gz}"), [
    "sub/deep/d.csv",
    "2024/01/f.csv.gz",
  ]);
  assert.deepEqual(matching("x+y (1).csv"), ["x+y (1).csv"]);
  assert.deepEqual(matching("[a.csv"), []);
  assert.ok(globToRegExp("{a").test("{a"));
});

Deno.test("globBase: the fixed folders before the first wildcard", () => {
  assert.equal(globBase("sub/deep/*.csv"), "sub/deep/");
  assert.equal(globBase("sub/d*/x.csv"), "sub/");
  assert.equal(globBase("**/*.csv"), "");
  assert.equal(globBase("sub/a.csv"), "sub/");
});
