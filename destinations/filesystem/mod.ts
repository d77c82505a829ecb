/**
 * The filesystem destination, as dlt's: tables as files in a bucket (a local folder, or an object
 * store through `lib/filesystem/`), laid out as dlt lays them out, so dlt and any reader of
 * JSONL, CSV or Parquet (DuckDB, Spark, pandas) read them:
 *
 * ```
 * <bucketUrl>/<dataset>/init
 * <bucketUrl>/<dataset>/<table>/<load_id>.<file_id>.jsonl.gz     (the layout is an option)
 * <bucketUrl>/<dataset>/_dlt_loads/<schema>__<load_id>.jsonl     (a load is complete when its marker is there)
 * <bucketUrl>/<dataset>/_dlt_version/…, _dlt_pipeline_state/…    (schemas and state, restored into an empty working folder)
 * ```
 *
 * Write dispositions `append` and `replace` (the old files of a replaced table are deleted once
 * the new ones are complete); `merge` fails before anything loads, as in dlt without table
 * formats. `pipeline.dataset()` reads tables from their files (`table(name).rows()`, `.count()`,
 * `.arrow()`), and runs SQL on native DuckDB over views of them where `--allow-ffi` is granted.
 *
 * @example Loading into a local folder, reading back
 * ```ts
 * import assert from "node:assert/strict";
 * import { pipeline, resource } from "../../mod.ts";
 * import { filesystem } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const bucket = `${dir}/bucket`;
 * const p = pipeline({
 *   pipelineName: "fs_example",
 *   destination: filesystem({ bucketUrl: bucket }),
 *   datasetName: "shop",
 *   pipelinesDir: `${dir}/pipelines`,
 * });
 * await p.run(resource([{ id: 1 }, { id: 2 }], { name: "orders" }));
 * assert.equal(await p.dataset().table("orders").count(), 2);
 * const files = await Array.fromAsync(Deno.readDir(`${bucket}/shop/orders`));
 * assert.match(files[0].name, /^\d+\.\d+\.\d+\.jsonl\.gz$/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import type {
  Destination,
  DestinationClient,
  DestinationClientOptions,
} from "../../lib/destination.ts";
import { config, resolveConfigSpec } from "../../lib/config.ts";
import { openFileSystem, resolveBucketUrl } from "../../lib/filesystem/open.ts";
import type { S3Credentials } from "../../lib/filesystem/s3_credentials.ts";
import {
  anyValue,
  boolean,
  checkOptions,
  describeValue,
  integer,
  invalidValue,
  isPlainObject,
  type OptionCheck,
  type OptionSpec,
  text,
} from "../../lib/options.ts";
import { FILESYSTEM_CAPABILITIES } from "./_capabilities.ts";
import { FilesystemClient, type FilesystemSettings } from "./_client.ts";
import { checkLayout, DEFAULT_LAYOUT, STANDARD_PLACEHOLDERS } from "./_layout.ts";

export { FILESYSTEM_CAPABILITIES } from "./_capabilities.ts";
export type { S3Credentials, S3UrlStyle } from "../../lib/filesystem/s3_credentials.ts";

/** Options of {@linkcode filesystem}. */
export interface FilesystemOptions {
  /**
   * Where the datasets go, as dlt takes it: a URL (`file:///abs/path`, `s3://bucket/path` where
   * an object store is served) or a path, absolute or relative to the directory where the
   * pipeline first ran. Each dataset is a folder in it.
   * @default {`destination.filesystem.bucket_url` from config (`DESTINATION__FILESYSTEM__BUCKET_URL`)}
   */
  bucketUrl?: string;
  /**
   * Where each job file of a table goes in the dataset's folder, with dlt's placeholders:
   * `{table_name}`, `{load_id}`, `{file_id}` and `{ext}`; `{schema_name}` (the only one allowed
   * before `{table_name}`); the package's time as `{timestamp}`, `{timestamp_ms}`,
   * `{load_package_timestamp}`, `{curr_date}` and pendulum's tokens `{YYYY}`, `{YY}`, `{MM}`,
   * `{MMM}`, `{DD}`, `{HH}`, `{mm}`, `{ss}`, `{Q}`, `{dddd}`, … (UTC, lowercased as dlt writes
   * them); and the names of `extraPlaceholders`. It needs `{table_name}` followed by a separator
   * (`/`, `.`, `-`), `{load_id}` and `{file_id}`; without `{ext}`, the extension is appended.
   * @default {`destination.filesystem.layout` from config, else dlt's `"{table_name}/{load_id}.{file_id}.{ext}"`}
   */
  layout?: string;
  /** Placeholders of your own for `layout`, with their text (dlt's `extra_placeholders`). */
  extraPlaceholders?: Record<string, string>;
  /**
   * Whether jsonl and csv files are stored as they are instead of gzip-compressed (with `.gz`
   * in their names; Parquet files compress themselves), as dlt's `disable_compression`.
   * @default {`normalize.data_writer.disable_compression`, then `data_writer.disable_compression` from config, else false}
   */
  disableCompression?: boolean;
  /**
   * How many of a pipeline's state files are kept (the newest); 0 keeps every one.
   * @default {`destination.filesystem.max_state_files` from config, else 100 (dlt's)}
   */
  maxStateFiles?: number;
  /**
   * Credentials of an object store (S3's keys, an endpoint), as dlt takes them; a local bucket
   * takes none.
   * @default {`destination.filesystem.credentials` from config}
   */
  credentials?: Partial<S3Credentials>;
}

