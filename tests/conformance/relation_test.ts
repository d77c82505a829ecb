/**
 * Conformance: dlt's dataset access (`docs/.../dataset-access/dataset.md` and its
 * `dataset_snippets.py`), ported snippet by snippet on the fruitshop data with dlt's results:
 * relations of tables and queries, refined by `select`, `where`, `orderBy`, `limit`, `join`,
 * `min`/`max`, and read as rows, Arrow tables, chunks, counts and scalars, the same on every
 * destination (the filesystem computes relations from its files, and runs queries and raw SQL
 * conditions on native DuckDB).
 */
import assert from "node:assert/strict";
import { DestinationError, type Pipeline, Relation, resource, source } from "../../mod.ts";
import { type ConformanceContext, conformanceTest } from "./_destinations.ts";

const CUSTOMERS = [
  { id: 1, name: "simon", city: "berlin" },
  { id: 2, name: "violet", city: "montreal" },
  { id: 3, name: "tammo", city: "new york" },
  { id: 4, name: "dave", city: "berlin" },
  { id: 5, name: "andrea", city: "montreal" },
  { id: 6, name: "marcin", city: "new york" },
  { id: 7, name: "sarah", city: "berlin" },
  { id: 8, name: "miguel", city: "new york" },
  { id: 9, name: "yuki", city: "montreal" },
  { id: 10, name: "olivia", city: "berlin" },
  { id: 11, name: "raj", city: "montreal" },
  { id: 12, name: "sofia", city: "new york" },
  { id: 13, name: "chen", city: "berlin" },
];
const CATEGORIES = [
  { id: 1, name: "pomes" },
  { id: 2, name: "berries" },
  { id: 3, name: "stone fruits" },
];
const INVENTORY = [
  { id: 1, name: "apple", price: 1.5, category_id: 1 },
  { id: 2, name: "pear", price: 1.7, category_id: 1 },
  { id: 3, name: "cherry", price: 2.5, category_id: 2 },
  { id: 4, name: "strawberry", price: 1, category_id: 2 },
  { id: 5, name: "peach", price: 1.2, category_id: 3 },
  { id: 6, name: "plum", price: 1.3, category_id: 3 },
];
/** dlt's 100 purchases are seeded random ones; these are fixed, and as many. */
const PURCHASES = Array.from({ length: 100 }, (_, i) => ({
  id: i + 1,
  customer_id: ((i * 7) % 13) + 1,
  inventory_id: ((i * 5) % 6) + 1,
  quantity: (i % 5) + 1,
  date: `2018-10-${String(1 + (i % 14)).padStart(2, "0")}`,
}));

/** The fruitshop source of dlt's templates, loaded by a pipeline of `ctx`. */
async function fruitshop(ctx: ConformanceContext): Promise<Pipeline> {
  const p = ctx.pipeline({ pipelineName: "dataset_snippets_test" });
  await p.run(source([
    resource(CUSTOMERS, { name: "customers", primaryKey: "id" }),
    resource(CATEGORIES, { name: "inventory_categories", primaryKey: "id" }),
    resource(INVENTORY, { name: "inventory", primaryKey: "id" }),
    resource(PURCHASES, { name: "purchases", primaryKey: "id" }),
  ], { name: "fruitshop" }));
  return p;
}

const ids = (rows: { id?: unknown }[]) => rows.map((r) => Number(r.id));

