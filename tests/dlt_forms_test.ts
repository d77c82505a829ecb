/**
 * dlt's forms that users paste: the dict write disposition (camelCase or snake_case keys),
 * the `insert-only` merge strategy, scd2's active record and boundary timestamps and row version
 * column, `deduplicated`, dlt's list of columns, `addLimit(-1)` and the pipeline's `refresh`.
 */
import assert from "node:assert/strict";
import { resource } from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";

type Row = Record<string, unknown>;

Deno.test("the dict write disposition is the same as the flat options, in either spelling", async () => {
  const flat = resource([], {
    name: "a",
    writeDisposition: "merge",
    mergeStrategy: "scd2",
    validityColumnNames: ["from_at", "to_at"],
  });
  const camel = resource([], {
    name: "a",
    writeDisposition: {
      disposition: "merge",
      strategy: "scd2",
      validityColumnNames: ["from_at", "to_at"],
    },
  });
  const snake = resource([], {
    name: "a",
    writeDisposition: {
      disposition: "merge",
      strategy: "scd2",
      validity_column_names: ["from_at", "to_at"],
    } as never,
  });
  assert.deepEqual(camel.hints, flat.hints);
  assert.deepEqual(snake.hints, flat.hints);
  // and it loads like the flat form
  const { p } = await tempPipeline("dict_scd2");
  const customers = (rows: Row[]) =>
    resource(rows, {
      name: "customers",
      writeDisposition: {
        disposition: "merge",
        strategy: "scd2",
        validity_column_names: ["from_at", "to_at"],
      } as never,
    });
  await p.run(customers([{ id: 1, city: "Oslo" }]));
  await p.run(customers([{ id: 1, city: "Bergen" }]));
  const rows = await p.dataset().query<{ city: string; current: boolean }>(
    "SELECT city, to_at IS NULL AS current FROM customers ORDER BY from_at",
  );
  assert.deepEqual(rows, [{ city: "Oslo", current: false }, { city: "Bergen", current: true }]);
});

Deno.test("the dict write disposition is checked like the flat one", () => {
  const cases: [unknown, RegExp][] = [
    [{ strategy: "upsert" }, /writeDisposition of resource "r" needs a "disposition"/],
    [{ disposition: "merge", strategy: "upsert-only" }, /must be one of "delete-insert", "upsert"/],
    [{ disposition: "append", strategy: "upsert" }, /needs writeDisposition "merge", not "append"/],
    [
      { disposition: "merge", strategy: "upsert", validityColumnNames: ["a", "b"] },
      /"validityColumnNames", which needs mergeStrategy "scd2", not "upsert"/,
    ],
    [
      { disposition: "merge", stratgy: "scd2" },
      /Unknown option "stratgy" for writeDisposition of resource "r" \(did you mean "strategy"\?\)/,
    ],
    [
      { disposition: "upsert" },
      /must be one of "append", "replace", "merge", "skip"; got "upsert"/,
    ],
  ];
  for (const [writeDisposition, message] of cases) {
    assert.throws(
      () => resource([], { name: "r", writeDisposition: writeDisposition as never }),
      message,
      JSON.stringify(writeDisposition),
    );
  }
  assert.throws(
    () =>
      resource([], {
        name: "r",
        mergeStrategy: "upsert",
        writeDisposition: { disposition: "merge", strategy: "scd2" },
      }),
    /Resource "r" gives "mergeStrategy" twice, in writeDisposition and as a hint/,
  );
});

