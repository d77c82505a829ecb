import { readCsvNatively } from "../../tests/_native_duckdb.ts";
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { LoadPackageError } from "../errors.ts";
import { withHeader } from "./legacy_csv.ts";
import { DenoStorage } from "../storage/deno_storage.ts";

const TEMP_ROOT = Deno.makeTempDirSync({ prefix: "denodlt_legacy_csv_test_" });
globalThis.addEventListener("unload", () => Deno.removeSync(TEMP_ROOT, { recursive: true }));
const storage = new DenoStorage(TEMP_ROOT);

Deno.test("a header-less CSV job with short lines gets a header and every field", async () => {
  const dir = Deno.makeTempDirSync({ dir: TEMP_ROOT });
  // as the writer before job formats wrote it: lines end after their last value
  const legacy = '1,"a, ""b"""\n2,"two\nlines",true\n3,,,"x"\n4\n';
  await Deno.writeTextFile(join(dir, "items.1.csv"), legacy);
  const job = {
    file: "items.1.csv",
    table: "items",
    rows: 4,
    columns: ["id", "note", "flag", "extra"],
    longestLine: 20,
    bytes: legacy.length,
  };
  const upgraded = await withHeader(storage, basename(dir), job);
  assert.equal(upgraded.file, "items.1.with_header.csv");
  assert.equal(upgraded.format, "csv");
  const text = await Deno.readTextFile(join(dir, upgraded.file));
  assert.equal(
    text,
    'id,note,flag,extra\n1,"a, ""b""",,\n2,"two\nlines",true,\n3,,,"x"\n4,,,\n',
  );
  assert.equal(upgraded.bytes, text.length);
  assert.ok(upgraded.longestLine! >= '2,"two\nlines",true,\n'.length);
  assert.deepEqual(await readCsvNatively(join(dir, upgraded.file)), [
    { id: "1", note: 'a, "b"', flag: null, extra: null },
    { id: "2", note: "two\nlines", flag: "true", extra: null },
    { id: "3", note: null, flag: null, extra: "x" },
    { id: "4", note: null, flag: null, extra: null },
  ]);
  // the original stays, so a retried load converts it again
  assert.equal(await Deno.readTextFile(join(dir, "items.1.csv")), legacy);
  assert.deepEqual(await withHeader(storage, basename(dir), job), upgraded);
});

Deno.test("lines of a header-less CSV job are padded across read chunks", async () => {
  const dir = Deno.makeTempDirSync({ dir: TEMP_ROOT });
  const long = `"${'x,\n""'.repeat(150_000)}"`;
  const lines = [`1,${long}`, "2", `3,${long},1.5`, "4,,2.5"];
  await Deno.writeTextFile(join(dir, "t.7.csv"), lines.map((l) => l + "\n").join(""));
  const upgraded = await withHeader(storage, basename(dir), {
    file: "t.7.csv",
    table: "t",
    rows: 4,
    columns: ["a", "b", "c"],
  });
  const expected = ["a,b,c", `1,${long},`, "2,,", `3,${long},1.5`, "4,,2.5"];
  assert.equal(
    await Deno.readTextFile(join(dir, upgraded.file)),
    expected.map((l) => l + "\n").join(""),
  );
  assert.ok(upgraded.longestLine! >= new TextEncoder().encode(`3,${long},1.5\n`).length);
});

Deno.test("a header-less CSV line with more fields than columns names the file and line", async () => {
  const dir = Deno.makeTempDirSync({ dir: TEMP_ROOT });
  await Deno.writeTextFile(join(dir, "t.1.csv"), '1,"a"\n2,"b",3\n');
  await assert.rejects(
    withHeader(storage, basename(dir), {
      file: "t.1.csv",
      table: "t",
      rows: 2,
      columns: ["id", "name"],
    }),
    (e: unknown) =>
      e instanceof LoadPackageError &&
      e.message ===
        `Load package "${basename(dir)}": job file "${
          join(dir, "t.1.csv")
        }" has 3 fields at line 2 where its manifest lists 2 columns`,
  );
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["t.1.csv"]);
});
