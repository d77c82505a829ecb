/**
 * Conformance: a Postgres table read by `sqlTable` loads the same values whichever way its rows
 * travel. Where the resource's items reach the written file unchanged, the source hands over
 * pages of CSV records from `COPY … TO STDOUT` (`lib/extract/csv_pages.ts`): normalize appends
 * the system columns to them where the destination loads CSV, and reads them back into items
 * where it loads another format (JSONL, Parquet, INSERT VALUES). A resource with a map reads
 * rows through a cursor. Both copies of a table of every type and tricky values must come back
 * equal, on every destination; so must the rows an incremental cursor loads run after run, ties
 * at its boundary included (the source reads the rows at the cursor's start and new last value
 * as rows, for the cursor to compare, and those between as pages).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { incremental } from "../../mod.ts";
import { sqlTable } from "../../sources/sql_database.ts";
import { adminQuery, POSTGRES_URL, postgresTest } from "../_postgres.ts";
import { conformanceTest } from "./_destinations.ts";

/** Creates `schema`.items: a column of each type, a row of NULLs and rows of tricky values. */
function itemsTable(schema: string): string {
  return `CREATE SCHEMA "${schema}";
    CREATE TYPE "${schema}".mood AS ENUM ('sad', 'happy');
    CREATE TABLE "${schema}".items (
      id integer PRIMARY KEY, small smallint, big bigint, price numeric(20,6), amount numeric,
      ratio double precision, r real, flag boolean, label text, code varchar(12), born date,
      at timestamptz, naive timestamp, data bytea, doc jsonb, raw json, tags text[], nums int[],
      uid uuid, t time, mood "${schema}".mood, span interval, pad char(5));
    INSERT INTO "${schema}".items (id) VALUES (1);
    INSERT INTO "${schema}".items VALUES
      (2, -32768, 9007199254740993, 99999999999999.999999, 0.000000001, 'NaN', 1.1, true, '',
       'a"b', DATE '2024-02-29', TIMESTAMPTZ '2024-02-29 23:59:59.999999+05:30',
       TIMESTAMP '2024-02-29 23:59:59.999999', ''::bytea, '{"a": [1, 2], "b": {"c": null}}',
       '{"x" : "y"}', ARRAY['with,comma', 'with "quote"', ''], ARRAY[1, NULL, 3],
       'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '12:34:56.789', 'happy', '1 day 02:00:00', 'ab'),
      (3, 32767, -9223372036854775808, -0.000001, 123456789.123456789, 'Infinity', -0.5, false,
       E'line one\\r\\nline two, "quoted"\\n\\\\N', 'NULL', DATE '1970-01-01',
       TIMESTAMPTZ '1970-01-01 00:00:00+00', TIMESTAMP '2000-01-01 00:00:00',
       decode(repeat('00ff0a0d22', 40), 'hex'), '"just a string"', '[1, "two", 3.5]',
       ARRAY[]::text[], ARRAY[]::int[], NULL, '00:00:00', 'sad', '-3 months', ''),
      (4, 0, 0, 0, 0, '-Infinity', 0, NULL, 'ünïcødé ✓ 日本 😀', ',,,', NULL,
       TIMESTAMPTZ '2038-01-19 03:14:07.5+00', NULL, decode('deadbeef', 'hex'), 'true',
       'null', ARRAY['日本'], ARRAY[2147483647], NULL, NULL, NULL, NULL, NULL);
    CREATE TABLE "${schema}".single (v text);
    INSERT INTO "${schema}".single VALUES ('a'), (NULL), (''), (NULL);`;
}

/** The files of the extracted packages under `pipelinesDir`, by extension. */
async function extractedFiles(pipelinesDir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (/\.(csv|jsonl)$/.test(entry.name)) files.push(entry.name);
    }
  };
  await walk(join(pipelinesDir, "conformance", "normalize", "extracted"));
  return files.sort();
}

const NAME = "a Postgres table loads the same values through COPY pages as through rows";
const INCREMENTAL =
  "an incremental Postgres table loads the same rows through pages as through rows";

