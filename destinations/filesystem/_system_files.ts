/**
 * dlt's system tables as files in a dataset's folder, named as dlt names them so a bucket reads
 * the same to both (`FILENAME_SEPARATOR` is `__`):
 *
 * ```
 * <bucket>/<dataset>/init                                              {"initial_version": 2, "current_version": 2}
 * <bucket>/<dataset>/_dlt_loads/<schema>__<load_id>.jsonl              one row: the load is complete
 * <bucket>/<dataset>/_dlt_version/<schema>__<load_id>__<hash>.jsonl    one row: a schema version
 * <bucket>/<dataset>/_dlt_pipeline_state/<pipeline>__<load_id>__<hash>.jsonl   one row: a state
 * ```
 *
 * `<hash>` is a version hash as hex (dlt's `_to_path_safe_string`): the schema's, in both files,
 * as dlt names state files after the schema version they were loaded with. Each file is one JSON
 * line holding the row of dlt's system table.
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** The file that marks a dataset folder as dlt's, with its storage version. */
export const INIT_FILE = "init";

/** The storage version this destination writes: compressed files carry `.gz` (dlt's version 2). */
export const STORAGE_VERSION = 2;

/** Separator of the parts of a system file's name. */
const SEPARATOR = "__";

/** The folders of dlt's system tables in a dataset's folder. */
export const SYSTEM_FOLDERS = {
  loads: "_dlt_loads",
  versions: "_dlt_version",
  states: "_dlt_pipeline_state",
} as const;

/** A version hash (base64, as dlt's; or base64url, as ours) as hex, safe in a file name. */
export function pathSafeHash(versionHash: string): string {
  return Buffer.from(versionHash, "base64").toString("hex");
}

/** The path, in the dataset's folder, of the completion marker of load `loadId` of `schemaName`. */
export function loadMarkerPath(schemaName: string, loadId: string): string {
  return `${SYSTEM_FOLDERS.loads}/${schemaName}${SEPARATOR}${loadId}.jsonl`;
}

/** The path of the schema version file of `schemaName` stored by load `loadId`. */
export function schemaFilePath(schemaName: string, loadId: string, versionHash: string): string {
  return `${SYSTEM_FOLDERS.versions}/${
    [schemaName, loadId, pathSafeHash(versionHash)].join(SEPARATOR)
  }.jsonl`;
}

/**
 * The path of the state file of `pipelineName` committed by load `loadId`, whose schema version
 * hash is `schemaHash`.
 */
export function stateFilePath(pipelineName: string, loadId: string, schemaHash: string): string {
  return `${SYSTEM_FOLDERS.states}/${
    [pipelineName, loadId, pathSafeHash(schemaHash)].join(SEPARATOR)
  }.jsonl`;
}

/** A system file's name, read back. */
export interface SystemFileName {
  /** The schema name (marker and schema files) or the pipeline name (state files). */
  name: string;
  /** The load id. */
  loadId: string;
  /** The hash part (schema and state files; `""` for markers). */
  hash: string;
}

/**
 * Reads the name of file `fileName` (without folders) of a system table: `parts` is 2 for load
 * markers and 3 for schema and state files. A name of another shape is `undefined` (dlt skips
 * such files too). As dlt's, it splits from the right, so a name may hold `__` itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSystemFileName } from "./_system_files.ts";
 * assert.deepEqual(parseSystemFileName("my__pipe__1717.5__ab12.jsonl", 3), {
 *   name: "my__pipe", loadId: "1717.5", hash: "ab12",
 * });
 * assert.deepEqual(parseSystemFileName("github__1717.5.jsonl", 2), {
 *   name: "github", loadId: "1717.5", hash: "",
 * });
 * assert.equal(parseSystemFileName("init", 2), undefined);
 * ```
 */
export function parseSystemFileName(
  fileName: string,
  parts: 2 | 3,
): SystemFileName | undefined {
  if (!fileName.endsWith(".jsonl")) return undefined;
  const stem = fileName.slice(0, -".jsonl".length);
  const split: string[] = [];
  let rest = stem;
  for (let i = 1; i < parts; i++) {
    const at = rest.lastIndexOf(SEPARATOR);
    if (at <= 0) return undefined;
    split.unshift(rest.slice(at + SEPARATOR.length));
    rest = rest.slice(0, at);
  }
  split.unshift(rest);
  if (split.some((part) => part === "")) return undefined;
  return { name: split[0], loadId: split[1], hash: split[2] ?? "" };
}

/**
 * Compares load ids (`<seconds>.<fraction>`) by the time they stand for: negative when `a` is
 * older. Ids that are not numbers compare as text, after those that are.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareLoadIds } from "./_system_files.ts";
 * assert.ok(compareLoadIds("999.9", "1000.1") < 0);
 * assert.ok(compareLoadIds("1717171717.000002", "1717171717.000010") < 0);
 * assert.equal(compareLoadIds("5.10", "5.1"), 0);
 * ```
 */
export function compareLoadIds(a: string, b: string): number {
  const ka = loadIdKey(a);
  const kb = loadIdKey(b);
  if (ka === undefined || kb === undefined) {
    if (ka !== kb) return ka === undefined ? 1 : -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (ka.whole !== kb.whole) return ka.whole < kb.whole ? -1 : 1;
  const width = Math.max(ka.fraction.length, kb.fraction.length);
  const fa = ka.fraction.padEnd(width, "0");
  const fb = kb.fraction.padEnd(width, "0");
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}

function loadIdKey(loadId: string): { whole: bigint; fraction: string } | undefined {
  const match = /^(\d+)(?:\.(\d*))?$/.exec(loadId);
  return match === null ? undefined : { whole: BigInt(match[1]), fraction: match[2] ?? "" };
}

/**
 * The time load `loadId` stands for (its seconds since the epoch), for the date and time
 * placeholders of layouts; `undefined` for an id that is not a time.
 */
export function loadIdTime(loadId: string): Date | undefined {
  const key = loadIdKey(loadId);
  if (key === undefined) return undefined;
  const time = new Date(Number(key.whole) * 1000 + Number(key.fraction.padEnd(3, "0").slice(0, 3)));
  return Number.isNaN(time.getTime()) ? undefined : time;
}
