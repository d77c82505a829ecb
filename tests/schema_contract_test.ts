/**
 * Schema contracts, with dlt's semantics: `tables`, `columns` and `data_type` each `evolve`,
 * `freeze`, `discard_row` or `discard_value`, set on a source, a resource or a run.
 */
import assert from "node:assert/strict";
import {
  DataValidationError,
  PipelineStepFailed,
  resource,
  type SchemaContract,
  source,
} from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";

const FIRST = [{ id: 1, name: "a", tags: ["x"] }, { id: 2, name: "b", tags: [] }];

/** A pipeline that loaded {@linkcode FIRST} into `items` (with child table `items__tags`). */
async function loadedPipeline(name: string) {
  const { p } = await tempPipeline(name);
  await p.run(resource(FIRST, { name: "items" }));
  return p;
}

async function rows(p: Awaited<ReturnType<typeof loadedPipeline>>, table: string) {
  return await p.dataset().query(
    `SELECT * EXCLUDE (_dlt_id, _dlt_load_id) FROM ${table} ORDER BY id`,
  );
}

/** The error `run` fails with, which must be a {@linkcode PipelineStepFailed}. */
async function failure(run: Promise<unknown>): Promise<PipelineStepFailed> {
  try {
    await run;
  } catch (error) {
    assert.ok(error instanceof PipelineStepFailed, String(error));
    return error;
  }
  throw new assert.AssertionError({ message: "the run did not fail" });
}

/** The pipeline's one schema. */
function schemaOf(p: Awaited<ReturnType<typeof loadedPipeline>>) {
  return [...p.schemas.values()][0];
}

function items(data: unknown[], schemaContract?: SchemaContract) {
  return resource(data, { name: "items", schemaContract });
}

Deno.test("columns freeze: a new column fails the package, which loads nothing", async () => {
  const p = await loadedPipeline("freeze_columns");
  const error = await failure(
    p.run(items([{ id: 3, name: "c" }, { id: 4, name: "d", extra: true }], { columns: "freeze" })),
  );
  assert.equal(error.step, "normalize");
  const cause = error.cause;
  assert.ok(cause instanceof DataValidationError);
  assert.equal(cause.tableName, "items");
  assert.equal(cause.columnName, "extra");
  assert.equal(cause.schemaEntity, "columns");
  assert.equal(cause.contractMode, "freeze");
  assert.equal(cause.value, true);
  assert.match(cause.message, /table "items", column "extra"/);
  assert.equal(await p.dataset().table("items").count(), 2);
  // the package stays pending, failing the same way, until dropped
  await assert.rejects(p.run(items([{ id: 5 }], { columns: "freeze" })), PipelineStepFailed);
  await p.dropPendingPackages();
  await p.run(items([{ id: 5, name: "e" }], { columns: "freeze" }));
  assert.equal(await p.dataset().table("items").count(), 3);
});

Deno.test("columns discard_value drops the new value; discard_row drops the row", async () => {
  const p = await loadedPipeline("discard_columns");
  await p.run(items([{ id: 3, name: "c", extra: 1 }], { columns: "discard_value" }));
  await p.run(items([{ id: 4, name: "d", extra: 2 }, { id: 5 }], { columns: "discard_row" }));
  assert.deepEqual(await rows(p, "items"), [
    { id: 1, name: "a" },
    { id: 2, name: "b" },
    { id: 3, name: "c" },
    { id: 5, name: null },
  ]);
  assert.equal(schemaOf(p).tables.items.columns.extra, undefined);
});

