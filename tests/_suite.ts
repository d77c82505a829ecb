/**
 * The test suite in a few test modules: `deno task test` runs the parts `tests/suite/part_*.ts`,
 * each of which imports its share of every test module of the repository, so that `deno test
 * --parallel` runs them in ten isolates instead of one isolate each. Each isolate costs ~0.35 s
 * of CPU before its first test (Deno's test runtime allocates and fills an 80 MB array in each)
 * and loads our modules again: together a fifth of the suite's CPU on its 150 modules. A module
 * still runs alone with `deno test -A <path>_test.ts`, and `deno test -A` runs each in its own.
 *
 * Test modules share their part's isolate: a test must not rely on what another module's tests
 * leave behind in module state (the log level, the active pipeline), as it runs after them.
 *
 * @module
 */
import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../", import.meta.url));
const PARTS = fileURLToPath(new URL("./suite/", import.meta.url));

/** Names of the parts' files. */
const PART_FILE = /^part_\d+\.ts$/;

/** Names `deno test` takes for test modules: `test.ts`, `*_test.ts` and `*.test.ts`. */
const TEST_MODULE = /^(?:.*[._])?test\.(?:ts|tsx|mts|js|jsx|mjs)$/;

/** Folders no test module is looked for in: as the repository's `exclude`, and dot folders. */
const SKIPPED = new Set(["node_modules"]);

/** Every test module under `dir`, by path relative to the repository. */
function* testModules(dir: string): Generator<string> {
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.name.startsWith(".") || SKIPPED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* testModules(path);
    else if (entry.isFile && TEST_MODULE.test(entry.name)) yield relative(REPO, path);
  }
}

/** The parts' files in `tests/suite/`, in order. */
export function partFiles(): string[] {
  return [...Deno.readDirSync(PARTS)].map((entry) => entry.name).filter((name) =>
    PART_FILE.test(name)
  ).sort();
}

/**
 * The test modules of part `part` (from 1) of `parts`: the modules by size, largest first, dealt
 * to the parts back and forth (1…n, n…1, …), so that each part gets a like share of the large
 * ones, which hold most tests.
 */
export function partModules(part: number, parts: number): string[] {
  const sized = [...testModules(REPO)].map((path) => ({
    path,
    size: Deno.statSync(join(REPO, path)).size,
  }));
  sized.sort((a, b) => b.size - a.size || a.path.localeCompare(b.path));
  return sized.filter((_, i) => {
    const round = Math.floor(i / parts);
    const slot = i % parts;
    return (round % 2 === 0 ? slot : parts - 1 - slot) === part - 1;
  }).map(({ path }) => path);
}

/** Every test module of the repository, by path relative to it. */
export function allTestModules(): string[] {
  return [...testModules(REPO)].sort();
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
    await import(new URL(path, new URL("../", import.meta.url)).href);
  }
}
