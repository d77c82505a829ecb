import assert from "node:assert/strict";
import {
  makeHints,
  makeNestedHints,
  mark,
  MarkedItem,
  unmark,
  withHints,
  withTableName,
} from "./marks.ts";
import { resource } from "./resource.ts";

Deno.test("withTableName marks an item or a page; bad names are TypeErrors", () => {
  const page = [{ id: 1 }, { id: 2 }];
  const marked = withTableName(page, "t");
  assert.ok(marked instanceof MarkedItem);
  assert.equal(marked.data, page);
  assert.equal(marked.tableName, "t");
  assert.equal(marked.hints, undefined);
  assert.deepEqual(unmark(marked), [page, marked]);
  assert.deepEqual(unmark(page), [page, undefined]);
  assert.throws(() => withTableName({}, ""), /non-empty string; got ""/);
  assert.throws(() => withTableName({}, 3 as never), TypeError);
  assert.equal(mark.withTableName, withTableName);
});

Deno.test("makeHints checks and normalizes hints as resource() does", () => {
  const hints = makeHints({
    writeDisposition: { disposition: "merge", strategy: "upsert" },
    primaryKey: "id",
    columns: [{ name: "price", dataType: "decimal", precision: 10, scale: 2 }],
  });
  assert.equal(hints.writeDisposition, "merge");
  assert.equal(hints.mergeStrategy, "upsert");
  assert.deepEqual(hints.columns, { price: { dataType: "decimal", precision: 10, scale: 2 } });
  assert.throws(() => makeHints({ primary_key: "id" } as never), /primary_key/);
  assert.throws(() => makeHints({ columns: 3 as never }), /makeHints\(\)/);
  assert.throws(() => makeHints({ incremental: 1 } as never), /incremental/);
});

Deno.test("withHints keeps the hints and the variant flag; options are checked", () => {
  const item = { id: 1 };
  const plain = withHints(item, { tableName: "other", primaryKey: "id" });
  assert.equal(plain.tableName, "other");
  assert.equal(plain.createTableVariant, false);
  assert.equal(plain.hints?.primaryKey, "id");
  const variant = withHints(item, { tableName: "v" }, { createTableVariant: true });
  assert.equal(variant.createTableVariant, true);
  assert.throws(() => withHints(item, {}, { variant: true } as never), /no option "variant"/);
  assert.throws(
    () => withHints(item, {}, { createTableVariant: "yes" } as never),
    /must be a boolean/,
  );
});

Deno.test("makeNestedHints checks one nested table's hints", () => {
  const hints = makeNestedHints({
    columns: [{ name: "price", dataType: "decimal" }],
    schemaContract: { columns: "freeze" },
  });
  assert.deepEqual(hints, {
    columns: { price: { dataType: "decimal" } },
    schemaContract: { columns: "freeze" },
  });
  // dlt's custom linking: keys, the write disposition (dict form too) and references
  assert.deepEqual(
    makeNestedHints({
      primaryKey: ["customer_id", "id"],
      writeDisposition: { disposition: "merge", strategy: "upsert" },
      references: [{
        referencedTable: "customers",
        columns: "customer_id",
        referencedColumns: "id",
      }],
    }),
    {
      primaryKey: ["customer_id", "id"],
      writeDisposition: "merge",
      mergeStrategy: "upsert",
      references: [
        { columns: ["customer_id"], referencedTable: "customers", referencedColumns: ["id"] },
      ],
    },
  );
  // a key given as a column hint makes a table of its own as well
  assert.equal(
    makeNestedHints({ columns: { id: { mergeKey: true } }, writeDisposition: "merge" })
      .writeDisposition,
    "merge",
  );
  assert.throws(
    () => makeNestedHints({ writeDisposition: "merge" }),
    /without a primaryKey or mergeKey: a nested table is written as its root table is/,
  );
  assert.throws(
    () => makeNestedHints({ primaryKey: "id", mergeStrategy: "upsert" }),
    /mergeStrategy "upsert", which needs writeDisposition "merge", not "append"/,
  );
  assert.throws(
    () =>
      makeNestedHints({
        mergeKey: "day",
        writeDisposition: { disposition: "merge", strategy: "upsert" },
      }),
    /matches rows by primaryKey only/,
  );
  assert.throws(
    () =>
      makeNestedHints({
        primaryKey: "id",
        writeDisposition: { disposition: "merge", strategy: "scd2" },
      }),
    /"scd2", which nested tables do not support yet/,
  );
  assert.throws(
    () => makeNestedHints({ references: [{ referencedTable: "c", columns: ["a"] }] as never }),
    /reference 0 .* has no "referencedColumns"/,
  );
  assert.throws(
    () =>
      makeNestedHints({
        references: [{ referencedTable: "c", columns: ["a", "b"], referencedColumns: ["id"] }],
      }),
    /names 2 column\(s\) and 1 referenced column\(s\)/,
  );
  // dlt's snake_case keys in a reference (a dict, as dlt's columns)
  assert.deepEqual(
    makeNestedHints({
      references: [{ referenced_table: "c", columns: ["a"], referenced_columns: ["id"] }] as never,
    }).references,
    [{ columns: ["a"], referencedTable: "c", referencedColumns: ["id"] }],
  );
  assert.throws(() => makeNestedHints({ fileFormat: "csv" } as never), /root table's file format/);
  assert.throws(
    () => makeNestedHints({ columns: { p: { dataType: "money" } } } as never),
    /dataType/,
  );
});

Deno.test("marks survive maps and filters; a map may mark its result; pages keep item marks", async () => {
  const r = resource(function* () {
    yield withTableName({ n: 1 }, "a");
    yield [withTableName({ n: 2 }, "b"), { n: 3 }];
  }, { name: "r" })
    .addMap((item) => item.n === 3 ? withTableName({ n: 30 }, "c") : { n: item.n * 10 })
    .addFilter((item) => item.n !== 0);
  const context = { state: {}, sourceState: {}, signal: new AbortController().signal, config: {} };
  r.resetLimits();
  const units = await Array.fromAsync(r.yields(context));
  const first = units[0] as MarkedItem;
  assert.equal(first.tableName, "a");
  assert.deepEqual(first.data, { n: 10 });
  const page = units[1] as unknown[];
  assert.equal((page[0] as MarkedItem).tableName, "b");
  assert.deepEqual((page[0] as MarkedItem).data, { n: 20 });
  assert.equal((page[1] as MarkedItem).tableName, "c");
  // iterating takes the marks off
  assert.deepEqual(await r.toArray(), [{ n: 10 }, { n: 20 }, { n: 30 }]);
});

Deno.test("applyHints with createTableVariant keeps hints apart by table", () => {
  const r = resource([], { name: "r", primaryKey: "id", tableName: (i: { t: string }) => i.t });
  r.applyHints({ tableName: "audit", writeDisposition: "replace", createTableVariant: true });
  const variant = r.tableVariant("audit")!;
  assert.equal(variant.writeDisposition, "replace");
  assert.equal(variant.primaryKey, "id", "a variant starts from the resource's fixed hints");
  assert.equal(typeof r.hints.tableName, "function");
  assert.equal(r.tableVariant("other"), undefined);
  assert.throws(() => r.applyHints({ createTableVariant: true }), /needs a tableName string/);
  assert.throws(
    () => r.applyHints({ tableName: "x", mergeKey: () => "k", createTableVariant: true }),
    /fixed hints only/,
  );
  // a copy keeps the variants
  assert.equal(r.withName("copy").tableVariant("audit")?.writeDisposition, "replace");
});
