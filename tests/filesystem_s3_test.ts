/**
 * The filesystem destination on an S3 bucket served by s3rver: dlt's layout as objects, append
 * and replace, state and schemas restored from the bucket into an empty working folder, reading
 * back without SQL, and credentials from config.
 */
import assert from "node:assert/strict";
import { pipeline, setLogLevel } from "../mod.ts";
import { filesystem } from "../destinations/filesystem/mod.ts";
import { tempDir } from "./_helpers.ts";
import { s3Test } from "./_s3.ts";
import { lake, runOnTwoMachines } from "./_lake.ts";

setLogLevel("ERROR");

s3Test(
  "filesystem on S3: dlt's layout as objects, append then replace, read back",
  async ({ url, credentials, fs }) => {
    const p = pipeline({
      pipelineName: "s3_lake",
      destination: filesystem({ bucketUrl: url, credentials }),
      datasetName: "lake",
      pipelinesDir: await tempDir("s3_lake"),
    });
    const first = await p.run(lake(1));
    const loadId = first.loadPackages[0].loadId;
    const keys = (await Array.fromAsync(fs().list(`${url}/lake/`)))
      .map((file) => file.url.slice(url.length + 1)).sort();
    const id = loadId.replace(".", "\\.");
    const expected = [
      new RegExp(`^lake/_dlt_loads/lake__${id}\\.jsonl$`),
      new RegExp(`^lake/_dlt_pipeline_state/s3_lake__${id}__[0-9a-f]+\\.jsonl$`),
      new RegExp(`^lake/_dlt_version/lake__${id}__[0-9a-f]+\\.jsonl$`),
      new RegExp(`^lake/events/${id}\\.\\d+\\.jsonl\\.gz$`),
      /^lake\/init$/,
      new RegExp(`^lake/orders/${id}\\.\\d+\\.jsonl\\.gz$`),
      new RegExp(`^lake/orders__lines/${id}\\.\\d+\\.jsonl\\.gz$`),
    ];
    assert.equal(keys.length, expected.length, keys.join("\n"));
    keys.forEach((key, i) => assert.match(key, expected[i]));
    assert.deepEqual(await p.dataset().rowCounts(), { events: 2, orders: 3, orders__lines: 6 });

    await p.run(lake(2));
    assert.deepEqual(await p.dataset().rowCounts(), { events: 4, orders: 3, orders__lines: 6 });
    assert.deepEqual(
      (await p.dataset().table("orders").select("id").orderBy("id").rows()).map((r) => r.id),
      [21, 22, 23],
    );
    // the replaced tables hold only the second load's objects
    const orders = await Array.fromAsync(fs().list(`${url}/lake/orders/`));
    assert.equal(orders.length, 1);
    assert.ok(!orders[0].url.includes(loadId), orders[0].url);
  },
);

s3Test(
  "filesystem on S3: state and schemas come back from the bucket; credentials from config",
  async ({ url, credentials }) => {
    const env = {
      DESTINATION__FILESYSTEM__BUCKET_URL: url,
      DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID: credentials.awsAccessKeyId,
      DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY: credentials.awsSecretAccessKey,
      DESTINATION__FILESYSTEM__CREDENTIALS__ENDPOINT_URL: credentials.endpointUrl!,
    };
    for (const [key, value] of Object.entries(env)) Deno.env.set(key, value);
    const open = async () =>
      pipeline({
        pipelineName: "s3_restore",
        destination: "filesystem",
        datasetName: "lake",
        pipelinesDir: await tempDir("s3_restore"),
      });
    try {
      await runOnTwoMachines(open, "s3_restore");
    } finally {
      for (const key of Object.keys(env)) Deno.env.delete(key);
    }
  },
  { isolatedIn: import.meta.url },
);
