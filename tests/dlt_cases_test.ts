/**
 * End to end on dlt's own test cases in `../shared/fixtures/dlt-cases/`: Ethereum blocks (big
 * integers, nested transactions) and GitHub issue timeline events (sparse, mixed event types).
 */
import assert from "node:assert/strict";
import { parseJson, resource } from "../mod.ts";
import { hasSharedFixture, SHARED_FIXTURES, tempPipeline } from "./_helpers.ts";

const BLOCKS = "dlt-cases/ethereum.blocks.9c1d9b504ea240a482b007788d5cd61c_2.json";
const TIMELINE = "dlt-cases/github_events.json";

async function readCase(relative: string): Promise<Record<string, unknown>[]> {
  return parseJson(await Deno.readTextFile(new URL(relative, SHARED_FIXTURES))) as Record<
    string,
    unknown
  >[];
}

Deno.test({
  name: "Ethereum blocks: integers beyond 2^53 and 2^64 load exactly, transactions nest",
  ignore: !hasSharedFixture(BLOCKS),
  async fn() {
    const blocks = await readCase(BLOCKS);
    const { p } = await tempPipeline("eth");
    await p.run(resource(blocks, { name: "blocks" }));
    const schema = [...p.schemas.values()][0];
    const columns = schema.tables.blocks.columns;
    // 50719297655545113494805 does not fit 64 bits: a decimal, not a rounded double
    assert.equal(columns.total_difficulty.dataType, "decimal");
    assert.equal(columns.base_fee_per_gas.dataType, "bigint");
    assert.equal(schema.tables.blocks__transactions.parent, "blocks");
    assert.equal(schema.tables.blocks__transactions.columns.value.dataType, "bigint");

    const [block] = await p.dataset().query<{ difficulty: string; total: string }>(
      "SELECT number, total_difficulty::DECIMAL(38,0)::VARCHAR AS total FROM blocks ORDER BY number LIMIT 1",
    );
    const first = blocks.toSorted((a, b) => Number(a.number) - Number(b.number))[0];
    assert.equal(block.total, String(first.totalDifficulty));
    const transactions = blocks.flatMap((b) => b.transactions as Record<string, unknown>[]);
    assert.equal(await p.dataset().table("blocks__transactions").count(), transactions.length);
    // a value above 2^53 (JSON.parse alone would round it) comes back digit for digit
    const big = transactions.find((t) => typeof t.value === "bigint")!;
    const [row] = await p.dataset().query<{ value: string }>(
      `SELECT value::VARCHAR AS value FROM blocks__transactions WHERE hash = '${big.hash}'`,
    );
    assert.equal(row.value, String(big.value));
  },
});

Deno.test({
  name: "GitHub timeline events: sparse event types become one table with the union of columns",
  ignore: !hasSharedFixture(TIMELINE),
  async fn() {
    const events = await readCase(TIMELINE);
    const { p } = await tempPipeline("timeline");
    await p.run(resource(events, { name: "timeline" }));
    assert.equal(await p.dataset().table("timeline").count(), events.length);
    const counts = await p.dataset().query<{ event: string; n: number }>(
      "SELECT event, count(*)::INT AS n FROM timeline GROUP BY event ORDER BY n DESC, event LIMIT 2",
    );
    const expected = new Map<string, number>();
    for (const e of events) {
      expected.set(e.event as string, (expected.get(e.event as string) ?? 0) + 1);
    }
    assert.deepEqual(
      counts.map((c) => [c.event, c.n]),
      [...expected].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 2),
    );
    const columns = [...p.schemas.values()][0].tables.timeline.columns;
    assert.equal(columns.created_at.dataType, "timestamp");
    assert.equal(columns.actor__login.dataType, "text");
  },
});
