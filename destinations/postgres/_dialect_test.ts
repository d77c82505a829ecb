import assert from "node:assert/strict";
import type { ColumnSchema } from "../../lib/schema/schema.ts";
import {
  checkDatasetName,
  POSTGRES_DIALECT,
  postgresColumnType,
  stagingDatasetName,
} from "./_dialect.ts";

Deno.test("column types follow dlt's Postgres type mapper", () => {
  const cases: [Omit<ColumnSchema, "name">, string][] = [
    [{ dataType: "text" }, "varchar"],
    [{ dataType: "text", precision: 255 }, "varchar(255)"],
    [{ dataType: "bigint" }, "bigint"],
    [{ dataType: "bigint", precision: 8 }, "smallint"],
    [{ dataType: "bigint", precision: 16 }, "smallint"],
    [{ dataType: "bigint", precision: 17 }, "integer"],
    [{ dataType: "bigint", precision: 32 }, "integer"],
    [{ dataType: "bigint", precision: 64 }, "bigint"],
    [{ dataType: "bigint", precision: 128 }, "numeric(39,0)"],
    [{ dataType: "double" }, "double precision"],
    [{ dataType: "bool" }, "boolean"],
    [{ dataType: "timestamp" }, "timestamp with time zone"],
    [{ dataType: "timestamp", timezone: true, precision: 0 }, "timestamp (0) with time zone"],
    [{ dataType: "timestamp", timezone: false }, "timestamp without time zone"],
    [{ dataType: "timestamp", timezone: false, precision: 6 }, "timestamp (6) without time zone"],
    [{ dataType: "date" }, "date"],
    [{ dataType: "decimal" }, "numeric(38,9)"],
    [{ dataType: "decimal", precision: 20, scale: 0 }, "numeric(20,0)"],
    [{ dataType: "decimal", precision: 12 }, "numeric(12,0)"],
    [{ dataType: "binary" }, "bytea"],
    [{ dataType: "json" }, "jsonb"],
  ];
  for (const [column, type] of cases) {
    assert.equal(postgresColumnType({ name: "c", ...column }), type, JSON.stringify(column));
    assert.equal(POSTGRES_DIALECT.columnType({ name: "c", ...column }), type);
  }
  assert.throws(
    () => postgresColumnType({ name: "at", dataType: "timestamp", precision: 9 }),
    {
      name: "RangeError",
      message: /Column "at": Postgres timestamps have 0 to 6 fractional digits; got precision 9/,
    },
  );
});

Deno.test("the dialect's capabilities", () => {
  const { capabilities, insertOrder } = POSTGRES_DIALECT;
  assert.equal(insertOrder, "ctid");
  assert.equal(capabilities.maxIdentifierLength, 63);
  assert.equal(capabilities.preferredLoaderFileFormat, "csv");
  assert.deepEqual(capabilities.supportedLoaderFileFormats, ["csv", "insert_values"]);
  assert.deepEqual(
    [...capabilities.supportedMergeStrategies].sort(),
    ["delete-insert", "insert-only", "scd2", "upsert"],
  );
  assert.equal(capabilities.supportsTransactions, true);
});

Deno.test("a dataset name must be a schema name Postgres keeps whole", () => {
  for (const name of ["events", "x".repeat(63), "é".repeat(31), "With Space", "pgdata"]) {
    checkDatasetName(name);
  }
  const cases: [string, RegExp][] = [
    ["", /it is empty/],
    ["x".repeat(64), /it has 64 bytes, and Postgres keeps 63/],
    ["é".repeat(32), /it has 64 bytes/],
    ["pg_catalog_copy", /"pg_" is reserved/],
    ["a\0b", /NUL/],
  ];
  for (const [name, message] of cases) {
    assert.throws(() => checkDatasetName(name), (error: Error) => {
      assert.equal(error.name, "DestinationError");
      assert.match(error.message, /^Dataset name ".*" cannot be a Postgres schema name: /s);
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test("the staging schema is <dataset>_staging, shortened to 63 bytes with a hash", () => {
  assert.equal(stagingDatasetName("x".repeat(55)), `${"x".repeat(55)}_staging`);
  const long = stagingDatasetName("x".repeat(63));
  assert.equal(long.length, 63);
  assert.notEqual(long, stagingDatasetName(`${"x".repeat(62)}y`));
  // the same dataset always stages in the same schema
  assert.equal(long, stagingDatasetName("x".repeat(63)));
  const wide = stagingDatasetName("é".repeat(31));
  assert.ok(new TextEncoder().encode(wide).length <= 63, wide);
});
