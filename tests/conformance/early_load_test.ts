/**
 * Conformance: a package large enough for normalize's workers, of one appended root table, is
 * loaded while it is normalized (its table chain copied file by file in one open transaction)
 * by every SQL destination with transactions, and all of it arrives as one load: every row and
 * nested row, a column that appears half-way, a variant column that appears late.
 */
import assert from "node:assert/strict";
import { resource } from "../../mod.ts";
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
