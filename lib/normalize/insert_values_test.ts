import assert from "node:assert/strict";
import { join } from "node:path";
import { SchemaEvolver } from "../schema/evolution.ts";
import { type ColumnHint, newSchema } from "../schema/schema.ts";
import { DenoStorage } from "../storage/deno_storage.ts";
import { JobWriter } from "./_job_writer.ts";
import { INSERT_VALUES_FORMAT } from "./insert_values.ts";
import { snakeCaseNaming } from "./naming.ts";
import { FlatRow } from "./relational.ts";
import type { NormalizedValue } from "./inference.ts";

import { BigIntValue, BinaryValue } from "./typed_json.ts";

/** A row as the tests write it. */
type Row = Record<string, NormalizedValue>;

const TEMP_ROOT = Deno.makeTempDirSync({ prefix: "denodlt_insert_values_test_" });
globalThis.addEventListener("unload", () => Deno.removeSync(TEMP_ROOT, { recursive: true }));

/** An INSERT VALUES writer into a new folder whose table `items` has the hints `columns`. */
function valuesWriter(columns: Record<string, ColumnHint> = {}) {
  const dir = Deno.makeTempDirSync({ dir: TEMP_ROOT });
  const evolver = new SchemaEvolver(newSchema("s"), snakeCaseNaming());
  evolver.applyTableHints("items", { resource: "items", writeDisposition: "append", columns });
  const storage = new DenoStorage(dir);
  const writer = new JobWriter(evolver, {
    storage,
    dir: "",
    prefix: "",
    format: INSERT_VALUES_FORMAT,
  });
  const add = (...rows: Row[]) => {
    for (const row of rows) writer.add(evolver.table("items", undefined), FlatRow.of(row));
  };
  const text = (i = 0) => Deno.readTextFile(join(dir, writer.jobs[i].file));
  return { storage, writer, add, text };
}

Deno.test("INSERT VALUES files have a row tuple of SQL literals per line, NULL for missing values", async () => {
  const { writer, add, text } = valuesWriter({
    naive: { dataType: "timestamp", timezone: false },
    price: { dataType: "decimal", precision: 10, scale: 2 },
    doc: { dataType: "json" },
    day: { dataType: "date" },
  });
  add({
    id: new BigIntValue("9007199254740993"),
    name: "it's a\\b",
    x: 1.5,
    ok: true,
    at: "2024-05-01T10:00:00+02:00",
    naive: "2024-05-01T10:00:00+02:00",
    price: "12.345",
    bin: new BinaryValue("AAH/"),
    doc: { s: "x\ny", q: "'" },
    day: "2024-02-29",
  });
  add({ id: 2, name: "two\nlines\r\n", x: NaN, ok: false });
  await writer.close();
  const [job] = writer.jobs;
  assert.equal(job.format, "insert_values");
  assert.equal(job.rows, 2);
  assert.deepEqual(job.columns, [
    "id",
    "name",
    "x",
    "ok",
    "at",
    "naive",
    "price",
    "bin",
    "doc",
    "day",
  ]);
  assert.equal(
    await text(),
    "(9007199254740993,'it''s a\\b',1.5,TRUE,'2024-05-01T10:00:00+02:00'," +
      "('2024-05-01T10:00:00+02:00'::timestamptz AT TIME ZONE 'UTC'),'12.345'," +
      `decode('AAH/', 'base64'),'{"s":"x\\ny","q":"''"}','2024-02-29')\n` +
      "(2,E'two\\nlines\\r\\n','NaN',FALSE,NULL,NULL,NULL,NULL,NULL,NULL)\n",
  );
  assert.equal(job.bytes, new TextEncoder().encode(await text()).length);
});

Deno.test("a column new to a table whose INSERT VALUES file is open starts the next file; buffered lines get NULLs", async () => {
  const { writer, add, text } = valuesWriter();
  add({ a: 1 });
  await writer.drain();
  add({ a: 2 }, { a: 3, b: "x" });
  await writer.close();
  assert.deepEqual(writer.jobs.map((j) => [j.columns, j.rows]), [[["a"], 1], [["a", "b"], 2]]);
  assert.equal(await text(0), "(1)\n");
  assert.equal(await text(1), "(2,NULL)\n(3,'x')\n");
});

Deno.test("renaming the columns of an INSERT VALUES job changes the job, not the file", async () => {
  const { writer, add, text, storage } = valuesWriter();
  add({ size: "large", n: 1 });
  await writer.close();
  const [job] = writer.jobs;
  const before = await text();
  const after = await INSERT_VALUES_FORMAT.renameColumns(
    storage,
    "",
    job,
    new Map([["size", "size__v_text"]]),
  );
  assert.deepEqual(after, { ...job, columns: ["size__v_text", "n"] });
  assert.equal(await text(), before);
});
