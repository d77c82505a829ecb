/**
 * The filesystem destination's job client: dlt's load protocol for files in a bucket.
 *
 * ```
 * loadPackage(pkg)
 *   ├─ <dataset>/init written when missing (dlt's storage version 2)
 *   ├─ _dlt_loads has a marker of pkg.loadId?  ── yes ─▶ done (loaded before)
 *   ├─ each job file uploaded to its layout path (gzip on the way for jsonl and csv)
 *   ├─ replaced and dropped tables: their files not of this package deleted
 *   ├─ _dlt_version/<schema>__<load_id>__<hash>.jsonl (unless the newest stored version is it)
 *   ├─ _dlt_pipeline_state/<pipeline>__<load_id>__<hash>.jsonl (when the state changed)
 *   └─ _dlt_loads/<schema>__<load_id>.jsonl: the marker, written last
 * ```
 *
 * Every path depends only on the package, and a bucket publishes a file whole or not at all, so a
 * package resumed after a crash writes the same files again and ends with one copy of each. The
 * old files of a replaced table go only once all new ones are in. Files, state and schemas count
 * only when their load has its marker: readers see a package all at once (a crash between the
 * deletions and the marker shows a replaced table empty until the package is resumed).
 *
 * @module
 */
import { basename } from "node:path";
import type {
  DestinationClient,
  LoadJob,
  LoadPackage,
  TableReader,
} from "../../lib/destination.ts";
import { DestinationError, DltError } from "../../lib/errors.ts";
import type { FileSystem } from "../../lib/filesystem/file_system.ts";
import { checkMergeStrategies } from "../../lib/load/merge_support.ts";
import type { StoredSchema } from "../../lib/schema/schema.ts";
import type { PipelineState } from "../../lib/state.ts";
import { FILESYSTEM_CAPABILITIES } from "./_capabilities.ts";
import { DatasetFolder } from "./_dataset_folder.ts";
import { jobPath } from "./_layout.ts";
import {
  compareLoadIds,
  INIT_FILE,
  loadIdTime,
  loadMarkerPath,
  parseSystemFileName,
  pathSafeHash,
  schemaFilePath,
  stateFilePath,
  STORAGE_VERSION,
  SYSTEM_FOLDERS,
  type SystemFileName,
} from "./_system_files.ts";
import { tableFiles } from "./_table_files.ts";
import { FilesystemTableReader } from "./_table_reader.ts";
import { FilesystemSqlClient } from "./_sql_client.ts";
import { uploadJob } from "./_upload.ts";

/** Where and how a {@linkcode FilesystemClient} writes. */
export interface FilesystemSettings {
  /** The file system of the bucket. */
  fs: FileSystem;
  /** The bucket's URL, absolute, without a final `/`. */
  bucketUrl: string;
  /** The dataset: a folder in the bucket. */
  datasetName: string;
  /** The file layout (checked). */
  layout: string;
  /** Values of the layout's extra placeholders. */
  extraPlaceholders: Readonly<Record<string, string>>;
  /** Whether jsonl and csv files are gzip-compressed. */
  compress: boolean;
  /** State files kept per pipeline (the newest); 0 keeps all. */
  maxStateFiles: number;
}

/** Formats that are gzip-compressed when compression is on (Parquet compresses itself). */
const GZIP_FORMATS: ReadonlySet<string> = new Set(["jsonl", "csv"]);

/** A system file found in a dataset's folder. */
interface SystemFile extends SystemFileName {
  /** Its path in the dataset's folder. */
  path: string;
}

/** A client of one dataset in a bucket. */
export class FilesystemClient implements DestinationClient {
  /** Reads tables from their files. */
  readonly tables: TableReader;
  /** SQL through native DuckDB over the tables' files. */
  readonly sql: FilesystemSqlClient;
  #settings: FilesystemSettings;
  #folder: DatasetFolder;