conformanceTest(
  "dataset snippets: tables, rows, Arrow, row counts",
  { needsSql: true },
  async (ctx) => {
    const p = await fruitshop(ctx);
    // quick_start_example, fetch_entire_table
    const dataset = p.dataset();
    const customers = dataset.table("customers");
    assert.equal((await customers.arrow()).numRows, 13);
    const all = await customers.rows();
    assert.deepEqual(ids(all).sort((a, b) => a - b), CUSTOMERS.map((c) => c.id));
    assert.deepEqual(
      Object.keys(all[0]).sort(),
      ["_dlt_id", "_dlt_load_id", "city", "id", "name"],
    );
    // getting_started, row_counts: data tables only, by default
    assert.deepEqual(await dataset.rowCounts(), {
      customers: 13,
      inventory: 6,
      inventory_categories: 3,
      purchases: 100,
    });
    const withDlt = await dataset.rowCounts({ dltTables: true });
    assert.equal(withDlt._dlt_loads, 1);
    assert.equal(withDlt.customers, 13);
    assert.deepEqual(await dataset.rowCounts({ tableNames: ["inventory"] }), { inventory: 6 });
    const [loadId] = (await p.dataset().table("_dlt_loads").select("load_id").rows())
      .map((r) => r.load_id as string);
    assert.deepEqual(await dataset.rowCounts({ loadId }), {
      customers: 13,
      inventory: 6,
      inventory_categories: 3,
      purchases: 100,
    });
    assert.deepEqual(await dataset.rowCounts({ loadId: "0.1" }), {
      customers: 0,
      inventory: 0,
      inventory_categories: 0,
      purchases: 0,
    });
    await assert.rejects(dataset.rowCounts({ tableNames: ["nope"] }), {
      name: "DestinationError",
      message: /^Table "nope" is not in dataset "[^"]+"; its tables: .*customers, inventory/,
    });
    await assert.rejects(
      dataset.rowCounts({ dataTable: false } as never),
      (e: Error) => e instanceof RangeError && /dataTable/.test(e.message),
    );
    // accessing_tables: by table(), by item and by property
    assert.ok(dataset["customers"] instanceof Relation);
    assert.deepEqual(await dataset["customers"].count(), 13);
    assert.deepEqual(
      await dataset.customers.orderBy("id").rows(),
      await customers.orderBy("id").rows(),
    );
    // members come first, and a dataset is no promise
    assert.equal(dataset.name, ctx.datasetName);
    assert.equal(typeof dataset.table, "function");
    assert.equal(Reflect.get(dataset, "then"), undefined);
    assert.equal(await dataset, dataset);
    assert.deepEqual(
      (await dataset.tableNames()).filter((t) => !t.startsWith("_dlt")),
      ["customers", "inventory", "inventory_categories", "purchases"],
    );
    // columns and their types
    assert.deepEqual(await customers.select("id", "name").columns(), ["id", "name"]);
    const schema = await customers.columnsSchema();
    assert.equal(schema.find((c) => c.name === "id")?.dataType, "bigint");
    assert.equal(schema.find((c) => c.name === "city")?.dataType, "text");
  },
);

conformanceTest(
  "dataset snippets: chunks, limits, columns, order",
  { needsSql: true },
  async (ctx) => {
    const dataset = (await fruitshop(ctx)).dataset();
    const customers = dataset.table("customers");
    // iterating_df_chunks / iterating_arrow_chunks / iterating_fetch_chunks
    const chunks: Record<string, unknown>[][] = [];
    for await (const chunk of customers.iterRows({ chunkSize: 5 })) chunks.push(chunk);
    assert.deepEqual(chunks.map((c) => c.length), [5, 5, 3]);
    assert.deepEqual(ids(chunks.flat()).sort((a, b) => a - b), CUSTOMERS.map((c) => c.id));
    const tables = [];
    for await (const table of customers.iterArrow({ chunkSize: 5 })) tables.push(table.numRows);
    assert.deepEqual(tables, [5, 5, 3]);
    // ordered chunks keep the order across pages; an offset and a limit hold
    const pages: number[][] = [];
    for await (
      const chunk of dataset.purchases.orderBy("customer_id", "desc").orderBy("id").offset(3)
        .limit(40).iterRows({ chunkSize: 7 })
    ) pages.push(ids(chunk));
    const expected = [...PURCHASES].sort((a, b) => b.customer_id - a.customer_id || a.id - b.id)
      .slice(3, 43).map((r) => r.id);
    assert.deepEqual(pages.map((page) => page.length), [7, 7, 7, 7, 7, 5]);
    assert.deepEqual(pages.flat(), expected);
    // unordered pages neither overlap nor miss rows
    const seen: number[] = [];
    for await (const chunk of dataset.purchases.iterRows({ chunkSize: 30 })) {
      seen.push(
        ...ids(chunk),
      );
    }
    assert.deepEqual(seen.sort((a, b) => a - b), PURCHASES.map((r) => r.id));
    // breaking off a loop early is fine
    for await (const chunk of dataset.purchases.iterRows({ chunkSize: 10 })) {
      assert.equal(chunk.length, 10);
      break;
    }
    // limiting_records, head_records
    assert.equal((await customers.limit(50).arrow()).numRows, 13);
    assert.equal((await customers.head().rows()).length, 5);
    assert.equal((await customers.head(2).rows()).length, 2);
    // select_columns
    assert.deepEqual(
      (await customers.select("id", "name").orderBy("id").rows()).slice(0, 2),
      [{ id: 1, name: "simon" }, { id: 2, name: "violet" }],
    );
    assert.deepEqual(await customers.select("name").orderBy("id").limit(1).rows(), [
      { name: "simon" },
    ]);
    // order_by
    assert.deepEqual(ids(await customers.orderBy("id").rows()), CUSTOMERS.map((c) => c.id));
    assert.deepEqual(
      ids(await customers.orderBy("id", "desc").rows()),
      CUSTOMERS.map((c) => c.id).reverse(),
    );
    assert.deepEqual(
      ids(await customers.orderBy("city", "desc").orderBy("id").select("id").rows()),
      [...CUSTOMERS].sort((a, b) => b.city.localeCompare(a.city) || a.id - b.id).map((c) => c.id),
    );
    // chain_operations, iterating_with_limit_and_select
    const chained = await customers.select("id", "name").limit(50).arrow();
    assert.deepEqual([chained.numRows, chained.schema.fields.map((f) => f.name)], [13, [
      "id",
      "name",
    ]]);
    const limited = [];
    for await (
      const chunk of customers.select("id", "name").limit(100).iterRows({ chunkSize: 20 })
    ) limited.push(chunk.length);
    assert.deepEqual(limited, [13]);
    // fetch_one, fetch_many
    assert.deepEqual(await customers.orderBy("id").select("id", "city").fetchOne(), {
      id: 1,
      city: "berlin",
    });
    assert.equal(await customers.where("id", "gt", 100).fetchOne(), undefined);
    assert.equal((await customers.fetchMany(10)).length, 10);
    // count of a refined relation
    assert.equal(await customers.where("city", "eq", "berlin").count(), 5);
    assert.equal(await customers.offset(10).count(), 3);
    assert.equal(await customers.limit(4).count(), 4);
  },
);

