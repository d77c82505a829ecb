/**
 * Conformance: schema evolution and variant columns, nested tables and their links,
 * `maxTableNesting`, and identifiers longer than a destination takes.
 */
import assert from "node:assert/strict";
import { resource, snakeCaseNaming } from "../../mod.ts";
import { conformanceTest } from "./_destinations.ts";

conformanceTest(
  "a new column evolves the table: old rows read NULL; a value of another type goes to a variant",
  { needsSql: true },
  async (ctx) => {
    const p = ctx.pipeline();
    const people = (data: Record<string, unknown>[]) => resource(data, { name: "people" });
    await p.run(people([{ id: 1, name: "ada" }]));
    await p.run(people([{ id: 2, name: "bob", score: 5 }]));
    await p.run(people([{ id: 3, score: "high" }]));
    const rows = await p.dataset().table("people")
      .select("id", "name", "score", "score__v_text")
      .orderBy("id")
      .rows();
    assert.deepEqual(rows, [
      { id: 1, name: "ada", score: null, score__v_text: null },
      { id: 2, name: "bob", score: 5, score__v_text: null },
      { id: 3, name: null, score: null, score__v_text: "high" },
    ]);
    const columns = p.schemas.get("conformance")!.tables.people.columns;
    assert.equal(columns.score.dataType, "bigint");
    assert.equal(columns.score__v_text.dataType, "text");
    assert.equal(columns.score__v_text.variant, true);
    assert.notEqual(columns.score.nullable, false);
    // in the destination too: the added columns accept NULL
    const nullable = await p.dataset().query<{ column_name: string; is_nullable: string }>(
      `SELECT column_name, is_nullable FROM information_schema.columns
       WHERE table_schema = '${ctx.datasetName}' AND table_name = 'people'
       AND column_name IN ('score', 'score__v_text') ORDER BY column_name`,
    );
    assert.deepEqual(nullable.map((c) => `${c.column_name}:${c.is_nullable}`), [
      "score:YES",
      "score__v_text:YES",
    ]);
  },
);

const orders = (hints: { maxTableNesting?: number; rootKey?: boolean } = {}) =>
  resource([
    {
      id: 1,
      tags: ["x", "y"],
      lines: [{ sku: "a", parts: [{ n: 1 }, { n: 2 }] }, { sku: "b", parts: [] }],
    },
    { id: 2, tags: [], lines: [{ sku: "c", parts: [{ n: 3 }] }] },
  ], { name: "orders", ...hints });

conformanceTest(
  "lists become nested tables: child, grandchild, list of scalars",
  {},
  async (ctx) => {
    const p = ctx.pipeline();
    // rootKey: nested rows get _dlt_root_id (as merge tables' do)
    await p.run(orders({ rootKey: true }));
    assert.deepEqual(await ctx.rowCounts(p), {
      orders: 2,
      orders__tags: 2,
      orders__lines: 3,
      orders__lines__parts: 3,
    });
    if (!ctx.sql) return;
    // a list of scalars has a `value` column, ordered by `_dlt_list_idx`
    const tags = await p.dataset().query<{ id: number; value: string; idx: number }>(
      `SELECT o.id, t.value, t._dlt_list_idx AS idx FROM orders o
     JOIN orders__tags t ON t._dlt_parent_id = o._dlt_id ORDER BY o.id, t._dlt_list_idx`,
    );
    assert.deepEqual(tags.map((t) => `${t.id}:${t.value}:${t.idx}`), ["1:x:0", "1:y:1"]);
    // a grandchild links to its parent row by _dlt_parent_id and to the root row by _dlt_root_id
    const parts = await p.dataset().query<{ id: number; sku: string; n: number }>(
      `SELECT o.id, l.sku, g.n FROM orders__lines__parts g
     JOIN orders__lines l ON g._dlt_parent_id = l._dlt_id
     JOIN orders o ON g._dlt_root_id = o._dlt_id AND l._dlt_parent_id = o._dlt_id
     ORDER BY g.n`,
    );
    assert.deepEqual(parts.map((r) => `${r.id}:${r.sku}:${r.n}`), ["1:a:1", "1:a:2", "2:c:3"]);
    // every nested row carries its root's id
    for (const table of ["orders__tags", "orders__lines", "orders__lines__parts"]) {
      const [{ unlinked }] = await p.dataset().query<{ unlinked: number }>(
        `SELECT count(*) AS unlinked FROM ${table}
       WHERE _dlt_root_id IS NULL OR _dlt_root_id NOT IN (SELECT _dlt_id FROM orders)`,
      );
      assert.equal(Number(unlinked), 0, table);
    }
  },
);

