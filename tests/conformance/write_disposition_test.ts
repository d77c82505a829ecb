/**
 * Conformance: write dispositions and merge strategies, read back through `dataset()` with
 * portable SQL (or the dummy's row counts where a disposition needs no SQL to check).
 */
import assert from "node:assert/strict";
import { type ColumnHint, type Pipeline, resource } from "../../mod.ts";
import { conformanceTest } from "./_destinations.ts";

type Row = Record<string, unknown>;

/** `SELECT … ORDER BY …` rows of `p`'s dataset as `a:b:c` strings of `columns`. */
async function show(p: Pipeline, sql: string, columns: string[]): Promise<string[]> {
  const rows = await p.dataset().query<Row>(sql);
  return rows.map((row) => columns.map((c) => String(row[c])).join(":"));
}

conformanceTest("append adds the rows of every run", {}, async (ctx) => {
  const p = ctx.pipeline();
  const events = () => resource([{ id: 1 }, { id: 2 }], { name: "events" });
  await p.run(events());
  await p.run(events());
  assert.deepEqual(await ctx.rowCounts(p), { events: 4 });
  if (!ctx.sql) return;
  assert.equal(await p.dataset().table("events").count(), 4);
  assert.deepEqual(
    await p.dataset().table("events").select("id").orderBy("id").limit(3).rows(),
    [{ id: 1 }, { id: 1 }, { id: 2 }],
  );
  const [{ loads }] = await p.dataset().query<{ loads: number }>(
    "SELECT count(DISTINCT _dlt_load_id) AS loads FROM events",
  );
  assert.equal(Number(loads), 2);
});

const orders = (ids: number[]) =>
  resource(ids.map((id) => ({ id, lines: [{ sku: `a${id}` }, { sku: `b${id}` }] })), {
    name: "orders",
    writeDisposition: "replace",
  });

conformanceTest(
  "replace swaps the content of the table and of its nested tables",
  {},
  async (ctx) => {
    const p = ctx.pipeline();
    await p.run(orders([1, 2, 3]));
    assert.deepEqual(await ctx.rowCounts(p), { orders: 3, orders__lines: 6 });
    await p.run(orders([7]));
    assert.deepEqual(await ctx.rowCounts(p), { orders: 1, orders__lines: 2 });
    if (!ctx.sql) return;
    assert.deepEqual(await p.dataset().table("orders").select("id").rows(), [{ id: 7 }]);
    const lines = await p.dataset().table("orders__lines").orderBy("sku").rows<{ sku: string }>();
    assert.deepEqual(lines.map((r) => r.sku), ["a7", "b7"]);
  },
);

conformanceTest("replace with no rows empties the tables", {}, async (ctx) => {
  const p = ctx.pipeline();
  await p.run(orders([1, 2]));
  const info = await p.run(orders([]));
  assert.equal(info.loadPackages.length, 1);
  assert.deepEqual(await ctx.rowCounts(p), { orders: 0, orders__lines: 0 });
});

interface Issue {
  id: number;
  title: string;
  labels?: string[];
  deleted?: boolean;
  updated?: number;
}

const issues = (data: Issue[], columns?: Record<string, ColumnHint>) =>
  resource(data, { name: "issues", primaryKey: "id", writeDisposition: "merge", columns });

/** The issues with their labels (joined by `_dlt_parent_id`), and labels without a root. */
async function issueState(p: Pipeline) {
  const [{ orphans }] = await p.dataset().query<{ orphans: number }>(
    `SELECT count(*) AS orphans FROM issues__labels
     WHERE _dlt_root_id NOT IN (SELECT _dlt_id FROM issues)`,
  );
  return {
    rows: await show(p, "SELECT id, title FROM issues ORDER BY id", ["id", "title"]),
    labels: await show(
      p,
      `SELECT i.id, l.value FROM issues i JOIN issues__labels l ON l._dlt_parent_id = i._dlt_id
       ORDER BY i.id, l._dlt_list_idx`,
      ["id", "value"],
    ),
    orphans: Number(orphans),
  };
}

conformanceTest(
  "merge (delete-insert) by primary key updates rows and replaces their nested rows",
  { needsSql: true, needsMerge: true },
  async (ctx) => {
    const p = ctx.pipeline();
    await p.run(issues([
      { id: 1, title: "one", labels: ["bug"] },
      { id: 2, title: "two", labels: ["ui", "p1"] },
    ]));
    await p.run(issues([
      { id: 2, title: "two, edited", labels: ["ui"] },
      { id: 3, title: "three", labels: ["new"] },
    ]));
    assert.deepEqual(await issueState(p), {
      rows: ["1:one", "2:two, edited", "3:three"],
      labels: ["1:bug", "2:ui", "3:new"],
      orphans: 0,
    });
  },
);