conformanceTest("dataset snippets: filters and aggregates", { needsSql: true }, async (ctx) => {
  const dataset = (await fruitshop(ctx)).dataset();
  const customers = dataset.table("customers");
  // filter
  assert.deepEqual(
    ids(await customers.where("id", "in", [3, 1, 7]).orderBy("id").rows()),
    [1, 3, 7],
  );
  assert.deepEqual(ids(await customers.where("id = 1").rows()), [1]);
  assert.deepEqual(ids(await customers.where("id", "eq", 7).rows()), [7]);
  const cases: [string, unknown, number[]][] = [
    ["ne", 2, CUSTOMERS.map((c) => c.id).filter((id) => id !== 2)],
    ["gt", 11, [12, 13]],
    ["gte", 12, [12, 13]],
    ["lt", 3, [1, 2]],
    ["lte", 2, [1, 2]],
    ["not_in", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [11, 12, 13]],
    [">", 12, [13]],
    ["<=", 1, [1]],
    ["!=", 1, CUSTOMERS.map((c) => c.id).slice(1)],
    ["in", [], []],
    ["not_in", [], CUSTOMERS.map((c) => c.id)],
  ];
  for (const [operator, value, expected] of cases) {
    const rows = await customers.where("id", operator as "eq", value).orderBy("id").rows();
    assert.deepEqual(ids(rows), expected, `where("id", "${operator}", ${JSON.stringify(value)})`);
  }
  // conditions add up, on columns not selected too
  assert.deepEqual(
    await customers.where("city", "eq", "berlin").where("id", "gt", 5).select("name")
      .orderBy("id").rows(),
    [{ name: "sarah" }, { name: "olivia" }, { name: "chen" }],
  );
  assert.deepEqual(ids(await customers.where("name", "eq", null).rows()), []);
  assert.equal(await customers.where("name", "ne", null).count(), 13);
  assert.equal(await dataset.inventory.where("price", "gt", 1.5).count(), 2);
  // aggregate
  assert.equal(await customers.select("id").max().scalar(), 13);
  assert.equal(await customers.select("id").min().scalar(), 1);
  assert.equal(await customers.max("id").scalar(), 13);
  assert.equal(await customers.where("city", "eq", "montreal").min("id").scalar(), 2);
  assert.equal(await customers.min("name").scalar(), "andrea");
  assert.equal(await customers.where("id", "gt", 100).max("id").scalar(), null);
  assert.deepEqual(await customers.max("id").rows(), [{ id: 13 }]);
  await assert.rejects(customers.select("id").scalar(), {
    name: "DltError",
    message: /scalar\(\) reads one value.*more than one row/,
  });
  await assert.rejects(customers.where("id", "eq", 1).scalar(), /5 columns/);
  assert.equal(await customers.where("id", "eq", 4).select("name").scalar(), "dave");
});

