/**
 * What the `pipeline` command reads from pipelines' working folders, without running anything:
 * the pipelines of a folder, and one pipeline's settings, state, schemas and packages.
 *
 * @module
 */
import { join } from "node:path";
import { attach, type Pipeline } from "../pipeline.ts";
import { PipelineNotFound } from "../errors.ts";
import { readPipelineSettings, SETTINGS_FILE } from "../pipeline_settings.ts";
import type { PipelineSettings } from "../pipeline_settings.ts";
import { DenoStorage } from "../storage/deno_storage.ts";
import { PackageStore } from "../load/package_store.ts";
import type { PackageStage } from "../load/package_store.ts";
import { type PipelineState, readLocalState } from "../state.ts";
import { SchemaStorage } from "../schema/schema_storage.ts";
import type { StoredSchema } from "../schema/schema.ts";
import { TRACE_FILE } from "../trace.ts";
import { Failed, type Output } from "./_output.ts";

/** The default folder of the pipelines' working folders, as `pipeline()` computes it. */
export function defaultPipelinesDir(env: Record<string, string | undefined>): string {
  return join(env.HOME ?? env.USERPROFILE ?? ".", ".dlt", "pipelines");
}

/** A pipeline found in a pipelines folder. */
export interface ListedPipeline {
  /** Its name. */
  name: string;
  /** Its working folder. */
  workingDir: string;
  /** When its working folder last changed (ISO): the last run, as far as the files tell. */
  lastRun?: string;
}

/** The pipelines in `pipelinesDir` (folders with a `pipeline.json`), the last run first. */
export async function listPipelines(pipelinesDir: string): Promise<ListedPipeline[]> {
  const found: ListedPipeline[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(pipelinesDir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  for (const entry of entries) {
    if (!entry.isDirectory) continue;
    const workingDir = join(pipelinesDir, entry.name);
    let last: Date | null = null;
    for (const file of [SETTINGS_FILE, TRACE_FILE, "state.json"]) {
      try {
        const mtime = (await Deno.stat(join(workingDir, file))).mtime;
        if (mtime !== null && (last === null || mtime > last)) last = mtime;
      } catch {
        if (file === SETTINGS_FILE) break;
      }
    }
    if (last === null) continue;
    found.push({ name: entry.name, workingDir, lastRun: last.toISOString() });
  }
  return found.sort((a, b) => (b.lastRun ?? "").localeCompare(a.lastRun ?? ""));
}

/** A pipeline opened by name, with its working folder's files. */
export interface OpenedPipeline {
  /** The pipeline. */
  pipeline: Pipeline;
  /** Its working folder's files. */
  storage: DenoStorage;
  /** Its packages. */
  store: PackageStore;
}

/**
 * Opens pipeline `name` of `pipelinesDir`; one that does not exist is reported with the names of
 * those that do ({@linkcode Failed}).
 */
export async function openPipeline(
  out: Output,
  name: string,
  pipelinesDir: string,
): Promise<OpenedPipeline> {
  let pipeline: Pipeline;
  try {
    pipeline = attach({ pipelineName: name, pipelinesDir });
  } catch (error) {
    if (!(error instanceof PipelineNotFound)) throw error;
    const names = (await listPipelines(pipelinesDir)).map((p) => p.name).sort();
    out.error(
      `No pipeline "${name}" in "${pipelinesDir}"; ${
        names.length === 0
          ? "there is none there (run one first, or pass --pipelines-dir)"
          : `the pipelines there: ${names.map((n) => `"${n}"`).join(", ")}`
      }`,
    );
    throw new Failed("no such pipeline");
  }
  const storage = new DenoStorage(pipeline.workingDir);
  return { pipeline, storage, store: new PackageStore(storage) };
}

/** What a working folder holds. */
export interface WorkingFolderContent {
  /** Where the pipeline loads. */
  settings: PipelineSettings;
  /** The committed state, if a load committed one. */
  state: PipelineState | undefined;
  /** The schemas, by name. */
  schemas: StoredSchema[];
  /** Load ids by stage, oldest first. */
  packages: Record<"extracted" | "normalized" | "loaded", string[]>;
}

/** Reads the working folder of `opened`. */
export async function readWorkingFolder(opened: OpenedPipeline): Promise<WorkingFolderContent> {
  const { storage, store } = opened;
  const schemas = new SchemaStorage(storage);
  await schemas.reload();
  const packages = { extracted: [], normalized: [], loaded: [] } as WorkingFolderContent[
    "packages"
  ];
  for (const stage of ["extracted", "normalized", "loaded"] as const) {
    packages[stage] = await store.list(stage);
  }
  return {
    settings: readPipelineSettings(storage)!,
    state: await readLocalState(storage),
    schemas: [...schemas.all.values()].sort((a, b) => a.name.localeCompare(b.name)),
    packages,
  };
}

/** The stage package `loadId` is in, if it exists. */
export async function stageOf(
  store: PackageStore,
  loadId: string,
): Promise<PackageStage | undefined> {
  for (const stage of ["extracted", "normalized", "loaded"] as const) {
    if ((await store.list(stage)).includes(loadId)) return stage;
  }
  return undefined;
}

/** The resources of `schema` with their tables (nested ones included), in table order. */
export function resourcesOf(schema: StoredSchema): Map<string, string[]> {
  const resources = new Map<string, string[]>();
  for (const table of Object.values(schema.tables)) {
    if (table.name.startsWith("_dlt_")) continue;
    let root = table;
    while (root.parent !== undefined && schema.tables[root.parent] !== undefined) {
      root = schema.tables[root.parent];
    }
    const name = root.resource ?? root.name;
    resources.set(name, [...resources.get(name) ?? [], table.name]);
  }
  return resources;
}

/**
 * The schema a command works on: `name` when given, else the only one, else the one named after
 * the pipeline; otherwise the command fails, listing them.
 */
export function chooseSchema(
  out: Output,
  schemas: StoredSchema[],
  name: string | undefined,
  pipelineName: string,
): StoredSchema {
  const byName = (n: string) => schemas.find((s) => s.name === n);
  const chosen = name !== undefined
    ? byName(name)
    : schemas.length === 1
    ? schemas[0]
    : byName(pipelineName);
  if (chosen !== undefined) return chosen;
  const known = schemas.map((s) => `"${s.name}"`).join(", ");
  if (schemas.length === 0) {
    out.error(`Pipeline "${pipelineName}" has no schema yet: it has not extracted anything`);
  } else if (name !== undefined) {
    out.error(`Pipeline "${pipelineName}" has no schema "${name}"; its schemas: ${known}`);
  } else {
    out.error(`Pipeline "${pipelineName}" has several schemas (${known}): pick one with --schema`);
  }
  throw new Failed("no schema");
}
