import assert from "node:assert/strict";
import { join } from "node:path";
import { SchemaEvolver } from "../schema/evolution.ts";
import { type ColumnHint, type DataType, newSchema } from "../schema/schema.ts";
import { JobWriter } from "./_job_writer.ts";
import { CSV_FORMAT } from "./csv.ts";
import { JSONL_FORMAT } from "./jsonl.ts";
import { snakeCaseNaming } from "./naming.ts";
import { FlatRow } from "./relational.ts";
import type { NormalizedValue } from "./inference.ts";

import { BigIntValue, BinaryValue } from "./typed_json.ts";
import type { JobFileFormat } from "./job_file_format.ts";
import { DenoStorage } from "../storage/deno_storage.ts";
import { nativeQuery } from "../../tests/_native_duckdb.ts";

/** A row as the tests write it. */
type Row = Record<string, NormalizedValue>;

const TEMP_ROOT = Deno.makeTempDirSync({ prefix: "denodlt_jsonl_test_" });
globalThis.addEventListener("unload", () => Deno.removeSync(TEMP_ROOT, { recursive: true }));

/** A writer of `format` into a new folder whose table `items` has the column hints `columns`. */
function writerOf(format: JobFileFormat, columns: Record<string, ColumnHint> = {}) {
  const dir = Deno.makeTempDirSync({ dir: TEMP_ROOT });
  const evolver = new SchemaEvolver(newSchema("s"), snakeCaseNaming());
  evolver.applyTableHints("items", { resource: "items", writeDisposition: "append", columns });
  const storage = new DenoStorage(dir);
  const writer = new JobWriter(evolver, { storage, dir: "", prefix: "", format });
  const add = (...rows: Row[]) => {
    for (const row of rows) writer.add(evolver.table("items", undefined), FlatRow.of(row));
  };
  return { dir, storage, writer, add, evolver };
}

/** Runs `sql` in an in-memory native DuckDB (UTC) and returns its rows as JSON values. */
function duckdb(sql: string): Promise<Record<string, unknown>[]> {
  return nativeQuery(":memory:", sql, { setup: ["SET TimeZone = 'UTC'"] });
}

function base64(bytes: number[]): string {
  return btoa(String.fromCharCode(...bytes));
}

/** One column per data type, with the values written to it (the row's order). */
const TYPED: Record<string, { dataType: DataType; values: NormalizedValue[] }> = {
  text: { dataType: "text", values: ['a,"b"\nc', "", "ünï ✓ 😀", "\uE000 marker-like"] },
  big: {
    dataType: "bigint",
    values: [
      new BigIntValue("9007199254740993"),
      new BigIntValue("-9223372036854775808"),
      42,
      "+7",
    ],
  },
  dbl: { dataType: "double", values: [1.5, 1e300, NaN, -Infinity] },
  flag: { dataType: "bool", values: [true, false, true, false] },
  ts: {
    dataType: "timestamp",
    values: [
      "2024-03-05T23:30:00.123456+02:00",
      "2024-03-05 01:02:03",
      "1999-12-31T23:59:59Z",
      "2024-02-29T12:00:00.5-05:30",
    ],
  },
  day: { dataType: "date", values: ["2024-03-05", "1970-01-01", "2000-02-29", "9999-12-31"] },
  dec: {
    dataType: "decimal",
    values: ["12345678901234567890.123456789", "-0.000000001", "12.50", "0"],
  },
  bin: {
    dataType: "binary",
    values: [[0, 1, 2, 255], [], [104, 105], [0]].map((b) => new BinaryValue(base64(b))),
  },
  doc: {
    dataType: "json",
    values: [
      { x: [1, "\uE000n12345678901234567890"], s: "str", nested: { doc: null } },
      "just text",
      12.5,
      [true, { "": "empty key" }],
    ],
  },
};

/** DuckDB types to read each column of {@linkcode TYPED} into. */
const DUCKDB_TYPES: Record<DataType, string> = {
  text: "VARCHAR",
  bigint: "BIGINT",
  double: "DOUBLE",
  bool: "BOOLEAN",
  timestamp: "TIMESTAMPTZ",
  date: "DATE",
  decimal: "DECIMAL(38,9)",
  binary: "VARCHAR",
  json: "JSON",
};

/** What native DuckDB gives for `value` of a column of `dataType`, computed from the value. */
async function expectedFromDuckDb(value: NormalizedValue, dataType: DataType): Promise<unknown> {
  switch (dataType) {
    case "bigint":
      return String(value instanceof BigIntValue ? value.digits : BigInt(value as string | number));
    case "double":
      return Number.isFinite(value) ? value : String(value);
    case "timestamp":
    case "date":
    case "decimal": {
      const [row] = await duckdb(
        `SELECT CAST('${value}' AS ${DUCKDB_TYPES[dataType]}) AS v`,
      );
      return row.v;
    }
    case "binary":
      // read back as hex: every byte, whatever its value
      return [...atob((value as BinaryValue).base64)]
        .map((c) => c.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase()).join("");
    case "json": {
      // the value as it was extracted: marked bigints are exact number literals
      const text = JSON.stringify(value).replace(/"\uE000n(-?\d+)"/g, "$1");
      const [row] = await duckdb(`SELECT json('${text.replaceAll("'", "''")}')::VARCHAR AS v`);
      return row.v;
    }
    default:
      return value;
  }
}