  /** A client writing as `settings` say. */
  constructor(settings: FilesystemSettings) {
    this.#settings = settings;
    this.#folder = new DatasetFolder(settings.fs, settings.bucketUrl, settings.datasetName);
    const reader = new FilesystemTableReader(
      this.#folder,
      settings.datasetName,
      settings.layout,
      () => this.storedSchemas(),
      () => this.#reading(() => this.#completedLoads()),
    );
    this.tables = reader;
    this.sql = new FilesystemSqlClient(this.#folder, settings.datasetName, reader);
  }

  /** Whether the dataset's folder has dlt's `init` file (a load started there). */
  hasStoredData(): Promise<boolean> {
    return this.#reading(() => this.#folder.exists(INIT_FILE));
  }

  /** Whether the package `loadId` was completed: its marker is in `_dlt_loads`. */
  async isLoaded(loadId: string): Promise<boolean> {
    return (await this.#reading(() => this.#completedLoads())).has(loadId);
  }

  /** The newest state of `pipelineName` whose load was completed. */
  storedState(pipelineName: string): Promise<PipelineState | undefined> {
    return this.#reading(async () => {
      const completed = await this.#completedLoads();
      const newest = (await this.#systemFiles(SYSTEM_FOLDERS.states, 3))
        .filter((file) => file.name === pipelineName && completed.has(file.loadId))
        .sort((a, b) => compareLoadIds(b.loadId, a.loadId))[0];
      if (newest === undefined) return undefined;
      const row = JSON.parse(await this.#folder.readText(newest.path)) as { state: string };
      return JSON.parse(row.state) as PipelineState;
    });
  }

  /** The newest version of every schema stored by a completed load. */
  storedSchemas(): Promise<StoredSchema[]> {
    return this.#reading(async () => {
      const completed = await this.#completedLoads();
      const newest = new Map<string, SystemFile>();
      for (const file of await this.#systemFiles(SYSTEM_FOLDERS.versions, 3)) {
        if (!completed.has(file.loadId)) continue;
        const known = newest.get(file.name);
        if (known === undefined || compareLoadIds(file.loadId, known.loadId) > 0) {
          newest.set(file.name, file);
        }
      }
      const schemas: StoredSchema[] = [];
      for (const file of newest.values()) {
        const row = JSON.parse(await this.#folder.readText(file.path)) as { schema: string };
        schemas.push(JSON.parse(row.schema) as StoredSchema);
      }
      return schemas;
    });
  }

  /**
   * Loads `pkg` as the module doc draws it. A table asking for `merge` fails first, before
   * anything is written; any other failure is a `DestinationError` naming the package and the
   * dataset's URL, with the file system's error (naming the file) as its cause.
   */
  async loadPackage(pkg: LoadPackage): Promise<void> {
    checkMergeStrategies(pkg.schema, FILESYSTEM_CAPABILITIES, "filesystem");
    try {
      await this.#load(pkg);
    } catch (error) {
      throw new DestinationError(
        `Cannot load package "${pkg.loadId}" into dataset "${this.#settings.datasetName}" at "${this.#folder.url}": ${
          (error as Error).message
        }`,
        { cause: error, transient: error instanceof DltError && error.transient },
      );
    }
  }

  /** Closes the SQL client's database, if a query opened it. */
  close(): Promise<void> {
    return this.sql.close();
  }

  async #load(pkg: LoadPackage): Promise<void> {
    const { loadId, schema } = pkg;
    const version = await this.#storageVersion();
    const completed = await this.#completedLoads();
    if (completed.has(loadId)) return;
    const time = loadIdTime(loadId);
    if (time === undefined) {
      throw new DestinationError(
        `Load id "${loadId}" is not a time: the layout's date placeholders need one`,
      );
    }
    const written = new Set<string>();
    for (const job of pkg.jobs) {
      const gzip = this.#settings.compress && GZIP_FORMATS.has(job.format);
      // dlt's storage version 1 compressed files without naming them .gz
      const ext = gzip && version >= 2 ? `${job.format}.gz` : job.format;
      const path = jobPath(this.#settings.layout, {
        schemaName: schema.name,
        tableName: job.table,
        loadId,
        fileId: fileIdOf(job),
        ext,
        time,
        extra: this.#settings.extraPlaceholders,
      });
      written.add(path);
      const started = performance.now();
      await uploadJob(this.#folder, job, path, gzip);
      pkg.onJobLoaded?.(job, { durationMs: performance.now() - started });
    }
    // the old files of replaced (and dropped) tables go once every new file is in
    for (const table of new Set([...pkg.dropTables, ...pkg.replaceTables])) {
      for (
        const file of await tableFiles(this.#folder, this.#settings.layout, schema.name, table)
      ) {
        if (!written.has(file.path)) await this.#folder.delete(file.path);
      }
    }
    await this.#storeSchema(schema, loadId, completed);
    if (pkg.state !== undefined) {
      await this.#folder.write(
        stateFilePath(pkg.state.pipelineName, loadId, schema.versionHash),
        jsonLine(stateRow(pkg.state, loadId)),
      );
    }
    await this.#folder.write(
      loadMarkerPath(schema.name, loadId),
      jsonLine({
        load_id: loadId,
        schema_name: schema.name,
        status: 0,
        inserted_at: new Date().toISOString(),
        schema_version_hash: schema.versionHash,
      }),
    );
    if (pkg.state !== undefined) await this.#pruneStates(pkg.state.pipelineName);
  }

  /**
   * Writes the version file of `schema`, unless the newest version a completed load stored is
   * this one (a schema can come back to an older version's hash: a table dropped, then loaded
   * again).
   */
  async #storeSchema(
    schema: StoredSchema,
    loadId: string,
    completed: ReadonlySet<string>,
  ): Promise<void> {
    const newest = (await this.#systemFiles(SYSTEM_FOLDERS.versions, 3))
      .filter((file) => file.name === schema.name && completed.has(file.loadId))
      .sort((a, b) => compareLoadIds(b.loadId, a.loadId))[0];
    if (newest?.hash === pathSafeHash(schema.versionHash)) return;
    await this.#folder.write(
      schemaFilePath(schema.name, loadId, schema.versionHash),
      jsonLine({
        version_hash: schema.versionHash,
        schema_name: schema.name,
        version: schema.version,
        engine_version: schema.engineVersion,
        inserted_at: new Date().toISOString(),
        schema: JSON.stringify(schema),
      }),
    );
  }

  /** Deletes the oldest state files of `pipelineName` beyond `maxStateFiles`, as dlt does. */
  async #pruneStates(pipelineName: string): Promise<void> {
    const keep = this.#settings.maxStateFiles;
    if (keep === 0) return;
    const files = (await this.#systemFiles(SYSTEM_FOLDERS.states, 3))
      .filter((file) => file.name === pipelineName)
      .sort((a, b) => compareLoadIds(b.loadId, a.loadId));
    for (const file of files.slice(keep)) await this.#folder.delete(file.path);
  }

  /**
   * The storage version of the dataset's folder, from its `init` file, which is written (dlt's
   * version 2) when missing; an empty one (dlt's version 1) is migrated as dlt migrates it.
   */
  async #storageVersion(): Promise<number> {
    if (!await this.#folder.exists(INIT_FILE)) {
      await this.#folder.write(INIT_FILE, initContent(STORAGE_VERSION));
      return STORAGE_VERSION;
    }
    const text = await this.#folder.readText(INIT_FILE);
    if (text.trim() === "") {
      await this.#folder.write(INIT_FILE, initContent(1));
      return 1;
    }
    let initial: unknown;
    try {
      initial = (JSON.parse(text) as { initial_version?: unknown }).initial_version;
    } catch {
      initial = undefined;
    }
    if (initial !== 1 && initial !== STORAGE_VERSION) {
      throw new DestinationError(
        `File "${
          this.#folder.urlOf(INIT_FILE)
        }" does not hold a storage version this destination reads (1 or 2): it was written by another program or a newer dlt`,
      );
    }
    return initial;
  }

  /** The load ids with a marker in `_dlt_loads`. */
  async #completedLoads(): Promise<Set<string>> {
    const files = await this.#systemFiles(SYSTEM_FOLDERS.loads, 2);
    return new Set(files.map((file) => file.loadId));
  }

  /** The files of system table folder `folder` whose names have `parts` parts. */
  async #systemFiles(folder: string, parts: 2 | 3): Promise<SystemFile[]> {
    const files: SystemFile[] = [];
    for await (const file of this.#folder.list(folder)) {
      const name = parseSystemFileName(file.path.slice(folder.length + 1), parts);
      if (name !== undefined) files.push({ ...name, path: file.path });
    }
    return files;
  }

  /** Runs a read of the system tables; a failure is a `DestinationError` naming the dataset. */
  async #reading<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw new DestinationError(
        `Cannot read dataset "${this.#settings.datasetName}" at "${this.#folder.url}": ${
          (error as Error).message
        }`,
        { cause: error, transient: error instanceof DltError && error.transient },
      );
    }
  }
}

/** The file id of `job`: the middle part of its file name `<table>.<id>.<ext>`. */
function fileIdOf(job: LoadJob): string {
  const parts = basename(job.path).split(".");
  return parts.length >= 3 ? parts[parts.length - 2] : parts[0];
}

/** `row` as one line of JSON. */
function jsonLine(row: Record<string, unknown>): string {
  return `${JSON.stringify(row)}\n`;
}

/** The `init` file of storage version `initial` (migrated to the current one). */
function initContent(initial: number): string {
  return JSON.stringify({ initial_version: initial, current_version: STORAGE_VERSION });
}

/** The `_dlt_pipeline_state` row of `state`, committed by load `loadId` (dlt's columns). */
function stateRow(state: PipelineState, loadId: string): Record<string, unknown> {
  return {
    version: state.version,
    engine_version: state.engineVersion,
    pipeline_name: state.pipelineName,
    state: JSON.stringify(state),
    created_at: new Date().toISOString(),
    version_hash: state.versionHash,
    _dlt_load_id: loadId,
  };
}
