import { readCsvNatively } from "../../tests/_native_duckdb.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { LoadPackageError } from "../errors.ts";
import { SchemaEvolver } from "../schema/evolution.ts";
import { newSchema } from "../schema/schema.ts";
import { JobWriter } from "./_job_writer.ts";
import { CSV_FORMAT } from "./csv.ts";
import { directNaming, snakeCaseNaming } from "./naming.ts";
import { FlatRow } from "./relational.ts";
import type { NormalizedValue } from "./inference.ts";

import { DenoStorage } from "../storage/deno_storage.ts";
import { MemoryStorage } from "../storage/memory_storage.ts";

/** A row as the tests write it. */
type Row = Record<string, NormalizedValue>;

const TEMP_ROOT = Deno.makeTempDirSync({ prefix: "denodlt_job_writer_test_" });
globalThis.addEventListener("unload", () => Deno.removeSync(TEMP_ROOT, { recursive: true }));

/** A CSV writer into a new folder, and a function adding rows to table `items`. */
function csvWriter(naming = snakeCaseNaming()) {
  const dir = Deno.makeTempDirSync({ dir: TEMP_ROOT });
  const evolver = new SchemaEvolver(newSchema("s"), naming);
  const storage = new DenoStorage(dir);
  const writer = new JobWriter(evolver, { storage, dir: "", prefix: "", format: CSV_FORMAT });
  const add = (...rows: Row[]) => {
    for (const row of rows) writer.add(evolver.table("items", undefined), FlatRow.of(row));
  };
  return { dir, writer, add };
}

Deno.test("a full disk while normalizing names the job file and the package", async () => {
  const storage = new MemoryStorage("/pipelines/p");
  const dir = "load/normalizing/1712.5";
  const full = new Error("No space left on device (os error 28)");
  let closed = false;
  storage.create = () =>
    Promise.resolve({
      write: () => Promise.reject(full),
      close: () => {
        closed = true;
        return Promise.resolve();
      },
    });
  const evolver = new SchemaEvolver(newSchema("s"), snakeCaseNaming());
  const writer = new JobWriter(evolver, { storage, dir, prefix: "", format: CSV_FORMAT });
  writer.add(evolver.table("items", undefined), FlatRow.of({ id: 1, name: "a" }));
  await assert.rejects(
    writer.close(),
    (e: unknown) =>
      e instanceof LoadPackageError && e.cause === full &&
      e.message ===
        `Cannot write job file "${
          join("/pipelines/p", dir, "items.1.csv")
        }" of load package "1712.5": No space left on device (os error 28)`,
  );
  assert.ok(closed);
});

Deno.test("normalized jobs record their size in bytes, header included", async () => {
  const { dir, writer, add } = csvWriter();
  add({ id: 1, name: "é" });
  await writer.close();
  const [job] = writer.jobs;
  assert.equal(job.bytes, (await Deno.stat(join(dir, job.file))).size);
  assert.equal(job.bytes, new TextEncoder().encode('id,name\n1,"é"\n').length);
});

Deno.test("CSV job files start with a header and every line has every column", async () => {
  const { dir, writer, add } = csvWriter();
  add({ a: 1 }, { a: 2, b: "x" }, { c: true });
  await writer.close();
  assert.equal(writer.jobs.length, 1);
  const [job] = writer.jobs;
  assert.equal(job.format, "csv");
  assert.deepEqual(job.columns, ["a", "b", "c"]);
  assert.equal(job.rows, 3);
  const path = join(dir, job.file);
  const lines = (await Deno.readTextFile(path)).split("\n");
  assert.deepEqual(lines, ["a,b,c", "1,,", '2,"x",', ",,true", ""]);
  for (const line of lines) assert.ok(job.longestLine! >= line.length + 1);
  assert.deepEqual(await readCsvNatively(path), [
    { a: "1", b: null, c: null },
    { a: "2", b: "x", c: null },
    { a: null, b: null, c: "true" },
  ]);
});

Deno.test("a column new to a table whose file is open starts the next file, once per drain", async () => {
  const { dir, writer, add } = csvWriter();
  add({ a: 1 });
  await writer.drain();
  add({ a: 2 }, { a: 3, b: "x" }, { a: 4, c: 1.5 }, { a: 5 });
  await writer.drain();
  add({ a: 6 });
  await writer.close();
  // the first file keeps its header; the lines buffered with it go to the second, padded
  assert.deepEqual(writer.jobs.map((j) => [j.columns, j.rows]), [
    [["a"], 1],
    [["a", "b", "c"], 5],
  ]);
  const [first, second] = await Promise.all(
    writer.jobs.map((j) => Deno.readTextFile(join(dir, j.file))),
  );
  assert.equal(first, "a\n1\n");
  assert.equal(second, 'a,b,c\n2,,\n3,"x",\n4,,1.5\n5,,\n6,,\n');
  assert.deepEqual((await readCsvNatively(join(dir, writer.jobs[1].file))).map((r) => r.c), [
    null,
    null,
    "1.5",
    null,
    null,
  ]);
  for (const job of writer.jobs) {
    assert.equal(job.bytes, (await Deno.stat(join(dir, job.file))).size);
  }
});

