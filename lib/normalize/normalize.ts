/**
 * The normalize stage: reads an extracted package, turns its items into relational rows,
 * evolves the schema and writes a normalized package of job files in the loader file formats the
 * destination takes (one per root table and its nested tables, see `job_file_format.ts`). Large
 * packages are normalized by a pool of workers whose schemas are merged afterwards.
 *
 * @module
 */
import { join } from "node:path";
import type { PackageJob, PackageStore } from "../load/package_store.ts";
import { writeJsonFile } from "../load/package_store.ts";
import { checkJobFile, loadJobOf } from "../load/job_files.ts";
import {
  bumpSchemaVersion,
  type FileFormatHint,
  type StoredSchema,
  type TableHints,
  type TableSchema,
} from "../schema/schema.ts";
import { SchemaEvolver } from "../schema/evolution.ts";
import { mergeSchemas } from "../schema/merge.ts";
import type { NamingConvention } from "./naming.ts";
import { isBuiltInNaming } from "./conventions.ts";
import { type ExtractedFile, FilesNormalizer, type FilesResult } from "./_normalize_files.ts";
import { normalizeInWorkers } from "./_normalize_pool.ts";
import { jobFileFormat, loadJobFileFormats } from "./job_file_format.ts";
import type { EarlyChainLoad, LoaderFileFormat } from "../destination.ts";
import type { DataWriterSettings } from "../runtime_settings.ts";
import type { WorkingStorage } from "../storage/storage.ts";
import type { AheadNormalizer } from "./normalize_ahead.ts";

/** Options of {@linkcode normalizePackage}. */
export interface NormalizePackageOptions {
  /** Naming convention of the schema. */
  naming: NamingConvention;
  /**
   * Workers for packages of several files; 0 or 1 normalizes in the calling thread. Given (as
   * dlt's `normalize.workers`), they normalize every package of several files; by default, only
   * packages of at least `parallelMinBytes`.
   * @default {2, or 1 on a single core}
   */
  workers?: number;
  /**
   * Size of extracted files from which the default workers are used.
   * @default {32_000_000}
   */
  parallelMinBytes?: number;
  /**
   * Buffering and rotation of the job files (config's `[normalize.data_writer]` and
   * `[data_writer]`, see `runtime_settings.ts`).
   * @default {about 1 MiB buffered, files rotated at 64 MiB}
   */
  dataWriter?: DataWriterSettings;
  /**
   * Format of the job files of tables without a format of their own, one the destination loads
   * (see `chooseLoaderFileFormat`).
   * @default {"csv"}
   */
  loaderFileFormat?: LoaderFileFormat;
  /**
   * The format of root table `table` and its nested tables, given its `fileFormat` hint (see
   * `tableFileFormat`); a table it fails for fails the package.
   * @default {`loaderFileFormat` for every table}
   */
  tableFileFormat?: (table: string, hint: FileFormatHint | undefined) => LoaderFileFormat;
  /**
   * Receives the rows normalized so far per table of the package (running totals, summed over
   * the workers) after each file and about each MiB written; the last call has the final
   * counts. Without it nothing is reported.
   */
  onRows?: (rowCounts: Readonly<Record<string, number>>) => void;
  /**
   * Starts loading the chain of root table `root` while the package is normalized (see
   * `JobClient.loadChainEarly`). Asked for a package of one root table that appends, when it
   * is large enough for workers and `workers` is not given: one worker then normalizes it
   * beside the load, into files rotated at 16 MiB unless `dataWriter` rotates them otherwise.
   */
  loadEarly?: (root: string) => Promise<EarlyChainLoad | undefined>;
  /**
   * What normalized the package while extract wrote it: used when the package is as it
   * assumed (see `AheadNormalizer.take`), else stopped and its work discarded.
   */
  ahead?: AheadNormalizer;
}

/**
 * Size at which job files rotate while their chain loads early: the load follows normalize a
 * file behind, and waits for the last one.
 */
const EARLY_FILE_MAX_BYTES = 16 << 20;

/** What normalizing one package produced. */
export interface NormalizeResult {
  /** Rows per table. */
  rowCounts: Record<string, number>;
  /** The evolved schema (also stored in the package). */
  schema: StoredSchema;
}