Deno.test("insert-only inserts new keys, skips known ones without updating them, dedups the batch", async () => {
  const { p } = await tempPipeline("insert_only");
  const events = (rows: Row[]) =>
    resource(rows, {
      name: "events",
      primaryKey: "id",
      writeDisposition: { disposition: "merge", strategy: "insert-only" },
      columns: { deleted: { hardDelete: true } },
    });
  await p.run(events([
    { id: 1, kind: "open", tags: ["a"] },
    { id: 2, kind: "push", tags: ["b", "c"] },
  ]));
  const before = await p.dataset().query<{ id: number; _dlt_id: string }>(
    "SELECT id, _dlt_id FROM events ORDER BY id",
  );
  await p.run(events([
    { id: 1, kind: "changed", tags: ["z"] }, // known: left alone
    { id: 3, kind: "first", tags: ["x"] }, // new, twice in the batch: the last one wins
    { id: 3, kind: "fork", tags: ["y"] },
    { id: 4, kind: "gone", deleted: true }, // flagged: not inserted
    { id: 2, kind: "push again", deleted: true }, // a known row is never deleted
  ]));
  const rows = await p.dataset().query<{ id: number; kind: string; _dlt_id: string }>(
    "SELECT id, kind, _dlt_id FROM events ORDER BY id",
  );
  assert.deepEqual(rows.map((r) => `${r.id}:${r.kind}`), ["1:open", "2:push", "3:fork"]);
  assert.equal(rows[0]._dlt_id, before[0]._dlt_id);
  const tags = await p.dataset().query<{ id: number; value: string }>(
    `SELECT e.id, t.value FROM events e JOIN events__tags t ON t._dlt_root_id = e._dlt_id
     ORDER BY e.id, t._dlt_list_idx`,
  );
  assert.deepEqual(tags.map((t) => `${t.id}:${t.value}`), ["1:a", "2:b", "2:c", "3:y"]);
});

Deno.test("upsert and insert-only need a primary key and take no merge key, as in dlt", async () => {
  const { p } = await tempPipeline("keyed_strategies");
  await assert.rejects(
    p.run(
      resource([{ id: 1 }], {
        name: "nokey",
        writeDisposition: "merge",
        mergeStrategy: "insert-only",
      }),
    ),
    /Resource "nokey": merge strategy "insert-only" needs a primaryKey/,
  );
  await assert.rejects(
    p.run(resource([{ id: 1, day: 1 }], {
      name: "both",
      primaryKey: "id",
      mergeKey: "day",
      writeDisposition: { disposition: "merge", strategy: "upsert" },
    })),
    /merge strategy "upsert" matches rows by primaryKey only and takes no mergeKey/,
  );
  await assert.rejects(
    p.run(resource([{ id: 1, day: 1 }], {
      name: "hinted_merge_key",
      primaryKey: "id",
      columns: { day: { mergeKey: true } },
      writeDisposition: { disposition: "merge", strategy: "insert-only" },
    })),
    /merge strategy "insert-only" matches rows by primaryKey only and takes no mergeKey/,
  );
  // a primary key given as a column hint counts
  await p.run(resource([{ id: 1 }], {
    name: "hinted",
    columns: [{ name: "id", dataType: "bigint", primaryKey: true }],
    writeDisposition: { disposition: "merge", strategy: "upsert" },
  }));
  assert.equal(await p.dataset().table("hinted").count(), 1);
});

Deno.test("scd2: active record timestamp, boundary timestamp and a row version column", async () => {
  const { p } = await tempPipeline("scd2_options");
  const dim = (rows: Row[], boundary: string) =>
    resource(rows, {
      name: "dim",
      writeDisposition: {
        disposition: "merge",
        strategy: "scd2",
        active_record_timestamp: "9999-12-31",
        boundary_timestamp: boundary,
        row_version_column_name: "version",
      } as never,
    });
  // the row version column (unique in the table, as dlt requires) identifies versions: a change
  // elsewhere is not a new version
  await p.run(
    dim(
      [{ id: 1, name: "a", version: "1.1" }, { id: 2, name: "b", version: "2.1" }],
      "2024-01-01T00:00:00Z",
    ),
  );
  await p.run(
    dim(
      [{ id: 1, name: "a (typo fixed)", version: "1.1" }, { id: 2, name: "B", version: "2.2" }],
      "2024-02-01T00:00:00Z",
    ),
  );
  const rows = await p.dataset().query<{ id: number; name: string; from: Date; to: Date }>(
    `SELECT id, name, _dlt_valid_from AS "from", _dlt_valid_to AS "to" FROM dim ORDER BY id, _dlt_valid_from`,
  );
  const show = (d: Date) => d.toISOString().slice(0, 10);
  assert.deepEqual(rows.map((r) => `${r.id}:${r.name}:${show(r.from)}..${show(r.to)}`), [
    "1:a:2024-01-01..9999-12-31",
    "2:b:2024-01-01..2024-02-01",
    "2:B:2024-02-01..9999-12-31",
  ]);
  // _dlt_id is random then, not a hash of the row
  const ids = await p.dataset().query<{ n: number }>(
    "SELECT count(DISTINCT _dlt_id) AS n FROM dim",
  );
  assert.equal(ids[0].n, 3);
});

