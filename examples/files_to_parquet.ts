/**
 * Files to Parquet: CSV and JSONL files in a folder (or an `s3://` bucket) are read by the
 * filesystem source and loaded into a data lake of Parquet files by the filesystem destination,
 * then read back. Each run reads only the files that are new or changed since the last one
 * (`incremental("modification_date")`).
 *
 *     deno run -A examples/files_to_parquet.ts                     # sample files in ./files_demo
 *     deno run -A examples/files_to_parquet.ts --input ./my_files --lake ./my_lake
 *
 * Without `--input`, sample files (`orders/*.csv`, `customers.jsonl`) are written into
 * `<dir>/input` first (`--dir`, default `./files_demo`). The lake is `<dir>/lake` unless `--lake`
 * names another bucket (a folder or `s3://…`; S3 credentials from
 * `[destination.filesystem.credentials]` and `[sources.filesystem.credentials]`).
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { incremental, type LoadInfo, pipeline, source } from "../mod.ts";
import { filesystem as lake } from "../destinations/filesystem/mod.ts";
import { filesystem, readCsv, readJsonl } from "../sources/filesystem.ts";

/** Options of {@linkcode runFilesToParquet}. */
export interface FilesToParquetOptions {
  /** Folder or bucket URL of the CSV and JSONL files. */
  input: string;
  /** Folder or bucket URL of the Parquet lake. */
  lake: string;
  /** Where the pipeline keeps its working folder. */
  pipelinesDir?: string;
}

/** What a run loaded, and the tables read back from the lake. */
export interface FilesToParquetResult {
  /** The run's load info. */
  info: LoadInfo;
  /** Row count of every table in the lake. */
  rowCounts: Record<string, number>;
  /** The three biggest orders, read back from the Parquet files. */
  biggestOrders: Record<string, unknown>[];
}

/**
 * Loads `orders/**\/*.csv` and `*.jsonl` of `input` into Parquet tables `orders` and
 * `customers` of `lake` (dataset `files`), and reads them back.
 */
export async function runFilesToParquet(
  options: FilesToParquetOptions,
): Promise<FilesToParquetResult> {
  // each file listing has a name of its own: its incremental cursor is kept under it
  const files = source([
    filesystem({
      bucketUrl: options.input,
      fileGlob: "orders/**/*.csv",
      incremental: incremental("modification_date"),
    }).withName("order_files").pipe(readCsv()).withName("orders"),
    filesystem({
      bucketUrl: options.input,
      fileGlob: "*.jsonl",
      incremental: incremental("modification_date"),
    }).withName("customer_files").pipe(readJsonl()).withName("customers"),
  ], { name: "files" });
  const p = pipeline({
    pipelineName: "files_to_parquet",
    destination: lake({ bucketUrl: options.lake }),
    datasetName: "files",
    pipelinesDir: options.pipelinesDir,
  });
  const info = await p.run(files, { loaderFileFormat: "parquet" });
  const dataset = p.dataset();
  return {
    info,
    rowCounts: await dataset.rowCounts(),
    biggestOrders: await dataset.table("orders").orderBy("amount").rows().then((rows) =>
      rows.slice(-3).reverse()
    ),
  };
}

/** Writes sample input files into folder `dir`: two CSV files of orders and a JSONL file. */
export async function writeSampleFiles(dir: string): Promise<void> {
  await Deno.mkdir(join(dir, "orders", "2024"), { recursive: true });
  await Deno.writeTextFile(
    join(dir, "orders", "2024", "january.csv"),
    'id,customer_id,amount,ordered_at,note\n1,1,19.90,2024-01-03T10:00:00Z,""\n' +
      '2,2,120.00,2024-01-17T12:30:00Z,"gift, wrapped"\n3,1,7.50,2024-01-29T08:15:00Z,\n',
  );
  await Deno.writeTextFile(
    join(dir, "orders", "2024", "february.csv"),
    "id,customer_id,amount,ordered_at,note\n4,3,250.00,2024-02-02T09:00:00Z,express\n" +
      "5,2,42.00,2024-02-14T18:45:00Z,\n",
  );
  await Deno.writeTextFile(
    join(dir, "customers.jsonl"),
    [
      { id: 1, name: "Ada", tags: ["founder"], address: { city: "London" } },
      { id: 2, name: "Grace", tags: [], address: { city: "New York" } },
      { id: 3, name: "Linus", tags: ["kernel", "git"], address: { city: "Portland" } },
    ].map((customer) => JSON.stringify(customer)).join("\n") + "\n",
  );
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      dir: { type: "string", default: "files_demo" },
      input: { type: "string" },
      lake: { type: "string" },
    },
    strict: true,
  });
  const input = values.input ?? join(values.dir, "input");
  if (values.input === undefined) await writeSampleFiles(input);
  const result = await runFilesToParquet({
    input,
    lake: values.lake ?? join(values.dir, "lake"),
  });
  console.log(result.info.toString());
  console.log("Tables in the lake:", result.rowCounts);
  console.table(result.biggestOrders);
}