/** The workers normalize uses by default: 2, or 1 on a single core. */
export function defaultWorkers(): number {
  // when the sys permission allows asking (without prompting); else 2
  const granted = Deno.permissions.querySync({ name: "sys", kind: "cpus" }).state === "granted";
  return Math.min(2, granted ? navigator.hardwareConcurrency : 2);
}

/**
 * Whether workers can normalize into `storage` with `naming`: they make the convention again by
 * its name (a custom one normalizes in the calling thread), and open the working folder by its
 * root (one in memory cannot be).
 */
export function canUseWorkers(naming: NamingConvention, storage: WorkingStorage): boolean {
  return isBuiltInNaming(naming.name) && storage.workersCanOpen;
}

/** The job files' writer settings while their chain loads early: rotated at 16 MiB by default. */
export function earlyDataWriter(dataWriter: DataWriterSettings): DataWriterSettings {
  return { fileMaxBytes: EARLY_FILE_MAX_BYTES, ...dataWriter };
}

/**
 * `schema` (not modified) with a package's table hints `tables` applied, and the job file format
 * of each root table they name.
 */
export function hintedSchema(
  schema: StoredSchema,
  naming: NamingConvention,
  tables: Readonly<Record<string, TableHints>>,
  format: LoaderFileFormat,
  tableFileFormat?: (table: string, hint: FileFormatHint | undefined) => LoaderFileFormat,
): { base: StoredSchema; tableFormats: Record<string, LoaderFileFormat> } {
  const base = structuredClone(schema);
  const hinted = new SchemaEvolver(base, naming, tables);
  const tableFormats: Record<string, LoaderFileFormat> = {};
  for (const [table, hints] of Object.entries(tables)) {
    hinted.applyTableHints(table, hints);
    tableFormats[table] = tableFileFormat?.(table, hints.fileFormat) ?? format;
  }
  return { base, tableFormats };
}

/** The extracted file of `job` in the package folder `dir`. */
export function extractedFile(dir: string, job: PackageJob): ExtractedFile {
  return {
    path: join(dir, job.file),
    table: job.table,
    // pages of CSV records (`lib/extract/csv_pages.ts`)
    ...(job.format === "csv"
      ? { format: "csv", columns: job.columns, dataTypes: job.dataTypes }
      : {}),
  };
}

/**
 * Normalizes the extracted package `loadId` against `schema` (not modified; the evolved copy is
 * returned) and moves it to the normalized stage.
 */
