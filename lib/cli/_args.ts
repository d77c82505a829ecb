/**
 * Argument parsing of the commands: `node:util`'s `parseArgs`, strict, whose errors become a
 * {@linkcode UsageError} carrying the command's usage (exit 2).
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./_output.ts";

/** The options of a command, as `parseArgs` takes them. */
export type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/** What {@linkcode parse} found. */
export interface Parsed {
  /** Option values by name (`true` for a flag, text for a value, an array for `multiple`). */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  /** The positional arguments, in order. */
  positionals: string[];
}

/** `--help`/`-h`, which every command takes. */
export const HELP_OPTION: OptionsConfig = { help: { type: "boolean", short: "h" } };

/** `--json`, which the read commands take. */
export const JSON_OPTION: OptionsConfig = { json: { type: "boolean" } };

/**
 * Parses `args` with `options` (and `--help`); an unknown option, a missing value or a value
 * given to a flag is a {@linkcode UsageError} with `usage`.
 */
export function parse(args: string[], options: OptionsConfig, usage: string): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...HELP_OPTION, ...options },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Parsed["values"], positionals };
  } catch (error) {
    throw new UsageError(cleanMessage(error), usage);
  }
}

/** `parseArgs`'s message, without its advice about `--` that does not apply here. */
function cleanMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\. To specify a positional argument.*$/s, "").replace(/\.$/, "");
}

/** The text value of option `name`, if given. */
export function text(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === "string" ? value : undefined;
}

/** Whether flag `name` was given. */
export function flag(parsed: Parsed, name: string): boolean {
  return parsed.values[name] === true;
}

/** Fails with a {@linkcode UsageError} when more than `max` positionals were given. */
export function atMost(parsed: Parsed, max: number, usage: string): void {
  if (parsed.positionals.length > max) {
    throw new UsageError(
      `Unexpected argument "${parsed.positionals[max]}"`,
      usage,
    );
  }
}