Deno.test("JSONL keeps every data type: native DuckDB reads back the typed values", async () => {
  const columns = Object.fromEntries(
    Object.entries(TYPED).map(([name, { dataType }]) => [name, { dataType }]),
  );
  const { dir, writer, add } = writerOf(JSONL_FORMAT, columns);
  const rows = TYPED.text.values.map((_, i) =>
    Object.fromEntries(Object.entries(TYPED).map(([name, { values }]) => [name, values[i]]))
  );
  add(...rows, { flag: true });
  await writer.close();
  const [job] = writer.jobs;
  assert.equal(job.format, "jsonl");
  assert.ok(job.file.endsWith(".jsonl"));
  assert.equal(job.rows, rows.length + 1);
  const path = join(dir, job.file);
  const spec = Object.entries(TYPED).map(([name, { dataType }]) =>
    `${name}: '${DUCKDB_TYPES[dataType]}'`
  );
  const read = await duckdb(
    `SELECT * REPLACE (hex(from_base64(bin)) AS bin, doc::VARCHAR AS doc) FROM read_json('${path}', format = 'newline_delimited', columns = {${
      spec.join(", ")
    }})`,
  );
  for (const [i, row] of rows.entries()) {
    for (const [name, { dataType }] of Object.entries(TYPED)) {
      const expected = await expectedFromDuckDb(row[name], dataType);
      assert.deepEqual(read[i][name], expected, `${name} of row ${i}`);
    }
  }
  // a row without a value in a column reads as NULL there
  const { flag, ...nulls } = read[rows.length];
  assert.equal(flag, true);
  assert.ok(Object.values(nulls).every((v) => v === null));
});

Deno.test("JSONL lines are objects of the row's non-null values; bigints stay exact for JavaScript", async () => {
  const { dir, writer, add } = writerOf(JSONL_FORMAT, { n: { dataType: "bigint" } });
  add({ n: new BigIntValue("9223372036854775807"), s: "" }, { s: "x" }, { n: 1 });
  await writer.close();
  const text = await Deno.readTextFile(join(dir, writer.jobs[0].file));
  assert.deepEqual(text.split("\n"), [
    '{"n":9223372036854775807,"s":""}',
    '{"s":"x"}',
    '{"n":1}',
    "",
  ]);
  // a reader with access to the source text keeps every digit
  const exact = JSON.parse(
    text.split("\n")[0],
    ((_: string, value: unknown, context: { source?: string }) =>
      typeof value === "number" ? BigInt(context.source!) : value) as never,
  );
  assert.equal(exact.n, 2n ** 63n - 1n);
});

Deno.test("JSONL files have no header: a new column keeps the file open", async () => {
  const { dir, writer, add } = writerOf(JSONL_FORMAT);
  add({ a: 1 });
  await writer.drain();
  add({ a: 2, b: "x" });
  await writer.close();
  assert.equal(writer.jobs.length, 1);
  const [job] = writer.jobs;
  assert.deepEqual(job.columns, ["a", "b"]);
  const text = await Deno.readTextFile(join(dir, job.file));
  assert.equal(text, '{"a":1}\n{"a":2,"b":"x"}\n');
  assert.equal(job.bytes, text.length);
  assert.ok(job.longestLine! >= '{"a":2,"b":"x"}\n'.length);
});

Deno.test("renaming columns rewrites a JSONL file's keys and a CSV file's header, values intact", async () => {
  const renamed = new Map([["size", "size__v_text"]]);
  const rows: Row[] = [
    { size: "large", doc: { size: 1, big: "\uE000n12345678901234567890" }, n: 1.25 },
    { size: 'small, "quoted"\nline', n: 2 },
  ];

  const jsonl = writerOf(JSONL_FORMAT, { doc: { dataType: "json" } });
  jsonl.add(...rows);
  await jsonl.writer.close();
  const [jsonlJob] = jsonl.writer.jobs;
  const before = await Deno.readTextFile(join(jsonl.dir, jsonlJob.file));
  const after = await JSONL_FORMAT.renameColumns(jsonl.storage, "", jsonlJob, renamed);
  const text = await Deno.readTextFile(join(jsonl.dir, jsonlJob.file));
  // only the top-level key changes: the json value keeps its own "size" and every digit
  assert.equal(text, before.replaceAll(/^\{"size":/gm, '{"size__v_text":'));
  assert.match(text, /"doc":\{"size":1,"big":12345678901234567890\}/);
  assert.deepEqual(after.columns, ["size", "doc", "n"].map((c) => renamed.get(c) ?? c));
  assert.equal(after.bytes, new TextEncoder().encode(text).length);
  assert.ok(after.longestLine! >= Math.max(...text.split("\n").map((l) => l.length + 1)));

  const csv = writerOf(CSV_FORMAT, { doc: { dataType: "json" } });
  csv.add(...rows);
  await csv.writer.close();
  const [csvJob] = csv.writer.jobs;
  const csvBefore = await Deno.readTextFile(join(csv.dir, csvJob.file));
  const csvAfter = await CSV_FORMAT.renameColumns(csv.storage, "", csvJob, renamed);
  const csvText = await Deno.readTextFile(join(csv.dir, csvJob.file));
  assert.equal(csvText, csvBefore.replace(/^size,/, "size__v_text,"));
  assert.deepEqual(csvAfter.columns, after.columns);
  assert.equal(csvAfter.bytes, new TextEncoder().encode(csvText).length);
  assert.ok(csvAfter.longestLine! >= "size__v_text,doc,n\n".length);
  assert.deepEqual(await Array.fromAsync(Deno.readDir(csv.dir)).then((e) => e.length), 1);
});
