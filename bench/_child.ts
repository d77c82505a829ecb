/**
 * The benchmarks' measured processes: each measurement runs in a Deno process of its own, so
 * that its peak RSS is its own, and prints what it measured as JSON on its last line.
 *
 * @module
 */

/**
 * Runs `deno run -A ...args` (a script and its arguments) and returns its last output line,
 * parsed; its error output goes to ours. A process that fails is an error naming the script.
 */
export async function measureInChild<T>(args: string[]): Promise<T> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`Benchmark process failed: ${args.join(" ")}`);
  const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as T;
}