conformanceTest(
  "merge (delete-insert): a hardDelete column removes the rows it flags",
  { needsSql: true, needsMerge: true },
  async (ctx) => {
    const p = ctx.pipeline();
    const hints = { deleted: { hardDelete: true, dataType: "bool" } } as const;
    await p.run(issues([
      { id: 1, title: "one", labels: ["x"] },
      { id: 2, title: "two", labels: ["y"] },
    ], hints));
    await p.run(issues([{ id: 1, title: "one", deleted: true }, { id: 3, title: "three" }], hints));
    assert.deepEqual(await issueState(p), {
      rows: ["2:two", "3:three"],
      labels: ["2:y"],
      orphans: 0,
    });
  },
);

conformanceTest(
  "merge (delete-insert): duplicates in a batch collapse by primary key, the last or by dedupSort",
  { needsSql: true, needsMerge: true },
  async (ctx) => {
    const p = ctx.pipeline();
    await p.run(issues([
      { id: 1, title: "first", labels: ["a"] },
      { id: 1, title: "second", labels: ["b"] },
    ]));
    assert.deepEqual(await issueState(p), { rows: ["1:second"], labels: ["1:b"], orphans: 0 });
    const versions = [
      { id: 1, title: "newest", updated: 3 },
      { id: 1, title: "oldest", updated: 1 },
      { id: 1, title: "middle", updated: 2 },
    ];
    await p.run(issues(versions, { updated: { dedupSort: "desc" } }));
    assert.deepEqual((await issueState(p)).rows, ["1:newest"]);
    await p.run(issues(versions, { updated: { dedupSort: "asc" } }));
    assert.deepEqual((await issueState(p)).rows, ["1:oldest"]);
  },
);

conformanceTest(
  "merge (delete-insert) by merge key replaces every row of the partitions that arrive",
  { needsSql: true, needsMerge: true },
  async (ctx) => {
    const p = ctx.pipeline();
    const days = (rows: { day: string; n: number }[]) =>
      resource(rows.map((row) => ({ ...row, marks: [`${row.day}${row.n}`] })), {
        name: "daily",
        writeDisposition: "merge",
        mergeKey: "day",
      });
    await p.run(days([{ day: "mon", n: 1 }, { day: "mon", n: 2 }, { day: "tue", n: 3 }]));
    await p.run(days([{ day: "tue", n: 4 }, { day: "wed", n: 5 }]));
    assert.deepEqual(
      await show(p, "SELECT day, n FROM daily ORDER BY n", ["day", "n"]),
      ["mon:1", "mon:2", "tue:4", "wed:5"],
    );
    // the nested rows of the replaced partition went with it
    assert.deepEqual(
      await show(p, "SELECT value FROM daily__marks ORDER BY value", ["value"]),
      ["mon1", "mon2", "tue4", "wed5"],
    );
  },
);

conformanceTest(
  "merge without a primary or merge key appends, as in dlt",
  { needsSql: true, needsMerge: true },
  async (ctx) => {
    const p = ctx.pipeline();
    const items = () => resource([{ x: 1 }], { name: "items", writeDisposition: "merge" });
    await p.run(items());
    await p.run(items());
    assert.equal(await p.dataset().table("items").count(), 2);
  },
);

conformanceTest(
  "a primary key changed between runs re-keys the table: merge follows the new key",
  { needsSql: true, needsMerge: true },
  async (ctx) => {
    const p = ctx.pipeline();
    const accounts = (key: string, data: Row[]) =>
      resource(data, { name: "accounts", primaryKey: key, writeDisposition: "merge" });
    await p.run(accounts("id", [{ id: 1, email: "a@x", plan: "free" }]));
    await p.run(accounts("email", [{ id: 2, email: "a@x", plan: "pro" }]));
    assert.deepEqual(await p.dataset().table("accounts").select("id", "email", "plan").rows(), [
      { id: 2, email: "a@x", plan: "pro" },
    ]);
    // the old key column is no longer NOT NULL in the destination
    await p.run(accounts("email", [{ email: "b@x", plan: "free" }]));
    assert.deepEqual(
      await show(p, "SELECT id, email FROM accounts ORDER BY email", ["id", "email"]),
      ["2:a@x", "null:b@x"],
    );
  },
);

