/**
 * Pipeline state: JSON that resources keep between runs (incremental cursors, their own
 * bookkeeping). It is committed to the destination in the same load as the data it describes.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readJsonFile, writeJsonFile } from "./load/package_store.ts";
import { DltError } from "./errors.ts";
import { isNotFound, type WorkingStorage } from "./storage/storage.ts";

/** State of one source: its own keys plus per-resource state. */
export interface SourceState {
  /** State of each resource, by resource name. */
  resources?: Record<string, Record<string, unknown>>;
  /** Anything else the source keeps. */
  [key: string]: unknown;
}

/** The whole pipeline state. */
export interface PipelineState {
  /** Incremented whenever the content changes. */
  version: number;
  /** Format of this document. */
  engineVersion: number;
  /** The pipeline the state belongs to. */
  pipelineName: string;
  /** Dataset the pipeline loads into. */
  datasetName: string;
  /** Hash of the content, to tell versions apart. */
  versionHash: string;
  /** State of each source, by source (schema) name. */
  sources: Record<string, SourceState>;
}

/** Version of the state document format. */
export const STATE_ENGINE_VERSION = 1;

/** A fresh state for a pipeline. */
export function newState(pipelineName: string, datasetName: string): PipelineState {
  return {
    version: 0,
    engineVersion: STATE_ENGINE_VERSION,
    pipelineName,
    datasetName,
    versionHash: stateHash({}),
    sources: {},
  };
}

function stateHash(sources: Record<string, SourceState>): string {
  return createHash("sha256").update(JSON.stringify(sources)).digest("base64url").slice(0, 22);
}

/** Bumps the version when the sources' content changed; returns whether it did. */
export function bumpStateVersion(state: PipelineState): boolean {
  const hash = stateHash(state.sources);
  if (hash === state.versionHash) return false;
  state.version += 1;
  state.versionHash = hash;
  return true;
}

/** The state object of `resourceName` in `sourceName`, created when missing. */
export function resourceState(
  state: PipelineState,
  sourceName: string,
  resourceName: string,
): Record<string, unknown> {
  const source = state.sources[sourceName] ??= {};
  const resources = source.resources ??= {};
  return resources[resourceName] ??= {};
}

/** The state's file in the working folder. */
const STATE_FILE = "state.json";

/** Reads `state.json` from the working folder `storage`; `undefined` when there is none. */
export async function readLocalState(storage: WorkingStorage): Promise<PipelineState | undefined> {
  try {
    await storage.stat(STATE_FILE);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  try {
    return await readJsonFile<PipelineState>(storage, STATE_FILE);
  } catch (error) {
    throw new DltError(
      `Pipeline state "${storage.locate(STATE_FILE)}" cannot be read; fix or delete it`,
      { cause: error },
    );
  }
}

/** Writes `state.json` into the working folder `storage` (atomically). */
export async function writeLocalState(
  storage: WorkingStorage,
  state: PipelineState,
): Promise<void> {
  await storage.mkdir("");
  await writeJsonFile(storage, STATE_FILE, state);
}

/**
 * Deletes `state.json` from the working folder `storage`: nothing is committed as far as it
 * knows.
 */
export async function removeLocalState(storage: WorkingStorage): Promise<void> {
  await storage.remove(STATE_FILE);
}
