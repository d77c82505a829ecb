/**
 * Tests that change what the whole process shares: its environment variables or its current
 * directory. `deno test --parallel` runs test modules side by side in one process, so such a test
 * would change them under the other modules' feet (a pipeline of another module taking its
 * credentials from a variable set here, or its base folder from a `Deno.chdir` here). An
 * isolated test runs instead in a child `deno test` process that runs only it; the test in the
 * parent passes when the child's does, and shows the child's output when it does not.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

/** Set in the child: the name of the one test it runs. */
const CHILD_VARIABLE = "DLT_TEST_ISOLATED";

const REPO = fileURLToPath(new URL("../", import.meta.url));

/** `text` as a regular expression matching only itself. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Options of {@linkcode isolatedTest}. */
export interface IsolatedTestOptions {
  /** Variables the child gets besides the inherited ones (a server this process started). */
  env?: Record<string, string>;
}

/**
 * Registers test `name` of the module at `moduleUrl` (its `import.meta.url`), whose `fn` may set
 * environment variables and change the current directory: it runs in a child process of its own.
 */
export function isolatedTest(
  moduleUrl: string,
  name: string,
  fn: (t: Deno.TestContext) => void | Promise<void>,
  options: IsolatedTestOptions = {},
): void {
  if (Deno.env.get(CHILD_VARIABLE) === name) {
    Deno.test(name, fn);
    return;
  }
  Deno.test(name, async () => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "test",
        "--allow-all",
        "--no-check",
        "--filter",
        `/^${escapeRegExp(name)}$/`,
        fileURLToPath(moduleUrl),
      ],
      cwd: REPO,
      env: { ...options.env, [CHILD_VARIABLE]: name, NO_COLOR: "1" },
      stdin: "null",
    }).output();
    const decoder = new TextDecoder();
    const text = decoder.decode(output.stdout) + decoder.decode(output.stderr);
    assert.ok(output.success, `the isolated test failed:\n${text}`);
    assert.match(text, /\bok \| 1 passed \| 0 failed\b/, `the isolated test did not run:\n${text}`);
  });
}
