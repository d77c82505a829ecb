/**
 * The test suite in a few test modules: `deno task test` runs the parts `tests/suite/part_*.ts`,
 * each of which imports its share of every test module of the repository, so that `deno test
 * --parallel` runs them in twelve isolates instead of one isolate each. Each isolate costs ~0.35 s
 * of CPU before its first test (Deno's test runtime allocates and fills an 80 MB array in each)
 * and loads our modules again: together a fifth of the suite's CPU on its 155 modules. A module
 * still runs alone with `deno test -A <path>_test.ts`, and `deno test -A` runs each in its own.
 *
 * Test modules share their part's isolate: a test must not rely on what another module's tests
 * leave behind in module state (the log level, the active pipeline), as it runs after them.
 *
 * @module
 */
import { basename, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { REPO, repoFiles } from "./_repo_files.ts";

const PARTS = fileURLToPath(new URL("./suite/", import.meta.url));

/** Names of the parts' files. */
const PART_FILE = /^part_\d+\.ts$/;

/** Names `deno test` takes for test modules: `test.ts`, `*_test.ts` and `*.test.ts`. */
const TEST_MODULE = /^(?:.*[._])?test\.(?:ts|tsx|mts|js|jsx|mjs)$/;

/** The parts' files in `tests/suite/`, in order. */
export function partFiles(): string[] {
  return [...Deno.readDirSync(PARTS)].map((entry) => entry.name).filter((name) =>
    PART_FILE.test(name)
  ).sort();
}

/**
 * Seconds each test module's tests took in a run of the modules each alone, by path:
 * `tests/suite/weights.json`, written by `tests/_scripts/suite_weights.ts`. Only the balance of
 * the parts depends on it: a module it does not know weighs as its median one.
 */
function moduleWeights(): Map<string, number> {
  const text = Deno.readTextFileSync(join(PARTS, "weights.json"));
  return new Map(Object.entries(JSON.parse(text) as Record<string, number>));
}

/** What loading a test module costs its part besides its tests, in seconds. */
const MODULE_SECONDS = 0.3;

/**
 * The shares of the suite's last parts, after parts of share 1: `deno test --parallel` starts
 * the parts in order, each on the first of its two workers that is free, so the small parts at
 * the end fill in where one worker would otherwise wait for the other's last part.
 */
const TAPER = [0.6, 0.4, 0.25, 0.15];

/** Each of `parts` parts' share of the suite's time: equal ones, then {@linkcode TAPER}. */
export function partShares(parts: number): number[] {
  const tapered = TAPER.slice(0, Math.max(0, parts - 2));
  return [...new Array<number>(parts - tapered.length).fill(1), ...tapered];
}

/**
 * The test modules of part `part` (from 1) of `parts`: each module, the heaviest first, goes to
 * the part with the most room left by its share of the modules' weight (see
 * {@linkcode partShares}), so that the parts take their shares of the time, the heavy modules
 * run early and the light ones fill the small parts at the end.
 */
export function partModules(part: number, parts: number): string[] {
  return dealtModules(parts)[part - 1];
}

/** The test modules of each of `parts` parts (see {@linkcode partModules}). */
export function dealtModules(parts: number): string[][] {
  const weights = moduleWeights();
  const known = [...weights.values()].sort((a, b) => a - b);
  const median = known[Math.floor(known.length / 2)] ?? 0;
  const weighed = allTestModules().map((path) => ({
    path,
    weight: (weights.get(path) ?? median) + MODULE_SECONDS,
  }));
  weighed.sort((a, b) => b.weight - a.weight || a.path.localeCompare(b.path));
  const shares = partShares(parts);
  const total = weighed.reduce((sum, { weight }) => sum + weight, 0);
  const scale = total / shares.reduce((sum, share) => sum + share, 0);
  const room = shares.map((share) => share * scale);
  const dealt = shares.map((): string[] => []);
  for (const { path, weight } of weighed) {
    const roomiest = room.indexOf(Math.max(...room));
    room[roomiest] -= weight;
    dealt[roomiest].push(path);
  }
  return dealt.map((paths) => paths.sort());
}

/** Every test module of the repository, by path relative to it. */
export function allTestModules(): string[] {
  return repoFiles((name) => TEST_MODULE.test(name));
}

/**
 * Imports the test modules of the part at `partUrl` (a file of `tests/suite/`), which registers
 * their tests: its share as dealt among all the parts there.
 */
export async function importPart(partUrl: string): Promise<void> {
  const files = partFiles();
  const name = basename(fileURLToPath(partUrl));
  const part = files.indexOf(name) + 1;
  if (part === 0) throw new Error(`${name} is not a part of tests/suite/ (part_<n>.ts)`);
  for (const path of partModules(part, files.length)) {
    await import(new URL(path, pathToFileURL(REPO)).href);
  }
}
