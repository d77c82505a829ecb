/**
 * `dlt pipeline`: inspects and manages pipelines' working folders, as dlt's `pipeline` command:
 * `--list-pipelines`, and `<name> info | trace | failed-jobs | load-package | schema | drop |
 * drop-pending-packages | sync | show`.
 *
 * @module
 */
import { join } from "node:path";
import { stringify } from "../deps/yaml.ts";
import { toDltDocument } from "../schema/schema_file.ts";
import { formatTrace, type PipelineTrace, readTrace } from "../trace.ts";
import { readFailedJobs } from "../load/failed_jobs.ts";
import { FAILED_JOBS_FILE } from "../load/failed_jobs.ts";
import { describeTarget, SETTINGS_FILE } from "../pipeline_settings.ts";
import { pipeline } from "../pipeline.ts";
import { DESTINATION_NAMES } from "../destination_registry.ts";
import { DenoStorage } from "../storage/deno_storage.ts";
import { PackageStore } from "../load/package_store.ts";
import { DEFAULT_SHOW_PORT, servePipelinePage } from "./show/serve.ts";
import {
  atMost,
  flag,
  JSON_OPTION,
  type OptionsConfig,
  parse,
  type Parsed,
  text,
} from "./_args.ts";
import { Failed, type Output, UsageError } from "./_output.ts";
import {
  chooseSchema,
  defaultPipelinesDir,
  listPipelines,
  type OpenedPipeline,
  openPipeline,
  readWorkingFolder,
  resourcesOf,
  stageOf,
} from "./_working_folder.ts";

/** Usage of `dlt pipeline`. */
export const PIPELINE_USAGE = `Usage: dlt pipeline [--pipelines-dir DIR] --list-pipelines [--json]
       dlt pipeline [--pipelines-dir DIR] <name> [operation] [options]

Inspects and manages the working folder of a pipeline that ran on this machine.

Operations:
  info                      Dataset, destination, schemas, state, packages, last run (default)
  trace                     The trace of the last run
  failed-jobs               The failures recorded in pending load packages
  load-package [load_id]    A load package and its jobs (default: the newest)
  schema                    The schema, in dlt's format (--format yaml|json)
  drop <resource...>        Drops resources' tables and state in the destination (--drop-all)
  drop-pending-packages     Deletes packages extracted or normalized but not loaded
  sync                      Replaces the local state and schemas with the destination's
  show                      Serves a web page about the pipeline

Options:
  -l, --list-pipelines      Lists the pipelines in the pipelines folder
      --pipelines-dir DIR   The pipelines folder (default: ~/.dlt/pipelines)
      --json                Prints JSON (list, info, trace, failed-jobs, load-package)
  -h, --help                Shows this help; "dlt pipeline <name> <operation> --help" for one`;

/** One operation of `dlt pipeline <name>`. */
interface Operation {
  /** Its usage. */
  usage: string;
  /** Options it takes besides `--pipelines-dir`, `--help` (and `--json` if listed). */
  options: string[];
  /** How many positionals it takes after the operation. */
  maxArgs: number;
  /** Runs it. */
  run(out: Output, opened: OpenedPipeline, parsed: Parsed, args: string[]): Promise<number>;
}

const OPTIONS: OptionsConfig = {
  "pipelines-dir": { type: "string" },
  "list-pipelines": { type: "boolean", short: "l" },
  ...JSON_OPTION,
  yes: { type: "boolean", short: "y" },
  format: { type: "string" },
  schema: { type: "string" },
  "drop-all": { type: "boolean" },
  destination: { type: "string" },
  "dataset-name": { type: "string" },
  port: { type: "string" },
};

const COMMON = "  --pipelines-dir DIR   The pipelines folder (default: ~/.dlt/pipelines)\n" +
  "  -h, --help            Shows this help";

