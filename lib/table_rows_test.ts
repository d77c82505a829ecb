import assert from "node:assert/strict";
import type { TableReader } from "./destination.ts";
import { DestinationError } from "./errors.ts";
import type { ColumnSchema } from "./schema/schema.ts";
import { relationCount, relationRows } from "./table_rows.ts";

/** A reader of one table `t` holding `rows`, counting the rows it hands out. */
function reader(rows: Record<string, unknown>[]): TableReader & { read: number } {
  const columns: ColumnSchema[] = [
    { name: "id", dataType: "bigint" },
    { name: "name", dataType: "text" },
    { name: "at", dataType: "timestamp" },
  ];
  const known = (table: string) => {
    if (table !== "t") throw new DestinationError(`Table "${table}" is not there`);
  };
  const state = {
    read: 0,
    tableNames: () => Promise.resolve(["t"]),
    columns: (table: string) => {
      known(table);
      return Promise.resolve(columns);
    },
    async *rows(table: string, names?: readonly string[]) {
      known(table);
      for (const row of rows) {
        state.read++;
        yield Object.fromEntries((names ?? columns.map((c) => c.name)).map((n) => [n, row[n]]));
      }
    },
    count: (table: string) => {
      known(table);
      return Promise.resolve(rows.length);
    },
  };
  return state;
}

const ROWS = [
  { id: 3, name: "c", at: new Date(3) },
  { id: 1, name: null, at: new Date(1) },
  { id: 2n ** 60n, name: "a", at: null },
  { id: 2, name: "a", at: new Date(2) },
];

Deno.test("without orderBy, reading stops at the limit", async () => {
  const r = reader(ROWS);
  assert.deepEqual(await relationRows(r, { table: "t", columns: ["id"], limit: 2 }), [
    { id: 3 },
    { id: 1 },
  ]);
  assert.equal(r.read, 2);
  assert.deepEqual(await relationRows(r, { table: "t", limit: 0 }), []);
  assert.deepEqual(await relationRows(r, { table: "t", limit: -1.5 }), []);
  assert.equal((await relationRows(r, { table: "t", limit: 2.9 })).length, 2);
});

Deno.test("orderBy sorts as SQL does: by each column in turn, NULLs last, stable", async () => {
  const r = reader(ROWS);
  const ordered = await relationRows(r, { table: "t", columns: ["id"], orderBy: ["name", "id"] });
  assert.deepEqual(ordered, [{ id: 2 }, { id: 2n ** 60n }, { id: 3 }, { id: 1 }]);
  assert.deepEqual(
    await relationRows(r, { table: "t", columns: ["id"], orderBy: ["at"], limit: 3 }),
    [{ id: 1 }, { id: 2 }, { id: 3 }],
  );
});

Deno.test("count follows the limit; unknown columns and tables are errors before any read", async () => {
  const r = reader(ROWS);
  assert.equal(await relationCount(r, { table: "t" }), 4);
  assert.equal(await relationCount(r, { table: "t", limit: 3 }), 3);
  await assert.rejects(
    relationRows(r, { table: "t", columns: ["id"], orderBy: ["nope"] }),
    /Table "t" has no column "nope"; its columns: id, name, at/,
  );
  await assert.rejects(relationCount(r, { table: "t", columns: ["nope"] }), DestinationError);
  await assert.rejects(relationRows(r, { table: "x" }), /Table "x" is not there/);
  assert.equal(r.read, 0);
});
