/**
 * What a pipeline's working folder remembers of where it loads (`pipeline.json`): the dataset
 * and the destination (type, non-secret factory options, location), as dlt keeps them with its
 * state. Re-opening a pipeline by name loads into the same place; a run that loads elsewhere
 * makes that the new default.
 *
 * @module
 */
import { join } from "node:path";
import { writeJsonFile } from "./load/package_store.ts";
import { DltError } from "./errors.ts";

/** A destination as the working folder stores it. */
export interface StoredDestination {
  /** Destination type, a name the pipeline's destination registry knows (`duckdb`). */
  type: string;
  /** Its non-secret factory options; absent when it cannot be recreated from its type. */
  options?: Record<string, unknown>;
  /** Where it keeps the data (a file path or URL without credentials), when it says. */
  location?: string;
}

/** Where a pipeline loads, as its working folder stores it. */
export interface PipelineSettings {
  /** The dataset loaded into. */
  datasetName: string;
  /** The destination loaded into. */
  destination: StoredDestination;
  /**
   * The current directory of the pipeline's first run: relative destination locations (a
   * DuckDB file) resolve against it, as dlt's `initial_cwd`.
   */
  baseDir?: string;
}

/** Name of the settings file in the working folder. */
export const SETTINGS_FILE = "pipeline.json";

/**
 * The settings stored in `workingDir`; `undefined` when the pipeline never ran there. Read
 * synchronously: `pipeline()` needs them to name its dataset.
 */
export function readPipelineSettings(workingDir: string): PipelineSettings | undefined {
  const path = join(workingDir, SETTINGS_FILE);
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  let settings: PipelineSettings | undefined;
  try {
    settings = JSON.parse(text);
  } catch {
    // reported below
  }
  if (
    typeof settings?.datasetName !== "string" || typeof settings.destination?.type !== "string"
  ) {
    throw new DltError(`Pipeline settings "${path}" cannot be read; fix or delete it`);
  }
  return settings;
}

/** Stores `settings` in `workingDir` (atomically). */
export async function writePipelineSettings(
  workingDir: string,
  settings: PipelineSettings,
): Promise<void> {
  await Deno.mkdir(workingDir, { recursive: true });
  await writeJsonFile(join(workingDir, SETTINGS_FILE), settings);
}

/** Whether `a` and `b` load into the same dataset of the same destination. */
export function sameTarget(a: PipelineSettings, b: PipelineSettings): boolean {
  return a.datasetName === b.datasetName && a.destination.type === b.destination.type &&
    a.destination.location === b.destination.location;
}

/** `dataset "<name>" of <type> "<location>"`, for messages. */
export function describeTarget(settings: PipelineSettings): string {
  const { type, location } = settings.destination;
  return `dataset "${settings.datasetName}" of ${type}${
    location === undefined ? "" : ` "${location}"`
  }`;
}