const OPERATIONS: Record<string, Operation> = {
  info: {
    usage: `Usage: dlt pipeline <name> info [--json]

Shows where the pipeline loads (destination, dataset), its working folder, its schemas with
their resources and tables, the state, the load packages, and how the last run went.

Options:
  --json                Prints the information as JSON
${COMMON}`,
    options: ["json"],
    maxArgs: 0,
    run: info,
  },
  trace: {
    usage: `Usage: dlt pipeline <name> trace [--json]

Shows the trace of the pipeline's last run: its steps with times, rows per table, jobs and errors.

Options:
  --json                Prints the stored trace as JSON
${COMMON}`,
    options: ["json"],
    maxArgs: 0,
    run: trace,
  },
  "failed-jobs": {
    usage: `Usage: dlt pipeline <name> failed-jobs [--json]

Shows the failures recorded in the pipeline's pending load packages: the package, the step, the
job file and table, and the error.

Options:
  --json                Prints the failures as JSON
${COMMON}`,
    options: ["json"],
    maxArgs: 0,
    run: failedJobs,
  },
  "load-package": {
    usage: `Usage: dlt pipeline <name> load-package [load_id] [--json]

Shows a load package: its stage (extracted, normalized, loaded), its schema and its jobs with
table, format, rows and bytes. Without a load id, the newest extracted package, else the newest
normalized one, else the newest loaded one (as dlt).

Options:
  --json                Prints the package as JSON
${COMMON}`,
    options: ["json"],
    maxArgs: 1,
    run: loadPackage,
  },
  schema: {
    usage: `Usage: dlt pipeline <name> schema [--format yaml|json] [--schema NAME]

Prints the pipeline's schema in dlt's schema format (as an exported .schema.yaml file).

Options:
  --format yaml|json    The output format (default: yaml)
  --schema NAME         The schema, when the pipeline has several
${COMMON}`,
    options: ["format", "schema", "json"],
    maxArgs: 0,
    run: schema,
  },
  drop: {
    usage: `Usage: dlt pipeline <name> drop <resource...> [--drop-all] [--schema NAME] [--yes]

Drops the tables of the resources (nested tables included) in the destination and in the schema,
and resets their state, committed like a load: the next run loads them from scratch. Run it
where the pipeline runs, so the destination's credentials are found.

Options:
  --drop-all            Drops every resource of the schema
  --schema NAME         The schema the resources belong to, when the pipeline has several
  -y, --yes             Proceeds without asking (required without a terminal)
${COMMON}`,
    options: ["drop-all", "schema", "yes"],
    maxArgs: Infinity,
    run: drop,
  },
  "drop-pending-packages": {
    usage: `Usage: dlt pipeline <name> drop-pending-packages [--yes]

Deletes the load packages that were extracted or normalized but not loaded, with the state they
carry (e.g. a package that fails on every run).

Options:
  -y, --yes             Proceeds without asking (required without a terminal)
${COMMON}`,
    options: ["yes"],
    maxArgs: 0,
    run: dropPending,
  },
  sync: {
    usage: `Usage: dlt pipeline <name> sync [--yes] [--destination NAME --dataset-name NAME]

Drops the pipeline's local state, schemas and pending packages and restores state and schemas
from the destination (which is left as it is). Run it where the pipeline runs, so the
destination's credentials are found. A pipeline without a working folder here (a new machine)
is restored from --destination and --dataset-name.

Options:
  -y, --yes             Proceeds without asking (required without a terminal)
  --destination NAME    The destination to restore from, when the pipeline has no working folder
  --dataset-name NAME   The dataset to restore from, when the pipeline has no working folder
${COMMON}`,
    options: ["yes", "destination", "dataset-name"],
    maxArgs: 0,
    run: sync,
  },
  show: {
    usage: `Usage: dlt pipeline <name> show [--port PORT]

Serves a read-only web page about the pipeline on 127.0.0.1 and prints its address: tables as a
tree with row counts, columns and hints, a paged preview of each table's rows, loads, the state
and the last run. Runs until stopped (Ctrl+C).

Options:
  --port PORT           The port to listen on; 0 picks a free one (default: ${DEFAULT_SHOW_PORT})
${COMMON}`,
    options: ["port"],
    maxArgs: 0,
    run: show,
  },
};