/** Extra placeholders: names that are not standard ones, each with text. */
function placeholderValues(): OptionCheck<Record<string, string>> {
  const expected = "an object of placeholder names and their text";
  return (value) => {
    if (!isPlainObject(value)) return invalidValue(expected);
    for (const [name, text] of Object.entries(value)) {
      if (typeof text !== "string") {
        return invalidValue(`${expected} (placeholder "${name}" is ${describeValue(text)})`);
      }
      if (STANDARD_PLACEHOLDERS.includes(name) || name === "" || /[{}]/.test(name)) {
        return invalidValue(`${expected}, none named as a standard one (got "${name}")`, true);
      }
    }
    return { ...value } as Record<string, string>;
  };
}

/** How {@linkcode filesystem} checks its options. */
const OPTIONS: OptionSpec<FilesystemOptions> = {
  bucketUrl: text(),
  layout: text(),
  extraPlaceholders: placeholderValues(),
  disableCompression: boolean(),
  maxStateFiles: integer({ min: 0 }),
  credentials: anyValue(),
};

/** Options of dlt's filesystem destination that this one lacks, with what to do instead. */
const DLT_ONLY_OPTIONS = {
  currentDatetime:
    "the layout's date and time placeholders take the time of the load package, as dlt does without it",
  alwaysRefreshViews: "SQL views are made anew for each dataset() call",
  destinationName: 'configure it under its type, "destination.filesystem"',
  environment: "configuration has no environments here",
  deltalakeStorageOptions: "table formats (delta, iceberg) are not supported",
  deltalakeConfiguration: "table formats (delta, iceberg) are not supported",
  deltalakeStreamedExec: "table formats (delta, iceberg) are not supported",
  icebergTableProperties: "table formats (delta, iceberg) are not supported",
  icebergNamespaceProperties: "table formats (delta, iceberg) are not supported",
};

/** The config section of this destination (its credentials are looked up there). */
const CONFIG_SECTION = "destination.filesystem";

/**
 * The filesystem destination. Options as dlt's `dlt.destinations.filesystem()`, in camelCase; an
 * unknown option is a `RangeError` that names the option meant. As in dlt, the bucket URL may come
 * first: `filesystem("./data")` is `filesystem({ bucketUrl: "./data" })`. A layout given here is
 * checked at once (a `RangeError` naming the rule it breaks); one from config when the pipeline
 * opens the destination.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { filesystem } from "./mod.ts";
 * const destination = filesystem("/data/lake", { layout: "{table_name}/{YYYY}/{MM}/{load_id}.{file_id}.{ext}" });
 * assert.equal(destination.location!({ pipelineName: "p", datasetName: "d" }), "file:///data/lake");
 * assert.throws(() => filesystem({ layout: "{table_name}/{load_id}.{ext}" }), /lacks \{file_id\}/);
 * ```
 */
