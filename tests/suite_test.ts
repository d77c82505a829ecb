import assert from "node:assert/strict";
import { allTestModules, dealtModules, partFiles, partModules, partShares } from "./_suite.ts";

Deno.test("the suite's parts run every test module of the repository once", () => {
  const parts = partFiles();
  assert.ok(parts.length > 1);
  const dealt = parts.flatMap((_, i) => partModules(i + 1, parts.length));
  assert.deepEqual([...dealt].sort(), allTestModules());
  assert.ok(allTestModules().includes("tests/suite_test.ts"));
  assert.ok(allTestModules().includes("destinations/duckdb/_database_test.ts"));
  for (let i = 1; i <= parts.length; i++) assert.ok(partModules(i, parts.length).length > 0);
});

Deno.test("the parts take their shares: equal ones with the heaviest modules first, then smaller ones", async () => {
  const weights: Record<string, number> = JSON.parse(
    await Deno.readTextFile(new URL("./suite/weights.json", import.meta.url)),
  );
  const parts = dealtModules(partFiles().length);
  const weightOf = (modules: string[]) =>
    modules.reduce((sum, path) => sum + (weights[path] ?? 0), 0);
  const totals = parts.map(weightOf);
  const equal = totals.slice(0, partShares(parts.length).filter((share) => share === 1).length);
  // within a few seconds of each other
  assert.ok(Math.max(...equal) - Math.min(...equal) < 3, `${totals.map((t) => t.toFixed(1))}`);
  // then each smaller than the one before, the last one small
  for (let i = equal.length; i < totals.length; i++) {
    assert.ok(totals[i] < totals[i - 1], `${totals.map((t) => t.toFixed(1))}`);
  }
  assert.ok(totals.at(-1)! < Math.min(...equal) / 4, `${totals.map((t) => t.toFixed(1))}`);
  // the heaviest modules, one in each equal part, start first
  const modules = new Set(allTestModules());
  const heaviest = Object.entries(weights).filter(([path]) => modules.has(path))
    .sort(([, a], [, b]) => b - a).slice(0, equal.length);
  const holding = heaviest.map(([path]) => parts.findIndex((modules) => modules.includes(path)));
  assert.deepEqual([...holding].sort((a, b) => a - b), [...equal.keys()], `${holding}`);
});

Deno.test("deno task test runs the suite's parts", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.match(config.tasks.test, /deno test -A --no-check --parallel tests\/suite\/part_\*\.ts$/);
});