Deno.test("CSV quotes commas, quotes and line breaks in values and column names; an empty string is not NULL", async () => {
  const { dir, writer, add } = csvWriter(directNaming());
  const texts = ["a,b", 'say "hi"', "two\nlines", "crlf\r\nend", "ünïcødé ✓ 😀", "", " spaced "];
  for (const [i, text] of texts.entries()) add({ id: i, 'odd, "name"': text });
  add({ id: texts.length });
  await writer.close();
  const [job] = writer.jobs;
  assert.deepEqual(job.columns, ["id", 'odd, "name"']);
  const path = join(dir, job.file);
  assert.ok((await Deno.readTextFile(path)).startsWith('id,"odd, ""name"""\n'));
  const rows = await readCsvNatively(path);
  assert.deepEqual(rows.map((r) => r['odd, "name"']), [...texts, null]);
  assert.deepEqual(rows.map((r) => r.id), [...texts.keys(), texts.length].map(String));
  const size = (await Deno.stat(path)).size;
  assert.equal(job.bytes, size);
});

Deno.test("the longest line counts the header of a wide, sparse table", async () => {
  const { dir, writer, add } = csvWriter();
  const wide: Row = {};
  for (let i = 0; i < 200; i++) wide[`column_with_a_long_name_${i}`] = i;
  add(wide);
  const sparse = Array.from({ length: 50 }, (_, i) => ({ column_with_a_long_name_0: i }));
  add(...sparse);
  await writer.close();
  const [job] = writer.jobs;
  const lines = (await Deno.readTextFile(join(dir, job.file))).split("\n");
  const longest = Math.max(...lines.map((l) => new TextEncoder().encode(l).length + 1));
  assert.ok(lines[0].length > lines[1].length, "the header is the longest line");
  assert.ok(job.longestLine! >= longest);
  assert.equal(job.rows, 51);
});

Deno.test("a NOT NULL column without a value in a row fails naming table and column", async () => {
  const storage = new DenoStorage(Deno.makeTempDirSync({ dir: TEMP_ROOT }));
  const evolver = new SchemaEvolver(newSchema("s"), snakeCaseNaming());
  evolver.applyTableHints("items", {
    resource: "items",
    writeDisposition: "append",
    columns: { name: { dataType: "text", nullable: false } },
  });
  const writer = new JobWriter(evolver, { storage, dir: "", prefix: "", format: CSV_FORMAT });
  const table = evolver.table("items", undefined);
  writer.add(table, FlatRow.of({ id: 1, name: "" }));
  assert.throws(
    () => writer.add(table, FlatRow.of({ id: 2 })),
    /"items".*"name".*NOT NULL column has no value in a row/,
  );
  await writer.abort();
});

Deno.test("fileMaxItems splits one write between files; lines keep their columns across the split", async () => {
  const dir = Deno.makeTempDirSync({ dir: TEMP_ROOT });
  const evolver = new SchemaEvolver(newSchema("s"), snakeCaseNaming());
  const writer = new JobWriter(evolver, {
    storage: new DenoStorage(dir),
    dir: "",
    prefix: "",
    format: CSV_FORMAT,
    fileMaxItems: 4,
    bufferMaxItems: 100,
  });
  const add = (row: Row) => writer.add(evolver.table("items", undefined), FlatRow.of(row));
  for (let id = 1; id <= 3; id++) add({ id });
  // a column new to the table: the lines before it are padded
  for (let id = 4; id <= 6; id++) add({ id, name: `n${id}` });
  assert.equal(writer.full, false);
  await writer.close();
  assert.deepEqual(writer.jobs.map((j) => [j.file, j.rows, j.columns]), [
    ["items.1.csv", 4, ["id", "name"]],
    ["items.2.csv", 2, ["id", "name"]],
  ]);
  assert.equal(await Deno.readTextFile(join(dir, "items.1.csv")), 'id,name\n1,\n2,\n3,\n4,"n4"\n');
  assert.equal(await Deno.readTextFile(join(dir, "items.2.csv")), 'id,name\n5,"n5"\n6,"n6"\n');
});

Deno.test("bufferMaxItems rows make the job writer full", () => {
  const dir = Deno.makeTempDirSync({ dir: TEMP_ROOT });
  const evolver = new SchemaEvolver(newSchema("s"), snakeCaseNaming());
  const writer = new JobWriter(evolver, {
    storage: new DenoStorage(dir),
    dir: "",
    prefix: "",
    format: CSV_FORMAT,
    bufferMaxItems: 3,
  });
  const add = (row: Row) => writer.add(evolver.table("items", undefined), FlatRow.of(row));
  add({ id: 1 });
  add({ id: 2 });
  assert.equal(writer.full, false);
  add({ id: 3 });
  assert.equal(writer.full, true);
});
