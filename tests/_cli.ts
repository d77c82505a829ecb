/** Shared helpers of the command line tests: `runCli` in-process with captured output. */
import { type CliIo, runCli } from "../lib/cli/main.ts";

/** What a command line run printed, and its exit code. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command line in-process with `args`; `io` overrides (no terminal by default). */
export async function cli(args: string[], io: Partial<CliIo> = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: (text) => stdout += text,
    stderr: (text) => stderr += text,
    isTerminal: false,
    env: {},
    ...io,
  });
  return { code, stdout, stderr };
}

/** A stdin that answers `text`. */
export function answering(text: string): ReadableStream<Uint8Array> {
  return ReadableStream.from([new TextEncoder().encode(text)]);
}

/** Options of {@linkcode denoProcess}. */
export interface DenoProcessOptions {
  /** The folder it runs in. */
  cwd?: string;
  /** Variables set besides the inherited ones. */
  env?: Record<string, string>;
}

/** Runs `deno <args>` as a process (no stdin); returns its exit code and output. */
export async function denoProcess(
  args: string[],
  options: DenoProcessOptions = {},
): Promise<CliResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
