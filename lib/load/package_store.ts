/**
 * Load packages on disk: the hand-off between extract, normalize and load.
 *
 * ```
 * <pipelineDir>/normalize/extracting/<loadId>/   extract in progress (discarded after a crash)
 * <pipelineDir>/normalize/extracted/<loadId>/    package.json + <table>.<n>.jsonl
 * <pipelineDir>/load/normalizing/<loadId>/       normalize in progress (discarded after a crash)
 * <pipelineDir>/load/normalized/<loadId>/        package.json + schema.json + <table>.<n>.csv|jsonl
 * <pipelineDir>/load/loaded/<loadId>/            the same, after a committed load
 * <pipelineDir>/normalize/discarded/<loadId>/    an extracted package normalized, being deleted
 * ```
 *
 * Each stage writes into a temporary folder and renames it into place when done, so a package
 * in `extracted/` or `normalized/` is always complete. All of it goes through the pipeline's
 * {@linkcode WorkingStorage}, whose `rename` of a folder is that one step; paths (`dir`) are
 * relative to the working folder. The manifest records each job file's
 * size, so a file damaged afterwards is found before it is read (`job_files.ts`); the `<table>`
 * part of a file name is shortened when long.
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { DataType, StoredSchema, TableHints } from "../schema/schema.ts";
import { LoadPackageError } from "../errors.ts";
import type { PipelineState } from "../state.ts";
import type { LoaderFileFormat } from "../destination.ts";
import { isNotFound, type WorkingStorage } from "../storage/storage.ts";

/** One file of a package. */
export interface PackageJob {
  /** File name inside the package folder. */
  file: string;
  /** Table the rows belong to. */
  table: string;
  /**
   * Format of a normalized job's file. Absent in packages normalized before formats were
   * recorded: CSV without a header, whose lines may end before the last columns (the load stage
   * gives the destination a copy with a header, `legacy_csv.ts`).
   */
  format?: LoaderFileFormat;
  /** Number of items (extracted) or rows (normalized) in the file. */
  rows: number;
  /**
   * Columns of the file, in order (normalized jobs; extracted CSV files, whose names are not
   * normalized yet).
   */
  columns?: string[];
  /** Data types of the columns of an extracted CSV file (`lib/extract/csv_pages.ts`). */
  dataTypes?: DataType[];
  /** At least the bytes of the longest line, newline included (normalized jobs). */
  longestLine?: number;
  /** Size of the file in bytes, to tell a cut file (packages written before it have none). */
  bytes?: number;
}

/** The manifest of a package, `package.json` in its folder. */
export interface PackageManifest {
  /** The load id. */
  loadId: string;
  /** Name of the schema (source) the package belongs to. */
  schemaName: string;
  /** When extract created the package (ISO). */
  createdAt: string;
  /** Hints of the root tables the package writes, by normalized table name. */
  tables: Record<string, TableHints>;
  /** The files. */
  jobs: PackageJob[];
  /** Pipeline state after this package's extract, committed with its data. */
  state?: PipelineState;
  /** Tables to drop before loading (`refresh`: `drop_sources`, `drop_resources`). */
  dropTables?: string[];
  /** Tables to empty before loading (`refresh: "drop_data"`). */
  truncateTables?: string[];
}

/** Package folders of one pipeline. */
export class PackageStore {
  /** The pipeline's working folder. */
  readonly storage: WorkingStorage;
  #lastLoadId = 0;
  /** The deletions {@linkcode PackageStore.discard} started and that have not ended. */
  #deleting = new Set<Promise<void>>();

  /** Manages the packages in the working folder `storage`. */
  constructor(storage: WorkingStorage) {
    this.storage = storage;
  }

