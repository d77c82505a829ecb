/**
 * Pipeline state: JSON that resources keep between runs (incremental cursors, their own
 * bookkeeping). It is committed to the destination in the same load as the data it describes.
 *
 * @module
 */
import { join } from "node:path";
import { createHash } from "node:crypto";
import { readJsonFile, writeJsonFile } from "./load/package_store.ts";
import { DltError } from "./errors.ts";

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

/** Reads `state.json` from the pipeline folder; `undefined` when there is none. */
export async function readLocalState(pipelineDir: string): Promise<PipelineState | undefined> {
  const path = join(pipelineDir, "state.json");
  try {
    await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    return await readJsonFile<PipelineState>(path);
  } catch (error) {
    throw new DltError(`Pipeline state "${path}" cannot be read; fix or delete it`, {
      cause: error,
    });
  }
}

/** Writes `state.json` into the pipeline folder (atomically). */
export async function writeLocalState(pipelineDir: string, state: PipelineState): Promise<void> {
  await Deno.mkdir(pipelineDir, { recursive: true });
  await writeJsonFile(join(pipelineDir, "state.json"), state);
}

/** Deletes `state.json` from the pipeline folder: nothing is committed as far as it knows. */
export async function removeLocalState(pipelineDir: string): Promise<void> {
  await Deno.remove(join(pipelineDir, "state.json")).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}
