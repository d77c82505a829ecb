/**
 * Runs every example of the repository's doc comments (`tests/_doc_examples.ts` finds them) as a
 * test of its own, named `<file>#<first line>-<last line>`, as `deno test --doc` would; the test
 * task type-checks them with `deno check --doc`, beside the tests.
 *
 * `deno test --doc` runs each example as a module in an isolate of its own, which costs ~1 s of
 * CPU (Deno's test isolate allocates an 80 MB array up front, and each isolate loads our modules
 * again): 181 s of CPU for 177 examples, about a third of the suite. Here they share one isolate
 * and take ~3 s. Each still runs as a module of its own, with the test sanitizers, and sees the
 * package's modules as a program that imports them does: loaded once.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { docExamples, exampleModule } from "./_doc_examples.ts";
import { tempDir } from "./_helpers.ts";
import { REPO, repoFiles } from "./_repo_files.ts";

const SOURCE = /\.(ts|tsx|mts|js|jsx|mjs)$/;

/**
 * An opening fence of a runnable language in a doc comment's margin, matched line by line apart
 * from the parser: a block the parser missed would not run.
 */
const RUNNABLE_FENCE = /^\s*\*\s*```(ts|typescript|mts|tsx|js|javascript|mjs|jsx)\s*$/;

/** Per file: the examples registered, and the runnable fences counted line by line. */
const registered = new Map<string, { examples: number; fences: number }>();

for (const file of repoFiles((name) => SOURCE.test(name) && !name.endsWith(".d.ts"))) {
  const path = join(REPO, file);
  const fileUrl = pathToFileURL(path).href;
  const text = fs.readFileSync(path, "utf8");
  const examples = docExamples(text);
  const fences = text.split("\n").filter((line) => RUNNABLE_FENCE.test(line)).length;
  registered.set(file, { examples: examples.length, fences });
  for (const example of examples) {
    const name = `${file}#${example.startLine}-${example.endLine}`;
    Deno.test(name, async () => {
      const source = exampleModule(example, fileUrl, (specifier) => import.meta.resolve(specifier));
      const module = join(
        await tempDir("doc_example"),
        `${basename(path)}_${example.startLine}-${example.endLine}.${example.extension}`,
      );
      await Deno.writeTextFile(module, source);
      await import(pathToFileURL(module).href);
    });
  }
}

Deno.test("doc examples: every opening fence of a runnable language in a doc comment's margin is an example that runs", () => {
  for (const [path, { examples, fences }] of registered) assert.equal(examples, fences, path);
  assert.ok([...registered.values()].reduce((n, file) => n + file.examples, 0) > 100);
});

Deno.test("doc examples: fences, languages, ignore and the comment's margin", () => {
  const text = [
    "/**",
    " * Adds.",
    " *",
    " * ```ts",
    ' * import { add } from "./add.ts";',
    " * if (add(1, 2) !== 3) {",
    " *   throw new Error();",
    " * }",
    " * ```",
    " * ```ts ignore",
    " * notRun();",
    " * ```",
    " * ```sh",
    " * deno run add.ts",
    " * ```",
    " *   ```js",
    " *   console.log(1);",
    " *   ```",
    " */",
    "export function add(a: number, b: number): number { return a + b; }",
    "// ```ts",
    "// not in a doc comment",
    "// ```",
  ].join("\n");
  const examples = docExamples(text);
  assert.deepEqual(
    examples.map(({ startLine, endLine, extension }) => [startLine, endLine, extension]),
    [
      [4, 9, "ts"],
      [16, 18, "js"],
    ],
  );
  assert.deepEqual(examples[0].lines, [
    'import { add } from "./add.ts";',
    "if (add(1, 2) !== 3) {",
    "  throw new Error();",
    "}",
  ]);
});

Deno.test("doc examples: imports made absolute, line numbers kept", () => {
  const example = {
    startLine: 3,
    endLine: 7,
    extension: "ts",
    lines: [
      'import { add } from "./add.ts";',
      'import type { Row } from "../lib/rows.ts";',
      'import assert from "node:assert/strict";',
      'import { pipeline } from "@denodlt/dlt";',
      'const { sub } = await import("./sub.ts");',
    ],
  };
  const module = exampleModule(
    example,
    "file:///repo/lib/add.ts",
    (specifier) => `file:///resolved/${specifier}`,
  );
  assert.equal(
    module,
    "\n\n\n" + [
      'import { add } from "file:///repo/lib/add.ts";',
      'import type { Row } from "file:///repo/lib/rows.ts";',
      'import assert from "node:assert/strict";',
      'import { pipeline } from "file:///resolved/@denodlt/dlt";',
      'const { sub } = await import("file:///repo/lib/sub.ts");',
    ].join("\n") + "\n",
  );
});
