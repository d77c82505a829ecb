/**
 * The schema on the API, as dlt users read it: `pipeline.defaultSchema` (tables, columns, hints,
 * its text as the schema export and the CLI write it) and `source.schema` before a run. Ports
 * the examples of dlt's `general-usage/schema.md` and `dataset-access/view-dlt-schema.md`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "../lib/deps/yaml.ts";
import { fromDltDocument } from "../lib/schema/schema_file.ts";
import {
  pipeline,
  PipelineConfigMissing,
  resource,
  Schema,
  source,
  type StoredSchema,
} from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { cli } from "./_cli.ts";
import { tempDir } from "./_helpers.ts";

async function schemaPipeline(name: string, dir?: string) {
  dir ??= await tempDir(name);
  const p = pipeline({
    pipelineName: name,
    destination: duckdb({ path: join(dir, `${name}.duckdb`) }),
    pipelinesDir: join(dir, "pipelines"),
    exportSchemaPath: join(dir, "export"),
  });
  return { p, dir };
}

const items = () =>
  resource([
    { id: 1, name: "a", tags: ["x", "y"] },
    { id: 2, name: "b", tags: [] },
  ], { name: "items", primaryKey: "id" });

Deno.test("after a run, defaultSchema holds the tables, columns and hints", async () => {
  const { p } = await schemaPipeline("after_run");
  await p.run(items());
  assert.equal(p.defaultSchemaName, "after_run");
  const schema = p.defaultSchema;
  assert.ok(schema instanceof Schema);
  assert.equal(schema.name, "after_run");
  assert.equal(schema.version, p.schemas.get("after_run")!.version);
  assert.equal(schema.versionHash, p.schemas.get("after_run")!.versionHash);
  assert.equal(schema.naming, "snake_case");
  assert.deepEqual(schema.tables.items.columns.id, {
    name: "id",
    dataType: "bigint",
    nullable: false,
    primaryKey: true,
  });
  assert.equal(schema.tables.items.columns.name.dataType, "text");
  assert.equal(schema.tables.items.writeDisposition, "append");
  assert.equal(schema.tables.items.resource, "items");
  // the nested table names its parent
  assert.equal(schema.tables.items__tags.parent, "items");
  assert.equal(schema.tables.items__tags.columns.value.dataType, "text");
  assert.equal(schema.getTable("items__tags").parent, "items");
  assert.deepEqual(schema.dataTableNames(), ["items", "items__tags"]);
  assert.deepEqual(schema.dataTables().map((t) => t.name), ["items", "items__tags"]);
  assert.deepEqual(
    Object.keys(schema.getTableColumns("items")),
    ["id", "name", "_dlt_load_id", "_dlt_id"],
  );
});

Deno.test("toPrettyYaml and toPrettyJson are the text of the schema export and the CLI", async () => {
  const { p, dir } = await schemaPipeline("pretty");
  await p.run(items());
  const schema = p.defaultSchema;
  const yaml = await schema.toPrettyYaml();
  const exported = await Deno.readTextFile(join(dir, "export", "pretty.schema.yaml"));
  assert.equal(yaml, exported);
  // parses back to dlt's document, and to the same tables
  const document = parse(yaml) as Record<string, unknown>;
  assert.deepEqual(document, schema.toDict());
  assert.deepEqual(fromDltDocument(document, "pretty.schema.yaml").tables, schema.tables);
  assert.equal(document.version, schema.version);
  assert.equal(document.version_hash, schema.versionHash);
  // view-dlt-schema.md: the same as `dlt pipeline <name> schema [--format json]`
  const base = ["pipeline", "--pipelines-dir", join(dir, "pipelines"), "pretty", "schema"];
  const cliYaml = await cli(base);
  assert.equal(cliYaml.code, 0, cliYaml.stderr);
  assert.equal(cliYaml.stdout, yaml);
  const cliJson = await cli([...base, "--format", "json"]);
  assert.equal(cliJson.code, 0, cliJson.stderr);
  assert.equal(cliJson.stdout, `${schema.toPrettyJson()}\n`);
  assert.deepEqual(JSON.parse(schema.toPrettyJson()), schema.toDict());
});

Deno.test("view-dlt-schema.md: toDict is dlt's document; toJSON the stored schema", async () => {
  const { p } = await schemaPipeline("to_dict");
  await p.run(items());
  const schema = p.defaultSchema;
  // deno-lint-ignore no-explicit-any
  const dict = schema.toDict() as any;
  assert.deepEqual(Object.keys(dict), [
    "version",
    "version_hash",
    "engine_version",
    "name",
    "tables",
    "normalizers",
  ]);
  assert.deepEqual(dict.tables.items.columns.id, {
    name: "id",
    data_type: "bigint",
    nullable: false,
    primary_key: true,
  });
  assert.equal(dict.tables.items.write_disposition, "append");
  const stored: StoredSchema = JSON.parse(JSON.stringify(schema));
  assert.deepEqual(stored, p.schemas.get("to_dict"));
});

Deno.test("before any run, defaultSchema is a PipelineConfigMissing saying what to do", async () => {
  const { p } = await schemaPipeline("no_run");
  assert.equal(p.defaultSchemaName, undefined);
  assert.throws(() => p.defaultSchema, (error) => {
    assert.ok(error instanceof PipelineConfigMissing);
    assert.equal(error.name, "PipelineConfigMissing");
    assert.equal(error.pipelineName, "no_run");
    assert.equal(error.configElement, "defaultSchemaName");
    assert.match(error.message, /^Pipeline "no_run" has no defaultSchemaName: .*run or extract/);
    return true;
  });
});

Deno.test("the schema read is a read-only copy as of the last step", async () => {
  const { p } = await schemaPipeline("snapshot");
  await p.run(resource([{ id: 1 }], { name: "items" }));
  const first = p.defaultSchema;
  assert.throws(() => {
    (first.tables.items.columns as Record<string, unknown>).extra = {};
  }, TypeError);
  assert.throws(() => {
    first.tables.items.columns.id.dataType = "text";
  }, TypeError);
  await p.run(resource([{ id: 2, note: "n" }], { name: "items" }));
  const second = p.defaultSchema;
  assert.equal(first.tables.items.columns.note, undefined);
  assert.equal(second.tables.items.columns.note.dataType, "text");
  assert.ok(second.version > first.version);
  assert.notEqual(second.versionHash, first.versionHash);
});

Deno.test("the default schema is the first source's; a re-opened pipeline picks the pipeline-named one", async () => {
  const dir = await tempDir("two_sources");
  const { p } = await schemaPipeline("two_sources", dir);
  const zoo = source([resource([{ animal: "lion" }], { name: "animals" })], { name: "zoo" });
  const github = source([resource([{ id: 1 }], { name: "issues" })], { name: "github" });
  await p.run(zoo);
  await p.run(github);
  assert.deepEqual([...p.schemas.keys()].sort(), ["github", "zoo"]);
  assert.equal(p.defaultSchemaName, "zoo");
  assert.deepEqual(p.defaultSchema.dataTableNames(), ["animals"]);

  // a new object loads the schemas with its first step; the pipeline-named schema wins
  const again = (await schemaPipeline("two_sources", dir)).p;
  assert.equal(again.defaultSchemaName, undefined);
  await again.run([{ n: 1 }], { tableName: "numbers" });
  assert.equal(again.defaultSchemaName, "two_sources");
  assert.deepEqual(again.defaultSchema.dataTableNames(), ["numbers"]);
  assert.deepEqual(again.schemas.get("zoo")!.tables.animals.columns.animal.dataType, "text");
});

Deno.test("getTable and getTableColumns name the known tables when one is missing", async () => {
  const { p } = await schemaPipeline("missing_table");
  await p.run(items());
  assert.throws(
    () => p.defaultSchema.getTableColumns("orders"),
    new RangeError(
      'Schema "missing_table" has no table "orders"; it has: "items", "items__tags"',
    ),
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => p.defaultSchema.dataTables({ seenDataOnly: true } as any),
    /seenDataOnly/,
  );
});

Deno.test("source.schema lists the resources' tables and hints before a run", async () => {
  let ran = false;
  const shop = source([
    resource(function* () {
      ran = true;
      yield { id: 1 };
    }, {
      name: "Orders",
      primaryKey: "OrderId",
      mergeKey: "day",
      writeDisposition: "merge",
      columns: { total: { dataType: "decimal", precision: 12, scale: 2 } },
    }),
    resource([], { name: "customers", tableName: "clients", writeDisposition: "replace" }),
    resource([], { name: "routed", tableName: (item) => String(item) }),
    resource([], { name: "skipped", selected: false }),
  ], { name: "shop", maxTableNesting: 2 });

  const schema = shop.schema;
  assert.equal(ran, false);
  assert.equal(schema.name, "shop");
  assert.equal(schema.naming, "snake_case");
  assert.ok(schema.version > 0);
  assert.deepEqual(Object.keys(schema.tables), ["orders", "clients"]);
  const orders = schema.tables.orders;
  assert.equal(orders.resource, "Orders");
  assert.equal(orders.writeDisposition, "merge");
  assert.equal(orders.maxTableNesting, 2);
  assert.equal(orders.rootKey, true);
  assert.deepEqual(orders.columns.order_id, {
    name: "order_id",
    primaryKey: true,
    nullable: false,
  });
  assert.deepEqual(orders.columns.day, { name: "day", mergeKey: true });
  assert.deepEqual(orders.columns.total, {
    name: "total",
    dataType: "decimal",
    precision: 12,
    scale: 2,
  });
  assert.equal(schema.tables.clients.resource, "customers");
  assert.equal(schema.tables.clients.writeDisposition, "replace");
  // as dlt's data_tables: only tables with a typed column, unless incomplete ones are asked for
  assert.deepEqual(schema.dataTableNames(), ["orders"]);
  assert.deepEqual(schema.dataTableNames({ includeIncomplete: true }), ["orders", "clients"]);
  assert.deepEqual(Object.keys(schema.getTableColumns("orders")), ["total"]);
  assert.deepEqual(
    Object.keys(schema.getTableColumns("orders", { includeIncomplete: true })),
    ["total", "order_id", "day"],
  );
  assert.match(await schema.toPrettyYaml(), /primary_key: true/);
  assert.deepEqual(shop.discoverSchema().toJSON(), schema.toJSON());

  // hints changed in code show on the next read
  shop.resource("customers").applyHints({ primaryKey: "id" });
  assert.equal(shop.schema.tables.clients.columns.id.primaryKey, true);
  shop.withResources("customers");
  assert.deepEqual(Object.keys(shop.schema.tables), ["clients"]);
});

Deno.test("source.schema takes the source's naming convention and contract", () => {
  const s = source([resource([], { name: "MyTable", columns: { MyCol: { dataType: "text" } } })], {
    name: "named",
    naming: "direct",
    schemaContract: "freeze",
  });
  const schema = s.schema;
  assert.equal(schema.naming, "direct");
  assert.deepEqual(Object.keys(schema.tables), ["MyTable"]);
  assert.equal(schema.tables.MyTable.columns.MyCol.dataType, "text");
  assert.deepEqual(schema.tables.MyTable.schemaContract, {
    tables: "freeze",
    columns: "freeze",
    data_type: "freeze",
  });
});

Deno.test("schema.md: a column hint in the resource shows before and after the run", async () => {
  // @dlt.resource(name='my_table', columns={"my_column": {"data_type": "bool", "nullable": True}})
  const myResource = resource(function* () {
    for (let i = 0; i < 10; i++) yield { my_column: i % 2 === 0 };
  }, { name: "my_table", columns: { my_column: { dataType: "bool", nullable: true } } });
  const s = source([myResource], { name: "hinted" });
  assert.deepEqual(s.schema.getTableColumns("my_table"), {
    my_column: { name: "my_column", dataType: "bool", nullable: true },
  });
  const { p } = await schemaPipeline("hinted");
  await p.run(s);
  assert.equal(p.defaultSchemaName, "hinted");
  assert.deepEqual(p.defaultSchema.tables.my_table.columns.my_column, {
    name: "my_column",
    dataType: "bool",
    nullable: true,
  });
});

Deno.test("schema.md: a value that does not fit a column's type goes to a variant column", async () => {
  const { p } = await schemaPipeline("variants");
  await p.run([{ id: 1, human_name: "Alice" }], { tableName: "people" });
  const before = p.defaultSchema.getTableColumns("people");
  assert.equal(before.id.dataType, "bigint");
  assert.equal(before.human_name.dataType, "text");
  assert.equal(before.human_name.nullable, true);
  await p.run([{ id: 1, human_name: "Alice" }, { id: "idx-nr-456", human_name: "Bob" }], {
    tableName: "people",
  });
  const after = p.defaultSchema.getTableColumns("people");
  assert.equal(after.id.dataType, "bigint");
  assert.deepEqual(after.id__v_text, {
    name: "id__v_text",
    dataType: "text",
    nullable: true,
    variant: true,
  });
});
