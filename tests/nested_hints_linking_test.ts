/**
 * dlt's "custom linking for nested tables": a primary or merge key in `nestedHints` makes a
 * nested table a table of its own (no `parent`, no `_dlt_parent_id`/`_dlt_list_idx`), with its
 * own write disposition and keys, that still takes its rows from the root items' lists; and
 * references, annotations in the schema. The first test is dlt's snippet
 * `test_nested_hints_primary_key` (docs `schema.md`), line by line, into DuckDB.
 */
import assert from "node:assert/strict";
import { makeNestedHints, resource } from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";

Deno.test("nested_hints primary key: customers__purchases is merged by its own key, as dlt's snippet", async () => {
  const customers = () =>
    resource(function* () {
      // Load customer data from a simple python list.
      yield [
        {
          id: 1,
          name: "simon",
          city: "berlin",
          purchases: [{ id: 1, name: "apple", price: "1.50" }],
        },
        {
          id: 2,
          name: "violet",
          city: "london",
          purchases: [{ id: 1, name: "banana", price: "1.70" }],
        },
        {
          id: 3,
          name: "tammo",
          city: "new york",
          purchases: [{ id: 1, name: "pear", price: "2.50" }],
        },
      ];
    }, {
      name: "customers",
      primaryKey: "id",
      writeDisposition: "merge",
      nestedHints: {
        purchases: makeNestedHints({
          // column hint is optional - makes sure that customer_id is a first column in the table
          // (JavaScript has no Decimal: the price is text hinted as decimal)
          columns: [{ name: "customer_id", dataType: "bigint" }, {
            name: "price",
            dataType: "decimal",
          }],
          primaryKey: ["customer_id", "id"],
          writeDisposition: "merge",
          references: [
            {
              referencedTable: "customers",
              columns: ["customer_id"],
              referencedColumns: ["id"],
            },
          ],
        }),
      },
    });

  const pushdownCustomerId = (row: { id: number; purchases: Record<string, unknown>[] }) => {
    const id = row.id;
    for (const purchase of row.purchases) purchase.customer_id = id;
    return row;
  };

  const { p } = await tempPipeline("test_nested_hints_primary_key");
  await p.run(customers().addMap(pushdownCustomerId));
  // load same data again to prove that merge works
  await p.run(customers().addMap(pushdownCustomerId));
  // check counts
  assert.deepEqual(await p.dataset().rowCounts(), { customers: 3, customers__purchases: 3 });

  // the schema: a top-level table with a compound key and the reference, no parent linkage
  const purchases = p.defaultSchema!.tables.customers__purchases;
  assert.equal(purchases.parent, undefined);
  assert.equal(purchases.resource, "customers");
  assert.equal(purchases.writeDisposition, "merge");
  assert.deepEqual(
    Object.values(purchases.columns).filter((c) => c.primaryKey).map((c) => c.name),
    ["customer_id", "id"],
  );
  assert.deepEqual(Object.keys(purchases.columns), [
    "customer_id",
    "price",
    "id",
    "name",
    "_dlt_root_id",
    "_dlt_load_id",
    "_dlt_id",
  ]);
  assert.equal(purchases.columns.customer_id.nullable, false);
  assert.equal(purchases.columns.price.dataType, "decimal");
  assert.deepEqual(purchases.references, [
    { columns: ["customer_id"], referencedTable: "customers", referencedColumns: ["id"] },
  ]);
  const yaml = await p.defaultSchema!.toPrettyYaml();
  assert.match(
    yaml,
    /references:\n\s+- referenced_table: customers\n\s+columns:\n\s+- customer_id\n\s+referenced_columns:\n\s+- id/,
  );
  assert.doesNotMatch(yaml, /_dlt_parent_id|_dlt_list_idx/);

  // the rows: linked by the pushed-down customer_id; _dlt_root_id is the customer's _dlt_id
  const rows = await p.dataset().query(
    `SELECT p.customer_id, p.id, p.name, c.name AS customer, p._dlt_root_id = c._dlt_id AS rooted
     FROM customers__purchases p JOIN customers c ON c.id = p.customer_id ORDER BY p.customer_id`,
  ).rows();
  assert.deepEqual(
    rows.map((r) => [Number(r.customer_id), Number(r.id), r.name, r.customer, r.rooted]),
    [
      [1, 1, "apple", "simon", true],
      [2, 1, "banana", "violet", true],
      [3, 1, "pear", "tammo", true],
    ],
  );
  const columns = await p.dataset().query(
    `SELECT column_name FROM information_schema.columns WHERE table_name = 'customers__purchases'`,
  ).rows();
  assert.ok(!columns.some((c) => String(c.column_name).startsWith("_dlt_parent")));
  // the Relation API joins parents and children by _dlt_parent_id, which this table lacks
  await assert.rejects(
    () => p.dataset().customers.join("customers__purchases").rows(),
    /Table "customers__purchases" has no _dlt_parent_id to join it to "customers": it is a table of its own/,
  );
});

