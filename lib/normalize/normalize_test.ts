import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PackageStore } from "../load/package_store.ts";
import { newSchema } from "../schema/schema.ts";
import { snakeCaseNaming } from "./naming.ts";
import { normalizePackage } from "./normalize.ts";
import { DenoStorage } from "../storage/deno_storage.ts";
import { nativeQuery } from "../../tests/_native_duckdb.ts";

const TEMP_ROOT = Deno.makeTempDirSync({ prefix: "denodlt_normalize_test_" });
globalThis.addEventListener("unload", () => Deno.removeSync(TEMP_ROOT, { recursive: true }));

/** `normalizePackage`, once the deletion of the extracted files it leaves running has ended. */
async function normalize(...args: Parameters<typeof normalizePackage>) {
  try {
    return await normalizePackage(...args);
  } finally {
    await args[0].settled();
  }
}

async function extractedPackage(
  files: Record<string, unknown[]>,
  tableOf = (_file: string) => "things",
) {
  const store = new PackageStore(new DenoStorage(await Deno.makeTempDir({ dir: TEMP_ROOT })));
  const loadId = store.newLoadId();
  const dir = await store.create("extracting", loadId);
  const jobs = [];
  for (const [file, items] of Object.entries(files)) {
    await Deno.writeTextFile(
      store.storage.locate(join(dir, file)),
      items.map((i) => JSON.stringify(i)).join("\n") + "\n",
    );
    jobs.push({ file, table: tableOf(file), rows: items.length });
  }
  const tables = Object.fromEntries(
    jobs.map(({ table }) => [table, { resource: table, writeDisposition: "append" as const }]),
  );
  await store.writeManifest(dir, {
    loadId,
    schemaName: "s",
    createdAt: new Date().toISOString(),
    tables,
    jobs,
  });
  await store.move(loadId, "extracting", "extracted");
  return { store, loadId };
}

Deno.test("workers normalize files in parallel and their schemas merge, conflicts becoming variants", async () => {
  const { store, loadId } = await extractedPackage({
    "things.1.jsonl": [{ id: 1, size: 10, parts: [{ n: 1 }] }, { id: 2, size: 11 }],
    "things.2.jsonl": [{ id: 3, size: "large", color: "red" }],
  });
  const result = await normalize(store, loadId, newSchema("s"), {
    naming: snakeCaseNaming(),
    workers: 2,
    parallelMinBytes: 0,
  });
  assert.deepEqual(result.rowCounts, { things: 3, things__parts: 1 });
  const columns = result.schema.tables.things.columns;
  assert.equal(columns.id.dataType, "bigint");
  assert.equal(columns.color.dataType, "text");
  // one worker typed `size` bigint, the other text: the text values are loaded as a variant
  const sizeTypes = [
    columns.size.dataType,
    columns.size__v_text?.dataType ?? columns.size__v_bigint?.dataType,
  ];
  assert.deepEqual(sizeTypes.sort(), ["bigint", "text"]);
  const manifest = await store.readManifest(store.dir("normalized", loadId));
  const variant = columns.size__v_text ? "size__v_text" : "size__v_bigint";
  const renamed = manifest.jobs.filter((j) => j.columns?.includes(variant));
  assert.equal(renamed.length, 1);
  assert.ok(!renamed[0].columns!.includes("size"));
  assert.ok(manifest.jobs.every((j) => /\.w[01]_\d+\.csv$/.test(j.file) && j.format === "csv"));
  // the renamed job's file names the variant column in its header, as its manifest does
  const dir = store.storage.locate(store.dir("normalized", loadId));
  for (const job of manifest.jobs) {
    const text = await Deno.readTextFile(join(dir, job.file));
    assert.equal(text.slice(0, text.indexOf("\n")), job.columns!.join(","));
    assert.equal(job.bytes, (await Deno.stat(join(dir, job.file))).size);
  }
  assert.deepEqual(await store.list("extracted"), []);
});

Deno.test("JSONL jobs of parallel workers carry the merged schema's column names as keys", async () => {
  const { store, loadId } = await extractedPackage({
    "things.1.jsonl": [{ id: 1, size: 10 }, { id: 2, size: 11 }],
    "things.2.jsonl": [{ id: 3, size: "large" }],
  });
  const result = await normalize(store, loadId, newSchema("s"), {
    naming: snakeCaseNaming(),
    workers: 2,
    parallelMinBytes: 0,
    loaderFileFormat: "jsonl",
  });
  const columns = result.schema.tables.things.columns;
  const manifest = await store.readManifest(store.dir("normalized", loadId));
  const dir = store.storage.locate(store.dir("normalized", loadId));
  const values: Record<string, unknown>[] = [];
  for (const job of manifest.jobs) {
    assert.equal(job.format, "jsonl");
    assert.ok(job.file.endsWith(".jsonl"));
    const text = await Deno.readTextFile(join(dir, job.file));
    assert.equal(job.bytes, new TextEncoder().encode(text).length);
    for (const line of text.split("\n").filter(Boolean)) {
      const row = JSON.parse(line);
      for (const key of Object.keys(row)) assert.ok(job.columns!.includes(key), key);
      values.push(row);
    }
  }
  // every size sits under the column of its type in the merged schema
  const sizes = values.map((row) => {
    const [name] = Object.keys(row).filter((k) => k.startsWith("size"));
    return [row[name], columns[name].dataType];
  });
  assert.deepEqual(sizes.sort(), [[10, "bigint"], [11, "bigint"], ["large", "text"]]);
});

