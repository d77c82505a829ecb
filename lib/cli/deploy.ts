/**
 * `dlt deploy <pipeline.ts> github-action --schedule "<cron>"`: writes a GitHub Actions workflow
 * that runs the pipeline on a schedule, as dlt's `deploy`. The runner gets Deno through npm
 * (`npx -y deno@<version>`), so the workflow needs only `actions/setup-node`; the secrets of
 * `.dlt/secrets.toml` become environment variables (`SOURCES__GITHUB__TOKEN`) read from the
 * repository's secrets of the same names.
 *
 * The pipeline runs with `--allow-net` (sources and destinations), `--allow-env` (config and
 * secrets from environment variables), `--allow-read` and `--allow-write` (the `.dlt` folder,
 * the pipelines' working folders under `~/.dlt/pipelines`, local files and DuckDB databases)
 * and `--allow-sys` (the CPU count for the number of workers).
 *
 * @module
 */
import { basename, dirname, extname, join, relative, sep } from "node:path";
import { parse as parseToml } from "../deps/smol_toml.ts";
import { stringify } from "../deps/yaml.ts";
import { envVarName } from "../config.ts";
import { DltError } from "../errors.ts";
import { flag, parse, text } from "./_args.ts";
import { Failed, type Output, UsageError } from "./_output.ts";

/** The Deno version the workflow runs the pipeline with. */
export const DEPLOY_DENO_VERSION = "2.9.6";

/** The permissions the workflow runs the pipeline with (see the module doc). */
export const DEPLOY_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-sys",
];

/** Usage of `dlt deploy`. */
export const DEPLOY_USAGE =
  `Usage: dlt deploy <pipeline.ts> github-action --schedule "<cron>" [--run-on-push]
                  [--no-run-manually] [--force]

Writes .github/workflows/run_<name>.yml, a GitHub Actions workflow that runs the pipeline file on
the schedule with Deno ${DEPLOY_DENO_VERSION} (through npx) and the permissions
${DEPLOY_PERMISSIONS.join(" ")}.
The keys of .dlt/secrets.toml become environment variables read from the repository's secrets
(SOURCES__GITHUB__TOKEN: \${{ secrets.SOURCES__GITHUB__TOKEN }}): add those secrets on GitHub.
Run it in the repository's root folder.

Options:
  --schedule CRON       When to run, a 5-field cron expression ("*/30 * * * *"), in UTC
  --run-on-push         Also runs on every push to the repository
  --no-run-manually     Does not allow running it from the Actions tab (allowed by default)
  --force               Overwrites an existing workflow file
  -h, --help            Shows this help`;