conformanceTest(
  "maxTableNesting stops nested tables at its depth; deeper lists are json",
  {},
  async (ctx) => {
    const p = ctx.pipeline();
    await p.run(orders({ maxTableNesting: 1 }));
    assert.deepEqual(await ctx.rowCounts(p), { orders: 2, orders__tags: 2, orders__lines: 3 });
    if (!ctx.sql) return;
    const lines = await p.dataset().table("orders__lines").orderBy("sku").rows<
      { sku: string; parts: string }
    >();
    assert.deepEqual(lines.map((l) => [l.sku, JSON.parse(l.parts)]), [
      ["a", [{ n: 1 }, { n: 2 }]],
      ["b", []],
      ["c", [{ n: 3 }]],
    ]);
  },
);

/** A table and a column name longer than any destination's identifiers, even the dummy's 127. */
const LONG_TABLE = "Events Recorded By The Very Long Named Collector Of Telemetry Data ".repeat(2) +
  "From Every Region";
const LONG_COLUMN = "measurementValueRecordedAtTheMomentTheSensorWasPolledForTheFirstTime".repeat(
  2,
);

/**
 * dlt's names for {@linkcode LONG_TABLE}, {@linkcode LONG_COLUMN} and the table of the `items`
 * list, by a destination's longest identifier (63: Postgres, 127: dlt's dummy), as a reference
 * independent of this port: computed with Python's `hashlib.shake_128` by dlt's
 * `NamingConvention.shorten_identifier` and `_trim_and_tag` (head, 6-character tag, tail).
 */
const DLT_NAMES: Record<number, { table: string; column: string; nested: string }> = {
  63: {
    table: "events_recorded_by_the_very_ldvbg3qmetry_data_from_every_region",
    column: "measurement_value_recorded_atmgo2gwas_polled_for_the_first_time",
    nested: "events_recorded_by_the_very_l8ypbhqata_from_every_region__items",
  },
  127: {
    table: "events_recorded_by_the_very_long_named_collector_of_telemetrydvbg3qery_long_named_" +
      "collector_of_telemetry_data_from_every_region",
    column: "measurement_value_recorded_at_the_moment_the_sensor_was_pollemgo2gworded_at_the_" +
      "moment_the_sensor_was_polled_for_the_first_time",
    nested: "events_recorded_by_the_very_long_named_collector_of_telemetryckyqxqg_named_" +
      "collector_of_telemetry_data_from_every_region__items",
  },
};

conformanceTest(
  "identifiers longer than the destination takes are shortened as dlt does, and read back",
  {},
  async (ctx) => {
    const max = ctx.destination.capabilities.maxIdentifierLength;
    const naming = snakeCaseNaming({ maxLength: max });
    const table = naming.normalizeIdentifier(LONG_TABLE);
    const column = naming.normalizeIdentifier(LONG_COLUMN);
    const nested = naming.shortenFragments(table, "items");
    const full = snakeCaseNaming().normalizeIdentifier(LONG_TABLE);
    assert.ok(new TextEncoder().encode(full).length > 127);
    if (max === undefined || max >= full.length) {
      assert.equal(table, full);
    } else {
      assert.ok(max in DLT_NAMES, `no dlt reference names for identifiers of ${max} bytes`);
      assert.deepEqual({ table, column, nested }, DLT_NAMES[max]);
    }
    const p = ctx.pipeline();
    await p.run(
      resource([{ id: 1, [LONG_COLUMN]: 2.5, items: [1, 2] }], { name: "long" }),
      { tableName: LONG_TABLE },
    );
    assert.deepEqual(await ctx.rowCounts(p), { [table]: 1, [nested]: 2 });
    if (!ctx.sql) return;
    assert.deepEqual(await p.dataset().table(table).select("id", column).rows(), [
      { id: 1, [column]: 2.5 },
    ]);
    const values = await p.dataset().table(nested).orderBy("value").rows<{ value: number }>();
    assert.deepEqual(values.map((r) => r.value), [1, 2]);
  },
);
