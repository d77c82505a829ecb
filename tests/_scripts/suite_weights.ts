/**
 * Writes `tests/suite/weights.json`, the seconds each test module's tests took, by which
 * `tests/_suite.ts` deals the modules to the suite's parts: from the output of a `deno test` run
 * of the modules each in its own isolate, read from standard input.
 *
 *     deno test -A --no-check --parallel 2>&1 | deno run -A tests/_scripts/suite_weights.ts
 *
 * @module
 */
import { fileURLToPath } from "node:url";

const WEIGHTS = fileURLToPath(new URL("../suite/weights.json", import.meta.url));

/** `./<module> => <test> ... ok (1m2s)`, with the colors of a terminal taken out. */
const RESULT = /^\.\/(\S+) => .* \.\.\. \S+ \((?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?(?:\d+µs)?\)$/;

const text = await new Response(Deno.stdin.readable).text();
const seconds = new Map<string, number>();
// deno-lint-ignore no-control-regex
for (const line of text.replace(/\x1b\[[0-9;]*m/g, "").split("\n")) {
  const match = RESULT.exec(line.trim());
  if (match === null) continue;
  const [, path, minutes = "0", secs = "0", ms = "0"] = match;
  const took = Number(minutes) * 60 + Number(secs) + Number(ms) / 1000;
  seconds.set(path, (seconds.get(path) ?? 0) + took);
}
if (seconds.size === 0) throw new Error("No test results in the input: give it deno test's output");
const sorted = [...seconds].sort(([a], [b]) => a.localeCompare(b));
const weights = Object.fromEntries(sorted.map(([path, s]) => [path, Math.round(s * 10) / 10]));
await Deno.writeTextFile(WEIGHTS, JSON.stringify(weights, null, 2) + "\n");
console.log(`${seconds.size} test modules weighed into ${WEIGHTS}`);