Deno.test("data_type contracts: freeze, discard_value and discard_row instead of a variant", async () => {
  const p = await loadedPipeline("data_type");
  const error = await failure(
    p.run(items([{ id: 3, name: "c" }, { id: "four", name: "d" }], { data_type: "freeze" })),
  );
  assert.ok(error.cause instanceof DataValidationError);
  assert.equal(error.cause.schemaEntity, "data_type");
  assert.equal(error.cause.columnName, "id");
  assert.equal(error.cause.value, "four");
  await p.dropPendingPackages();
  // "5" coerces into the bigint column: no change; "six" does not
  await p.run(items([{ id: "5", name: "e" }, { id: "six", name: "f" }], {
    dataType: "discard_value",
  }));
  await p.run(items([{ id: "seven", name: "g" }, { id: 8, name: "h" }], {
    data_type: "discard_row",
  }));
  assert.deepEqual(await p.dataset().query("SELECT id, name FROM items ORDER BY name"), [
    { id: 1, name: "a" },
    { id: 2, name: "b" },
    { id: 5, name: "e" },
    { id: null, name: "f" },
    { id: 8, name: "h" },
  ]);
  const columns = () => Object.keys(schemaOf(p).tables.items.columns);
  assert.deepEqual(columns().filter((c) => c.includes("__v_")), []);
  // a contract stays on the table until code sets another; evolve opens the variant column
  await p.run(items([{ id: "nine", name: "i" }]));
  assert.deepEqual(columns().filter((c) => c.includes("__v_")), []);
  await p.run(items([{ id: "ten", name: "j" }], "evolve"));
  assert.ok(columns().includes("id__v_text"));
});

Deno.test("tables discard_row drops the rows of a new nested table, not their parents", async () => {
  const p = await loadedPipeline("discard_tables");
  await p.run(items([{ id: 3, name: "c", tags: ["y"], notes: [{ text: "n" }] }], {
    tables: "discard_row",
  }));
  assert.deepEqual(await rows(p, "items"), [
    { id: 1, name: "a" },
    { id: 2, name: "b" },
    { id: 3, name: "c" },
  ]);
  // the existing nested table still takes rows; the new one was never created
  assert.equal(await p.dataset().table("items__tags").count(), 2);
  assert.ok(!(await p.dataset().tableNames()).includes("items__notes"));
});

Deno.test("a discarded row takes its nested rows with it", async () => {
  const p = await loadedPipeline("discard_nested");
  await p.run(
    items([{ id: 3, name: "c", tags: ["p", "q"], extra: 1 }], { columns: "discard_row" }),
  );
  assert.equal(await p.dataset().table("items").count(), 2);
  assert.equal(await p.dataset().table("items__tags").count(), 1);
});

Deno.test("tables freeze refuses a new table; a new table infers its columns under columns freeze", async () => {
  const { p } = await tempPipeline("freeze_tables");
  const error = await failure(
    p.run(items(FIRST, "freeze")),
  );
  assert.ok(error.cause instanceof DataValidationError);
  assert.equal(error.cause.schemaEntity, "tables");
  assert.equal(error.cause.tableName, "items");
  await p.dropPendingPackages();
  // only new columns of existing tables are held to `columns`
  await p.run(items(FIRST, { columns: "freeze" }));
  assert.equal(await p.dataset().table("items").count(), 2);
  await assert.rejects(p.run(items([{ id: 3, other: 1 }], { columns: "freeze" })));
});

Deno.test("the run's contract overrides the resource's, which overrides the source's", async () => {
  const p = await loadedPipeline("contract_layers");
  const withContracts = (resourceContract?: SchemaContract) =>
    source([resource([{ id: 3, extra: 1 }], { name: "items", schemaContract: resourceContract })], {
      // the schema of the first run, named after the pipeline
      name: "contract_layers",
      schemaContract: { columns: "freeze" },
    });
  // the source freezes columns
  await assert.rejects(p.run(withContracts()), PipelineStepFailed);
  await p.dropPendingPackages();
  // the resource lets them evolve, the run discards them
  await p.run(withContracts({ columns: "evolve" }), {
    schemaContract: { columns: "discard_value" },
  });
  assert.equal(schemaOf(p).tables.items.columns.extra, undefined);
  await p.run(withContracts({ columns: "evolve" }));
  assert.equal(schemaOf(p).tables.items.columns.extra.dataType, "bigint");
});

Deno.test("an unknown contract mode or entity is an error naming the resource or source", () => {
  assert.throws(
    () => resource([], { name: "r", schemaContract: "lenient" as SchemaContract }),
    new RangeError(
      'Option "schemaContract" of resource "r" must be a mode (evolve, freeze, discard_row, ' +
        'discard_value) or modes by entity (tables, columns, data_type); got "lenient"',
    ),
  );
  assert.throws(
    () => source([], { name: "s", schemaContract: { rows: "freeze" } as SchemaContract }),
    /Option "schemaContract" of source "s" must be .*; got an object with keys rows/,
  );
});
