/**
 * The `merge` write disposition (dlt's default `delete-insert` strategy): rows updated in place
 * by primary key with their nested rows, incoming duplicates collapsed, hard deletes, merge keys.
 */
import assert from "node:assert/strict";
import { type ColumnHint, resource } from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";

interface Issue {
  id: number;
  title: string;
  labels?: string[];
  deleted?: boolean;
  updated?: number;
}

function issues(data: Issue[], columns?: Record<string, ColumnHint>) {
  return resource(data, { name: "issues", primaryKey: "id", writeDisposition: "merge", columns });
}

type P = Awaited<ReturnType<typeof tempPipeline>>["p"];

async function state(p: P) {
  const rows = await p.dataset().query<{ id: number; title: string }>(
    "SELECT id, title FROM issues ORDER BY id",
  );
  const labels = await p.dataset().query<{ id: number; value: string }>(
    `SELECT i.id, l.value FROM issues i JOIN issues__labels l ON l._dlt_parent_id = i._dlt_id
     ORDER BY i.id, l._dlt_list_idx`,
  );
  return {
    rows: rows.map((r) => `${r.id}:${r.title}`),
    labels: labels.map((l) => `${l.id}:${l.value}`),
    orphans: (await p.dataset().query<{ n: number }>(
      `SELECT count(*)::INT AS n FROM issues__labels WHERE _dlt_root_id NOT IN (SELECT _dlt_id FROM issues)`,
    ))[0].n,
  };
}

Deno.test("merge updates rows by primary key and replaces their nested rows", async () => {
  const { p } = await tempPipeline("merge_update");
  await p.run(issues([
    { id: 1, title: "one", labels: ["bug"] },
    { id: 2, title: "two", labels: ["ui", "p1"] },
  ]));
  await p.run(issues([
    { id: 2, title: "two, edited", labels: ["ui"] },
    { id: 3, title: "three", labels: ["new"] },
  ]));
  assert.deepEqual(await state(p), {
    rows: ["1:one", "2:two, edited", "3:three"],
    labels: ["1:bug", "2:ui", "3:new"],
    orphans: 0,
  });
  // nested rows carry their root's id, which merge relies on
  const [{ n }] = await p.dataset().query<{ n: number }>(
    "SELECT count(*)::INT AS n FROM issues__labels WHERE _dlt_root_id IS NULL",
  );
  assert.equal(n, 0);
});

Deno.test("duplicates in one batch collapse to one row: the last, or the first by dedupSort", async () => {
  const { p } = await tempPipeline("merge_dedup");
  await p.run(issues([
    { id: 1, title: "first", labels: ["a"] },
    { id: 1, title: "second", labels: ["b"] },
  ]));
  assert.deepEqual(await state(p), { rows: ["1:second"], labels: ["1:b"], orphans: 0 });
  await p.run(issues([
    { id: 1, title: "newest", updated: 3 },
    { id: 1, title: "oldest", updated: 1 },
    { id: 1, title: "middle", updated: 2 },
  ], { updated: { dedupSort: "desc" } }));
  assert.deepEqual((await state(p)).rows, ["1:newest"]);
});

Deno.test("a hardDelete column removes the rows it flags", async () => {
  const { p } = await tempPipeline("merge_delete");
  await p.run(issues([
    { id: 1, title: "one", labels: ["x"] },
    { id: 2, title: "two", labels: ["y"] },
  ], { deleted: { hardDelete: true, dataType: "bool" } }));
  await p.run(issues([{ id: 1, title: "one", deleted: true }, { id: 3, title: "three" }], {
    deleted: { hardDelete: true, dataType: "bool" },
  }));
  assert.deepEqual(await state(p), { rows: ["2:two", "3:three"], labels: ["2:y"], orphans: 0 });
});

Deno.test("a merge key replaces every row of the partitions that arrive", async () => {
  const { p } = await tempPipeline("merge_key");
  const days = (rows: { day: string; n: number }[]) =>
    resource(rows, { name: "daily", writeDisposition: "merge", mergeKey: "day" });
  await p.run(days([{ day: "mon", n: 1 }, { day: "mon", n: 2 }, { day: "tue", n: 3 }]));
  await p.run(days([{ day: "tue", n: 4 }, { day: "wed", n: 5 }]));
  const rows = await p.dataset().query<{ day: string; n: number }>(
    "SELECT day, n FROM daily ORDER BY n",
  );
  assert.deepEqual(rows.map((r) => `${r.day}${r.n}`), ["mon1", "mon2", "tue4", "wed5"]);
});

Deno.test("merge without a primary or merge key appends, as in dlt", async () => {
  const { p } = await tempPipeline("merge_append");
  const items = (data: unknown[]) => resource(data, { name: "items", writeDisposition: "merge" });
  await p.run(items([{ x: 1 }]));
  await p.run(items([{ x: 1 }]));
  assert.equal(await p.dataset().table("items").count(), 2);
});

Deno.test("a primary key changed between runs re-keys the table: merge follows the new key", async () => {
  const { p } = await tempPipeline("merge_rekey");
  const rows = (key: string, data: unknown[]) =>
    resource(data, { name: "accounts", primaryKey: key, writeDisposition: "merge" });
  await p.run(rows("id", [{ id: 1, email: "a@x", plan: "free" }]));
  await p.run(rows("email", [{ id: 2, email: "a@x", plan: "pro" }]));
  const columns = [...p.schemas.values()][0].tables.accounts.columns;
  assert.equal(columns.id.primaryKey, undefined);
  assert.equal(columns.email.primaryKey, true);
  assert.deepEqual(await p.dataset().query("SELECT id, email, plan FROM accounts"), [
    { id: 2, email: "a@x", plan: "pro" },
  ]);
  // the old key column may now be empty
  await p.run(rows("email", [{ email: "b@x", plan: "free" }]));
  assert.equal(await p.dataset().table("accounts").count(), 2);
});
