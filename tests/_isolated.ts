/**
 * Tests that change what the whole process shares: its environment variables or its current
 * directory. `deno test --parallel` runs test modules side by side in one process, so such a test
 * would change them under the other modules' feet (a pipeline of another module taking its
 * credentials from a variable set here, or its base folder from a `Deno.chdir` here). Isolated
 * tests run instead in a child `deno test` process that runs only the isolated tests of their
 * module, one after the other (each puts back what it changed, in `finally`); one child per module
 * and `env`, started when the first of them runs. Each test in the parent passes when its own test
 * in the child passed, and shows the child's output when it did not.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

/** Set in the child: the URL of the module whose isolated tests it runs. */
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

/** The isolated tests of one module (and `env`), run by one child. */
interface ChildGroup {
  moduleUrl: string;
  env: Record<string, string>;
  names: string[];
  /** The child's output, once it was started. */
  output?: Promise<{ success: boolean; text: string }>;
}

/** Groups by module URL and `env`. */
const groups = new Map<string, ChildGroup>();

/** Runs the tests of `group` in a child `deno test`; resolves to its output. */
async function runChild(group: ChildGroup): Promise<{ success: boolean; text: string }> {
  const filter = group.names.map(escapeRegExp).join("|");
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "test",
      "--allow-all",
      "--no-check",
      "--filter",
      `/^(?:${filter})$/`,
      fileURLToPath(group.moduleUrl),
    ],
    cwd: REPO,
    env: { ...group.env, [CHILD_VARIABLE]: group.moduleUrl, NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    success: output.success,
    text: decoder.decode(output.stdout) + decoder.decode(output.stderr),
  };
}

/**
 * Registers test `name` of the module at `moduleUrl` (its `import.meta.url`), whose `fn` may set
 * environment variables and change the current directory if it puts them back: it runs in a
 * child process with the other isolated tests of its module.
 */
export function isolatedTest(
  moduleUrl: string,
  name: string,
  fn: (t: Deno.TestContext) => void | Promise<void>,
  options: IsolatedTestOptions = {},
): void {
  if (Deno.env.get(CHILD_VARIABLE) === moduleUrl) {
    Deno.test(name, fn);
    return;
  }
  const env = options.env ?? {};
  const key = `${moduleUrl}\n${JSON.stringify(env)}`;
  let group = groups.get(key);
  if (group === undefined) groups.set(key, group = { moduleUrl, env, names: [] });
  group.names.push(name);
  const registered = group;
  Deno.test(name, async () => {
    const { success, text } = await (registered.output ??= runChild(registered));
    const passed = new RegExp(`^${escapeRegExp(name)} \\.\\.\\. ok\\b`, "m");
    assert.match(
      text,
      passed,
      `the isolated test failed or did not run (the child ${
        success ? "passed" : "failed"
      }):\n${text}`,
    );
  });
}
