/**
 * The runtime settings from config take effect: dlt's environment variables (the same keys as
 * `.dlt/config.toml` sections, see `lib/runtime_settings.ts`) change how extract and normalize
 * buffer and rotate their files and how many workers normalize, as seen in the packages on disk,
 * and the data still loads whole. Bad values stop the run; settings that cannot act say so.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError, type LogRecord, onLog, resource, setLogLevel } from "../mod.ts";
import { PackageStore } from "../lib/load/package_store.ts";
import { DenoStorage } from "../lib/storage/deno_storage.ts";
import { tableFromIPC } from "../lib/deps/apache_arrow.ts";
import { readParquet } from "../lib/deps/parquet_wasm.ts";
import { dummyPipeline, tempPipeline } from "./_helpers.ts";
import { isolatedTest } from "./_isolated.ts";

// warnings are checked through onLog; the console stays quiet
setLogLevel("ERROR");

/** Runs `fn` with the environment variables `variables` set, then removes them. */
async function withEnv<T>(variables: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  for (const [name, value] of Object.entries(variables)) Deno.env.set(name, value);
  try {
    return await fn();
  } finally {
    for (const name of Object.keys(variables)) Deno.env.delete(name);
  }
}

/** `n` items with a nested list of two, so normalize writes a root and a nested table. */
function items(n: number) {
  return resource(
    Array.from({ length: n }, (_, i) => ({ id: i, name: `item ${i}`, tags: [{ t: 1 }, { t: 2 }] })),
    { name: "items" },
  );
}

/** The jobs of the only package of `stage` in the working folder of `workingDir`. */
async function packageJobs(workingDir: string, stage: "extracted" | "normalized") {
  const store = new PackageStore(new DenoStorage(workingDir));
  const [loadId] = await store.list(stage);
  assert.ok(loadId !== undefined, `a package is ${stage}`);
  return (await store.readManifest(store.dir(stage, loadId))).jobs;
}

isolatedTest(
  import.meta.url,
  "DATA_WRITER__FILE_MAX_ITEMS rotates extracted and normalized files; all rows load",
  async () => {
    const { p } = await tempPipeline("rotate_items");
    await withEnv({ DATA_WRITER__FILE_MAX_ITEMS: "10" }, async () => {
      await p.extract(items(35));
      const extracted = await packageJobs(p.workingDir, "extracted");
      assert.deepEqual(extracted.map((j) => j.rows), [10, 10, 10, 5]);
      await p.normalize();
      const normalized = await packageJobs(p.workingDir, "normalized");
      const rowsOf = (table: string) =>
        normalized.filter((j) => j.table === table).map((j) => j.rows);
      assert.deepEqual(rowsOf("items"), [10, 10, 10, 5]);
      assert.deepEqual(rowsOf("items__tags"), [10, 10, 10, 10, 10, 10, 10]);
      await p.load();
    });
    assert.deepEqual(await p.dataset().rowCounts(), { items: 35, items__tags: 70 });
  },
);

isolatedTest(
  import.meta.url,
  "NORMALIZE__DATA_WRITER__FILE_MAX_ITEMS rotates only normalized files, Parquet too",
  async () => {
    // DuckDB-WASM loads CSV only: the dummy destination counts the rows of Parquet files
    const { p, destination } = await dummyPipeline("rotate_parquet");
    await withEnv({ NORMALIZE__DATA_WRITER__FILE_MAX_ITEMS: "8" }, async () => {
      await p.extract(items(20), { loaderFileFormat: "parquet" });
      assert.equal((await packageJobs(p.workingDir, "extracted")).length, 1);
      await p.normalize();
    });
    const normalized = await packageJobs(p.workingDir, "normalized");
    assert.ok(normalized.every((j) => j.format === "parquet"));
    const rowsOf = (table: string) =>
      normalized.filter((j) => j.table === table).map((j) => j.rows);
    assert.deepEqual(rowsOf("items"), [8, 8, 4]);
    assert.deepEqual(rowsOf("items__tags"), [8, 8, 8, 8, 8]);
    // each file holds its slice of the rows, in order
    const store = new PackageStore(new DenoStorage(p.workingDir));
    const [loadId] = await store.list("normalized");
    const ids: number[] = [];
    for (const job of normalized.filter((j) => j.table === "items")) {
      const path = store.storage.locate(join(store.dir("normalized", loadId), job.file));
      const table = tableFromIPC(readParquet(await Deno.readFile(path)).intoIPCStream());
      assert.equal(table.numRows, job.rows);
      ids.push(...Array.from(table.getChild("id")!.toArray() as ArrayLike<bigint>, Number));
    }
    assert.deepEqual(ids, Array.from({ length: 20 }, (_, i) => i));
    await p.load();
    assert.deepEqual(destination.rowCounts(p.datasetName), { items: 20, items__tags: 40 });
  },
);

