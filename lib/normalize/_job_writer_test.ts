import assert from "node:assert/strict";
import { join } from "node:path";
import { LoadPackageError } from "../errors.ts";
import { SchemaEvolver } from "../schema/evolution.ts";
import { newSchema } from "../schema/schema.ts";
import { JobWriter } from "./_job_writer.ts";
import { snakeCaseNaming } from "./naming.ts";

Deno.test("a full disk while normalizing names the job file and the package", async () => {
  const dir = "/pipelines/p/load/normalizing/1712.5";
  const full = new Error("No space left on device (os error 28)");
  let closed = false;
  const evolver = new SchemaEvolver(newSchema("s"), snakeCaseNaming());
  const writer = new JobWriter(dir, "", evolver, () =>
    Promise.resolve({
      write: () => Promise.reject(full),
      close: () => {
        closed = true;
      },
    }));
  writer.add(evolver.table("items", undefined), { id: 1, name: "a" });
  await assert.rejects(
    writer.close(),
    (e: unknown) =>
      e instanceof LoadPackageError && e.cause === full &&
      e.message ===
        `Cannot write job file "${
          join(dir, "items.1.csv")
        }" of load package "1712.5": No space left on device (os error 28)`,
  );
  assert.ok(closed);
});

Deno.test("normalized jobs record their size in bytes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const evolver = new SchemaEvolver(newSchema("s"), snakeCaseNaming());
    const writer = new JobWriter(dir, "", evolver);
    writer.add(evolver.table("items", undefined), { id: 1, name: "é" });
    await writer.close();
    const [job] = writer.jobs;
    assert.equal(job.bytes, (await Deno.stat(join(dir, job.file))).size);
    assert.equal(job.bytes, '1,"é"\n'.length + 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