export function filesystem(
  bucketUrlOrOptions: string | FilesystemOptions = {},
  options?: Omit<FilesystemOptions, "bucketUrl">,
): Destination {
  const given = checkOptions(
    readArguments(bucketUrlOrOptions, options, arguments.length),
    OPTIONS,
    "filesystem()",
    { snakeCase: "refuse", unsupported: DLT_ONLY_OPTIONS },
  );
  const extra = given.extraPlaceholders ?? {};
  if (given.layout !== undefined) {
    checkLayout(given.layout, Object.keys(extra), 'option "layout" of filesystem()');
  }
  const settings = (clientOptions: DestinationClientOptions) =>
    resolveSettings(given, clientOptions);
  const { credentials: _, ...stored } = given;
  return {
    name: "filesystem",
    capabilities: FILESYSTEM_CAPABILITIES,
    factoryOptions: structuredClone(stored),
    client(clientOptions: DestinationClientOptions): Promise<DestinationClient> {
      try {
        return Promise.resolve(new FilesystemClient(settings(clientOptions)));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async hasStoredData(clientOptions: DestinationClientOptions): Promise<boolean> {
      // the pipeline asks before it extracts: a bucket that cannot be read fails here
      return await new FilesystemClient(settings(clientOptions)).hasStoredData();
    },
    location(clientOptions: DestinationClientOptions): string {
      return withoutUserInfo(bucketUrlOf(given, clientOptions));
    },
  };
}

/** The options object of `filesystem(bucketUrl?, options?)`, called as dlt's is. */
function readArguments(first: unknown, second: unknown, count: number): unknown {
  if (typeof first !== "string") {
    if (count > 1) {
      throw new TypeError(
        `filesystem() takes the bucket URL and then the options, or the options alone; got ${
          describeValue(first)
        } and ${describeValue(second)}`,
      );
    }
    return first;
  }
  if (second === undefined) return { bucketUrl: first };
  if (!isPlainObject(second)) {
    throw new TypeError(
      `Options for filesystem() after the bucket URL must be an object, got ${
        describeValue(second)
      }`,
    );
  }
  if ("bucketUrl" in second) {
    throw new RangeError(
      'filesystem() was given the bucket URL first and the option "bucketUrl": give one',
    );
  }
  return { ...second, bucketUrl: first };
}

/** The bucket's URL: the option, else config, resolved against the pipeline's first directory. */
function bucketUrlOf(given: FilesystemOptions, clientOptions: DestinationClientOptions): string {
  const { bucketUrl } = resolveConfigSpec(
    { bucketUrl: config(`${CONFIG_SECTION}.bucket_url`) },
    { pipelineName: clientOptions.pipelineName, explicit: { bucketUrl: given.bucketUrl } },
  );
  return resolveBucketUrl(bucketUrl, clientOptions.baseDir);
}

/** What a client of `clientOptions` writes with: the options, then config, then defaults. */
function resolveSettings(
  given: FilesystemOptions,
  clientOptions: DestinationClientOptions,
): FilesystemSettings {
  const { pipelineName, datasetName } = clientOptions;
  const bucketUrl = bucketUrlOf(given, clientOptions);
  const configured = resolveConfigSpec({
    layout: config(`${CONFIG_SECTION}.layout`, { default: DEFAULT_LAYOUT }),
    maxStateFiles: config<number>(`${CONFIG_SECTION}.max_state_files`, {
      type: "integer",
      default: 100,
    }),
    normalizeCompression: config<boolean | undefined>(
      "normalize.data_writer.disable_compression",
      { type: "boolean", default: undefined },
    ),
    writerCompression: config<boolean | undefined>("data_writer.disable_compression", {
      type: "boolean",
      default: undefined,
    }),
  }, { pipelineName, explicit: { layout: given.layout, maxStateFiles: given.maxStateFiles } });
  const extraPlaceholders = given.extraPlaceholders ?? {};
  if (given.layout === undefined) {
    checkLayout(
      configured.layout,
      Object.keys(extraPlaceholders),
      `config key "${CONFIG_SECTION}.layout"`,
    );
  }
  if (configured.maxStateFiles < 0) {
    throw new RangeError(
      `Config key "${CONFIG_SECTION}.max_state_files" must be an integer ≥ 0; got ${configured.maxStateFiles}`,
    );
  }
  const disableCompression = given.disableCompression ?? configured.normalizeCompression ??
    configured.writerCompression ?? false;
  return {
    // credentials for a local bucket are refused, not ignored
    fs: openFileSystem(bucketUrl, {
      credentials: given.credentials,
      configSection: `${CONFIG_SECTION}.credentials`,
    }),
    bucketUrl,
    datasetName,
    layout: configured.layout,
    extraPlaceholders,
    compress: !disableCompression,
    maxStateFiles: configured.maxStateFiles,
  };
}

/** `url` without a user name or password (`s3://key:secret@bucket` → `s3://bucket`). */
function withoutUserInfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1");
}