Deno.test("small packages normalize in the calling thread with the same result", async () => {
  const { store, loadId } = await extractedPackage({
    "things.1.jsonl": [{ id: 1, size: 10 }],
    "things.2.jsonl": [{ id: 2, size: "large" }],
  });
  const result = await normalize(store, loadId, newSchema("s"), {
    naming: snakeCaseNaming(),
  });
  const columns = result.schema.tables.things.columns;
  assert.equal(columns.size.dataType, "bigint");
  assert.equal(columns.size__v_text.dataType, "text");
  const manifest = await store.readManifest(store.dir("normalized", loadId));
  assert.ok(manifest.jobs.every((j) => !j.file.includes(".w")));
  const text = await Deno.readTextFile(
    store.storage.locate(join(store.dir("normalized", loadId), manifest.jobs[0].file)),
  );
  const [header, ...lines] = text.split("\n").filter(Boolean);
  assert.equal(header, manifest.jobs[0].columns!.join(","));
  assert.equal(lines.length, 2);
});

Deno.test("parallel workers that type a column bigint and double, or number and text, agree without variants", async () => {
  const { store, loadId } = await extractedPackage({
    "things.1.jsonl": [{ v: 1.5, s: "a" }],
    "things.2.jsonl": [{ v: 2, s: 7 }],
  });
  const result = await normalize(store, loadId, newSchema("s"), {
    naming: snakeCaseNaming(),
    workers: 2,
    parallelMinBytes: 0,
  });
  const names = Object.keys(result.schema.tables.things.columns).filter((c) =>
    !c.startsWith("_dlt")
  );
  assert.deepEqual(names.sort(), ["s", "v"]);
});

Deno.test("Parquet jobs of parallel workers are written again with the merged schema's names; text does not absorb typed values", async () => {
  const { store, loadId } = await extractedPackage({
    "things.1.jsonl": [{ id: 1, size: 10 }, { id: 2, size: 11 }],
    "things.2.jsonl": [{ id: 3, size: "large" }],
  });
  const result = await normalize(store, loadId, newSchema("s"), {
    naming: snakeCaseNaming(),
    workers: 2,
    parallelMinBytes: 0,
    loaderFileFormat: "parquet",
  });
  const columns = result.schema.tables.things.columns;
  // whichever worker came first, the other's values moved to a variant: a bigint read as text
  // would be the destination's text of it
  const variant = columns.size__v_text ? "size__v_text" : "size__v_bigint";
  assert.ok(columns[variant].variant);
  const manifest = await store.readManifest(store.dir("normalized", loadId));
  const dir = store.storage.locate(store.dir("normalized", loadId));
  const sizes: [unknown, string][] = [];
  for (const job of manifest.jobs) {
    assert.equal(job.format, "parquet");
    const path = join(dir, job.file);
    assert.equal(job.bytes, (await Deno.stat(path)).size);
    const described = await nativeQuery(
      ":memory:",
      `DESCRIBE SELECT * FROM read_parquet('${path}')`,
    );
    assert.deepEqual(described.map((r) => r.column_name), job.columns);
    const name = job.columns!.find((c) => c.startsWith("size"))!;
    for (
      const row of await nativeQuery(
        ":memory:",
        `SELECT "${name}" AS v FROM read_parquet('${path}')`,
      )
    ) {
      sizes.push([row.v, columns[name].dataType!]);
    }
  }
  assert.deepEqual(sizes.sort(), [["10", "bigint"], ["11", "bigint"], ["large", "text"]]);
});

Deno.test("each root table is written in its own format, its nested tables in the same", async () => {
  const { store, loadId } = await extractedPackage({
    "things.1.jsonl": [{ id: 1, parts: [{ n: 1 }] }],
    "others.1.jsonl": [{ id: 2, parts: [{ n: 2 }] }],
  }, (file) => file.split(".")[0]);
  const asked: [string, unknown][] = [];
  const result = await normalize(store, loadId, newSchema("s"), {
    naming: snakeCaseNaming(),
    loaderFileFormat: "jsonl",
    tableFileFormat: (table, hint) => {
      asked.push([table, hint]);
      return table === "things" ? "parquet" : "csv";
    },
  });
  assert.deepEqual(asked.sort(), [["others", undefined], ["things", undefined]]);
  assert.deepEqual(result.rowCounts, { things: 1, things__parts: 1, others: 1, others__parts: 1 });
  const manifest = await store.readManifest(store.dir("normalized", loadId));
  assert.deepEqual(
    Object.fromEntries(manifest.jobs.map((j) => [j.table, [j.format, j.file.split(".").at(-1)]])),
    {
      things: ["parquet", "parquet"],
      things__parts: ["parquet", "parquet"],
      others: ["csv", "csv"],
      others__parts: ["csv", "csv"],
    },
  );
});

