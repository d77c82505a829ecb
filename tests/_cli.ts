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
