import assert from "node:assert/strict";
import { newSchema } from "../schema/schema.ts";
import { DenoStorage } from "../storage/deno_storage.ts";
import { FilesNormalizer } from "./_normalize_files.ts";
import { snakeCaseNaming } from "./naming.ts";
import { tempDir } from "../../tests/_helpers.ts";

/** A normalizer of package `1` in a new working folder, writing JSON lines. */
async function normalizer(onRows?: (rowCounts: Readonly<Record<string, number>>) => void) {
  const storage = new DenoStorage(await tempDir("files"));
  await storage.mkdir("normalizing/1");
  const files = new FilesNormalizer({
    storage,
    schema: newSchema("s"),
    naming: snakeCaseNaming(),
    loadId: "1",
    outDir: "normalizing/1",
    prefix: "",
    format: "jsonl",
    onRows,
  });
  return { storage, files };
}

Deno.test("a file is open when onOpened is called: its folder may move while it is normalized", async () => {
  let rows = 0;
  const { storage, files } = await normalizer((rowCounts) => rows = rowCounts.items ?? 0);
  // lines enough for many of the reader's chunks
  const lines = Array.from({ length: 20_000 }, (_, id) => JSON.stringify({ id, text: "x" }));
  await storage.mkdir("extracting/1");
  await Deno.writeTextFile(storage.locate("extracting/1/items.jsonl"), lines.join("\n"));
  let opened = 0;
  await files.normalize({ path: "extracting/1/items.jsonl", table: "items" }, () => {
    opened++;
    assert.equal(rows, 0, "called when the file was normalized already");
    // what extract does once the worker holds its file open
    Deno.renameSync(storage.locate("extracting"), storage.locate("extracted"));
  });
  assert.equal(opened, 1);
  const { rowCounts } = await files.finish();
  assert.deepEqual(rowCounts, { items: 20_000 });
});

Deno.test("onOpened is called once for a file without items, and for one that fails", async () => {
  const { storage, files } = await normalizer();
  await storage.mkdir("extracting/1");
  await Deno.writeTextFile(storage.locate("extracting/1/empty.jsonl"), "");
  let opened = 0;
  await files.normalize({ path: "extracting/1/empty.jsonl", table: "items" }, () => opened++);
  assert.equal(opened, 1);
  await assert.rejects(
    files.normalize({ path: "extracting/1/absent.jsonl", table: "items" }, () => opened++),
    Deno.errors.NotFound,
  );
  assert.equal(opened, 2);
});
