/**
 * The public API end to end: sources with transformers, dynamic table names, hints, the
 * separately callable steps, LoadInfo, datasets, SQL and destination configuration.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pipeline, resource, snakeCaseNaming, source, transformer } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { tempDir, tempPipeline } from "./_helpers.ts";
import { isolatedTest } from "./_isolated.ts";

Deno.test("a source feeds each transformer from one pass over its parent", async () => {
  const { p } = await tempPipeline("transformers");
  let parentRuns = 0;
  const users = resource(async function* () {
    parentRuns++;
    yield [{ id: 1, name: "ada" }, { id: 2, name: "grace" }];
  }, { name: "users" });
  const profiles = transformer(async function* (page: { id: number }[]) {
    for (const user of page) yield { user_id: user.id, bio: `bio of ${user.id}` };
  }, { name: "profiles", dataFrom: users });
  const info = await p.run(source([users, profiles], { name: "people" }));
  assert.equal(parentRuns, 1);
  assert.deepEqual(info.rowCounts, { users: 2, profiles: 2 });
  const bios = await p.dataset().table("profiles").orderBy("user_id").rows<{ bio: string }>();
  assert.deepEqual(bios.map((r) => r.bio), ["bio of 1", "bio of 2"]);
  assert.ok(p.schemas.has("people"));
});

Deno.test("an unselected parent still feeds its transformer but is not loaded", async () => {
  const { p } = await tempPipeline("unselected");
  const ids = resource([1, 2, 3], { name: "ids", selected: false });
  const squares = transformer((id: number) => ({ id, square: id * id }), {
    name: "squares",
    dataFrom: ids,
  });
  const info = await p.run(source([ids, squares], { name: "math" }));
  assert.deepEqual(info.rowCounts, { squares: 3 });
  assert.ok(!(await p.dataset().tableNames()).includes("ids"));
});

Deno.test("pipe chains run without a source, and tableName can route items", async () => {
  const { p } = await tempPipeline("routing");
  const events = resource([
    { type: "PushEvent", id: 1 },
    { type: "IssuesEvent", id: 2 },
    { type: "PushEvent", id: 3 },
  ], { name: "events", tableName: (e) => (e as { type: string }).type });
  const info = await p.run(events);
  assert.deepEqual(info.rowCounts, { push_event: 2, issues_event: 1 });

  const doubled = resource([1, 2], { name: "nums" }).pipe(
    transformer((n: number) => [{ n }, { n: n * 10 }], { name: "fanned" }),
  );
  await p.run(doubled);
  assert.equal(await p.dataset().table("fanned").count(), 4);
});

Deno.test("columns hints set types and primary keys; plain data needs a table name", async () => {
  const { p } = await tempPipeline("hints");
  await p.run([{ id: "1", amount: 5 }], {
    tableName: "payments",
    columns: { amount: { dataType: "double" } },
    primaryKey: "id",
  });
  const schema = p.schemas.get("hints")!;
  assert.equal(schema.tables.payments.columns.amount.dataType, "double");
  assert.equal(schema.tables.payments.columns.id.primaryKey, true);
  assert.equal(schema.tables.payments.columns.id.nullable, false);
  await assert.rejects(p.run([{ id: 1 }]), TypeError);
});

Deno.test("extract, normalize and load can be called one by one", async () => {
  const { p } = await tempPipeline("steps");
  const extracted = await p.extract(resource([{ a: 1 }, { a: 2 }], { name: "t" }));
  assert.deepEqual(extracted.itemCounts, { t: 2 });
  assert.deepEqual(await p.pendingPackages(), { extracted: 1, normalized: 0 });
  const normalized = await p.normalize();
  assert.deepEqual(normalized.rowCounts, { t: 2 });
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 1 });
  const info = await p.load();
  assert.deepEqual(info.loadIds, [extracted.loadId]);
  assert.match(info.toString(), /1 load package\(s\) were loaded to destination duckdb/);
  assert.match(info.toString(), /Rows loaded: 2 into 1 table/);
});

Deno.test("schemas evolve: new columns and tables appear on later runs", async () => {
  const { p } = await tempPipeline("evolve");
  await p.run(resource([{ id: 1 }], { name: "things" }));
  const v1 = p.schemas.get("evolve")!.version;
  await p.run(resource([{ id: 2, color: "red", parts: [{ n: 1 }] }], { name: "things" }));
  const v2 = p.schemas.get("evolve")!;
  assert.ok(v2.version > v1);
  assert.equal(v2.tables.things__parts.parent, "things");
  const rows = await p.dataset().table("things").orderBy("id").rows<{ color: string | null }>();
  assert.deepEqual(rows.map((r) => r.color), [null, "red"]);
  const versions = await p.dataset().table("_dlt_version").count();
  assert.equal(versions, 2);
});

Deno.test("state set by a resource is committed with the load and kept locally", async () => {
  const { p } = await tempPipeline("state");
  const counter = resource(function* ({ state }) {
    const runs = ((state.runs as number | undefined) ?? 0) + 1;
    state.runs = runs;
    yield { run: runs };
  }, { name: "counter" });
  await p.run(counter);
  await p.run(counter);
  const runs = await p.dataset().table("counter").orderBy("run").rows<{ run: number }>();
  assert.deepEqual(runs.map((r) => r.run), [1, 2]);
  assert.equal(p.state.sources.state.resources!.counter.runs, 2);
  const stored = await p.dataset().query<{ state: string }>(
    `SELECT state FROM state_data._dlt_pipeline_state ORDER BY version DESC LIMIT 1`,
  );
  assert.equal(JSON.parse(stored[0].state).sources.state.resources.counter.runs, 2);
});

Deno.test("sqlClient runs raw SQL against the dataset; datasets give Arrow tables", async () => {
  const { p } = await tempPipeline("sql");
  await p.run(resource([{ x: 1 }, { x: 2 }], { name: "xs" }));
  {
    await using client = await p.sqlClient();
    const [row] = await client.query<{ total: number }>(
      `SELECT sum(x) AS total FROM ${client.qualifiedName("xs")}`,
    );
    assert.equal(Number(row.total), 3);
  }
  const table = await p.dataset().table("xs").orderBy("x").arrow();
  assert.equal(table.numRows, 2);
  assert.deepEqual([...table.getChild("x")!].map(Number), [1, 2]);
});

Deno.test("unqualified table names resolve in each client's own dataset", async () => {
  const { p: first, dir, dbPath } = await tempPipeline("first");
  // a second pipeline with its own dataset in the same file: both share one connection
  const second = pipeline({
    pipelineName: "second",
    destination: duckdb({ path: dbPath }),
    pipelinesDir: join(dir, "pipelines"),
  });
  await first.run(resource([{ x: 1 }], { name: "xs" }));
  await second.run(resource([{ x: 2 }, { x: 3 }], { name: "xs" }));
  assert.deepEqual(await first.dataset().query("SELECT x FROM xs"), [{ x: 1 }]);
  assert.deepEqual(await second.dataset().query("SELECT x FROM xs ORDER BY x"), [{ x: 2 }, {
    x: 3,
  }]);
  await using client = await first.sqlClient();
  assert.deepEqual(await client.query("SELECT count(*)::INT AS n FROM xs"), [{ n: 1 }]);
});

isolatedTest(
  import.meta.url,
  "DESTINATION__DUCKDB__CREDENTIALS chooses the database file",
  async () => {
    const dir = await tempDir();
    const path = join(dir, "from_env.duckdb");
    Deno.env.set("DESTINATION__DUCKDB__CREDENTIALS", path);
    try {
      const p = pipeline({ pipelineName: "env_path", pipelinesDir: join(dir, "pipelines") });
      const info = await p.run(resource([{ a: 1 }], { name: "t" }));
      assert.equal(info.destinationLocation, path);
      assert.ok((await Deno.stat(path)).size > 0);
    } finally {
      Deno.env.delete("DESTINATION__DUCKDB__CREDENTIALS");
    }
  },
);

Deno.test("devMode gives each instance a fresh dataset", async () => {
  const dir = await tempDir();
  const dbPath = join(dir, "dev.duckdb");
  const { duckdb } = await import("../destinations/duckdb/mod.ts");
  const make = () =>
    pipeline({
      pipelineName: "dev",
      destination: duckdb({ path: dbPath }),
      pipelinesDir: dir,
      devMode: true,
    });
  const first = make();
  await first.run(resource([{ a: 1 }], { name: "t" }));
  await new Promise((r) => setTimeout(r, 5));
  const second = make();
  assert.notEqual(first.datasetName, second.datasetName);
  assert.match(first.datasetName, /^dev_dataset_\d+$/);
});

isolatedTest(import.meta.url, "a relative pipelinesDir works", async () => {
  const dir = await tempDir();
  const cwd = Deno.cwd();
  Deno.chdir(dir);
  try {
    const { duckdb } = await import("../destinations/duckdb/mod.ts");
    const p = pipeline({
      pipelineName: "relative",
      destination: duckdb({ path: "relative.duckdb" }),
      pipelinesDir: "pipelines",
    });
    await p.run(resource([{ a: 1 }], { name: "t" }));
    assert.equal(await p.dataset().table("t").count(), 1);
    assert.ok((await Deno.stat(join(dir, "relative.duckdb"))).isFile);
  } finally {
    Deno.chdir(cwd);
  }
});

Deno.test("a piped parent runs once per run, feeds every transformer, and its limit resets", async () => {
  const { p } = await tempPipeline("shared_parent");
  let parentRuns = 0;
  const ids = resource(function* () {
    parentRuns++;
    for (let i = 1; i <= 5; i++) yield i;
  }, { name: "ids" }).addLimit(2);
  const a = ids.pipe(transformer((id: number) => ({ id }), { name: "a" }));
  const b = ids.pipe(transformer((id: number) => ({ id }), { name: "b" }));
  const first = await p.run(source([a, b], { name: "pair" }));
  assert.equal(parentRuns, 1);
  assert.deepEqual(first.rowCounts, { a: 2, b: 2 });
  const second = await p.run(source([a, b], { name: "pair" }));
  assert.equal(parentRuns, 2);
  assert.deepEqual(second.rowCounts, { a: 2, b: 2 });
  assert.ok(!(await p.dataset().tableNames()).includes("ids"));
});

Deno.test("the naming option picks direct or duck_case names for a pipeline's schemas", async () => {
  const dir = await tempDir("naming");
  for (
    const [naming, table, column, child] of [
      ["direct", "Orders", "Total Amount", "Orders▶Line Items"],
      ["duck_case", "Orders", "totalAmount", "Orders__lineItems"],
    ] as const
  ) {
    const p = pipeline({
      pipelineName: `naming_${naming}`,
      destination: duckdb({ path: join(dir, `${naming}.duckdb`) }),
      pipelinesDir: join(dir, "pipelines"),
      naming,
    });
    const key = naming === "direct" ? "Total Amount" : "totalAmount";
    const list = naming === "direct" ? "Line Items" : "lineItems";
    await p.run(resource([{ [key]: 5, [list]: [{ sku: "a" }] }], { name: "Orders" }));
    const schema = [...p.schemas.values()][0];
    assert.equal(schema.naming, naming);
    assert.equal(schema.tables[table].columns[column].dataType, "bigint");
    assert.equal(await p.dataset().table(child).count(), 1);
  }
  assert.throws(
    () => pipeline({ pipelineName: "bad", naming: "camel" as "direct" }),
    new RangeError(
      'Option "naming" of pipeline "bad" must be one of "snake_case", "direct", "duck_case", or a ' +
        'function making a NamingConvention (like snakeCaseNaming); got "camel"',
    ),
  );
});

Deno.test("a custom naming convention, as dlt allows one: used, stored, needed again", async () => {
  const dir = await tempDir("custom_naming");
  const upper = (options: { maxLength?: number }) => {
    const base = snakeCaseNaming(options);
    return {
      name: "upper_snake",
      maxLength: options.maxLength,
      normalizeIdentifier: (id: string) => base.normalizeIdentifier(id).toUpperCase(),
      shortenFragments: (...parts: string[]) => base.shortenFragments(...parts),
    };
  };
  const make = (naming?: typeof upper) =>
    pipeline({
      pipelineName: "upper",
      pipelinesDir: dir,
      destination: duckdb({ path: join(dir, "upper.duckdb") }),
      naming,
    });
  const items = () => resource([{ itemId: 1, tags: ["a"] }], { name: "items" });
  await make(upper).run(items());
  const tables = await make(upper).dataset().tableNames();
  assert.ok(tables.includes("ITEMS") && tables.includes("ITEMS__TAGS"), tables.join());
  assert.equal(make(upper).schemas.size, 0); // schemas load with the first step
  // the schema remembers the convention by name: a pipeline without it cannot go on
  await assert.rejects(
    make().run(items()),
    /naming convention "upper_snake", which is not built in: pass its factory/,
  );
  await assert.rejects(
    make((() => ({ name: "mine" })) as never).run(items()),
    /A naming convention factory must return a NamingConvention/,
  );
  await assert.rejects(
    make(((o: { maxLength?: number }) => snakeCaseNaming(o)) as never).run(items()),
    /A custom naming convention cannot be called "snake_case"/,
  );
});

Deno.test("rootKey on a source or resource gives nested tables _dlt_root_id", async () => {
  const { p } = await tempPipeline("root_key");
  const orders = resource([{ id: 1, lines: [{ sku: "a", parts: [{ n: 1 }, { n: 2 }] }] }], {
    name: "orders",
  });
  await p.run(source([orders], { name: "root_key", rootKey: true }));
  const rows = await p.dataset().query(
    `SELECT o.id, count(*)::INT AS parts FROM orders o
     JOIN orders__lines__parts p ON p._dlt_root_id = o._dlt_id GROUP BY o.id`,
  );
  assert.deepEqual(rows, [{ id: 1, parts: 2 }]);
  assert.equal([...p.schemas.values()][0].tables.orders.rootKey, true);
});

Deno.test("a source can pick its schema's naming convention, which then stays", async () => {
  const { p } = await tempPipeline("source_naming");
  const data = (naming?: "direct" | "snake_case") =>
    source([resource([{ "Order Id": 1 }], { name: "Orders" })], { name: "shop", naming });
  await p.run(data("direct"));
  assert.equal(p.schemas.get("shop")!.naming, "direct");
  assert.deepEqual(await p.dataset().query('SELECT "Order Id" AS id FROM "Orders"'), [{ id: 1 }]);
  // the schema keeps its convention when the source does not ask for one
  await p.run(data());
  assert.equal(await p.dataset().table("Orders").count(), 2);
  await assert.rejects(p.run(data("snake_case")), /asks for naming convention "snake_case"/);
});
