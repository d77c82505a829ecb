import assert from "node:assert/strict";
import { allTestModules, partFiles, partModules } from "./_suite.ts";

Deno.test("the suite's parts run every test module of the repository once", () => {
  const parts = partFiles();
  assert.ok(parts.length > 1);
  const dealt = parts.flatMap((_, i) => partModules(i + 1, parts.length));
  assert.deepEqual([...dealt].sort(), allTestModules());
  assert.ok(allTestModules().includes("tests/suite_test.ts"));
  assert.ok(allTestModules().includes("destinations/duckdb/_database_test.ts"));
  for (let i = 1; i <= parts.length; i++) assert.ok(partModules(i, parts.length).length > 0);
});

Deno.test("the parts take about as long: the slowest modules go to different parts", async () => {
  const weights: Record<string, number> = JSON.parse(
    await Deno.readTextFile(new URL("./suite/weights.json", import.meta.url)),
  );
  const parts = partFiles().length;
  const modules = new Set(allTestModules());
  const slowest = Object.entries(weights).filter(([path]) => modules.has(path))
    .sort(([, a], [, b]) => b - a).slice(0, parts);
  const partOf = (path: string) =>
    Array.from({ length: parts }, (_, i) => i + 1).find((i) =>
      partModules(i, parts).includes(path)
    );
  const holding = new Set(slowest.map(([path]) => partOf(path)));
  assert.equal(holding.size, parts, `${slowest.map(([p]) => `${p}: part ${partOf(p)}`)}`);
});

Deno.test("deno task test runs the suite's parts", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.match(config.tasks.test, /deno test -A --no-check --parallel tests\/suite\/part_\*\.ts$/);
});
