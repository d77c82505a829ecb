/**
 * Pipeline state survives crashes and a lost working folder, and concurrent clients of one
 * database file see each other's commits.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { resource } from "../mod.ts";
import { counterResource, tempPipeline } from "./_helpers.ts";

const SCRIPT = fileURLToPath(new URL("./_scripts/interrupted_state_run.ts", import.meta.url));

async function runs(p: Awaited<ReturnType<typeof tempPipeline>>["p"]): Promise<number[]> {
  const rows = await p.dataset().table("counter").orderBy("run").rows<{ run: number }>();
  return rows.map((r) => r.run);
}

Deno.test("state extracted by a process killed before load is not rolled back", async () => {
  const { dir } = await tempPipeline("state_kill");
  const { signal } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, dir, "state_kill"],
    stdout: "null",
    stderr: "null",
  }).output();
  assert.equal(signal, "SIGKILL");
  const { p } = await tempPipeline("state_kill", dir);
  await p.run(counterResource());
  assert.deepEqual(await runs(p), [1, 2]);
  const { p: again } = await tempPipeline("state_kill", dir);
  await again.run(counterResource());
  assert.deepEqual(await runs(again), [1, 2, 3]);
});

Deno.test("a deleted working folder is restored from the destination: state and schema", async () => {
  const { p, dir } = await tempPipeline("state_wipe");
  await p.run(counterResource());
  await p.run(resource([{ x: 1 }], { name: "values" }));
  await Deno.remove(p.workingDir, { recursive: true });

  const { p: fresh } = await tempPipeline("state_wipe", dir);
  await fresh.run(counterResource());
  assert.deepEqual(await runs(fresh), [1, 2]);
  // the restored schema knows `x` is a bigint: text goes to a variant instead of failing the load
  await fresh.run(resource([{ x: "abc" }], { name: "values" }));
  const rows = await fresh.dataset().table("values").orderBy("x").rows<
    { x: number | null; x__v_text: string | null }
  >();
  assert.deepEqual(rows.map((r) => [r.x, r.x__v_text]), [[1, null], [null, "abc"]]);
});

Deno.test("a client left open during a run sees the load, and its own work keeps it", async () => {
  const { p } = await tempPipeline("two_clients");
  await p.run(resource([{ n: 1 }], { name: "t" }));
  const client = await p.sqlClient();
  try {
    await p.run(resource([{ n: 2 }], { name: "t" }));
    const [row] = await client.query<{ c: number }>(
      `SELECT count(*) AS c FROM ${client.qualifiedName("t")}`,
    );
    assert.equal(Number(row.c), 2);
    await client.execute(`CREATE TABLE ${client.qualifiedName("extra")} (a INTEGER)`);
  } finally {
    await client.close();
  }
  assert.equal(await p.dataset().table("t").count(), 2);
  assert.equal(await p.dataset().table("_dlt_loads").count(), 2);
  assert.ok((await p.dataset().tableNames()).includes("extra"));
});

Deno.test("a client closing while another is being opened does not close the database under it", async () => {
  const { p } = await tempPipeline("concurrent_clients");
  await p.run(resource([{ n: 1 }, { n: 2 }], { name: "t" }));
  const destination = await p.destination();
  const options = { pipelineName: p.pipelineName, datasetName: p.datasetName };
  const first = await destination.client(options);
  const opening = destination.client(options);
  await first.close();
  const second = await opening;
  try {
    const [row] = await second.sql!.query<{ c: number }>(
      `SELECT count(*) AS c FROM ${second.sql!.qualifiedName("t")}`,
    );
    assert.equal(Number(row.c), 2);
  } finally {
    await second.close();
  }
});
