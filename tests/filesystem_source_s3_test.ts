/**
 * The filesystem source on an S3 bucket (the test server): file items by glob, CSV and Parquet
 * read back (Parquet by ranged GETs), credentials from the options or from config, and an
 * incremental rerun that finds nothing new.
 */
import assert from "node:assert/strict";
import { tableFromArrays, tableToIPC } from "../lib/deps/apache_arrow.ts";
import { Table, writeParquet, WriterPropertiesBuilder } from "../lib/deps/parquet_wasm.ts";
import { incremental } from "../mod.ts";
import { type FileItem, filesystem, readCsv, readParquet } from "../sources/filesystem.ts";
import { s3Test } from "./_s3.ts";
import { tempPipeline } from "./_helpers.ts";

const CONTEXT = {
  state: {},
  sourceState: {},
  signal: new AbortController().signal,
  config: {},
};

s3Test(
  "files of an S3 bucket: globbed, read as CSV and Parquet, loaded incrementally",
  async ({ url, credentials, fs }) => {
    const store = fs();
    await store.write(`${url}/2024/a.csv`, "id,name\n1,one\n2,two\n");
    await store.write(`${url}/2024/skip.txt`, "not csv");
    await store.write(`${url}/b.csv`, "id,name\n3,three\n");
    const arrow = tableFromArrays({ id: Int32Array.from({ length: 250 }, (_, i) => i) });
    await store.write(
      `${url}/p.parquet`,
      writeParquet(
        Table.fromIPCStream(tableToIPC(arrow, "stream")),
        new WriterPropertiesBuilder().setMaxRowGroupSize(100).build(),
      ),
    );

    const items = (await Array.fromAsync(
      filesystem({ bucketUrl: url, fileGlob: "**/*.csv", credentials }).yields(CONTEXT),
    )).flat() as FileItem[];
    assert.deepEqual(items.map((f) => f.relative_path).sort(), ["2024/a.csv", "b.csv"]);
    const a = items.find((f) => f.file_name === "a.csv")!;
    assert.equal(a.file_url, `${url}/2024/a.csv`);
    assert.equal(a.size_in_bytes, 20);
    assert.ok(a.modification_date instanceof Date);

    const parquet = (await Array.fromAsync(
      filesystem({ bucketUrl: url, fileGlob: "*.parquet", credentials }).yields(CONTEXT),
    )).flat();
    const chunks = await Array.fromAsync(
      readParquet({ chunkSize: 100 }).transform(parquet, CONTEXT),
    );
    assert.deepEqual((chunks as unknown[][]).map((c) => c.length), [100, 100, 50]);

    // credentials from config, as the destination's are
    const env = {
      SOURCES__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID: credentials.awsAccessKeyId,
      SOURCES__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY: credentials.awsSecretAccessKey,
      SOURCES__FILESYSTEM__CREDENTIALS__ENDPOINT_URL: credentials.endpointUrl!,
    };
    for (const [name, value] of Object.entries(env)) Deno.env.set(name, value);
    try {
      const { p } = await tempPipeline("fs_s3");
      const run = () =>
        p.run(
          filesystem({
            bucketUrl: url,
            fileGlob: "**/*.csv",
            incremental: incremental("modification_date"),
          }).pipe(readCsv()).withName("rows"),
        );
      assert.deepEqual((await run()).rowCounts, { rows: 3 });
      assert.deepEqual((await run()).rowCounts, {});
      const names = await p.dataset().query<{ name: string }>("SELECT name FROM rows ORDER BY id");
      assert.deepEqual(names.map((r) => r.name), ["one", "two", "three"]);
    } finally {
      for (const name of Object.keys(env)) Deno.env.delete(name);
    }
  },
  { isolatedIn: import.meta.url },
);
