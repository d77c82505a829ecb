/**
 * dlt's everyday resource helpers, end to end into DuckDB: marks (`with_table_name`,
 * `with_hints`, table variants), `add_yield_map`, `add_limit` on resources and sources, nested
 * hints, hints as functions of the item, source state, iterating without a pipeline and sources
 * named after their function. The examples are those of dlt's `resource.md` and `source.md`.
 */
import assert from "node:assert/strict";
import {
  type ColumnHint,
  incremental,
  makeHints,
  makeNestedHints,
  mark,
  resource,
  source,
  transformer,
  withHints,
  withTableName,
} from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";

Deno.test("with_table_name dispatches items to the table they name, as dlt's repo_events", async () => {
  const { p } = await tempPipeline("mark_table");
  const events = [
    { type: "WatchEvent", id: 1 },
    { type: "IssuesEvent", id: 2 },
    { type: "WatchEvent", id: 3 },
  ];
  const repoEvents = resource(function* () {
    for (const item of events) yield mark.withTableName(item, item.type);
  }, { name: "repo_events" });
  const info = await p.run(repoEvents);
  assert.deepEqual(info.rowCounts, { watch_event: 2, issues_event: 1 });
  const watch = await p.dataset().table("watch_event").select("id").orderBy("id").rows();
  assert.deepEqual(watch.map((r) => Number(r.id)), [1, 3]);
  assert.equal(p.schemas.get("mark_table")?.tables.issues_event.resource, "repo_events");
});

Deno.test("with_hints emits columns and primary key with the first page, as dlt's sql_table", async () => {
  const { p } = await tempPipeline("mark_hints");
  const table = resource(function* () {
    const batches = [[{ id: 1, price: "1.50" }, { id: 2, price: "2.25" }], [{ id: 3, price: "9" }]];
    for (const [idx, batch] of batches.entries()) {
      yield idx === 0
        ? withHints(
          batch,
          makeHints({ columns: { price: { dataType: "decimal" } }, primaryKey: "id" }),
        )
        : batch;
    }
  }, { name: "sql_table", writeDisposition: "merge" });
  await p.run(table);
  const columns = p.schemas.get("mark_hints")!.tables.sql_table.columns;
  assert.equal(columns.price.dataType, "decimal");
  assert.equal(columns.id.primaryKey, true);
  // the hints stayed on the resource: the second run merges by id
  await p.run(table);
  assert.equal(await p.dataset().table("sql_table").count(), 3);
  // a mark with a table name renames the resource's table from that item on
  assert.equal(table.hints.primaryKey, "id");
});

Deno.test("with_hints with createTableVariant keeps the variant's hints for its table only", async () => {
  const { p } = await tempPipeline("mark_variant");
  const r = resource(function* () {
    yield { id: 1 };
    yield withHints({ id: 2, note: "audit" }, {
      tableName: "audit",
      columns: { id: { dataType: "text" } },
    }, { createTableVariant: true });
    yield { id: 3 };
    yield withTableName({ id: 4 }, "audit"); // the variant's hints, by its table name
  }, { name: "items" });
  const info = await p.run(r);
  assert.deepEqual(info.rowCounts, { items: 2, audit: 2 });
  const tables = p.schemas.get("mark_variant")!.tables;
  assert.equal(tables.audit.columns.id.dataType, "text");
  assert.equal(tables.items.columns.id.dataType, "bigint");
  assert.equal(r.hints.tableName, undefined, "the resource's own hints did not change");
  assert.throws(
    () => withHints({}, { columns: {} }, { createTableVariant: true }),
    /needs a tableName string/,
  );
  assert.throws(
    () =>
      withHints({}, { tableName: "t", primaryKey: (i: { k: string }) => i.k }, {
        createTableVariant: true,
      }),
    /takes fixed hints only/,
  );
});