  /** A new load id: seconds since the epoch with microseconds, increasing within a process. */
  newLoadId(): string {
    let id = Math.round(Date.now() * 1000) / 1e6;
    if (id <= this.#lastLoadId) id = this.#lastLoadId + 1e-6;
    this.#lastLoadId = id;
    return id.toFixed(6);
  }

  /** Folder of `loadId` in `stage`, relative to the working folder. */
  dir(stage: PackageStage, loadId: string): string {
    return join(...STAGE_PATHS[stage], loadId);
  }

  /** Load ids in `stage`, oldest first. */
  async list(stage: PackageStage): Promise<string[]> {
    let entries;
    try {
      entries = await this.storage.list(join(...STAGE_PATHS[stage]));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    const ids = entries.filter((entry) => entry.isDirectory).map((entry) => entry.name);
    return ids.sort((a, b) => Number(a) - Number(b));
  }

  /** Creates the empty work folder of `loadId` for `stage` ("extracting" or "normalizing"). */
  async create(stage: "extracting" | "normalizing", loadId: string): Promise<string> {
    const dir = this.dir(stage, loadId);
    await this.storage.remove(dir);
    await this.storage.mkdir(dir);
    return dir;
  }

  /** Moves a package from `from` to `to` in one rename. */
  async move(loadId: string, from: PackageStage, to: PackageStage): Promise<void> {
    const target = this.dir(to, loadId);
    await this.storage.mkdir(dirname(target));
    await this.storage.remove(target);
    await this.storage.rename(this.dir(from, loadId), target);
  }

  /** Deletes the package `loadId` in `stage`, if it is there. */
  async remove(stage: PackageStage, loadId: string): Promise<void> {
    await this.storage.remove(this.dir(stage, loadId));
  }

  /**
   * Takes the package `loadId` out of `stage` at once, in one rename, and deletes its files in
   * the background: the file system takes a while to delete a large package (the 1.3 GB that
   * 100,000 GitHub events extract: 0.25–0.4 s), which the load that follows need not wait for.
   * What a crash leaves, the next open deletes; {@linkcode PackageStore.settled} waits for the
   * deletions.
   */
  async discard(stage: PackageStage, loadId: string): Promise<void> {
    const discarded = this.dir("discarded", loadId);
    await this.storage.mkdir(dirname(discarded));
    await this.storage.remove(discarded);
    try {
      await this.storage.rename(this.dir(stage, loadId), discarded);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    // one that fails is left for the next open
    const deleting = this.storage.remove(discarded).catch(() => {}).finally(() => {
      this.#deleting.delete(deleting);
    });
    this.#deleting.add(deleting);
  }

  /** Settles once the deletions that {@linkcode PackageStore.discard} started have ended. */
  async settled(): Promise<void> {
    await Promise.all(this.#deleting);
  }

  /** Deletes unfinished work folders left by a crash, and discarded ones not deleted yet. */
  async discardUnfinished(): Promise<void> {
    for (const stage of ["extracting", "normalizing", "discarded"] as const) {
      for (const loadId of await this.list(stage)) await this.remove(stage, loadId);
    }
  }

  /** Writes the manifest of a package folder. */
  async writeManifest(dir: string, manifest: PackageManifest): Promise<void> {
    await writeJsonFile(this.storage, join(dir, "package.json"), manifest);
  }

  /** Reads the manifest of a package folder. */
  async readManifest(dir: string): Promise<PackageManifest> {
    return await readJsonFile<PackageManifest>(this.storage, join(dir, "package.json"));
  }

  /** Reads the schema stored in a normalized package. */
  async readSchema(dir: string): Promise<StoredSchema> {
    return await readJsonFile<StoredSchema>(this.storage, join(dir, "schema.json"));
  }
}

/** Stages a package can be in. */
export type PackageStage =
  | "extracting"
  | "extracted"
  | "normalizing"
  | "normalized"
  | "loaded"
  | "discarded";

const STAGE_PATHS: Record<PackageStage, string[]> = {
  extracting: ["normalize", "extracting"],
  extracted: ["normalize", "extracted"],
  normalizing: ["load", "normalizing"],
  normalized: ["load", "normalized"],
  loaded: ["load", "loaded"],
  discarded: ["normalize", "discarded"],
};

/** Writes `value` as JSON to file `path` of `storage`, atomically (a temporary file, a rename). */
export async function writeJsonFile(
  storage: WorkingStorage,
  path: string,
  value: unknown,
): Promise<void> {
  try {
    await storage.writeAtomic(path, JSON.stringify(value, null, 2));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LoadPackageError(`Cannot write "${storage.locate(path)}": ${reason}`, {
      cause: error,
    });
  }
}

/**
 * Reads JSON file `path` of `storage`, with an error naming the file when it is missing or
 * damaged.
 */
export async function readJsonFile<T>(storage: WorkingStorage, path: string): Promise<T> {
  let text: string;
  try {
    text = await storage.readText(path);
  } catch (error) {
    throw new LoadPackageError(`Cannot read "${storage.locate(path)}"`, { cause: error });
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new LoadPackageError(`File "${storage.locate(path)}" is not valid JSON`, {
      cause: error,
    });
  }
}