conformanceTest(
  "join_related_tables: a table with its child tables",
  { needsSql: true },
  async (ctx) => {
    const p = ctx.pipeline({ pipelineName: "dataset_join_snippet" });
    await p.run(resource([
      {
        id: 1,
        name: "Alice",
        orders: [
          { order_id: 101, total: 42, items: [{ sku: "a" }, { sku: "b" }] },
          { order_id: 102, total: 14, items: [] },
        ],
      },
      { id: 2, name: "Bob", orders: [{ order_id: 103, total: 20, items: [{ sku: "c" }] }] },
      { id: 3, name: "Cy", orders: [] },
    ], { name: "users", primaryKey: "id" }));
    const dataset = p.dataset();
    const usersWithOrders = dataset["users"].join("users__orders", { alias: "orders" });
    const rows = await usersWithOrders.select("name", "orders__order_id", "orders__total")
      .orderBy("orders__order_id").rows();
    assert.deepEqual(rows, [
      { name: "Alice", orders__order_id: 101, orders__total: 42 },
      { name: "Alice", orders__order_id: 102, orders__total: 14 },
      { name: "Bob", orders__order_id: 103, orders__total: 20 },
    ]);
    // the joined table's columns follow the table's, prefixed by the table name by default
    const columns = await dataset.users.join("users__orders").columns();
    assert.deepEqual(columns.slice(0, 2), ["id", "name"]);
    assert.ok(columns.includes("users__orders__order_id"));
    // a left join keeps users without orders; the join filters, counts and pages as a relation
    const left = await dataset.users.join("users__orders", { kind: "left", alias: "o" })
      .select("name", "o__order_id").orderBy("name").orderBy("o__order_id").rows();
    assert.deepEqual(left.map((r) => [r.name, r.o__order_id]), [
      ["Alice", 101],
      ["Alice", 102],
      ["Bob", 103],
      ["Cy", null],
    ]);
    assert.equal(await usersWithOrders.where("orders__total", "gte", 20).count(), 2);
    const chunks = [];
    for await (const chunk of usersWithOrders.iterRows({ chunkSize: 2 })) chunks.push(chunk.length);
    assert.deepEqual(chunks, [2, 1]);
    // a grandchild through its parent, and a child up to its parent
    const skus = await dataset.users.join("users__orders__items", { alias: "i" })
      .select("name", "i__sku").orderBy("i__sku").rows();
    assert.deepEqual(skus, [
      { name: "Alice", i__sku: "a" },
      { name: "Alice", i__sku: "b" },
      { name: "Bob", i__sku: "c" },
    ]);
    const up = await dataset.table("users__orders").join(dataset.users, { alias: "u" })
      .select("order_id", "u__name").orderBy("order_id").rows();
    assert.deepEqual(up.map((r) => r.u__name), ["Alice", "Alice", "Bob"]);
    // not related, or not a table's relation
    await assert.rejects(dataset.users.join("_dlt_loads").rows(), /neither a parent nor a child/);
    assert.throws(() => dataset.users.select("id").join("users__orders"), TypeError);
  },
);