Deno.test("add_yield_map pivots one item into many rows", async () => {
  const { p } = await tempPipeline("yield_map");
  const users = resource([
    [{ id: 1, emails: ["a@x", "b@x"] }, { id: 2, emails: ["c@x"] }],
    { id: 3, emails: [] },
  ], { name: "emails" })
    .addYieldMap(function* (user) {
      for (const email of user.emails) yield { user_id: user.id, email };
    })
    .addMap((row) => ({ ...row, domain: row.email.split("@")[1] }));
  assert.deepEqual(await users.toArray(), [
    { user_id: 1, email: "a@x", domain: "x" },
    { user_id: 1, email: "b@x", domain: "x" },
    { user_id: 2, email: "c@x", domain: "x" },
  ]);
  const info = await p.run(users);
  assert.deepEqual(info.rowCounts, { emails: 3 });
  // an async generator and an array work as well; something else is a clear error
  const async = resource([1, 2], { name: "n" }).addYieldMap(async function* (n) {
    yield n;
    yield n * 10;
  });
  assert.deepEqual(await async.toArray(), [1, 10, 2, 20]);
  assert.deepEqual(await resource([1], { name: "a" }).addYieldMap((n) => [n, n]).toArray(), [1, 1]);
  await assert.rejects(
    () => resource([1], { name: "b" }).addYieldMap((n) => n as never).toArray(),
    /must return or yield items .*got 1/,
  );
  assert.throws(() => resource([1], { name: "c" }).addYieldMap(42 as never), TypeError);
});

