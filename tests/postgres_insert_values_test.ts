/**
 * INSERT VALUES job files (dlt's `insert_values`) into a real PostgreSQL server: every type
 * escaped so the table holds what CSV loads, merges keep their row order, a value the server
 * refuses fails the load naming the job file with nothing of its table loaded, and Postgres
 * refuses Parquet listing the formats it loads.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type LoaderFileFormat, pipeline, resource } from "../mod.ts";
import { postgres } from "../destinations/postgres/mod.ts";
import { PendingPackageFailed } from "../lib/errors.ts";
import { adminQuery, postgresTest } from "./_postgres.ts";
import { tempDir } from "./_helpers.ts";

/** Items with a value of every type, and the texts SQL escaping must keep. */
const typed = () =>
  resource([
    {
      id: 1,
      big: 9007199254740993n,
      name: "it's a \\ backslash, 'quotes' and \"double\"",
      lines: "two\nlines\r\nand a tab\t",
      unicode: "ünï ✓ 😀",
      at: "2024-05-01T10:00:00.123456+02:00",
      naive: "2024-05-01T10:00:00+02:00",
      day: "2024-02-29",
      price: "12.345",
      x: 1.5,
      ok: true,
      raw: new Uint8Array([0, 39, 92, 255]),
      doc: { s: "x\ny", q: "it's", n: 12345678901234567890n },
      tags: ["a'b", "c\nd"],
    },
    { id: 2, name: "", x: NaN, ok: false, tags: [] },
    { id: 3, x: -Infinity, price: "1e3", doc: "text", at: "2024-05-01 10:00" },
  ], {
    name: "typed",
    columns: {
      naive: { dataType: "timestamp", timezone: false },
      day: { dataType: "date" },
      price: { dataType: "decimal", precision: 12, scale: 2 },
      doc: { dataType: "json" },
    },
  });

/** The rows of `typed` in `dataset`, every value as the server's text. */
function typedRows(dataset: string) {
  return adminQuery(
    `SELECT id, big, name, lines, unicode, at::text AS at, naive::text AS naive, day::text AS day,
      price::text AS price, x::text AS x, ok::text AS ok, encode(raw, 'hex') AS raw, doc::text AS doc
     FROM "${dataset}".typed ORDER BY id`,
  );
}

/** A pipeline into `dataset` of the test server, writing `loaderFileFormat` job files. */
async function postgresPipeline(url: string, dataset: string, loaderFileFormat?: LoaderFileFormat) {
  return pipeline({
    pipelineName: `pg_values_${loaderFileFormat ?? "default"}`,
    destination: postgres({ credentials: url }),
    datasetName: dataset,
    pipelinesDir: join(await tempDir("pg_values"), "pipelines"),
    loaderFileFormat,
  });
}

postgresTest(
  "INSERT VALUES job files load every type as CSV does, escaped",
  async ({ url, dataset }) => {
    const p = await postgresPipeline(url, dataset, "insert_values");
    const info = await p.run(typed());
    assert.deepEqual(info.rowCounts, { typed: 3, typed__tags: 2 });
    const rows = await typedRows(dataset);
    assert.deepEqual(rows[0], {
      id: "1",
      big: "9007199254740993",
      name: "it's a \\ backslash, 'quotes' and \"double\"",
      lines: "two\nlines\r\nand a tab\t",
      unicode: "ünï ✓ 😀",
      at: "2024-05-01 08:00:00.123456+00",
      naive: "2024-05-01 08:00:00",
      day: "2024-02-29",
      price: "12.35",
      x: "1.5",
      ok: "true",
      raw: "00275cff",
      doc: '{"n": 12345678901234567890, "q": "it\'s", "s": "x\\ny"}',
    });
    assert.deepEqual(rows.map((r) => [r.x, r.price, r.doc]), [
      ["1.5", "12.35", rows[0].doc],
      ["NaN", null, null],
      ["-Infinity", "1000.00", '"text"'],
    ]);
    assert.deepEqual(
      (await adminQuery(`SELECT value FROM "${dataset}".typed__tags ORDER BY value`)).map((r) =>
        r.value
      ),
      ["a'b", "c\nd"],
    );
    // the same data through CSV (COPY): the same rows
    const csvDataset = `${dataset}_csv`;
    try {
      const csv = await postgresPipeline(url, csvDataset, "csv");
      await csv.run(typed());
      assert.deepEqual(await typedRows(csvDataset), rows);
    } finally {
      await adminQuery(`DROP SCHEMA IF EXISTS "${csvDataset}" CASCADE`);
    }
  },
);

postgresTest(
  "a merge from INSERT VALUES files keeps the last of duplicate rows",
  async ({ url, dataset }) => {
    const p = await postgresPipeline(url, dataset, "insert_values");
    const keyed = (value: string) =>
      resource([{ id: 1, value: `${value}-first` }, { id: 1, value }, { id: 2, value }], {
        name: "keyed",
        primaryKey: "id",
        writeDisposition: "merge",
      });
    await p.run(keyed("a"));
    await p.run(keyed("b"));
    assert.deepEqual(
      await adminQuery(`SELECT id, value FROM "${dataset}".keyed ORDER BY id`),
      [{ id: "1", value: "b" }, { id: "2", value: "b" }],
    );
  },
);

postgresTest(
  "a value the server refuses fails the load naming the INSERT VALUES job file; nothing of its table is loaded",
  async ({ url, dataset }) => {
    const p = await postgresPipeline(url, dataset, "insert_values");
    const short = resource([{ id: 1, code: "ab" }, { id: 2, code: "too long" }], {
      name: "short",
      columns: { code: { dataType: "text", precision: 2 } },
    });
    await assert.rejects(p.run(short), (e: unknown) => {
      assert.ok(e instanceof PendingPackageFailed, String(e));
      assert.match(
        e.message,
        /Cannot load job file "short\.\d+\.insert_values" into table "short": .*value too long/,
      );
      return true;
    });
    assert.deepEqual(
      await adminQuery(
        `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'short'`,
        [dataset],
      ),
      [{ n: "0" }],
    );
  },
);

postgresTest(
  "Postgres loads no Parquet: asking for it is a RangeError listing the formats it loads",
  async ({ url, dataset }) => {
    const p = await postgresPipeline(url, dataset);
    await assert.rejects(
      p.run(typed(), { loaderFileFormat: "parquet" }),
      /^RangeError: Destination "postgres" does not load "parquet" files; loaderFileFormat takes "csv", "insert_values"$/,
    );
  },
);