Deno.test("deduplicated: true loads the incoming rows without collapsing duplicate keys", async () => {
  const { p } = await tempPipeline("deduplicated");
  const rows = [{ id: 1, v: "a" }, { id: 1, v: "b" }];
  await p.run(resource(rows, { name: "dedup", primaryKey: "id", writeDisposition: "merge" }));
  await p.run(resource(rows, {
    name: "raw",
    primaryKey: "id",
    writeDisposition: { disposition: "merge", strategy: "delete-insert", deduplicated: true },
  }));
  assert.equal(await p.dataset().table("dedup").count(), 1);
  assert.equal(await p.dataset().table("raw").count(), 2);
});

Deno.test("run() options override a resource's hints; a new writeDisposition drops its merge settings", async () => {
  const { p } = await tempPipeline("run_override");
  const users = () =>
    resource([{ id: 1, tags: ["a"] }], {
      name: "users",
      primaryKey: "id",
      writeDisposition: { disposition: "merge", strategy: "upsert" },
    });
  await p.run(users());
  await p.run(users());
  assert.equal(await p.dataset().table("users").count(), 1);
  await p.run(users(), { writeDisposition: "append" });
  assert.equal(await p.dataset().table("users").count(), 2);
  await p.run(users(), { write_disposition: "append" } as never).then(
    () => assert.fail("snake_case accepted"),
    (e: Error) =>
      assert.match(
        e.message,
        /Unknown option "write_disposition" for run\(\): write "writeDisposition"/,
      ),
  );
});

Deno.test("columns as dlt's list of columns, with dlt's snake_case keys", async () => {
  const { p } = await tempPipeline("column_list");
  await p.run(resource([{ id: "7", price: 1 }], {
    name: "prices",
    columns: [
      { name: "id", data_type: "bigint", nullable: false },
      { name: "price", dataType: "decimal", precision: 10, scale: 2 },
    ] as never,
  }));
  const types = await p.dataset().query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns
     WHERE table_name = 'prices' AND column_name IN ('id', 'price') ORDER BY column_name`,
  );
  assert.deepEqual(types.map((t) => `${t.column_name}:${t.data_type}`), [
    "id:BIGINT",
    "price:DECIMAL(10,2)",
  ]);
  assert.throws(
    () => resource([], { name: "r", columns: [{ data_type: "bigint" }] as never }),
    /Column 0 of resource "r" has no "name"/,
  );
  assert.throws(
    () => resource([], { name: "r", columns: { id: { dataType: "integer" } } as never }),
    /Option "dataType" of column "id" of resource "r" must be one of "text", "bigint"/,
  );
  assert.throws(
    () => resource([], { name: "r", columns: { id: { partition: true } } as never }),
    /Option "partition" is not supported by column "id" of resource "r"/,
  );
});

Deno.test("addLimit(-1) loads everything; a second addLimit replaces the first", async () => {
  const { p } = await tempPipeline("limits");
  const numbers = () =>
    resource(function* () {
      for (let i = 0; i < 5; i++) yield { i };
    }, { name: "numbers" });
  await p.run(numbers().addLimit(2).addLimit(-1));
  assert.equal(await p.dataset().table("numbers").count(), 5);
  await p.run(numbers().addLimit(1).addLimit(3), { writeDisposition: "replace" });
  assert.equal(await p.dataset().table("numbers").count(), 3);
});
