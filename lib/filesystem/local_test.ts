import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { FileNotFound, FileSystemError, readBytes, readText } from "./file_system.ts";
import { LocalFileSystem } from "./local.ts";

/** A fresh folder as a `file://` URL ending in `/`, removed after `fn`. */
async function inFolder(fn: (folder: string, path: string) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempDir({ prefix: "denodlt_local_fs_" });
  try {
    await fn(`${pathToFileURL(path).href}/`, path);
  } finally {
    await Deno.remove(path, { recursive: true });
  }
}

Deno.test("a write is whole or nothing: readers never see it in progress", async () => {
  await inFolder(async (folder, path) => {
    const fs = new LocalFileSystem();
    const file = `${folder}data/items.jsonl`;
    assert.equal(await fs.write(file, "old\n"), 4);

    // a write in progress shows neither in the file nor in a listing
    const { promise: more, resolve: sendMore } = Promise.withResolvers<void>();
    const { promise: started, resolve: start } = Promise.withResolvers<void>();
    const writing = fs.write(
      file,
      new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode("new "));
          start();
          await more;
          controller.enqueue(new TextEncoder().encode("content\n"));
          controller.close();
        },
      }),
    );
    await started;
    assert.equal(await readText(fs, file), "old\n");
    assert.deepEqual((await Array.fromAsync(fs.list(folder))).map((f) => f.url), [file]);
    sendMore();
    assert.equal(await writing, 12);
    assert.equal(await readText(fs, file), "new content\n");

    // a write whose content fails leaves the old file, and no temporary file
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("partial"));
        controller.error(new Error("source went away"));
      },
    });
    await assert.rejects(fs.write(file, failing), (error) => {
      assert.ok(error instanceof FileSystemError);
      assert.equal(error.url, file);
      assert.match(error.message, /^File ".*items\.jsonl" cannot be written: source went away$/);
      return true;
    });
    assert.equal(await readText(fs, file), "new content\n");
    assert.deepEqual(Array.from(Deno.readDirSync(join(path, "data")), (e) => e.name), [
      "items.jsonl",
    ]);
  });
});

Deno.test("list gives every file under a folder, recursively", async () => {
  await inFolder(async (folder) => {
    const fs = new LocalFileSystem();
    for (const name of ["a.txt", "b/c.txt", "b/d/e f.txt"]) {
      await fs.write(`${folder}${name}`, name);
    }
    const files = await Array.fromAsync(fs.list(folder));
    assert.deepEqual(
      files.map((f) => [f.url.slice(folder.length), f.size]).sort(),
      [["a.txt", 5], ["b/c.txt", 7], ["b/d/e%20f.txt", 11]],
    );
    assert.ok(files.every((f) => f.modified instanceof Date && !isNaN(f.modified.getTime())));
    // the same without the final "/"; a folder that does not exist has no files
    assert.equal((await Array.fromAsync(fs.list(folder.slice(0, -1)))).length, 3);
    assert.deepEqual(await Array.fromAsync(fs.list(`${folder}nothing/`)), []);
  });
});

Deno.test("a range of a file is read as asked", async () => {
  await inFolder(async (folder) => {
    const fs = new LocalFileSystem();
    const file = `${folder}range.bin`;
    const bytes = Uint8Array.from({ length: 3000 }, (_, i) => i % 251);
    await fs.write(file, bytes);
    const read = async (start?: number, end?: number) =>
      new Uint8Array(await new Response(await fs.read(file, { start, end })).arrayBuffer());
    assert.deepEqual(await read(100, 2100), bytes.slice(100, 2100));
    assert.deepEqual(await read(2990), bytes.slice(2990));
    assert.deepEqual(await read(undefined, 3), bytes.slice(0, 3));
    assert.deepEqual(await read(2900, 9000), bytes.slice(2900));
    assert.deepEqual(await readBytes(fs, file), bytes);
    assert.equal((await fs.stat(file)).size, 3000);
  });
});

Deno.test("a file of several chunks, and an empty one, read whole", async () => {
  await inFolder(async (folder) => {
    const fs = new LocalFileSystem();
    const big = Uint8Array.from({ length: (5 << 20) / 2 + 7 }, (_, i) => i % 253);
    await fs.write(`${folder}big.bin`, big);
    assert.deepEqual(await readBytes(fs, `${folder}big.bin`), big);
    const chunks: number[] = [];
    for await (const chunk of await fs.read(`${folder}big.bin`, { start: 5 })) {
      chunks.push(chunk.byteLength);
    }
    assert.ok(chunks.every((n) => n > 0 && n <= 1 << 20), `chunks of ${chunks.join(", ")} bytes`);
    assert.equal(chunks.reduce((a, b) => a + b), big.length - 5);
    await fs.write(`${folder}empty.bin`, new Uint8Array());
    assert.deepEqual(await readBytes(fs, `${folder}empty.bin`), new Uint8Array());
  });
});

Deno.test("a missing file is a FileNotFound naming it; deleting it is no error", async () => {
  await inFolder(async (folder) => {
    const fs = new LocalFileSystem();
    const file = `${folder}not/there.txt`;
    for (const attempt of [() => fs.read(file), () => fs.stat(file)]) {
      await assert.rejects(attempt(), (error) => {
        assert.ok(error instanceof FileNotFound);
        assert.equal(error.url, file);
        assert.equal(error.message, `File "${file}" does not exist`);
        return true;
      });
    }
    await fs.delete(file);
    await fs.write(`${folder}here.txt`, "x");
    await fs.delete(`${folder}here.txt`);
    await assert.rejects(fs.stat(`${folder}here.txt`), FileNotFound);
  });
});

Deno.test("a file where a folder must go is an error naming the URL", async () => {
  await inFolder(async (folder) => {
    const fs = new LocalFileSystem();
    await fs.write(`${folder}blocker`, "a file");
    const file = `${folder}blocker/inside.txt`;
    await assert.rejects(fs.write(file, "x"), (error) => {
      assert.ok(error instanceof FileSystemError && !(error instanceof FileNotFound));
      assert.equal(error.url, file);
      assert.match(error.message, /^File ".*blocker\/inside\.txt" cannot be written: /);
      return true;
    });
    // a folder is not a file
    await assert.rejects(fs.stat(`${folder}`), /is a folder/);
  });
});

Deno.test("copy replaces the target with the source's bytes", async () => {
  await inFolder(async (folder) => {
    const fs = new LocalFileSystem();
    await fs.write(`${folder}a.txt`, "source");
    await fs.write(`${folder}b/b.txt`, "target");
    await fs.copy(`${folder}a.txt`, `${folder}b/b.txt`);
    assert.equal(await readText(fs, `${folder}b/b.txt`), "source");
    await assert.rejects(fs.copy(`${folder}none.txt`, `${folder}c.txt`), FileNotFound);
  });
});
