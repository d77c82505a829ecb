import assert from "node:assert/strict";
import { allTestModules, partFiles, partModules } from "./_suite.ts";

Deno.test("the suite's parts run every test module of the repository once", () => {
  const parts = partFiles();
  assert.ok(parts.length > 1);
  const dealt = parts.flatMap((_, i) => partModules(i + 1, parts.length));
  assert.deepEqual([...dealt].sort(), allTestModules());
  assert.ok(allTestModules().includes("tests/suite_test.ts"));
  assert.ok(allTestModules().includes("destinations/duckdb/_database_test.ts"));
  // each part takes a like share: no part has two modules more than another
  const sizes = parts.map((_, i) => partModules(i + 1, parts.length).length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${sizes}`);
});

Deno.test("deno task test runs the suite's parts", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.match(config.tasks.test, /deno test -A --no-check --parallel tests\/suite\/part_\*\.ts$/);
});