/** Customers with their purchases (`customer_id` pushed down), each purchase with its items. */
function customerRows(
  purchases: Record<number, { id: number; name: string; items?: string[] }[]>,
): Record<string, unknown>[] {
  return Object.entries(purchases).map(([id, list]) => ({
    id: Number(id),
    purchases: list.map((p) => ({ customer_id: Number(id), ...p })),
  }));
}

Deno.test("a nested table of its own upserts by its key, and the rows nested in it follow their own root", async () => {
  const { p } = await tempPipeline("nested_own_upsert");
  const customers = (rows: Record<string, unknown>[]) =>
    resource(rows, {
      name: "customers",
      primaryKey: "id",
      writeDisposition: "merge",
      nestedHints: {
        purchases: {
          primaryKey: ["customer_id", "id"],
          writeDisposition: { disposition: "merge", strategy: "upsert" },
        },
      },
    });
  await p.run(customers(customerRows({
    1: [{ id: 1, name: "apple", items: ["a", "b"] }, { id: 2, name: "pear", items: ["c"] }],
    2: [{ id: 1, name: "plum", items: ["d"] }],
  })));
  const before = await p.dataset().query(
    `SELECT _dlt_id FROM customers__purchases WHERE customer_id = 1 AND id = 1`,
  ).rows();
  // customer 1 buys apple again with other items; pear and plum are not in this extract
  await p.run(customers(customerRows({ 1: [{ id: 1, name: "green apple", items: ["x"] }] })));
  assert.deepEqual(await p.dataset().rowCounts(), {
    customers: 2,
    customers__purchases: 3,
    customers__purchases__items: 3,
  });
  const schema = p.defaultSchema!.tables;
  assert.equal(schema.customers__purchases.mergeStrategy, "upsert");
  assert.equal(schema.customers__purchases__items.parent, "customers__purchases");
  const purchases = await p.dataset().query(
    `SELECT p.customer_id, p.id, p.name, p._dlt_id, string_agg(i.value, ',' ORDER BY i.value) AS items
     FROM customers__purchases p LEFT JOIN customers__purchases__items i
       ON i._dlt_root_id = p._dlt_id AND i._dlt_parent_id = p._dlt_id
     GROUP BY ALL ORDER BY p.customer_id, p.id`,
  ).rows();
  assert.deepEqual(
    purchases.map((r) => [Number(r.customer_id), Number(r.id), r.name, r.items]),
    [[1, 1, "green apple", "x"], [1, 2, "pear", "c"], [2, 1, "plum", "d"]],
  );
  // upsert keeps the row's id: a hash of its primary key
  assert.equal(purchases[0]._dlt_id, before[0]._dlt_id);
});

Deno.test("a nested table with a merge key replaces its partitions; one with a key only appends", async () => {
  const { p } = await tempPipeline("nested_own_merge_key");
  const customers = (rows: Record<string, unknown>[]) =>
    // given by applyHints, as dlt's apply_hints(nested_hints=...)
    resource(rows, { name: "customers" }).applyHints({
      nestedHints: {
        purchases: makeNestedHints({ mergeKey: "customer_id", writeDisposition: "merge" }),
      },
    });
  await p.run(customers(customerRows({
    1: [{ id: 1, name: "apple" }, { id: 2, name: "pear" }],
    2: [{ id: 1, name: "plum" }],
  })));
  await p.run(customers(customerRows({ 1: [{ id: 3, name: "fig" }] })));
  // the root appends; customer 1's purchases were replaced as a partition, customer 2's kept
  assert.deepEqual(await p.dataset().rowCounts(), { customers: 3, customers__purchases: 2 });
  const names = await p.dataset().table("customers__purchases").select("name").orderBy("name")
    .rows();
  assert.deepEqual(names.map((r) => r.name), ["fig", "plum"]);
  assert.equal(p.defaultSchema!.tables.customers.rootKey, undefined);

  // a key without a write disposition: a table of its own that appends (dlt's default)
  const orders = () =>
    resource(customerRows({ 1: [{ id: 1, name: "apple" }] }), {
      name: "orders",
      primaryKey: "id",
      writeDisposition: "merge",
      nestedHints: { purchases: { primaryKey: "id" } },
    });
  await p.run(orders());
  await p.run(orders());
  const counts = await p.dataset().rowCounts();
  assert.equal(counts.orders, 1);
  assert.equal(counts.orders__purchases, 2);
  assert.equal(p.defaultSchema!.tables.orders__purchases.writeDisposition, "append");
});

Deno.test("a nested table of its own with replace is replaced while its root appends", async () => {
  const { p } = await tempPipeline("nested_own_replace");
  const customers = () =>
    resource(customerRows({ 1: [{ id: 1, name: "apple", items: ["a"] }] }), {
      name: "customers",
      nestedHints: { purchases: { primaryKey: "id", writeDisposition: "replace" } },
    });
  await p.run(customers());
  await p.run(customers());
  assert.deepEqual(await p.dataset().rowCounts(), {
    customers: 2,
    customers__purchases: 1,
    customers__purchases__items: 1,
  });
});