/** Runs `dlt pipeline` with `args` (after `pipeline`); returns the exit code. */
export async function pipelineCommand(out: Output, args: string[]): Promise<number> {
  const parsed = parse(args, OPTIONS, PIPELINE_USAGE);
  const [name, operationName = "info", ...rest] = parsed.positionals;
  const dirOption = text(parsed, "pipelines-dir");
  const pipelinesDir = dirOption === undefined ? defaultPipelinesDir(out.env) : out.path(dirOption);
  if (flag(parsed, "list-pipelines")) {
    if (flag(parsed, "help")) return help(out, PIPELINE_USAGE);
    checkOptions(parsed, ["list-pipelines", "json"], "--list-pipelines", PIPELINE_USAGE);
    atMost(parsed, 0, PIPELINE_USAGE);
    return await list(out, pipelinesDir, flag(parsed, "json"));
  }
  if (name === undefined || (flag(parsed, "help") && parsed.positionals.length < 2)) {
    if (flag(parsed, "help")) return help(out, PIPELINE_USAGE);
    throw new UsageError("Missing the pipeline name (or --list-pipelines)", PIPELINE_USAGE);
  }
  const operation = Object.hasOwn(OPERATIONS, operationName)
    ? OPERATIONS[operationName]
    : undefined;
  if (operation === undefined) {
    throw new UsageError(
      `Unknown operation "${operationName}"; use one of ${
        Object.keys(OPERATIONS).map((o) => `"${o}"`).join(", ")
      }`,
      PIPELINE_USAGE,
    );
  }
  if (flag(parsed, "help")) return help(out, operation.usage);
  checkOptions(parsed, operation.options, `"pipeline ${operationName}"`, operation.usage);
  if (rest.length > operation.maxArgs) {
    throw new UsageError(`Unexpected argument "${rest[operation.maxArgs]}"`, operation.usage);
  }
  const restoring = text(parsed, "destination");
  if (restoring !== undefined && !hasPipeline(join(pipelinesDir, name))) {
    return await restore(out, name, pipelinesDir, restoring, parsed);
  }
  const opened = await openPipeline(out, name, pipelinesDir);
  return await operation.run(out, opened, parsed, rest);
}

function help(out: Output, usage: string): number {
  out.print(usage);
  return 0;
}

/** Fails when an option other than `allowed` (and the common ones) was given. */
function checkOptions(parsed: Parsed, allowed: string[], what: string, usage: string): void {
  for (const [option, value] of Object.entries(parsed.values)) {
    if (value === undefined || option === "pipelines-dir" || option === "help") continue;
    if (!allowed.includes(option)) {
      throw new UsageError(`Option "--${option}" does not apply to ${what}`, usage);
    }
  }
}

async function list(out: Output, pipelinesDir: string, json: boolean): Promise<number> {
  const pipelines = await listPipelines(pipelinesDir);
  if (json) {
    out.json({ pipelinesDir, pipelines });
    return 0;
  }
  if (pipelines.length === 0) {
    out.info(`No pipelines found in ${out.bold(pipelinesDir)}`);
    return 0;
  }
  out.info(`${pipelines.length} pipeline(s) found in ${out.bold(pipelinesDir)}`);
  for (const p of pipelines) {
    out.print(`${out.green(p.name)} (last run: ${p.lastRun ?? "unknown"})`);
  }
  return 0;
}

/** The last run of a trace in one line. */
function lastRun(trace: PipelineTrace): string {
  const ms = Date.parse(trace.finishedAt) - Date.parse(trace.startedAt);
  const outcome = trace.error
    ? `FAILED (${trace.error.name}: ${trace.error.message})`
    : "COMPLETED";
  return `started at ${trace.startedAt}, ${outcome} in ${(ms / 1000).toFixed(2)} s, steps: ${
    trace.steps.map((s) => s.step).join(", ")
  }`;
}