conformanceTest(
  "upsert updates rows by primary key, keeping their _dlt_id, and replaces nested rows",
  { needsSql: true, needsMerge: true },
  async (ctx) => {
    const p = ctx.pipeline();
    const users = (data: Row[]) =>
      resource(data, {
        name: "users",
        primaryKey: "id",
        writeDisposition: "merge",
        mergeStrategy: "upsert",
      });
    await p.run(users([{ id: 1, name: "ada", roles: ["admin"] }, { id: 2, name: "bob" }]));
    const before = await p.dataset().query<{ _dlt_id: string }>(
      "SELECT _dlt_id FROM users ORDER BY id",
    );
    await p.run(
      users([{ id: 1, name: "ada l.", roles: ["owner", "admin"] }, { id: 3, name: "cy" }]),
    );
    const after = await p.dataset().query<{ id: number; name: string; _dlt_id: string }>(
      "SELECT id, name, _dlt_id FROM users ORDER BY id",
    );
    assert.deepEqual(after.map((r) => `${r.id}:${r.name}`), ["1:ada l.", "2:bob", "3:cy"]);
    assert.equal(after[0]._dlt_id, before[0]._dlt_id);
    assert.deepEqual(
      await show(
        p,
        `SELECT u.id, r.value FROM users u JOIN users__roles r ON r._dlt_parent_id = u._dlt_id
         ORDER BY u.id, r._dlt_list_idx`,
        ["id", "value"],
      ),
      ["1:owner", "1:admin"],
    );
  },
);

conformanceTest(
  "insert-only inserts new keys once and leaves known ones alone",
  { needsSql: true, needsMerge: true },
  async (ctx) => {
    const p = ctx.pipeline();
    const events = (rows: Row[]) =>
      resource(rows, {
        name: "events",
        primaryKey: "id",
        writeDisposition: { disposition: "merge", strategy: "insert-only" },
        columns: { deleted: { hardDelete: true, dataType: "bool" } },
      });
    await p.run(events([
      { id: 1, kind: "open", tags: ["a"] },
      { id: 2, kind: "push", tags: ["b", "c"] },
    ]));
    await p.run(events([
      { id: 1, kind: "changed", tags: ["z"] },
      { id: 3, kind: "first", tags: ["x"] },
      { id: 3, kind: "fork", tags: ["y"] },
      { id: 4, kind: "gone", deleted: true },
      { id: 2, kind: "push again", deleted: true },
    ]));
    assert.deepEqual(
      await show(p, "SELECT id, kind FROM events ORDER BY id", ["id", "kind"]),
      ["1:open", "2:push", "3:fork"],
    );
    assert.deepEqual(
      await show(
        p,
        `SELECT e.id, t.value FROM events e JOIN events__tags t ON t._dlt_root_id = e._dlt_id
         ORDER BY e.id, t._dlt_list_idx`,
        ["id", "value"],
      ),
      ["1:a", "2:b", "2:c", "3:y"],
    );
  },
);

conformanceTest(
  "scd2 retires changed and missing records and inserts new versions with their nested rows",
  { needsSql: true, needsMerge: true },
  async (ctx) => {
    const p = ctx.pipeline();
    const customers = (data: Row[]) =>
      resource(data, { name: "customers", writeDisposition: "merge", mergeStrategy: "scd2" });
    await p.run(customers([{ id: 1, city: "Oslo", tags: ["x"] }, { id: 2, city: "Rome" }]));
    await p.run(customers([{ id: 1, city: "Bergen", tags: ["y"] }, { id: 2, city: "Rome" }]));
    await p.run(customers([{ id: 2, city: "Rome" }]));
    const rows = await p.dataset().query<{ id: number; city: string; current: boolean }>(
      `SELECT id, city, _dlt_valid_to IS NULL AS current FROM customers
       ORDER BY id, _dlt_valid_from`,
    );
    assert.deepEqual(rows.map((r) => `${r.id}:${r.city}:${r.current ? "current" : "retired"}`), [
      "1:Oslo:retired",
      "1:Bergen:retired",
      "2:Rome:current",
    ]);
    assert.deepEqual(
      await show(
        p,
        `SELECT c.city, t.value FROM customers c JOIN customers__tags t ON t._dlt_root_id = c._dlt_id
         ORDER BY c._dlt_valid_from`,
        ["city", "value"],
      ),
      ["Oslo:x", "Bergen:y"],
    );
    // the retired Oslo record ended when Bergen began; validity columns are timestamps
    const versions = await p.dataset().query<{ city: string; from: Date; to: Date | null }>(
      `SELECT city, _dlt_valid_from AS "from", _dlt_valid_to AS "to" FROM customers
       WHERE id = 1 ORDER BY _dlt_valid_from`,
    );
    assert.ok(versions[0].to instanceof Date && versions[1].from instanceof Date);
    assert.equal(versions[0].to.getTime(), versions[1].from.getTime());
  },
);