isolatedTest(
  import.meta.url,
  "DATA_WRITER__BUFFER_MAX_ITEMS writes extracted items while the resource still runs",
  async () => {
    /** Lines on disk in the package being extracted. */
    const onDisk = async (workingDir: string) => {
      const dir = join(workingDir, "normalize", "extracting");
      let lines = 0;
      for await (const pkg of Deno.readDir(dir)) {
        for await (const file of Deno.readDir(join(dir, pkg.name))) {
          if (!file.name.endsWith(".jsonl")) continue;
          const text = await Deno.readTextFile(join(dir, pkg.name, file.name));
          lines += text.split("\n").filter((l) => l !== "").length;
        }
      }
      return lines;
    };
    const watched = (workingDir: string, seen: number[]) =>
      resource(async function* () {
        for (let i = 0; i < 12; i++) {
          seen.push(await onDisk(workingDir));
          yield { id: i };
        }
      }, { name: "watched" });

    const buffered = await tempPipeline("buffer_items");
    const seen: number[] = [];
    await withEnv(
      { DATA_WRITER__BUFFER_MAX_ITEMS: "5" },
      () => buffered.p.extract(watched(buffered.p.workingDir, seen)),
    );
    // items reach the file five at a time
    assert.deepEqual(seen, [0, 0, 0, 0, 0, 5, 5, 5, 5, 5, 10, 10]);

    // by default a megabyte is buffered: nothing is written before the end
    const plain = await tempPipeline("buffer_default");
    const seenPlain: number[] = [];
    await plain.p.extract(watched(plain.p.workingDir, seenPlain));
    assert.deepEqual(seenPlain, Array(12).fill(0));
  },
);

isolatedTest(
  import.meta.url,
  "NORMALIZE__DATA_WRITER__FILE_MAX_BYTES rotates normalized files once buffers are written",
  async () => {
    const { p } = await tempPipeline("rotate_bytes");
    const variables = {
      NORMALIZE__DATA_WRITER__FILE_MAX_BYTES: "300",
      NORMALIZE__DATA_WRITER__BUFFER_MAX_ITEMS: "4",
    };
    await withEnv(variables, async () => {
      await p.extract(items(30));
      await p.normalize();
    });
    const jobs = (await packageJobs(p.workingDir, "normalized")).filter((j) => j.table === "items");
    assert.ok(jobs.length > 3, `${jobs.length} files`);
    // a file closes at the first write that reaches 300 bytes
    for (const job of jobs) assert.ok(job.bytes! < 300 + 200, `${job.bytes} bytes`);
    assert.equal(jobs.reduce((n, j) => n + j.rows, 0), 30);
    await p.load();
    assert.deepEqual(await p.dataset().rowCounts(), { items: 30, items__tags: 60 });

    // without the buffer setting, a megabyte is buffered: one write, one file
    const single = await tempPipeline("rotate_bytes_single");
    await withEnv({ NORMALIZE__DATA_WRITER__FILE_MAX_BYTES: "300" }, async () => {
      await single.p.extract(items(30));
      await single.p.normalize();
    });
    const one = (await packageJobs(single.p.workingDir, "normalized")).filter((j) =>
      j.table === "items"
    );
    assert.equal(one.length, 1);
  },
);

isolatedTest(
  import.meta.url,
  "NORMALIZE__WORKERS: 2 normalizes a package of several files in two workers, 1 in this thread; the option wins",
  async () => {
    /** The normalize worker prefixes of the job files (`w0_`, `w1_`), or "" without workers. */
    const workerPrefixes = async (variables: Record<string, string>, workers?: number) => {
      const { p, destination } = await dummyPipeline("workers");
      return await withEnv({ DATA_WRITER__FILE_MAX_ITEMS: "5", ...variables }, async () => {
        await p.extract(items(20));
        await p.normalize(workers === undefined ? {} : { workers });
        const jobs = await packageJobs(p.workingDir, "normalized");
        await p.load();
        assert.deepEqual(destination.rowCounts(p.datasetName), { items: 20, items__tags: 40 });
        return [...new Set(jobs.map((j) => /\.(w\d+_)?\d+\.csv$/.exec(j.file)![1] ?? ""))].sort();
      });
    };
    assert.deepEqual(await workerPrefixes({ NORMALIZE__WORKERS: "2" }), ["w0_", "w1_"]);
    assert.deepEqual(await workerPrefixes({ NORMALIZE__WORKERS: "1" }), [""]);
    // a small package is normalized in this thread unless workers are asked for
    assert.deepEqual(await workerPrefixes({}), [""]);
    assert.deepEqual(await workerPrefixes({ NORMALIZE__WORKERS: "2" }, 1), [""]);
  },
);

isolatedTest(
  import.meta.url,
  "a bad setting stops the run before anything is extracted, naming the variable",
  async () => {
    const { p } = await tempPipeline("bad_setting");
    await withEnv({ NORMALIZE__WORKERS: "0" }, async () => {
      await assert.rejects(
        () => p.run(items(3)),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.message ===
            'Config value "normalize.workers" (from NORMALIZE__WORKERS) must be an integer ≥ 1, such as 2; got "0"',
      );
    });
    assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
  },
);

isolatedTest(
  import.meta.url,
  "LOAD__WORKERS is checked and says once that it has no effect; EXTRACT__WORKERS has one",
  async () => {
    const { p, destination } = await dummyPipeline("no_effect");
    const logged: LogRecord[] = [];
    const stop = onLog((record) => logged.push(record));
    try {
      await withEnv({ LOAD__WORKERS: "7", EXTRACT__WORKERS: "3" }, async () => {
        await p.run(items(3));
        await p.run(items(3));
      });
    } finally {
      stop();
    }
    const warnings = logged.filter((r) => r.level === "WARNING").map((r) => r.message);
    assert.deepEqual(warnings.filter((m) => m.includes("has no effect")), [
      'Config value "load.workers" (from LOAD__WORKERS) has no effect: a load commits one table chain at a time, in one transaction where the destination has them',
    ]);
    assert.deepEqual(destination.rowCounts(p.datasetName), { items: 6, items__tags: 12 });
  },
);