Deno.test("onRows receives running row totals per table, summed over workers and in one thread", async () => {
  for (const workers of [1, 2]) {
    const many = (from: number) =>
      Array.from({ length: 3000 }, (_, i) => ({ id: from + i, tags: ["a", "b"] }));
    const { store, loadId } = await extractedPackage({
      "things.1.jsonl": many(0),
      "things.2.jsonl": many(3000),
    });
    const reports: Record<string, number>[] = [];
    const result = await normalize(store, loadId, newSchema("s"), {
      naming: snakeCaseNaming(),
      workers,
      parallelMinBytes: 0,
      onRows: (rowCounts) => reports.push({ ...rowCounts }),
    });
    assert.deepEqual(result.rowCounts, { things: 6000, things__tags: 12000 });
    // at least one report per file, totals never go down, and the last one is the result's
    assert.ok(reports.length >= 2, `${workers}: ${reports.length}`);
    for (const [i, report] of reports.entries()) {
      for (const [table, rows] of Object.entries(reports[i - 1] ?? {})) {
        assert.ok(report[table] >= rows, `${workers}: ${JSON.stringify(reports)}`);
      }
    }
    assert.deepEqual(reports.at(-1), result.rowCounts);
  }
});

Deno.test("a package loaded early is normalized by one worker, each closed file of its root's chain handed over before the package moves", async () => {
  const items = Array.from({ length: 30 }, (_, id) => ({
    id,
    parts: [{ n: id }],
    tags: [{ name: `t${id % 3}` }],
  }));
  const { store, loadId } = await extractedPackage({
    "things.1.jsonl": items.slice(0, 15),
    "things.2.jsonl": items.slice(15),
  });
  // with a key, `tags` is a table of its own: another chain, loaded with the package
  const manifestPath = join(store.dir("extracted", loadId), "package.json");
  const manifest = JSON.parse(await store.storage.readText(manifestPath));
  manifest.tables.things.nestedHints = [{ path: ["tags"], primaryKey: ["name"] }];
  await Deno.writeTextFile(store.storage.locate(manifestPath), JSON.stringify(manifest));
  const events: string[] = [];
  const added: { table: string; file: string; existed: boolean; columns: string[] }[] = [];
  const result = await normalize(store, loadId, newSchema("s"), {
    naming: snakeCaseNaming(),
    parallelMinBytes: 0,
    dataWriter: { fileMaxItems: 10 },
    loadEarly: (root) => {
      events.push(`start ${root}`);
      return Promise.resolve({
        add(job, table) {
          const file = job.path.split("/").pop()!;
          added.push({
            table: table.name,
            file,
            existed: job.path.includes("/normalizing/") && existsSync(job.path),
            columns: Object.keys(table.columns),
          });
        },
        stop() {
          events.push(
            `stop, normalizing: ${
              existsSync(store.storage.locate(store.dir("normalizing", loadId)))
            }`,
          );
          return Promise.resolve();
        },
        abort() {
          events.push("abort");
          return Promise.resolve();
        },
      });
    },
  });
  assert.deepEqual(events, ["start things", "stop, normalizing: true"]);
  assert.deepEqual(result.rowCounts, { things: 30, things__parts: 30, things__tags: 30 });
  assert.ok(added.every((a) => a.existed && a.file.startsWith(`${a.table}.w0_`)));
  assert.deepEqual([...new Set(added.map((a) => a.table))].sort(), ["things", "things__parts"]);
  assert.ok(added.filter((a) => a.table === "things").length >= 3);
  assert.ok(added.every((a) => a.columns.includes("_dlt_id")));
});

Deno.test("a package failing to normalize aborts the load started early", async () => {
  const { store, loadId } = await extractedPackage({
    "things.1.jsonl": [{ id: 1 }],
    "things.2.jsonl": [{ id: 2 }],
  });
  await Deno.writeTextFile(
    store.storage.locate(join(store.dir("extracted", loadId), "things.2.jsonl")),
    '{"id": 2}\n{"id": \n',
  );
  const events: string[] = [];
  await assert.rejects(
    normalize(store, loadId, newSchema("s"), {
      naming: snakeCaseNaming(),
      parallelMinBytes: 0,
      loadEarly: () =>
        Promise.resolve({
          add: () => events.push("add"),
          stop: () => Promise.resolve(void events.push("stop")),
          abort: () => Promise.resolve(void events.push("abort")),
        }),
    }),
  );
  assert.equal(events.at(-1), "abort");
  assert.ok(!events.includes("stop") || events.indexOf("stop") < events.indexOf("abort"));
});