conformanceTest(
  "scd2 with a hardDelete column retires the flagged records within their merge key",
  { needsSql: true, needsMerge: true },
  async (ctx) => {
    const p = ctx.pipeline();
    const stock = (data: Row[]) =>
      resource(data, {
        name: "stock",
        writeDisposition: "merge",
        mergeStrategy: "scd2",
        mergeKey: "sku",
        columns: { gone: { dataType: "bool", hardDelete: true } },
      });
    await p.run(stock([{ sku: 1, qty: 5 }, { sku: 2, qty: 7 }]));
    await p.run(stock([{ sku: 1, qty: 5, gone: true }]));
    const rows = await p.dataset().query<{ sku: number; current: boolean }>(
      "SELECT sku, _dlt_valid_to IS NULL AS current FROM stock ORDER BY sku, _dlt_valid_from",
    );
    assert.deepEqual(rows.map((r) => `${r.sku}:${r.current}`), ["1:false", "2:true"]);
  },
);

conformanceTest(
  "scd2 with an active record timestamp marks current records with it",
  { needsSql: true, needsMerge: true },
  async (ctx) => {
    const p = ctx.pipeline();
    const dim = (data: Row[], boundaryTimestamp: string) =>
      resource(data, {
        name: "dim",
        writeDisposition: {
          disposition: "merge",
          strategy: "scd2",
          activeRecordTimestamp: "9999-12-31T00:00:00Z",
          boundaryTimestamp,
        },
      });
    await p.run(dim([{ id: 1, name: "a" }, { id: 2, name: "b" }], "2024-01-01T00:00:00Z"));
    await p.run(
      dim(
        [{ id: 1, name: "a" }, { id: 2, name: "B" }, { id: 3, name: "c" }],
        "2024-02-01T00:00:00Z",
      ),
    );
    const rows = await p.dataset().query<{ id: number; name: string; from: Date; to: Date }>(
      `SELECT id, name, _dlt_valid_from AS "from", _dlt_valid_to AS "to" FROM dim
       ORDER BY id, _dlt_valid_from`,
    );
    const day = (d: Date) => d.toISOString().slice(0, 10);
    assert.deepEqual(rows.map((r) => `${r.id}:${r.name}:${day(r.from)}..${day(r.to)}`), [
      "1:a:2024-01-01..9999-12-31",
      "2:b:2024-01-01..2024-02-01",
      "2:B:2024-02-01..9999-12-31",
      "3:c:2024-02-01..9999-12-31",
    ]);
  },
);

conformanceTest(
  "nestedHints with a primary key make a nested table of its own, merged by its key (dlt's custom linking)",
  { needsSql: true, needsMerge: true },
  async (ctx) => {
    const p = ctx.pipeline();
    const customers = (strategy: "delete-insert" | "upsert", rows: Row[]) =>
      resource(
        rows.map((row) => ({
          ...row,
          purchases: (row.purchases as Row[]).map((x) => ({ customer_id: row.id, ...x })),
        })),
        {
          name: "customers",
          primaryKey: "id",
          writeDisposition: "merge",
          nestedHints: {
            purchases: {
              primaryKey: ["customer_id", "id"],
              writeDisposition: { disposition: "merge", strategy },
              references: [
                {
                  referencedTable: "customers",
                  columns: ["customer_id"],
                  referencedColumns: ["id"],
                },
              ],
            },
          },
        },
      );
    const data = [
      { id: 1, name: "simon", purchases: [{ id: 1, name: "apple", tags: ["red"] }] },
      { id: 2, name: "violet", purchases: [{ id: 1, name: "banana", tags: ["ripe"] }] },
    ];
    await p.run(customers("delete-insert", data));
    await p.run(customers("delete-insert", data));
    assert.deepEqual(await ctx.rowCounts(p), {
      customers: 2,
      customers__purchases: 2,
      customers__purchases__tags: 2,
    });
    await p.run(customers("upsert", [
      { id: 1, name: "simon", purchases: [{ id: 1, name: "green apple", tags: ["green"] }] },
    ]));
    assert.deepEqual(await ctx.rowCounts(p), {
      customers: 2,
      customers__purchases: 2,
      customers__purchases__tags: 2,
    });
    const tables = p.defaultSchema!.tables;
    assert.equal(tables.customers__purchases.parent, undefined);
    assert.equal(tables.customers__purchases.columns._dlt_parent_id, undefined);
    assert.deepEqual(
      await show(
        p,
        `SELECT c.name AS customer, p.name AS purchase, t.value AS tag FROM customers__purchases p
         JOIN customers c ON c.id = p.customer_id
         JOIN customers__purchases__tags t ON t._dlt_root_id = p._dlt_id
         ORDER BY c.id`,
        ["customer", "purchase", "tag"],
      ),
      ["simon:green apple:green", "violet:banana:ripe"],
    );
  },
);
