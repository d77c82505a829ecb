import assert from "node:assert/strict";
import { applyImportedSchema, fromDltDocument, toDltDocument } from "./schema_file.ts";
import { newSchema, type StoredSchema } from "./schema.ts";

function sample(): StoredSchema {
  const schema = newSchema("shop");
  schema.tables.orders = {
    name: "orders",
    resource: "orders",
    writeDisposition: "replace",
    maxTableNesting: 2,
    schemaContract: { tables: "evolve", columns: "freeze", data_type: "discard_row" },
    columns: {
      id: { name: "id", dataType: "bigint", nullable: false, primaryKey: true },
      total: { name: "total", dataType: "decimal", precision: 12, scale: 2 },
      at: { name: "at", dataType: "timestamp", timezone: false },
    },
  };
  schema.tables.orders__lines = {
    name: "orders__lines",
    parent: "orders",
    columns: { sku: { name: "sku", dataType: "text" } },
  };
  schema.tables.orders__payments = {
    name: "orders__payments",
    resource: "orders",
    writeDisposition: "merge",
    references: [
      { columns: ["order_id"], referencedTable: "orders", referencedColumns: ["id"] },
      {
        columns: ["a", "b"],
        referencedTable: "ledger",
        referencedColumns: ["x", "y"],
        label: "booked in",
        cardinality: "many_to_one",
      },
    ],
    columns: { order_id: { name: "order_id", dataType: "bigint", primaryKey: true } },
  };
  return schema;
}

Deno.test("a schema survives dlt's document format unchanged", () => {
  const schema = sample();
  const back = fromDltDocument(toDltDocument(schema), "shop.schema.yaml");
  assert.deepEqual(back.tables, schema.tables);
  assert.equal(back.naming, "snake_case");
  // references in dlt's spelling
  const payments = toDltDocument(schema).tables as Record<string, Record<string, unknown>>;
  assert.deepEqual(payments.orders__payments.references, [
    { referenced_table: "orders", columns: ["order_id"], referenced_columns: ["id"] },
    {
      referenced_table: "ledger",
      columns: ["a", "b"],
      referenced_columns: ["x", "y"],
      label: "booked in",
      cardinality: "many_to_one",
    },
  ]);
});

Deno.test("dlt's spellings are read: complex is json, system tables are skipped", () => {
  const schema = fromDltDocument({
    name: "events",
    tables: {
      _dlt_loads: { columns: { load_id: { data_type: "text" } } },
      events: { columns: { payload: { data_type: "complex", nullable: true } } },
    },
  }, "events.schema.yaml");
  assert.deepEqual(Object.keys(schema.tables), ["events"]);
  assert.equal(schema.tables.events.columns.payload.dataType, "json");
});

Deno.test("imported hints override the schema's, and add what it lacks", () => {
  const schema = sample();
  const imported = fromDltDocument({
    name: "shop",
    tables: {
      orders: { columns: { id: { nullable: true }, note: { data_type: "text" } } },
      refunds: { columns: { id: { data_type: "bigint" } }, write_disposition: "append" },
    },
  }, "shop.schema.yaml");
  applyImportedSchema(schema, imported);
  assert.deepEqual(schema.tables.orders.columns.id, {
    name: "id",
    dataType: "bigint",
    nullable: true,
    primaryKey: true,
  });
  assert.equal(schema.tables.orders.columns.note.dataType, "text");
  assert.equal(schema.tables.orders.writeDisposition, "replace");
  assert.equal(schema.tables.refunds.writeDisposition, "append");
});

Deno.test("bad documents are errors naming the file, table and column", () => {
  assert.throws(
    () => fromDltDocument({ name: "s", tables: { t: { write_disposition: "upsert" } } }, "s.yaml"),
    /"s.yaml", table "t": write_disposition "upsert" is not one of/,
  );
  assert.throws(
    () => fromDltDocument({ name: "s", tables: { t: { schema_contract: "strict" } } }, "s.yaml"),
    /"s.yaml", table "t": schema contract mode "strict"/,
  );
  assert.throws(
    () =>
      fromDltDocument(
        { name: "s", tables: { t: { columns: { c: { nullable: "no" } } } } },
        "s.yaml",
      ),
    /column "c": nullable must be true or false/,
  );
  assert.throws(() => fromDltDocument([], "s.yaml"), /"s.yaml": is not a mapping/);
  assert.throws(
    () =>
      fromDltDocument(
        { name: "s", tables: { t: { references: [{ referenced_table: "u", columns: ["a"] }] } } },
        "s.yaml",
      ),
    /table "t", reference 0: referenced_columns is not a list of column names/,
  );
  assert.throws(
    () =>
      fromDltDocument({
        name: "s",
        tables: {
          t: {
            references: [{
              referenced_table: "u",
              columns: ["a"],
              referenced_columns: ["b"],
              cardinality: "lots",
            }],
          },
        },
      }, "s.yaml"),
    /cardinality "lots" is not one of/,
  );
});