export async function normalizePackage(
  store: PackageStore,
  loadId: string,
  schema: StoredSchema,
  options: NormalizePackageOptions,
): Promise<NormalizeResult> {
  const { storage } = store;
  const dir = store.dir("extracted", loadId);
  const manifest = await store.readManifest(dir);
  const { naming, loaderFileFormat: format = "csv", tableFileFormat } = options;
  const { base, tableFormats } = hintedSchema(
    schema,
    naming,
    manifest.tables,
    format,
    tableFileFormat,
  );

  await loadJobFileFormats([format, ...Object.values(tableFormats)]);

  const files = manifest.jobs.map((job) => extractedFile(dir, job));
  let bytes = 0;
  for (const [i, job] of manifest.jobs.entries()) {
    // a file cut after extract wrote it fails here, naming the package, file and line
    bytes += await checkJobFile(storage, loadId, files[i].path, job);
  }
  // normalized while extract wrote the package, unless it turned out otherwise than assumed
  const ahead = await options.ahead?.take(loadId, schema, manifest);
  if (ahead === undefined) await options.ahead?.abort();
  const outDir = ahead?.outDir ?? await store.create("normalizing", loadId);
  // workers make the convention again by its name (a custom one normalizes here), and open the
  // working folder by its root (one in memory normalizes here)
  const workers = canUseWorkers(naming, storage) ? options.workers ?? defaultWorkers() : 1;
  const large = options.workers !== undefined ||
    bytes >= (options.parallelMinBytes ?? 32_000_000);
  let dataWriter = options.dataWriter ?? {};
  const roots = new Set(files.map((file) => file.table));
  const [root] = roots;
  let early: EarlyChainLoad | undefined;
  try {
    early = ahead?.early === undefined && options.loadEarly !== undefined &&
        options.workers === undefined &&
        workers > 1 && large && roots.size === 1 &&
        (base.tables[root]?.writeDisposition ?? "append") === "append" &&
        !manifest.dropTables?.length && !manifest.truncateTables?.length
      ? await options.loadEarly(root)
      : undefined;
  } catch (error) {
    ahead?.cancel();
    throw error;
  }
  if (early !== undefined) dataWriter = earlyDataWriter(dataWriter);
  const given = early;
  // a table of its own that nested hints make is another chain, loaded with the package
  const onJob = given &&
    ((job: PackageJob, table: TableSchema, jobRoot: string) => {
      if (jobRoot === root) {
        given.add(loadJobOf(storage.locate(join(outDir, job.file)), job), table);
      }
    });
  let results: FilesResult[];
  try {
    if (ahead !== undefined) {
      results = [await ahead.finish(files, { onRows: options.onRows, onJob })];
    } else if (workers > 1 && files.length > 1 && large) {
      results = await normalizeInWorkers(
        files,
        early === undefined ? Math.min(workers, files.length) : 1,
        {
          root: storage.root,
          schema: base,
          naming: naming.name,
          maxLength: naming.maxLength,
          loadId,
          outDir,
          format,
          tableFormats,
          dataWriter,
          tables: manifest.tables,
        },
        { onRows: options.onRows, onJob },
      );
    } else {
      const normalizer = new FilesNormalizer({
        storage,
        schema: structuredClone(base),
        naming,
        loadId,
        outDir,
        prefix: "",
        format,
        tableFormats,
        dataWriter,
        tables: manifest.tables,
        onRows: options.onRows,
        // a worker's message carries a copy of the table; here it evolves on
        onJobClosed: onJob &&
          ((job, table, jobRoot) => onJob(job, structuredClone(table), jobRoot)),
      });
      try {
        for (const file of files) await normalizer.normalize(file);
        results = [await normalizer.finish()];
      } catch (error) {
        await normalizer.abort();
        throw error;
      }
    }
    // normalized along: the chain loading since extract
    early ??= await ahead?.early?.();
    // the files move with the package: the ones handed over are copied before
    await early?.stop();
  } catch (error) {
    early ??= await ahead?.early?.();
    await early?.abort();
    throw error;
  }

  const schemas = results.map((r) => r.schema);
  const formatOf = (table: string): LoaderFileFormat => {
    // a nested table is written in its root table's format
    let name = table;
    let parent: string | undefined = table;
    while (parent !== undefined) {
      name = parent;
      parent = schemas.find((s) => s.tables[name] !== undefined)?.tables[name].parent;
    }
    return tableFormats[name] ?? format;
  };
  const { schema: evolved, renames } = mergeSchemas(base, schemas, naming, {
    typedFiles: (table) => formatOf(table) === "parquet",
  });
  const rowCounts: Record<string, number> = {};
  const jobs: PackageJob[] = [];
  for (const [i, result] of results.entries()) {
    for (const [table, n] of Object.entries(result.rowCounts)) {
      rowCounts[table] = (rowCounts[table] ?? 0) + n;
    }
    for (const job of result.jobs) {
      const moved = renames[i].get(job.table);
      // the file names its columns: it is written again with the merged schema's names
      const renamed = moved !== undefined && job.columns?.some((c) => moved.has(c));
      const jobFormat = jobFileFormat(job.format ?? format);
      jobs.push(renamed ? await jobFormat.renameColumns(storage, outDir, job, moved) : job);
    }
  }
  options.onRows?.(rowCounts);
  bumpSchemaVersion(evolved);
  await writeJsonFile(storage, join(outDir, "schema.json"), evolved);
  await store.writeManifest(outDir, { ...manifest, jobs });
  await store.move(loadId, "normalizing", "normalized");
  // the load need not wait for the extracted files' deletion
  await store.discard("extracted", loadId);
  return { rowCounts, schema: evolved };
}