/** Runs `dlt deploy` with `args` (after `deploy`); returns the exit code. */
export async function deployCommand(out: Output, args: string[]): Promise<number> {
  const parsed = parse(args, {
    schedule: { type: "string" },
    "run-on-push": { type: "boolean" },
    "run-manually": { type: "boolean" },
    "no-run-manually": { type: "boolean" },
    force: { type: "boolean" },
  }, DEPLOY_USAGE);
  if (flag(parsed, "help")) {
    out.print(DEPLOY_USAGE);
    return 0;
  }
  const [file, method, extra] = parsed.positionals;
  if (file === undefined) throw new UsageError("Missing the pipeline file", DEPLOY_USAGE);
  if (method === undefined) {
    throw new UsageError('Missing the deployment method: "github-action"', DEPLOY_USAGE);
  }
  if (method !== "github-action") {
    throw new UsageError(
      `Unknown deployment method "${method}": use "github-action"`,
      DEPLOY_USAGE,
    );
  }
  if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}"`, DEPLOY_USAGE);
  const schedule = text(parsed, "schedule");
  if (schedule === undefined) {
    throw new UsageError('Missing --schedule, e.g. --schedule "*/30 * * * *"', DEPLOY_USAGE);
  }
  const cronError = checkCron(schedule);
  if (cronError !== undefined) {
    throw new UsageError(`Invalid --schedule "${schedule}": ${cronError}`, DEPLOY_USAGE);
  }
  const path = out.path(file);
  const script = relative(out.cwd, path);
  if (script.startsWith("..") || script === "") {
    throw new DltError(
      `Pipeline file "${path}" is not in the current folder "${out.cwd}": run dlt deploy in the repository's root folder`,
    );
  }
  try {
    if (!(await Deno.stat(path)).isFile) throw new Deno.errors.NotFound();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new DltError(`Pipeline file "${path}" does not exist`);
  }
  const name = basename(script, extname(script)).replace(/[^A-Za-z0-9_-]/g, "_");
  const secrets = await secretVariables(out.path(join(".dlt", "secrets.toml")));
  const workflow = githubWorkflow({
    name,
    script: script.split(sep).join("/"),
    schedule,
    runOnPush: flag(parsed, "run-on-push"),
    runManually: !flag(parsed, "no-run-manually"),
    secrets,
  });
  const target = join(".github", "workflows", `run_${name}.yml`);
  const targetPath = out.path(target);
  if (!flag(parsed, "force")) {
    try {
      await Deno.stat(targetPath);
      out.error(`Workflow "${target}" exists; nothing was written (pass --force to overwrite it)`);
      throw new Failed("workflow exists");
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  await Deno.mkdir(dirname(targetPath), { recursive: true });
  await Deno.writeTextFile(targetPath, workflow);
  out.print(target);
  out.info(`Wrote the workflow ${out.bold(target)}, which runs ${script} on "${schedule}" (UTC).`);
  if (secrets.length > 0) {
    out.info("Add these secrets to the repository (Settings → Secrets and variables → Actions):");
    for (const secret of secrets) out.info(`  ${secret}`);
  }
  out.info("Then commit and push the workflow, the pipeline file and .dlt/config.toml.");
  return 0;
}

/** The environment variable names of the keys in secrets file `path` (none without the file). */
async function secretVariables(path: string): Promise<string[]> {
  let content: string;
  try {
    content = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  let table: Record<string, unknown>;
  try {
    table = parseToml(content);
  } catch (error) {
    throw new DltError(`Secrets file "${path}" is not valid TOML: ${(error as Error).message}`);
  }
  const keys: string[] = [];
  const walk = (value: unknown, key: string) => {
    if (
      typeof value === "object" && value !== null && !Array.isArray(value) &&
      !(value instanceof Date)
    ) {
      for (const [k, v] of Object.entries(value)) walk(v, key === "" ? k : `${key}.${k}`);
    } else if (key !== "") {
      keys.push(envVarName(key));
    }
  };
  walk(table, "");
  return keys;
}

/** What {@linkcode githubWorkflow} writes. */
interface WorkflowOptions {
  name: string;
  script: string;
  schedule: string;
  runOnPush: boolean;
  runManually: boolean;
  secrets: string[];
}

/** The workflow file's YAML. */
function githubWorkflow(options: WorkflowOptions): string {
  const on: Record<string, unknown> = { schedule: [{ cron: options.schedule }] };
  if (options.runManually) on.workflow_dispatch = null;
  if (options.runOnPush) on.push = null;
  const env: Record<string, string> = {};
  for (const secret of options.secrets) env[secret] = `\${{ secrets.${secret} }}`;
  const workflow = {
    name: `Run the ${options.name} pipeline from ${options.script}`,
    on,
    jobs: {
      run_pipeline: {
        "runs-on": "ubuntu-latest",
        steps: [
          { name: "Check out the repository", uses: "actions/checkout@v4" },
          { name: "Set up Node", uses: "actions/setup-node@v4", with: { "node-version": "22" } },
          {
            name: `Run ${options.script}`,
            run: `npx -y deno@${DEPLOY_DENO_VERSION} run ${
              DEPLOY_PERMISSIONS.join(" ")
            } ${options.script}`,
            // the secrets reach only the step that needs them
            ...(options.secrets.length > 0 ? { env } : {}),
          },
        ],
      },
    },
  };
  return `# Written by dlt deploy ${options.script} github-action\n${
    stringify(workflow, { lineWidth: 0 })
  }`;
}

/** Fields of a cron expression: name and range. */
const CRON_FIELDS: [string, number, number][] = [
  ["minute", 0, 59],
  ["hour", 0, 23],
  ["day of month", 1, 31],
  ["month", 1, 12],
  ["day of week", 0, 7],
];

const NAMES: Record<number, string[]> = {
  3: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
  4: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};

/**
 * Why `cron` is not a 5-field cron expression GitHub takes, or `undefined` when it is.
 *
 * @example
 * ```ts
 * import { checkCron } from "./deploy.ts";
 * if (checkCron("*\/30 * * * *") !== undefined) throw new Error();
 * if (checkCron("* * *") === undefined) throw new Error();
 * ```
 */
export function checkCron(cron: string): string | undefined {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `a cron expression has 5 fields (minute hour day-of-month month day-of-week), not ${fields.length}`;
  }
  for (const [i, field] of fields.entries()) {
    const [what, min, max] = CRON_FIELDS[i];
    for (const item of field.split(",")) {
      const match = /^(\*|[^/-]+(?:-[^/-]+)?)(?:\/(\d+))?$/.exec(item);
      if (match === null) return `${what} "${field}" is not a cron field`;
      if (match[2] !== undefined && Number(match[2]) < 1) return `${what} step must be positive`;
      if (match[1] === "*") continue;
      for (const part of match[1].split("-")) {
        const named = NAMES[i]?.indexOf(part.toLowerCase()) ?? -1;
        const value = named >= 0
          ? named + (i === 3 ? 1 : 0)
          : /^\d+$/.test(part)
          ? Number(part)
          : NaN;
        if (!(value >= min && value <= max)) {
          return `${what} "${part}" is not between ${min} and ${max}`;
        }
      }
    }
  }
  return undefined;
}
