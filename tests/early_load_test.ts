/**
 * Loading while normalizing (`loadChainEarly`) when things go wrong, on native DuckDB: a package
 * that fails to normalize after files were copied leaves nothing of itself; files copied with a
 * column type the package does not end with are rolled back and the package loads as usual; a
 * process killed while it copies leaves the destination as before, and the next run loads the
 * package once.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PendingPackageFailed, resource } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { newSchema, type TableSchema } from "../lib/schema/schema.ts";
import { stageFiles, tempDir, tempPipeline } from "./_helpers.ts";

/** Items of a run large enough for normalize's workers (about 33 MB of JSON). */
export const LARGE_RUN_ITEMS = 3_100;
const BODY = "lorem ipsum dolor sit amet ".repeat(400);

/** The items of a large run; with `lateColumn`, the last one has a column the others lack. */
export function largeRun(lateColumn = false) {
  return resource(function* () {
    for (let id = 0; id < LARGE_RUN_ITEMS; id++) {
      const late = lateColumn && id === LARGE_RUN_ITEMS - 1 ? { late: true } : {};
      yield { id, body: `${id} ${BODY}`, ...late };
    }
  }, { name: "items", schemaContract: { columns: "freeze" } });
}

const ffi = Deno.permissions.querySync({ name: "ffi" }).state === "granted";

Deno.test({
  name: "a package failing to normalize after files loaded early leaves nothing of itself",
  ignore: !ffi,
  async fn() {
    const { p } = await tempPipeline("early_abort", undefined, "native");
    await p.run(resource([{ id: -1, body: "first" }], {
      name: "items",
      schemaContract: { columns: "freeze" },
    }));
    // the frozen table refuses the last item's new column, after most files were written
    await assert.rejects(
      p.run(largeRun(true)),
      (error) => error instanceof PendingPackageFailed && /column "late"/.test(error.message),
    );
    assert.equal(await p.dataset().table("items").count(), 1);
    await p.dropPendingPackages();
    const info = await p.run(largeRun());
    assert.ok(info.loadPackages[0].jobs.some((job) => job.duringNormalize));
    assert.equal(await p.dataset().table("items").count(), LARGE_RUN_ITEMS + 1);
  },
});

Deno.test({
  name:
    "files loaded early with another column type than the package's are rolled back, and the package loads as usual",
  ignore: !ffi,
  async fn() {
    const dir = await tempDir("early_mismatch");
    const destination = duckdb({ engine: "native", path: join(dir, "db.duckdb") });
    const client = await destination.client({ pipelineName: "p", datasetName: "d" });
    try {
      const system = {
        _dlt_load_id: { name: "_dlt_load_id", dataType: "text", nullable: false },
        _dlt_id: { name: "_dlt_id", dataType: "text", nullable: false },
      } as const;
      const asNumber: TableSchema = {
        name: "items",
        writeDisposition: "append",
        columns: { code: { name: "code", dataType: "bigint" }, ...system },
      };
      const asText: TableSchema = {
        ...asNumber,
        columns: { code: { name: "code", dataType: "text" }, ...system },
      };
      const path = join(dir, "items.1.csv");
      await Deno.writeTextFile(path, "code,_dlt_load_id,_dlt_id\n007,1,a\n010,1,b\n");
      const job = {
        path,
        table: "items",
        format: "csv",
        columns: ["code", "_dlt_load_id", "_dlt_id"],
        rows: 2,
        longestLine: 0,
      } as const;
      const early = await client.loadChainEarly!("1", "items");
      assert.ok(early !== undefined);
      early.add(job, asNumber);
      await early.stop();
      const schema = { ...newSchema("p"), tables: { items: asText } };
      const loaded: { early: boolean }[] = [];
      await client.loadPackage({
        loadId: "1",
        schema,
        jobs: [job],
        replaceTables: [],
        dropTables: [],
        onJobLoaded: (_, metrics) => loaded.push({ early: metrics.duringNormalize === true }),
      });
      assert.deepEqual(loaded, [{ early: false }]);
      const rows = await client.sql!.query<{ code: string }>(
        "SELECT code FROM items ORDER BY code",
      );
      assert.deepEqual(rows, [{ code: "007" }, { code: "010" }]);
      assert.equal(await client.isLoaded("1"), true);
    } finally {
      await client.close();
    }
  },
});

Deno.test({
  name:
    "a table of its own that nested hints make loads with its package, not with the chain loaded early",
  ignore: !ffi,
  async fn() {
    const { p } = await tempPipeline("early_own_table", undefined, "native");
    const items = () =>
      resource(function* () {
        // half of each item in its tag, so that both tables' files rotate while normalize runs
        const half = BODY.slice(0, BODY.length * 0.55);
        for (let id = 0; id < LARGE_RUN_ITEMS; id++) {
          yield { id, body: `${id} ${half}`, tags: [{ name: `t${id % 100}`, note: half }] };
        }
      }, {
        name: "items",
        nestedHints: { tags: { primaryKey: "name", writeDisposition: "merge" } },
      });
    for (let run = 1; run <= 2; run++) {
      const info = await p.run(items());
      const early = info.loadPackages[0].jobs.filter((job) => job.duringNormalize);
      assert.ok(early.length > 0);
      assert.deepEqual([...new Set(early.map((job) => job.table))], ["items"]);
      assert.deepEqual(await p.dataset().rowCounts(), {
        items: run * LARGE_RUN_ITEMS,
        items__tags: 100,
      });
    }
  },
});