async function info(out: Output, opened: OpenedPipeline, parsed: Parsed): Promise<number> {
  const { pipeline } = opened;
  const content = await readWorkingFolder(opened);
  let trace: PipelineTrace | undefined;
  let traceError: string | undefined;
  try {
    trace = await readTrace(opened.storage);
  } catch (error) {
    traceError = error instanceof Error ? error.message : String(error);
  }
  const sources = content.state?.sources ?? {};
  const schemas = content.schemas.map((schema) => ({
    name: schema.name,
    version: schema.version,
    resources: [...resourcesOf(schema)].map(([name, tables]) => ({
      name,
      tables,
      stateSlots: Object.keys(sources[schema.name]?.resources?.[name] ?? {}).length,
    })),
  }));
  if (flag(parsed, "json")) {
    out.json({
      pipelineName: pipeline.pipelineName,
      workingDir: pipeline.workingDir,
      datasetName: content.settings.datasetName,
      destination: {
        type: content.settings.destination.type,
        location: content.settings.destination.location,
      },
      state: content.state === undefined ? null : {
        version: content.state.version,
        versionHash: content.state.versionHash,
        sources: content.state.sources,
      },
      schemas,
      packages: content.packages,
      lastRun: trace === undefined ? null : {
        startedAt: trace.startedAt,
        finishedAt: trace.finishedAt,
        error: trace.error ?? null,
        steps: trace.steps.map((s) => s.step),
      },
      ...(traceError === undefined ? {} : { traceError }),
    });
    return 0;
  }
  const { settings } = content;
  const field = (key: string, value: unknown) => out.print(`${out.green(key)}: ${value}`);
  out.print(
    `Found pipeline ${out.bold(pipeline.pipelineName)} in ${out.bold(pipeline.workingDir)}`,
  );
  field("destination", settings.destination.type);
  if (settings.destination.location !== undefined) {
    field("destination location", settings.destination.location);
  }
  field("dataset", settings.datasetName);
  out.print();
  if (content.state === undefined) {
    out.print("Synchronized state: none (nothing loaded yet)");
  } else {
    out.print("Synchronized state:");
    field("version", content.state.version);
    field("version hash", content.state.versionHash);
    field("sources", Object.keys(sources).join(", ") || "none");
  }
  out.print();
  if (schemas.length === 0) out.print("The pipeline has no schema yet");
  for (const schema of schemas) {
    out.print(`Resources in schema: ${out.bold(schema.name)} (version ${schema.version})`);
    for (const r of schema.resources) {
      out.print(
        `${
          out.bold(r.name)
        } with ${r.tables.length} table(s) and ${r.stateSlots} resource state slot(s): ${
          r.tables.join(", ")
        }`,
      );
    }
  }
  out.print();
  out.print("Working dir content:");
  const packageLines: [string, string[]][] = [
    ["extracted packages ready to be normalized", content.packages.extracted],
    ["normalized packages ready to be loaded", content.packages.normalized],
    ["completed load packages", content.packages.loaded],
  ];
  for (const [what, ids] of packageLines) {
    if (ids.length === 0) continue;
    out.print(`Has ${out.bold(String(ids.length))} ${what} with following load ids:`);
    for (const id of ids) out.print(id);
  }
  if (packageLines.every(([, ids]) => ids.length === 0)) out.print("No load packages");
  out.print();
  if (traceError !== undefined) {
    out.warn(traceError);
    out.print("Last run: the trace cannot be read");
  } else if (trace === undefined) {
    out.print("Pipeline does not have last run trace.");
  } else {
    out.print(`Last run: ${lastRun(trace)}`);
    out.print(`Use "dlt pipeline ${pipeline.pipelineName} trace" to inspect it`);
  }
  return 0;
}

async function trace(out: Output, opened: OpenedPipeline, parsed: Parsed): Promise<number> {
  const found = await readTrace(opened.storage);
  if (found === undefined) {
    if (flag(parsed, "json")) out.json(null);
    out.warn("Pipeline does not have last run trace.");
    return 0;
  }
  if (flag(parsed, "json")) out.json(found);
  else out.print(formatTrace(found));
  return 0;
}

async function failedJobs(out: Output, opened: OpenedPipeline, parsed: Parsed): Promise<number> {
  const failed = await readFailedJobs(opened.store);
  if (flag(parsed, "json")) {
    out.json(failed);
    return 0;
  }
  if (failed.length === 0) {
    out.print("No failed jobs found");
    return 0;
  }
  for (const job of failed) {
    out.print(`Load id ${out.bold(job.loadId)}, step ${job.step}, failed at ${job.failedAt}`);
    if (job.file !== undefined) {
      out.print(`JOB: ${out.bold(job.file)}${job.table === undefined ? "" : ` (${job.table})`}`);
    }
    out.print(out.red(`${job.errorName}: ${job.message}`));
    out.print();
  }
  return 0;
}