if (POSTGRES_URL === undefined) {
  // the source's server is missing: ignored, or a failure under CI
  postgresTest(NAME, () => Promise.resolve());
  postgresTest(INCREMENTAL, () => Promise.resolve());
} else {
  const url = POSTGRES_URL;
  conformanceTest(NAME, { needsSql: true }, async (ctx) => {
    const schema = `src_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await adminQuery(itemsTable(schema));
    try {
      const pipelinesDir = await ctx.tempDir();
      const p = ctx.pipeline({ pipelinesDir });
      const copied = await sqlTable({ credentials: url, schema, table: "items" });
      // a map sees each row: the rows are read one by one
      const rows = (await sqlTable({ credentials: url, schema, table: "items", name: "rows" }))
        .addMap((row) => row);
      // a one-column table, NULLs in it
      const single = await sqlTable({ credentials: url, schema, table: "single" });
      await p.extract([copied, rows, single]);
      const files = await extractedFiles(pipelinesDir);
      assert.ok(files.some((f) => /^items\..*\.csv$/.test(f)), files.join());
      assert.ok(files.some((f) => /^rows\..*\.jsonl$/.test(f)), files.join());
      await p.normalize();
      const info = await p.load();
      assert.equal(info.hasFailedJobs, false);

      const read = async (table: string) =>
        (await p.dataset().table(table).orderBy("id").rows()).map((row) => {
          const { _dlt_id, _dlt_load_id, ...data } = row as Record<string, unknown>;
          assert.match(String(_dlt_id), /^[A-Za-z0-9_-]{14}$/);
          assert.equal(_dlt_load_id, info.loadIds[0]);
          return data;
        });
      const singles = await p.dataset().table("single").rows<{ v: string | null }>();
      assert.deepEqual(singles.map((r) => r.v).sort(), ["", "a", null, null]);
      const viaPages = await read("items");
      assert.equal(viaPages.length, 4);
      assert.deepEqual(viaPages, await read("rows"));
      const [two, three] = [viaPages[1], viaPages[2]];
      assert.equal(two.big, 9007199254740993n);
      assert.deepEqual(JSON.parse(two.tags as string), ["with,comma", 'with "quote"', ""]);
      // char(n) keeps its padding; JSON's null is NULL
      assert.equal(two.pad, "ab   ");
      assert.equal(viaPages[3].raw, null);
      assert.equal(two.label, "");
      assert.ok(Number.isNaN(two.ratio));
      assert.equal(three.label, 'line one\r\nline two, "quoted"\n\\N');
      assert.deepEqual(
        three.data,
        new Uint8Array(Array.from({ length: 40 }, () => [0, 255, 10, 13, 34]).flat()),
      );
      assert.deepEqual(viaPages[0], {
        ...Object.fromEntries(Object.keys(two).map((k) => [k, null])),
        id: 1,
      });
    } finally {
      await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });

  conformanceTest(INCREMENTAL, { needsSql: true }, async (ctx) => {
    const schema = `src_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    const t = `"${schema}".events`;
    await adminQuery(
      `CREATE SCHEMA "${schema}"; CREATE TABLE ${t} (id int PRIMARY KEY, at timestamptz, v text);
       INSERT INTO ${t} SELECT i, TIMESTAMPTZ '2024-01-01 00:00:00.000001+00' + (i / 3) * INTERVAL '1 hour', 'v' || i
         FROM generate_series(1, 10) AS i;`,
    );
    try {
      const p = ctx.pipeline();
      // rows without a cursor value are left out
      const cursor = () => incremental("at", { onCursorValueMissing: "exclude" });
      const resources = async () => [
        await sqlTable({ credentials: url, schema, table: "events", incremental: cursor() }),
        // a map sees each row: the rows are read one by one, the cursor filters them
        (await sqlTable({
          credentials: url,
          schema,
          table: "events",
          name: "rows",
          incremental: cursor(),
        })).addMap((row) => row),
      ];
      // by id, then by cursor: an updated row is there twice
      const read = async (table: string) =>
        (await p.dataset().table(table).rows()).map((row) => {
          const { id, at, v } = row as Record<string, unknown>;
          return { id, at: (at as Date).toISOString(), v };
        }).sort((a, b) => Number(a.id) - Number(b.id) || a.at.localeCompare(b.at));
      const runs: Record<string, number>[] = [];
      const changes = [
        // a tie with the last value, an update past it and a new row
        `INSERT INTO ${t} VALUES (11, (SELECT max(at) FROM ${t}), 'tie');
         UPDATE ${t} SET at = at + INTERVAL '1 day', v = 'moved' WHERE id = 2;
         INSERT INTO ${t} VALUES (12, TIMESTAMPTZ '2024-03-01 00:00:00+00', 'new'), (13, NULL, 'no cursor');`,
        // a change that leaves the cursor's column as it was is not seen
        `UPDATE ${t} SET v = 'unseen' WHERE id = 1;`,
      ];
      for (const change of [undefined, ...changes]) {
        if (change !== undefined) await adminQuery(change);
        runs.push((await p.run(await resources())).rowCounts);
        assert.deepEqual(await read("events"), await read("rows"));
      }
      assert.deepEqual(runs, [{ events: 10, rows: 10 }, { events: 3, rows: 3 }, {}]);
      const loaded = await read("events");
      assert.equal(loaded.length, 13);
      assert.equal(loaded.filter((row) => row.id === 2).length, 2);
      assert.ok(loaded.some((row) => row.v === "tie"));
    } finally {
      await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });
}