const KILLED_RUN = fileURLToPath(new URL("./_scripts/early_load_run.ts", import.meta.url));

/** How long a killed run may take to be ready before the test fails. */
const READY_TIMEOUT_MS = 60_000;

/**
 * Runs `early_load_run.ts` with `args` and kills it (SIGKILL) `delayMs` after `ready` first
 * holds; fails when it ends before, or is not ready within a minute.
 */
async function killRun(args: string[], ready: () => boolean, delayMs: number): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", KILLED_RUN, ...args],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const started = performance.now();
  let seen: number | undefined;
  const killer = setInterval(() => {
    if (seen === undefined && ready()) seen = performance.now();
    if (seen === undefined && performance.now() - started > READY_TIMEOUT_MS) {
      seen = -Infinity;
    }
    if (seen !== undefined && performance.now() - seen >= delayMs) {
      clearInterval(killer);
      try {
        child.kill("SIGKILL");
      } catch { /* it has exited already */ }
    }
  }, 2);
  const status = await child.status;
  clearInterval(killer);
  assert.notEqual(seen, -Infinity, `the run was not ready within ${READY_TIMEOUT_MS} ms`);
  assert.equal(status.signal, "SIGKILL", `the run ended before the kill (${delayMs} ms)`);
}

Deno.test({
  name:
    "a run killed while it loads files early leaves the destination as it was; the next run loads the package once",
  ignore: !ffi,
  async fn() {
    const name = "early_killed";
    const { p, dir } = await tempPipeline(name, undefined, "native");
    await p.run(resource([{ id: -1, body: "first" }], { name: "items" }));
    const copied = join(dir, "chain_copied");
    // once extract has ended and normalize closed its second job file, the first is copied;
    // the killed run holds its transaction open once the chain has copied every file it had
    const kills = [
      { delayMs: 0, when: "extracted" },
      { delayMs: 50, when: "extracted" },
      { delayMs: 0, when: "copied" },
    ];
    for (const [index, { delayMs, when }] of kills.entries()) {
      await Deno.remove(copied).catch(() => {});
      await killRun(
        [dir, name],
        when === "copied"
          ? () => existsSync(copied)
          : () =>
            stageFiles(dir, name, "normalize/extracted").length > 0 &&
            stageFiles(dir, name, "load/normalizing").length >= 2,
        delayMs,
      );
      const { p: reader } = await tempPipeline(name, dir, "native");
      const at = `killed ${delayMs} ms after ${when}`;
      assert.equal(await reader.dataset().table("items").count(), 1, at);
      const pending = await reader.pendingPackages();
      assert.equal(pending.extracted + pending.normalized, 1, at);
      // the last kill's package is left for the next run
      if (index < kills.length - 1) await reader.dropPendingPackages();
    }
    // the next run normalizes the package the last kill left and loads it once
    const { p: next } = await tempPipeline(name, dir, "native");
    await next.run(resource([], { name: "items" }));
    assert.equal(await next.dataset().table("items").count(), LARGE_RUN_ITEMS + 1);
    assert.deepEqual(await next.pendingPackages(), { extracted: 0, normalized: 0 });
  },
});

Deno.test({
  name:
    "a run killed while its package is normalized before extract ends leaves nothing of it; the next run extracts and loads it once",
  ignore: !ffi,
  async fn() {
    const name = "early_killed_extracting";
    const { p, dir } = await tempPipeline(name, undefined, "native");
    await p.run(resource([{ id: -1, body: "first" }], { name: "items" }));
    for (const delayMs of [0, 100]) {
      // extract stalls after its items: the package is normalized while it runs, and its chain
      // begins to copy the first job file
      await killRun(
        [dir, name, "stall"],
        () =>
          stageFiles(dir, name, "normalize/extracting").length > 0 &&
          stageFiles(dir, name, "load/normalizing").length >= 2,
        delayMs,
      );
      const { p: reader } = await tempPipeline(name, dir, "native");
      assert.equal(await reader.dataset().table("items").count(), 1, `killed after ${delayMs} ms`);
      // the package was never extracted whole: neither it nor its state remain
      assert.deepEqual(await reader.pendingPackages(), { extracted: 0, normalized: 0 });
    }
    const { p: next } = await tempPipeline(name, dir, "native");
    const info = await next.run(largeRun());
    assert.ok(info.loadPackages[0].jobs.some((job) => job.duringNormalize));
    assert.equal(await next.dataset().table("items").count(), LARGE_RUN_ITEMS + 1);
    assert.deepEqual(stageFiles(dir, name, "load/normalizing"), []);
  },
});

Deno.test({
  name:
    "a chain whose copies write row groups to the file loads early to its end, its written blocks dropped from memory",
  ignore: !ffi,
  async fn() {
    const { p } = await tempPipeline("early_written_blocks", undefined, "native");
    // 40,000 rows of random text, 60 MB of JSON: DuckDB writes full row groups as it copies
    const rows = resource(function* () {
      for (let id = 0; id < 40_000; id++) {
        const row: Record<string, unknown> = { id };
        for (let k = 0; k < 20; k++) row[`f${k}`] = crypto.randomUUID() + crypto.randomUUID();
        yield row;
      }
    }, { name: "rows" });
    const info = await p.run(rows);
    const jobs = info.loadPackages[0].jobs.filter((job) => job.table === "rows");
    assert.ok(jobs.length >= 2, `${jobs.length} job files`);
    assert.ok(jobs.every((job) => job.duringNormalize), "a copy failed: the chain loaded late");
    assert.equal(await p.dataset().table("rows").count(), 40_000);
  },
});