async function loadPackage(
  out: Output,
  opened: OpenedPipeline,
  parsed: Parsed,
  args: string[],
): Promise<number> {
  const { store, storage } = opened;
  let loadId: string | undefined = args[0];
  if (loadId === undefined) {
    for (const stage of ["extracted", "normalized", "loaded"] as const) {
      loadId ??= (await store.list(stage)).at(-1);
    }
    if (loadId === undefined) {
      out.error(`Pipeline "${opened.pipeline.pipelineName}" has no load packages`);
      throw new Failed("no packages");
    }
  }
  const stage = await stageOf(store, loadId);
  if (stage === undefined) {
    out.error(
      `Pipeline "${opened.pipeline.pipelineName}" has no load package "${loadId}"; "dlt pipeline ${opened.pipeline.pipelineName} info" lists them`,
    );
    throw new Failed("no such package");
  }
  const dir = store.dir(stage, loadId);
  const manifest = await store.readManifest(dir);
  let failed: unknown[] = [];
  try {
    failed = JSON.parse(await storage.readText(join(dir, FAILED_JOBS_FILE)));
  } catch {
    // no failure recorded
  }
  const jobs = manifest.jobs.map(({ file, table, format, rows, bytes }) => ({
    file,
    table,
    format,
    rows,
    bytes,
  }));
  if (flag(parsed, "json")) {
    out.json({
      loadId,
      stage,
      path: storage.locate(dir),
      schemaName: manifest.schemaName,
      createdAt: manifest.createdAt,
      jobs,
      failedJobs: failed,
    });
    return 0;
  }
  out.print(`Package ${out.bold(loadId)} found in ${out.bold(storage.locate(dir))}`);
  out.print(`${out.green("stage")}: ${stage}`);
  out.print(`${out.green("schema")}: ${manifest.schemaName}`);
  out.print(`${out.green("created at")}: ${manifest.createdAt}`);
  out.print(`Jobs (${jobs.length}) ${stage === "loaded" ? "completed" : `in stage ${stage}`}:`);
  for (const job of jobs) {
    out.print(
      `  ${job.file}: table ${job.table}${job.format ? `, ${job.format}` : ""}, ${job.rows} row(s)${
        job.bytes === undefined ? "" : `, ${job.bytes} bytes`
      }`,
    );
  }
  for (const f of failed as { step: string; errorName: string; message: string }[]) {
    out.print(out.red(`Failed in ${f.step}: ${f.errorName}: ${f.message}`));
  }
  return 0;
}

async function schema(out: Output, opened: OpenedPipeline, parsed: Parsed): Promise<number> {
  const format = schemaFormat(parsed, OPERATIONS.schema.usage);
  const content = await readWorkingFolder(opened);
  const chosen = chooseSchema(
    out,
    content.schemas,
    text(parsed, "schema"),
    opened.pipeline.pipelineName,
  );
  out.info(`Found schema with name ${out.bold(chosen.name)}`);
  printSchema(out, toDltDocument(chosen), format);
  return 0;
}

/** The `--format` of a schema command (`--json` is `--format json`). */
export function schemaFormat(parsed: Parsed, usage: string): "yaml" | "json" {
  const format = text(parsed, "format") ?? (flag(parsed, "json") ? "json" : "yaml");
  if (format !== "yaml" && format !== "json") {
    throw new UsageError(`Invalid --format "${format}": use "yaml" or "json"`, usage);
  }
  return format;
}

/** Prints a schema document in `format`. */
export function printSchema(out: Output, document: unknown, format: "yaml" | "json"): void {
  if (format === "json") out.json(document);
  else out.print(stringify(document, { lineWidth: 0 }).trimEnd());
}

async function drop(
  out: Output,
  opened: OpenedPipeline,
  parsed: Parsed,
  args: string[],
): Promise<number> {
  const { pipeline } = opened;
  const usage = OPERATIONS.drop.usage;
  const dropAll = flag(parsed, "drop-all");
  if (args.length === 0 && !dropAll) {
    throw new UsageError("Name the resources to drop, or pass --drop-all", usage);
  }
  const content = await readWorkingFolder(opened);
  const chosen = chooseSchema(out, content.schemas, text(parsed, "schema"), pipeline.pipelineName);
  const resources = resourcesOf(chosen);
  const selected = dropAll ? [...resources.keys()] : args;
  const unknown = selected.filter((r) => !resources.has(r));
  if (unknown.length > 0 || selected.length === 0) {
    const known = [...resources.keys()].sort().map((r) => `"${r}"`).join(", ") || "none";
    out.error(
      unknown.length > 0
        ? `Schema "${chosen.name}" has no resource ${
          unknown.map((r) => `"${r}"`).join(", ")
        }; its resources: ${known}`
        : `Schema "${chosen.name}" has no resources to drop`,
    );
    throw new Failed("unknown resources");
  }
  out.info(
    `About to drop the following data in ${describeTarget(content.settings)}:`,
  );
  out.info(`${out.green("Selected schema")}: ${chosen.name}`);
  out.info(`${out.green("Selected resource(s)")}: ${selected.join(", ")}`);
  out.info(
    `${out.green("Table(s) to drop")}: ${selected.flatMap((r) => resources.get(r)!).join(", ")}`,
  );
  out.info(`${out.green("Resource(s) state to reset")}: ${selected.join(", ")}`);
  if (!await out.confirm("Do you want to apply these changes?", flag(parsed, "yes"))) {
    out.info("Nothing dropped");
    return 0;
  }
  await pipeline.drop({ resources: selected, schemaName: chosen.name });
  out.print(`Dropped resource(s) ${selected.join(", ")} of schema ${chosen.name}`);
  return 0;
}

