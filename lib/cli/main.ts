/**
 * The `dlt` command line, as dlt's: `init` writes a pipeline, `pipeline` inspects and manages
 * the pipelines that ran on this machine, `schema` prints a schema file, `deploy` writes a
 * GitHub Actions workflow.
 *
 * ```sh
 * deno run -A jsr:@denodlt/dlt/cli pipeline --list-pipelines
 * deno run -A jsr:@denodlt/dlt/cli pipeline my_pipeline info
 * ```
 *
 * Exit codes: 0 success, 1 failure, 2 wrong usage. Results go to stdout (`--json` on the
 * commands that read), messages and errors to stderr; colors only on a terminal without
 * `NO_COLOR`.
 *
 * @example Running a command in-process
 * ```ts
 * import { runCli } from "./main.ts";
 * let printed = "";
 * const code = await runCli(["init", "--list-destinations"], {
 *   stdout: (text) => printed += text,
 *   stderr: () => {},
 * });
 * if (code !== 0 || !printed.includes("duckdb")) throw new Error(printed);
 * ```
 *
 * @module
 */
import { DltError } from "../errors.ts";
import { redact } from "../redact.ts";
import { type CliIo, Failed, Output, UsageError } from "./_output.ts";
import { VERSION } from "./_version.ts";
import { initCommand } from "./init.ts";
import { pipelineCommand } from "./pipeline_command.ts";
import { schemaCommand } from "./schema_command.ts";
import { deployCommand } from "./deploy.ts";

export type { CliIo } from "./_output.ts";

/** Usage of `dlt`. */
export const USAGE = `Usage: dlt <command> [options]

Commands:
  init <source> <destination>     Writes a pipeline for a source and destination
  pipeline <name> <operation>     Inspects and manages a pipeline's working folder
  pipeline --list-pipelines       Lists the pipelines that ran on this machine
  schema <file>                   Prints a schema file (YAML or JSON)
  deploy <file> github-action     Writes a GitHub Actions workflow running a pipeline

Options:
  -h, --help                      Shows help ("dlt <command> --help" for a command)
      --version                   Prints the version

Exit codes: 0 success, 1 failure, 2 wrong usage.`;

const COMMANDS: Record<string, (out: Output, args: string[]) => Promise<number>> = {
  init: initCommand,
  pipeline: pipelineCommand,
  schema: schemaCommand,
  deploy: deployCommand,
};

/**
 * Runs the command line with `args` (without the program name) and returns the exit code: 0
 * success, 1 failure, 2 wrong usage. `io` replaces the process's output, input, folder and
 * environment (for tests).
 */
export async function runCli(args: string[], io: CliIo = {}): Promise<number> {
  const out = new Output(io);
  try {
    const [command, ...rest] = args;
    if (command === undefined || command === "--help" || command === "-h") {
      if (command === undefined) {
        throw new UsageError("Missing the command", USAGE);
      }
      out.print(USAGE);
      return 0;
    }
    if (command === "--version") {
      out.print(VERSION);
      return 0;
    }
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (run === undefined) {
      throw new UsageError(
        command.startsWith("-") ? `Unknown option "${command}"` : `Unknown command "${command}"`,
        USAGE,
      );
    }
    return await run(out, rest);
  } catch (error) {
    if (error instanceof UsageError) {
      out.error(error.message);
      out.info("");
      out.info(error.usage);
      return 2;
    }
    if (error instanceof Failed) return 1;
    if (error instanceof DltError || error instanceof TypeError || error instanceof RangeError) {
      out.error(redact(error.message));
      return 1;
    }
    out.error(redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
    return 1;
  } finally {
    out.close();
  }
}

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}
