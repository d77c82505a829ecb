import assert from "node:assert/strict";
import { join } from "node:path";
import { LoadPackageError } from "../errors.ts";
import { checkJobFile, jobFileName, writingJobFile } from "./job_files.ts";
import { DenoStorage } from "../storage/deno_storage.ts";

Deno.test("job file names keep short table names and shorten long ones stably", () => {
  assert.equal(jobFileName("items", "3", "jsonl"), "items.3.jsonl");
  const long = "items__deep" + "__list".repeat(200);
  const name = jobFileName(long, "w0_12", "csv");
  assert.ok(name.length <= 64 + ".w0_12.csv".length, name);
  assert.ok(name.startsWith("items__deep__list") && name.endsWith("__list.w0_12.csv"));
  assert.equal(jobFileName(long, "w0_12", "csv"), name);
  assert.notEqual(jobFileName(long + "x", "w0_12", "csv"), name);
  // characters a file system may refuse (direct naming keeps them in table names)
  assert.match(jobFileName("a/b\\c ü", "1", "csv"), /^a_b_c_\w*\.1\.csv$/);
});

Deno.test("checkJobFile passes whole files and names package, file and line of cut ones", async () => {
  const dir = await Deno.makeTempDir();
  const storage = new DenoStorage(dir);
  try {
    const path = join(dir, "items.1.csv");
    await Deno.writeTextFile(path, "1,a\n2,b\n");
    assert.equal(await checkJobFile(storage, "1.5", "items.1.csv", { bytes: 8 }), 8);
    // packages written before sizes were recorded: the file must end with a newline
    assert.equal(await checkJobFile(storage, "1.5", "items.1.csv", {}), 8);
    await Deno.writeTextFile(path, "1,a\n2,");
    await assert.rejects(
      checkJobFile(storage, "1.5", "items.1.csv", {}),
      (e: unknown) =>
        e instanceof LoadPackageError &&
        e.message ===
          `Load package "1.5": job file "${path}" is cut at line 2 (it does not end with a newline)`,
    );
    await Deno.writeTextFile(path, "1,a\n2,b\n3,c\n");
    await assert.rejects(
      checkJobFile(storage, "1.5", "items.1.csv", { bytes: 8 }),
      /job file ".*items\.1\.csv" has 12 bytes where its manifest records 8/,
    );
    await assert.rejects(
      checkJobFile(storage, "1.5", "gone.csv", { bytes: 8 }),
      (e: unknown) =>
        e instanceof LoadPackageError && /job file ".*gone\.csv" cannot be read/.test(e.message) &&
        e.cause instanceof Deno.errors.NotFound,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkJobFile passes a whole Parquet file and names a cut or damaged one", async () => {
  const dir = await Deno.makeTempDir();
  const storage = new DenoStorage(dir);
  try {
    const path = join(dir, "items.1.parquet");
    const whole = new Uint8Array([...new TextEncoder().encode("PAR1"), 1, 2, 3, 4, 0, 0, 0, 0]);
    whole.set(new TextEncoder().encode("PAR1"), whole.length - 4);
    await Deno.writeFile(path, whole);
    const job = { bytes: whole.length, format: "parquet" as const };
    assert.equal(await checkJobFile(storage, "1.5", "items.1.parquet", job), whole.length);
    await Deno.writeFile(path, whole.subarray(0, 9));
    await assert.rejects(
      checkJobFile(storage, "1.5", "items.1.parquet", job),
      (e: unknown) =>
        e instanceof LoadPackageError &&
        e.message === `Load package "1.5": job file "${path}" is cut (9 of 12 bytes)`,
    );
    await Deno.writeFile(path, whole.map((byte, i) => i === 11 ? 0 : byte));
    await assert.rejects(
      checkJobFile(storage, "1.5", "items.1.parquet", job),
      (e: unknown) =>
        e instanceof LoadPackageError &&
        e.message ===
          `Load package "1.5": job file "${path}" is not a whole Parquet file (it does not end with "PAR1")`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failed job file write names the file and its package, the OS error its cause", async () => {
  const full = Object.assign(new Error("No space left on device (os error 28)"), {
    code: "ENOSPC",
  });
  const path = "/data/pipelines/p/load/normalizing/1712.25/items.3.csv";
  await assert.rejects(
    writingJobFile(path, () => Promise.reject(full)),
    (e: unknown) =>
      e instanceof LoadPackageError && e.cause === full &&
      e.message ===
        `Cannot write job file "${path}" of load package "1712.25": No space left on device (os error 28)`,
  );
});