async function dropPending(out: Output, opened: OpenedPipeline, parsed: Parsed): Promise<number> {
  const content = await readWorkingFolder(opened);
  const { extracted, normalized } = content.packages;
  if (extracted.length === 0 && normalized.length === 0) {
    out.print("No pending packages found");
    return 0;
  }
  if (extracted.length > 0) {
    out.info(`Has ${extracted.length} extracted package(s): ${extracted.join(", ")}`);
  }
  if (normalized.length > 0) {
    out.info(`Has ${normalized.length} normalized package(s): ${normalized.join(", ")}`);
  }
  if (!await out.confirm("Delete the above packages?", flag(parsed, "yes"))) {
    out.info("Nothing deleted");
    return 0;
  }
  await opened.pipeline.dropPendingPackages();
  out.print(`Pending packages deleted: ${[...extracted, ...normalized].join(", ")}`);
  return 0;
}

async function sync(out: Output, opened: OpenedPipeline, parsed: Parsed): Promise<number> {
  const question =
    "About to drop the local state of the pipeline and reset all the schemas. The destination state, data and schemas are left intact. Proceed?";
  if (!await out.confirm(question, flag(parsed, "yes"))) {
    out.info("Nothing changed");
    return 0;
  }
  return await restored(out, opened);
}

/** Whether working folder `dir` holds a pipeline. */
function hasPipeline(dir: string): boolean {
  try {
    Deno.statSync(join(dir, SETTINGS_FILE));
    return true;
  } catch {
    return false;
  }
}

/** `sync` of a pipeline without a working folder: from `destination` and `--dataset-name`. */
async function restore(
  out: Output,
  name: string,
  pipelinesDir: string,
  destination: string,
  parsed: Parsed,
): Promise<number> {
  const usage = OPERATIONS.sync.usage;
  const datasetName = text(parsed, "dataset-name");
  if (datasetName === undefined) {
    throw new UsageError("Restoring from --destination needs --dataset-name", usage);
  }
  if (!DESTINATION_NAMES.includes(destination)) {
    throw new UsageError(
      `Unknown destination "${destination}"; use one of ${
        DESTINATION_NAMES.map((d) => `"${d}"`).join(", ")
      }`,
      usage,
    );
  }
  const p = pipeline({ pipelineName: name, pipelinesDir, destination, datasetName });
  const storage = new DenoStorage(p.workingDir);
  try {
    return await restored(out, { pipeline: p, storage, store: new PackageStore(storage) });
  } catch (error) {
    // nothing to restore: leave no empty working folder behind
    await storage.remove("").catch(() => {});
    throw error;
  }
}

async function restored(out: Output, opened: OpenedPipeline): Promise<number> {
  const { pipeline } = opened;
  out.info("Restoring from destination");
  await pipeline.syncDestination();
  const content = await readWorkingFolder(opened);
  out.print(
    `Restored state version ${content.state?.version} and schema(s) ${
      content.schemas.map((s) => s.name).join(", ") || "none"
    } of pipeline ${pipeline.pipelineName} from ${describeTarget(content.settings)}`,
  );
  return 0;
}

async function show(out: Output, opened: OpenedPipeline, parsed: Parsed): Promise<number> {
  const given = text(parsed, "port");
  const port = given === undefined ? DEFAULT_SHOW_PORT : Number(given);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(
      `Invalid port "${given}": give a number from 0 to 65535`,
      OPERATIONS.show.usage,
    );
  }
  const server = servePipelinePage(opened.pipeline, {
    port,
    signal: out.signal,
    onListen: ({ url }) => {
      out.info(`Pipeline ${opened.pipeline.pipelineName} is shown at:`);
      out.print(url);
      out.info("Press Ctrl+C to stop");
    },
  });
  await server.finished;
  return 0;
}
