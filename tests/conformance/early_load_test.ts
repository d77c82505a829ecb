/**
 * Conformance: a package large enough for normalize's workers, of one appended root table, is
 * loaded while it is normalized (its table chain copied file by file in one open transaction)
 * by every SQL destination with transactions, and all of it arrives as one load: every row and
 * nested row, a column that appears half-way, a variant column that appears late.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type LoadJob, resource } from "../../mod.ts";
import { newSchema, type TableSchema } from "../../lib/schema/schema.ts";
import { conformanceTest } from "./_destinations.ts";

/** Items in the run: about 33 MB of extracted JSON, over the 32 MB from which workers start. */
const ITEMS = 3_100;
/** Text of each item, long enough for the size above. */
const BODY = "lorem ipsum dolor sit amet ".repeat(400);

/** The items: `late` from the middle on, `score` a string in the last quarter (a variant). */
function items() {
  return resource(function* () {
    for (let id = 0; id < ITEMS; id++) {
      yield {
        id,
        body: `${id} ${BODY}`,
        score: id >= ITEMS * 0.75 ? `s${id}` : id,
        tags: [{ name: `a${id}` }, { name: `b${id}` }],
        ...(id >= ITEMS / 2 ? { late: `late ${id}` } : {}),
      };
    }
  }, { name: "items" });
}

conformanceTest(
  "a large append run loads its chain while normalize writes it, as one load",
  {},
  async (ctx) => {
    const p = ctx.pipeline();
    const info = await p.run(items());
    assert.equal(info.loadPackages.length, 1);
    assert.deepEqual(await ctx.rowCounts(p), { items: ITEMS, items__tags: 2 * ITEMS });
    const early = info.loadPackages[0].jobs.filter((job) => job.duringNormalize);
    if (ctx.destination.capabilities.supportsTransactions) {
      assert.ok(early.length > 0, "no job file loaded while normalize ran");
    } else assert.equal(early.length, 0);
    if (!ctx.sql) return;
    const [row] = await p.dataset().query<Record<string, unknown>>(
      `SELECT count(*) AS n, count(DISTINCT _dlt_load_id) AS loads, count(late) AS late,
         count(score) AS scores, count(score__v_text) AS texts, sum(id) AS ids,
         sum(length(body)) AS body
       FROM items`,
    );
    assert.deepEqual(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])), {
      n: ITEMS,
      loads: 1,
      late: ITEMS / 2,
      scores: ITEMS * 0.75,
      texts: ITEMS / 4,
      ids: ITEMS * (ITEMS - 1) / 2,
      body: ITEMS * BODY.length +
        [...Array(ITEMS).keys()].reduce((n, id) => n + `${id} `.length, 0),
    });
    const [{ orphans }] = await p.dataset().query<{ orphans: number }>(
      `SELECT count(*) AS orphans FROM items__tags
       WHERE _dlt_parent_id NOT IN (SELECT _dlt_id FROM items)`,
    );
    assert.equal(Number(orphans), 0);
  },
);

conformanceTest(
  "job files handed over together are copied early as one run, split where the destination copies one at a time",
  { destinations: ["duckdb", "duckdb_native", "postgres"] },
  async (ctx) => {
    const dir = await Deno.makeTempDir({ prefix: "early_run_" });
    const client = await ctx.destination.client({
      pipelineName: "early_run",
      datasetName: ctx.datasetName,
    });
    try {
      const text = { dataType: "text", nullable: false } as const;
      const table: TableSchema = {
        name: "things",
        writeDisposition: "append",
        columns: {
          id: { name: "id", dataType: "bigint" },
          _dlt_load_id: { name: "_dlt_load_id", ...text },
          _dlt_id: { name: "_dlt_id", ...text },
        },
      };
      const jobs: LoadJob[] = [];
      for (const n of [1, 2, 3]) {
        const path = join(dir, `things.${n}.csv`);
        await Deno.writeTextFile(path, `id,_dlt_load_id,_dlt_id\n${n},"1","id${n}"\n`);
        jobs.push({
          path,
          table: "things",
          format: "csv",
          columns: ["id", "_dlt_load_id", "_dlt_id"],
          rows: 1,
          longestLine: 0,
        });
      }
      const early = await client.loadChainEarly!("1", "things");
      assert.ok(early !== undefined);
      // queued in one turn: the copier takes them as one run
      for (const job of jobs) early.add(job, table);
      await early.stop();
      const loadedEarly: string[] = [];
      await client.loadPackage({
        loadId: "1",
        schema: { ...newSchema("early_run"), tables: { things: table } },
        jobs,
        replaceTables: [],
        dropTables: [],
        onJobLoaded: (job, metrics) => {
          if (metrics.duringNormalize) loadedEarly.push(job.path.split("/").pop()!);
        },
      });
      assert.deepEqual(loadedEarly, ["things.1.csv", "things.2.csv", "things.3.csv"]);
      const rows = await client.sql!.query<{ id: number }>(
        `SELECT id FROM ${client.sql!.qualifiedName("things")} ORDER BY id`,
      );
      assert.deepEqual(rows.map((r) => Number(r.id)), [1, 2, 3]);
    } finally {
      await client.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
