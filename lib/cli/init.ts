/**
 * `dlt init <source> <destination>`: writes a runnable one-file pipeline, the config and secrets
 * it reads, a `.gitignore` entry for the secrets and a `deno.json` importing this package, as
 * dlt's `init`. A name that is not a verified source gets a new source's template.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { DESTINATION_NAMES } from "../destination_registry.ts";
import { flag, parse, text } from "./_args.ts";
import { Failed, type Output, UsageError } from "./_output.ts";
import {
  DESTINATION_TEMPLATES,
  NEW_SOURCE_TEMPLATE,
  SOURCE_TEMPLATES,
  type SourceTemplate,
} from "./_templates.ts";
import { VERSION } from "./_version.ts";

/** Usage of `dlt init`. */
export const INIT_USAGE = `Usage: dlt init <source> <destination> [--force] [--import-url URL]
       dlt init --list-sources | --list-destinations

Writes a runnable pipeline <source>_pipeline.ts for a verified source (rest_api, github,
sql_database, filesystem) or, for any other name, a new source's template; .dlt/config.toml and
.dlt/secrets.toml with the keys to fill in; a .gitignore entry for the secrets; and a deno.json
importing @denodlt/dlt. Existing files are never overwritten without --force.

Options:
  -l, --list-sources       Lists the verified sources
      --list-destinations  Lists the destinations
      --force              Overwrites existing files
      --import-url URL     Where deno.json maps @denodlt/dlt (a URL of the package's mod.ts;
                           default: jsr:@denodlt/dlt@^${VERSION}; env DLT_IMPORT_URL)
  -h, --help               Shows this help`;

/** A file `dlt init` writes. */
interface PlannedFile {
  /** Path relative to the project folder. */
  path: string;
  /** Its content. */
  content: string;
  /** Whether an existing file is appended to (the `.gitignore` entry) rather than replaced. */
  append?: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Runs `dlt init` with `args` (after `init`); returns the exit code. */
export async function initCommand(out: Output, args: string[]): Promise<number> {
  const parsed = parse(args, {
    "list-sources": { type: "boolean", short: "l" },
    "list-destinations": { type: "boolean" },
    force: { type: "boolean" },
    "import-url": { type: "string" },
  }, INIT_USAGE);
  if (flag(parsed, "help")) {
    out.print(INIT_USAGE);
    return 0;
  }
  if (flag(parsed, "list-sources")) {
    out.info("Verified sources (any other name writes a new source's template):");
    for (const [name, template] of Object.entries(SOURCE_TEMPLATES)) {
      out.print(`${out.bold(name)}: ${template.description}`);
    }
    return 0;
  }
  if (flag(parsed, "list-destinations")) {
    for (const name of DESTINATION_NAMES) out.print(name);
    return 0;
  }
  const [source, destination, extra] = parsed.positionals;
  if (source === undefined || destination === undefined) {
    throw new UsageError("Missing the source and the destination", INIT_USAGE);
  }
  if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}"`, INIT_USAGE);
  if (!NAME.test(source)) {
    throw new UsageError(
      `Invalid source name "${source}": use letters, digits and "_", starting with a letter`,
      INIT_USAGE,
    );
  }
  if (!DESTINATION_NAMES.includes(destination)) {
    throw new UsageError(
      `Unknown destination "${destination}"; use one of ${
        DESTINATION_NAMES.map((d) => `"${d}"`).join(", ")
      }`,
      INIT_USAGE,
    );
  }
  const importUrl = text(parsed, "import-url") ?? out.env.DLT_IMPORT_URL;
  const isVerified = Object.hasOwn(SOURCE_TEMPLATES, source);
  const template = isVerified ? SOURCE_TEMPLATES[source] : NEW_SOURCE_TEMPLATE;
  const files = plan(source, destination, template, importUrl);
  const force = flag(parsed, "force");
  const existing: string[] = [];
  for (const file of files) {
    if (file.append) continue;
    if (await exists(out.path(file.path))) existing.push(file.path);
  }
  if (existing.length > 0 && !force) {
    out.error(
      `These files exist: ${
        existing.map((f) => `"${f}"`).join(", ")
      }; nothing was written (pass --force to overwrite them)`,
    );
    throw new Failed("files exist");
  }
  for (const file of files) await write(out, file);
  out.info(
    isVerified
      ? `Verified source ${out.bold(source)} was added to your project.`
      : `A new source ${out.bold(source)} was created from the template.`,
  );
  for (const file of files) out.print(file.path);
  out.info(
    `Fill in .dlt/secrets.toml and .dlt/config.toml, then run: deno run -A ${source}_pipeline.ts`,
  );
  return 0;
}

/** The files to write for `source` into `destination`. */
function plan(
  source: string,
  destination: string,
  template: SourceTemplate,
  importUrl: string | undefined,
): PlannedFile[] {
  const dest = DESTINATION_TEMPLATES[destination] ?? { config: "", secrets: "" };
  const toml = (...parts: string[]) => {
    const body = parts.filter((p) => p !== "").join("\n");
    return body === "" ? "# nothing to configure yet\n" : body;
  };
  return [
    { path: `${source}_pipeline.ts`, content: template.code(source, destination) },
    {
      path: join(".dlt", "config.toml"),
      content: toml(template.config(source), dest.config),
    },
    {
      path: join(".dlt", "secrets.toml"),
      content: `# secrets: keep this file out of version control\n${
        toml(template.secrets(source), dest.secrets)
      }`,
    },
    { path: ".gitignore", content: ".dlt/secrets.toml\n", append: true },
    {
      path: "deno.json",
      content: `${JSON.stringify({ imports: importMap(template, importUrl) }, null, 2)}\n`,
    },
  ];
}

/** The import map of the project: this package from JSR, or from `importUrl` (its `mod.ts`). */
export function importMap(
  template: SourceTemplate,
  importUrl: string | undefined,
): Record<string, string> {
  if (importUrl === undefined) {
    const jsr = `jsr:@denodlt/dlt@^${VERSION}`;
    return { "@denodlt/dlt": jsr, "@denodlt/dlt/": `${jsr}/` };
  }
  const base = new URL(importUrl, "file:///");
  const map: Record<string, string> = { "@denodlt/dlt": base.href };
  // a URL names files: each subpath the pipeline imports is mapped to its module
  for (const subpath of template.imports) {
    map[`@denodlt/dlt/${subpath}`] = new URL(`./${subpath}.ts`, base).href;
  }
  return map;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function write(out: Output, file: PlannedFile): Promise<void> {
  const path = out.path(file.path);
  await Deno.mkdir(dirname(path), { recursive: true });
  if (file.append) {
    let current = "";
    try {
      current = await Deno.readTextFile(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    const line = file.content.trim();
    if (current.split(/\r?\n/).some((l) => l.trim() === line)) return;
    const separator = current === "" || current.endsWith("\n") ? "" : "\n";
    await Deno.writeTextFile(path, `${current}${separator}${file.content}`);
    return;
  }
  await Deno.writeTextFile(path, file.content);
}
