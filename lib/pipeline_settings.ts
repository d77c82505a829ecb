/**
 * What a pipeline's working folder remembers of where it loads (`pipeline.json`): the dataset
 * and the destination (type, non-secret factory options, location), as dlt keeps them with its
 * state. Re-opening a pipeline by name loads into the same place; a run that loads elsewhere
 * makes that the new default.
 *
 * @module
 */
import { writeJsonFile } from "./load/package_store.ts";
import { DltError } from "./errors.ts";
import { isNotFound, type WorkingStorage } from "./storage/storage.ts";

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
 * Version of the working folder's format, stored in `pipeline.json` as `formatVersion`: a folder
 * written by a newer version of this package is refused (a file without it is version 1).
 */
export const WORKING_FOLDER_FORMAT_VERSION = 1;

/** The working folder was written by a newer version of this package, in a format it cannot read. */
export class WorkingFolderFormatError extends DltError {
  /** The working folder's format version. */
  readonly formatVersion: number;

  /** Creates the error for the settings file `file` of format version `formatVersion`. */
  constructor(file: string, formatVersion: number) {
    super(
      `Working folder "${file}" has format version ${formatVersion}, newer than this version of @denodlt/dlt reads (${WORKING_FOLDER_FORMAT_VERSION}): upgrade @denodlt/dlt, or use another pipelinesDir`,
    );
    this.formatVersion = formatVersion;
  }
}

/**
 * The settings stored in the working folder `storage`; `undefined` when the pipeline never ran
 * there. Read synchronously: `pipeline()` needs them to name its dataset.
 */
export function readPipelineSettings(storage: WorkingStorage): PipelineSettings | undefined {
  let text: string;
  try {
    text = storage.readTextSync(SETTINGS_FILE);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  let settings: (PipelineSettings & { formatVersion?: unknown }) | undefined;
  try {
    settings = JSON.parse(text);
  } catch {
    // reported below
  }
  const formatVersion = settings?.formatVersion ?? 1;
  if (typeof formatVersion === "number" && formatVersion > WORKING_FOLDER_FORMAT_VERSION) {
    throw new WorkingFolderFormatError(storage.locate(""), formatVersion);
  }
  if (
    typeof formatVersion !== "number" ||
    typeof settings?.datasetName !== "string" || typeof settings.destination?.type !== "string"
  ) {
    throw new DltError(
      `Pipeline settings "${storage.locate(SETTINGS_FILE)}" cannot be read; fix or delete it`,
    );
  }
  const { formatVersion: _version, ...read } = settings;
  return read;
}

/** Stores `settings` in the working folder `storage` (atomically). */
export async function writePipelineSettings(
  storage: WorkingStorage,
  settings: PipelineSettings,
): Promise<void> {
  await storage.mkdir("");
  await writeJsonFile(storage, SETTINGS_FILE, {
    formatVersion: WORKING_FOLDER_FORMAT_VERSION,
    ...settings,
  });
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
