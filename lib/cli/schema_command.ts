/**
 * `dlt schema <file>`: reads a schema file (YAML or JSON, in dlt's format) and prints it in
 * YAML or JSON, as dlt's `schema` command.
 *
 * @module
 */
import { parse as parseYaml } from "../deps/yaml.ts";
import { fromDltDocument, toDltDocument } from "../schema/schema_file.ts";
import { DltError } from "../errors.ts";
import { JSON_OPTION, parse } from "./_args.ts";
import { type Output, UsageError } from "./_output.ts";
import { printSchema, schemaFormat } from "./pipeline_command.ts";

/** Usage of `dlt schema`. */
export const SCHEMA_USAGE = `Usage: dlt schema <file> [--format yaml|json]

Reads a schema file (a .schema.yaml or .schema.json file in dlt's format, e.g. one a pipeline
exported) and prints it in dlt's format, checked: a property it cannot take is an error naming
the table and column.

Options:
  --format yaml|json    The output format (default: yaml)
  --json                The same as --format json
  -h, --help            Shows this help`;

/** Runs `dlt schema` with `args` (after `schema`); returns the exit code. */
export async function schemaCommand(out: Output, args: string[]): Promise<number> {
  const parsed = parse(args, { format: { type: "string" }, ...JSON_OPTION }, SCHEMA_USAGE);
  if (parsed.values.help) {
    out.print(SCHEMA_USAGE);
    return 0;
  }
  const format = schemaFormat(parsed, SCHEMA_USAGE);
  if (parsed.positionals.length !== 1) {
    throw new UsageError(
      parsed.positionals.length === 0
        ? "Missing the schema file"
        : `Unexpected argument "${parsed.positionals[1]}"`,
      SCHEMA_USAGE,
    );
  }
  const file = out.path(parsed.positionals[0]);
  let content: string;
  try {
    content = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new DltError(`Schema file "${file}" does not exist`);
    }
    throw error;
  }
  let document: unknown;
  try {
    // YAML is a superset of JSON: one parser reads both
    document = parseYaml(content);
  } catch (error) {
    throw new DltError(
      `Schema file "${file}" is not valid YAML or JSON: ${(error as Error).message}`,
    );
  }
  printSchema(out, toDltDocument(fromDltDocument(document, file)), format);
  return 0;
}
