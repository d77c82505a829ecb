/**
 * Schema files in dlt's YAML format: exported after each change, imported (and created when
 * missing) so that hints edited in them take effect on the next run.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse, stringify } from "../lib/deps/yaml.ts";
import { DataValidationError, pipeline, PipelineStepFailed, resource } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { tempDir } from "./_helpers.ts";

async function schemaPipeline(name: string) {
  const dir = await tempDir(name);
  const p = pipeline({
    pipelineName: name,
    destination: duckdb({ path: join(dir, `${name}.duckdb`) }),
    pipelinesDir: join(dir, "pipelines"),
    importSchemaPath: join(dir, "schemas", "import"),
    exportSchemaPath: join(dir, "schemas", "export"),
  });
  return { p, dir, importFile: join(dir, "schemas", "import", `${name}.schema.yaml`) };
}

// deno-lint-ignore no-explicit-any
type Document = any;

Deno.test("the schema is exported as dlt's YAML after a run, and the import file created", async () => {
  const { p, dir, importFile } = await schemaPipeline("exported");
  await p.run(resource([{ id: 1, name: "a", tags: ["x"] }], { name: "items", primaryKey: "id" }));
  const exported: Document = parse(
    await Deno.readTextFile(join(dir, "schemas", "export", "exported.schema.yaml")),
  );
  assert.equal(exported.name, "exported");
  assert.equal(exported.version, [...p.schemas.values()][0].version);
  assert.equal(exported.normalizers.names, "snake_case");
  const items = exported.tables.items;
  assert.equal(items.write_disposition, "append");
  assert.equal(items.resource, "items");
  assert.deepEqual(items.columns.id, {
    name: "id",
    data_type: "bigint",
    nullable: false,
    primary_key: true,
  });
  assert.equal(items.columns._dlt_id.unique, true);
  assert.equal(exported.tables.items__tags.parent, "items");
  assert.deepEqual(parse(await Deno.readTextFile(importFile)).tables.items, items);
});

Deno.test("hints edited in the imported schema file take effect on the next run", async () => {
  const { p, importFile } = await schemaPipeline("imported");
  const items = (rows: unknown[]) => resource(rows, { name: "items" });
  await p.run(items([{ id: 1, name: "a" }]));

  // a column declared double before any value arrives, and the table's columns frozen
  const document: Document = parse(await Deno.readTextFile(importFile));
  document.tables.items.columns.score = { data_type: "double", nullable: true };
  document.tables.items.schema_contract = { columns: "freeze" };
  await Deno.writeTextFile(importFile, stringify(document));

  await p.run(items([{ id: 2, name: "b", score: 3 }]));
  const schema = [...p.schemas.values()][0];
  assert.equal(schema.tables.items.columns.score.dataType, "double");
  assert.deepEqual(
    await p.dataset().query("SELECT id, score, typeof(score) AS type FROM items ORDER BY id"),
    [{ id: 1, score: null, type: "DOUBLE" }, { id: 2, score: 3, type: "DOUBLE" }],
  );
  const error = await p.run(items([{ id: 3, extra: true }])).catch((e) => e);
  assert.ok(error instanceof PipelineStepFailed);
  assert.ok(error.cause instanceof DataValidationError);
  assert.equal(error.cause.columnName, "extra");
});

Deno.test("a schema file that cannot be read is an error naming file, table and column", async () => {
  const { p, importFile } = await schemaPipeline("bad_file");
  await p.run(resource([{ id: 1 }], { name: "items" }));
  const document: Document = parse(await Deno.readTextFile(importFile));
  document.tables.items.columns.id.data_type = "integer";
  await Deno.writeTextFile(importFile, stringify(document));
  const error = await p.run(resource([{ id: 2 }], { name: "items" })).catch((e) => e);
  assert.ok(error instanceof PipelineStepFailed);
  assert.equal(error.step, "extract");
  assert.match(
    error.message,
    /bad_file\.schema\.yaml", table "items", column "id": data_type "integer" is not one of/,
  );
  assert.equal(await p.dataset().table("items").count(), 1);
});