Deno.test("add_limit in dlt's forms, on resources and on sources", async () => {
  // dlt: `r = dlt.resource(itertools.count(), name="infinity").add_limit(10)`
  function* count() {
    for (let i = 0;; i++) yield i;
  }
  const infinity = resource(count, { name: "infinity" }).addLimit(10);
  assert.deepEqual(await infinity.toArray(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // dlt: `my_resource().add_limit(10)` yields 10 pages of 15 records: 150 rows
  const myResource = () =>
    resource(function* () {
      for (let i = 0; i < 100; i++) {
        yield Array.from({ length: 15 }, (_, j) => ({ record_id: j }));
      }
    }, { name: "my_resource" });
  assert.equal((await myResource().addLimit(10).toArray()).length, 150);
  assert.equal((await myResource().addLimit({ maxItems: 10 }).toArray()).length, 150);
  // count_rows: pages are counted by their rows and loaded whole
  assert.equal((await myResource().addLimit(20, { countRows: true }).toArray()).length, 30);
  assert.equal(
    (await myResource().addLimit({ maxItems: 20, countRows: true }).toArray()).length,
    30,
  );
  assert.equal((await myResource().addLimit({ maxItems: 0 }).toArray()).length, 0);
  assert.equal((await myResource().addLimit({ maxItems: null }).toArray()).length, 1500);
  assert.throws(() => myResource().addLimit({ max_items: 3 } as never), /max_items/);
  assert.throws(
    () => myResource().addLimit({ maxItems: 3 }, { maxTime: 1 }),
    /takes its options once/,
  );
  assert.throws(() => myResource().addLimit(3, { maxItems: 4 }), /maxItems once/);
  assert.throws(() => myResource().addLimit({ maxItems: 1.5 }), /integer/);

  // dlt's `pipedrive_source().add_limit(10)`: every resource, transformers fully
  const { p } = await tempPipeline("source_limit");
  const pages = (name: string) =>
    resource(function* () {
      for (let page = 0;; page++) yield [{ page, id: `${name}-${page}` }];
    }, { name });
  const deals = pages("deals");
  const details = transformer(function* (page: { id: string }[]) {
    for (const deal of page) {
      yield { id: deal.id, part: 1 };
      yield { id: deal.id, part: 2 };
    }
  }, { name: "deal_details" });
  const pipedrive = source(function pipedrive_source() {
    return [pages("users"), deals, deals.pipe(details)];
  }).addLimit(10);
  const info = await p.run(pipedrive);
  assert.deepEqual(info.rowCounts, { users: 10, deals: 10, deal_details: 20 });
  // dlt's add_limit(max_time=…) and both at once
  const timed = source([pages("a"), pages("b")], { name: "timed" }).addLimit({
    maxItems: 3,
    maxTime: 10,
  });
  assert.equal((await timed.toArray()).length, 6);
});

Deno.test("nested_hints type the purchases list and freeze its columns, as dlt's customers example", async () => {
  const { p } = await tempPipeline("nested_hints");
  const customers = (purchase: Record<string, unknown>) =>
    resource(function* () {
      yield [{ id: 1, name: "simon", city: "berlin", purchases: [purchase] }];
    }, {
      name: "customers",
      nestedHints: {
        purchases: makeNestedHints({
          columns: [{ name: "price", dataType: "decimal" }],
          schemaContract: { columns: "freeze" },
        }),
      },
    });
  await p.run(customers({ id: 1, name: "apple", price: "1.50" }));
  const tables = p.schemas.get("nested_hints")!.tables;
  assert.equal(tables.customers__purchases.columns.price.dataType, "decimal");
  assert.equal(tables.customers__purchases.parent, "customers");
  const rows = await p.dataset().table("customers__purchases").select("name", "price").rows();
  assert.equal(rows[0].name, "apple");
  assert.equal(Number(rows[0].price), 1.5);
  // the contract froze the nested table's columns, not the root's
  await assert.rejects(
    () => p.run(customers({ id: 2, name: "pear", price: "2.50", coupon: "X" })),
    /customers__purchases[\s\S]*coupon|coupon[\s\S]*customers__purchases/,
  );
});

Deno.test("nested_hints by path reach a list inside a list's items, as dlt's coupons example", async () => {
  const { p } = await tempPipeline("nested_paths");
  const customers = resource([{
    id: 1,
    purchases: [{ id: 1, coupons: [{ code: "A", registered_at: "2024-01-02" }] }],
  }], {
    name: "customers",
    nestedHints: [
      [["purchases"], {}],
      [["purchases", "coupons"], { columns: { registered_at: { dataType: "timestamp" } } }],
    ],
  });
  await p.run(customers);
  const coupons = p.schemas.get("nested_paths")!.tables.customers__purchases__coupons;
  assert.equal(coupons.columns.registered_at.dataType, "timestamp");
  assert.equal(coupons.parent, "customers__purchases");
  // a Map with tuple keys works as dlt's dict does
  const viaMap = resource([{ id: 1, tags: [{ n: "1" }] }], {
    name: "tagged",
    nestedHints: new Map([[["tags"], { columns: { n: { dataType: "bigint" } } }]]),
  });
  await p.run(viaMap);
  assert.equal(p.schemas.get("nested_paths")!.tables.tagged__tags.columns.n.dataType, "bigint");
  // what this port does not do yet is refused with what to do instead
  assert.throws(
    () => resource([], { name: "x", nestedHints: { purchases: { tableName: "p" } as never } }),
    /tableName.*named after their path/,
  );
  assert.throws(
    () =>
      resource([], {
        name: "x",
        nestedHints: { purchases: { write_disposition: "merge" } as never },
      }),
    /write_disposition/,
  );
  assert.throws(() => resource([], { name: "x", nestedHints: 3 as never }), /nested table hints/);
  assert.throws(
    () => resource([], { name: "x", nestedHints: [[[], {}]] }),
    /path of nestedHints/,
  );
});

Deno.test("hints may be functions of the item: primary key, write disposition, columns", async () => {
  const { p } = await tempPipeline("dynamic_hints");
  const events = resource([
    { type: "user", user_id: 1, at: "1" },
    { type: "order", order_id: 7, at: "2" },
    { type: "user", user_id: 1, at: "3" },
  ], {
    name: "events",
    tableName: (e: { type: string }) => `${e.type}s`,
    primaryKey: (e: { type: string }) => `${e.type}_id`,
    writeDisposition: (e: { type: string }) => e.type === "user" ? "merge" : "append",
    columns: (e: { type: string }): Record<string, ColumnHint> =>
      e.type === "order" ? { at: { dataType: "text" } } : {},
  });
  const info = await p.run(events);
  assert.deepEqual(info.rowCounts, { users: 2, orders: 1 });
  const tables = p.schemas.get("dynamic_hints")!.tables;
  assert.equal(tables.users.columns.user_id.primaryKey, true);
  assert.equal(tables.users.writeDisposition, "merge");
  assert.equal(tables.orders.columns.order_id.primaryKey, true);
  assert.equal(tables.orders.writeDisposition, "append");
  assert.equal(tables.orders.columns.at.dataType, "text");
  // merge by the computed key: one user row
  assert.equal(await p.dataset().table("users").count(), 1);
  // a function's bad result fails the resource, naming it
  const bad = resource([{ id: 1 }], { name: "bad", primaryKey: () => 42 as never });
  await assert.rejects(() => p.run(bad), /bad[\s\S]*primaryKey/);
  assert.throws(() => resource([], { name: "x", primaryKey: 3 as never }), /column name/);
});

Deno.test("source state is shared by the resources of a source and kept between runs", async () => {
  const { p } = await tempPipeline("source_state");
  const make = () =>
    source(function crm() {
      const first = resource(function* ({ sourceState }) {
        sourceState.token = `t${((sourceState.runs as number) ?? 0) + 1}`;
        yield { id: 1 };
      }, { name: "first" });
      const second = resource(function* ({ sourceState, state }) {
        sourceState.runs = ((sourceState.runs as number) ?? 0) + 1;
        state.seen = sourceState.token;
        yield { token: sourceState.token };
      }, { name: "second" });
      return [first, second];
    });
  await p.run(make());
  await p.run(make());
  const crm = p.state.sources.crm;
  assert.equal(crm.runs, 2);
  assert.equal(crm.token, "t2");
  assert.deepEqual(crm.resources?.second, { seen: "t2" });
  const tokens = await p.dataset().table("second").select("token").rows();
  assert.deepEqual(tokens.map((r) => r.token).sort(), ["t1", "t2"]);
});

Deno.test("iterating resources and sources without a pipeline, as dlt's list()", async () => {
  const numbers = resource(function* ({ state }) {
    state.touched = true;
    yield [{ n: 1 }, { n: 2 }];
    yield withTableName({ n: 3 }, "other");
    yield null;
  }, { name: "numbers" });
  const items: unknown[] = [];
  for await (const item of numbers) items.push(item);
  assert.deepEqual(items, [{ n: 1 }, { n: 2 }, { n: 3 }]);
  // a transformer gets its parent's items; incremental filters against a fresh state each time
  const cursor = resource([{ id: 1 }, { id: 2 }, { id: 3 }], {
    name: "cursor",
    incremental: incremental("id", { initialValue: 2 }),
  });
  assert.deepEqual(await cursor.toArray(), [{ id: 2 }, { id: 3 }]);
  assert.deepEqual(await cursor.toArray(), [{ id: 2 }, { id: 3 }]);
  const doubled = cursor.pipe(transformer((row: { id: number }) => ({ id: row.id * 2 }), {
    name: "doubled",
  }));
  assert.deepEqual(await doubled.toArray(), [{ id: 4 }, { id: 6 }]);
  // a source yields the items of its selected resources
  const s = source([numbers, cursor, doubled], { name: "s" }).withResources("cursor", "doubled");
  assert.deepEqual(await s.toArray(), [{ id: 2 }, { id: 4 }, { id: 3 }, { id: 6 }]);
});

Deno.test("a source is named after its function, as dlt's @dlt.source", async () => {
  const generateRows = resource(function* () {
    for (let i = 0; i < 10; i++) yield { id: i, example_string: "abc" };
  }, { name: "table_name", writeDisposition: "replace" });
  const named = source(function source_name() {
    return generateRows;
  });
  assert.equal(named.name, "source_name");
  assert.deepEqual([...named.resources.keys()], ["table_name"]);
  assert.equal((await named.resource("table_name").toArray()).length, 10);
  // dlt's hubspot: a generator of resources; a name option wins over the function's
  const hubspot = source(function* hubspot() {
    for (const endpoint of ["companies", "deals", "products"]) {
      yield resource([{ endpoint }], { name: endpoint });
    }
  }, { name: "hubspot_eu", maxTableNesting: 1 });
  assert.equal(hubspot.name, "hubspot_eu");
  assert.equal(hubspot.maxTableNesting, 1);
  assert.equal(hubspot.resources.size, 3);
  assert.throws(() => source(() => [generateRows]), /needs a name/);
  assert.throws(() =>
    source(function bad() {
      return 42 as never;
    }), /must return a resource or a list of resources; got 42/);
  assert.throws(
    () =>
      source(function later() {
        return Promise.resolve([generateRows]);
      } as never),
    /returned a promise/,
  );
  assert.throws(() => source([generateRows] as never), /needs a name/);
});

Deno.test("hints marked on an empty page apply to the rows after it, with an incremental cursor too", async () => {
  const { p } = await tempPipeline("mark_empty_page");
  const orders = resource(async function* () {
    yield withHints(
      [],
      makeHints({ primaryKey: "id", columns: { amount: { dataType: "decimal" } } }),
    );
    yield [{ id: 1, amount: "1.50", at: 1 }, { id: 2, amount: "2.25", at: 2 }];
  }, { name: "orders", incremental: incremental("at") });
  await p.run(orders);
  const columns = p.defaultSchema.tables.orders.columns;
  assert.equal(columns.id.primaryKey, true);
  assert.equal(columns.amount.dataType, "decimal");
  assert.equal(await p.dataset().orders.count(), 2);
});