conformanceTest(
  "custom_sql: a query is a relation and a promise of its rows",
  { needsSql: true },
  async (ctx) => {
    const dataset = (await fruitshop(ctx)).dataset();
    const query = `
    SELECT customers.name, purchases.quantity, purchases.id AS purchase_id
        FROM customers
    JOIN purchases
        ON customers.id = purchases.customer_id
    WHERE purchases.quantity > 1
    `;
    const joined = dataset.query(query);
    const expected = PURCHASES.filter((r) => r.quantity > 1).length;
    assert.equal((await joined).length, expected);
    assert.equal(await joined.count(), expected);
    assert.equal((await joined.limit(3).rows()).length, 3);
    assert.deepEqual(
      await joined.where("purchase_id", "eq", 2).select("name", "quantity").rows(),
      [{ name: CUSTOMERS[PURCHASES[1].customer_id - 1].name, quantity: 2 }],
    );
    assert.equal(await joined.max("quantity").scalar(), 5);
    const seen: number[] = [];
    for await (const chunk of joined.iterRows({ chunkSize: 16 })) {
      seen.push(...chunk.map((r) => Number(r.purchase_id)));
    }
    assert.deepEqual(
      seen.sort((a, b) => a - b),
      PURCHASES.filter((r) => r.quantity > 1).map((r) => r.id),
    );
    // parameters still bind; the promise settles once
    const bound = dataset.query<{ n: number }>(
      "SELECT count(*) AS n FROM customers WHERE city = ?",
      [
        "berlin",
      ],
    );
    assert.deepEqual((await bound).map((r) => Number(r.n)), [5]);
    assert.deepEqual(await bound.then((rows) => rows.length), 1);
    assert.equal(await dataset.query("SELECT id FROM customers WHERE id < ?", [4]).count(), 3);
    assert.match(
      await joined.limit(3).toSql(),
      /^SELECT \* FROM \(\s*SELECT customers.name.*LIMIT 3$/s,
    );
    assert.equal(await dataset.query("SELECT 1 AS one").toSql(), "SELECT 1 AS one");
    await assert.rejects(dataset.query("SELEC 1"), DestinationError);
  },
);

conformanceTest("loading_to_pipeline: a relation's Arrow chunks load into another pipeline", {
  needsSql: true,
}, async (ctx) => {
  const dataset = (await fruitshop(ctx)).dataset();
  const limited = dataset.customers.limit(1_000_000);
  const other = ctx.pipeline({ pipelineName: "other_pipeline" });
  await other.run(resource(limited.iterArrow({ chunkSize: 5 }), { name: "limited_customers" }));
  assert.deepEqual(
    ids(await other.dataset().table("limited_customers").orderBy("id").select("id").rows()),
    CUSTOMERS.map((c) => c.id),
  );
});

conformanceTest(
  "bad input to relations is refused with the names to use",
  { needsSql: true },
  async (ctx) => {
    const dataset = (await fruitshop(ctx)).dataset();
    const customers = dataset.table("customers");
    const columns = /its columns: id, name, city, _dlt_load_id, _dlt_id$/;
    for (
      const relation of [
        customers.where("nope", "eq", 1),
        customers.select("id", "nope"),
        customers.orderBy("nope"),
        customers.max("nope"),
      ]
    ) {
      await assert.rejects(relation.rows(), (e: Error) => {
        assert.ok(e instanceof DestinationError, String(e));
        assert.match(e.message, /^Table "customers" has no column "nope"; /);
        assert.match(e.message, columns);
        return true;
      });
    }
    await assert.rejects(customers.where("nope", "eq", 1).count(), /has no column "nope"/);
    await assert.rejects(
      (async () => {
        for await (const _ of customers.where("nope", "eq", 1).iterRows()) { /* none */ }
      })(),
      /has no column "nope"/,
    );
    await assert.rejects(dataset.table("nope").rows(), (e: Error) => {
      assert.ok(e instanceof DestinationError);
      assert.match(
        e.message,
        /^Table "nope" is not in dataset "[^"]+"( at "[^"]+")?; its tables: .*customers/,
      );
      return true;
    });
    await assert.rejects(dataset.nope.count(), /Table "nope" is not in dataset/);
    assert.throws(() => customers.iterRows({ chunkSize: 0 }), RangeError);
    assert.throws(() => customers.iterArrow({ chunkSize: -5 }), RangeError);
    assert.throws(() => customers.iterRows({ size: 5 } as never), RangeError);
    assert.throws(
      () => customers.where("id", "like" as "eq", 1),
      (e: Error) =>
        e instanceof RangeError &&
        /Operator "like" of where\(\) is not known; use one of "eq", "ne", "gt", "lt", "gte", "lte", "in", "not_in"/
          .test(e.message),
    );
    assert.throws(() => customers.where("id", "eq", { a: 1 }), TypeError);
    assert.throws(() => customers.orderBy(), TypeError);
    assert.throws(() => customers.select(), TypeError);
    assert.throws(() => customers.max(), TypeError);
    assert.throws(() => customers.join("customers__x", { how: "left" } as never), RangeError);
  },
);
