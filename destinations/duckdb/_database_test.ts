/**
 * Durability of DuckDB-WASM database files across processes, crashes and native DuckDB.
 *
 * These tests guard the workarounds in `_runtime.ts` and `_database.ts`, which lean on DuckDB-WASM
 * internals: they must pass again before `@duckdb/duckdb-wasm` is upgraded.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { openDuckDbWasm } from "./_database.ts";
import { ROW_GROUP_SIZE } from "./_database_file.ts";
import { createNewerFormatFile, LAYOUT_QUERY } from "./_testdata/layout.ts";
import { withTempDir as withTempDirNamed } from "./_testdata/temp_dir.ts";

const CHILD = fileURLToPath(new URL("./_testdata/child.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

interface ChildResult {
  /** Exit code, or `null` when a signal ended the process. */
  code: number | null;
  signal: Deno.Signal | null;
  /** The last line the child printed. */
  output: string;
}

/** Runs `_testdata/child.ts` with `args` in a separate Deno process. */
async function child(...args: string[]): Promise<ChildResult> {
  const { code, signal, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "--config", CONFIG, CHILD, ...args],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const output = new TextDecoder().decode(stdout).trim().split("\n").at(-1) ?? "";
  const result = { code: signal === null ? code : null, signal, output };
  if (result.code !== 0 && result.signal !== "SIGKILL") {
    throw new Error(`Child ${args.join(" ")} failed: ${new TextDecoder().decode(stderr)}`);
  }
  return result;
}

/** Opens the database in this process and returns rows, distinct ids and id sum of `items`. */
async function readItems(path: string): Promise<Record<string, unknown>> {
  const db = await openDuckDbWasm(path);
  const [stats] = db.query(
    "SELECT count(*) AS rows, count(DISTINCT id) AS distinct, sum(id) AS sum FROM items",
  );
  await db.close();
  return stats;
}

/** Appends ids `first` … `first + count - 1` to `items` in this process. */
async function append(path: string, first: number, count: number): Promise<void> {
  const db = await openDuckDbWasm(path);
  db.run("CREATE TABLE IF NOT EXISTS items (id BIGINT, label VARCHAR)");
  db.run(`INSERT INTO items SELECT range, 'item ' || range FROM range(${first}, ${first + count})`);
  await db.close();
}

/** The block size and storage format of the database file `db` has open. */
function layoutOf(db: Awaited<ReturnType<typeof openDuckDbWasm>>): Record<string, unknown> {
  const [layout] = db.query(LAYOUT_QUERY);
  return layout;
}

/** Sum of the ids 0 … n - 1. */
function idSum(n: number): number {
  return n * (n - 1) / 2;
}

/** Runs `test` with a temporary folder of its own. */
function withTempDir(test: (dir: string) => Promise<void>): Promise<void> {
  return withTempDirNamed("dlt_duckdb_wasm_", test);
}

/**
 * Files next to the database other than the database itself and its lock file (there while the
 * database is open, and after a killed process until the next open).
 */
function leftovers(path: string): string[] {
  const dir = join(path, "..");
  const name = path.slice(dir.length + 1);
  return fs.readdirSync(dir).filter((file) =>
    file.startsWith(name) && file !== name && file !== `${name}.lock`
  );
}

Deno.test("a second process reads what the first committed", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "shared.duckdb");
    const db = await openDuckDbWasm(path);
    db.run("CREATE TABLE items (id BIGINT, label VARCHAR)");
    db.run("INSERT INTO items SELECT range, 'item ' || range FROM range(1000)");
    await db.close();
    const { output } = await child(path, "read");
    assert.deepEqual(JSON.parse(output), { rows: 1000, distinct: 1000, sum: idSum(1000) });
    await child(path, "append", "1000", "500");
    const reopened = await openDuckDbWasm(path);
    assert.deepEqual(reopened.query("SELECT count(*) AS n, max(label) AS last FROM items"), [
      { n: 1500, last: "item 999" },
    ]);
    await reopened.close();
  });
});

Deno.test("a process killed right after a commit loses and duplicates nothing", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "killed.duckdb");
    await append(path, 0, 100);
    const killed = await child(path, "append-then-die", "100", "20000");
    assert.equal(killed.signal, "SIGKILL");
    assert.ok(fs.statSync(`${path}.wal`).size > 0, "the commit is only in the write-ahead log");
    // The next process recovers that commit and dies after its own: both must survive.
    assert.equal((await child(path, "append-then-die", "20100", "10")).signal, "SIGKILL");

    const db = await openDuckDbWasm(path);
    assert.deepEqual(leftovers(path), [], "the replayed log was rebuilt into the file");
    const [stats] = db.query(
      "SELECT count(*) AS rows, count(DISTINCT id) AS distinct, sum(id) AS sum FROM items",
    );
    assert.deepEqual(stats, { rows: 20110, distinct: 20110, sum: idSum(20110) });
    db.run("INSERT INTO items VALUES (20110, 'after the crashes')");
    await db.close();
    assert.deepEqual(await readItems(path), { rows: 20111, distinct: 20111, sum: idSum(20111) });
  });
});

Deno.test("a rebuild keeps the file's block size and storage format, and writes the destination's row groups", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "theirs.duckdb");
    await createNewerFormatFile(path, "CREATE TABLE items (id BIGINT, label VARCHAR)");
    assert.equal((await child(path, "append-then-die", "0", "20000")).signal, "SIGKILL");
    assert.ok(fs.statSync(`${path}.wal`).size > 0, "the commit is only in the write-ahead log");

    const db = await openDuckDbWasm(path);
    assert.deepEqual(leftovers(path), [], "the replayed log was rebuilt into the file");
    const layout = layoutOf(db);
    // not one row group of DuckDB's default size (122,880 rows), which a wide table's rebuild
    // would build in fifteen times the memory
    const [{ groups }] = db.query(
      "SELECT count(DISTINCT row_group_id) AS groups FROM pragma_storage_info('items')",
    );
    await db.close();
    assert.deepEqual(layout, { blockSize: 262144, storage: "v1.3.0+" });
    assert.equal(groups, Math.ceil(20000 / ROW_GROUP_SIZE));
    assert.deepEqual(await readItems(path), { rows: 20000, distinct: 20000, sum: idSum(20000) });
  });
});

Deno.test("a write-ahead log DuckDB-WASM cannot append to is never overwritten", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "guarded.duckdb");
    assert.equal((await child(path, "append-then-die", "0", "10")).signal, "SIGKILL");
    const log = fs.readFileSync(`${path}.wal`);
    const { output, signal } = await child(path, "overwrite-log");
    assert.equal(signal, "SIGKILL");
    assert.match(output, /Refusing to overwrite write-ahead log/);
    assert.deepEqual(fs.readFileSync(`${path}.wal`), log);
    assert.deepEqual(await readItems(path), { rows: 10, distinct: 10, sum: idSum(10) });
  });
});

Deno.test("a process killed between checkpoint and log removal duplicates nothing", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "checkpointed.duckdb");
    await append(path, 0, 100);
    const killed = await child(path, "die-before-log-removal", "100", "100");
    assert.equal(killed.signal, "SIGKILL");
    assert.ok(fs.existsSync(`${path}.wal`), "the checkpointed log is left behind");
    assert.deepEqual(await readItems(path), { rows: 200, distinct: 200, sum: idSum(200) });
    assert.deepEqual(leftovers(path), []);
    await append(path, 200, 100);
    assert.deepEqual(await readItems(path), { rows: 300, distinct: 300, sum: idSum(300) });
  });
});

Deno.test("an interrupted rebuild is finished when complete and dropped when not", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "rebuild.duckdb");
    await append(path, 0, 10);
    fs.copyFileSync(path, join(dir, "snapshot"));
    await append(path, 10, 5);
    // A complete rebuild holding ids 0 … 9 replaces the database, whose log is dropped.
    fs.renameSync(join(dir, "snapshot"), `${path}.rebuilt`);
    fs.writeFileSync(`${path}.wal`, "stale");
    assert.deepEqual(await readItems(path), { rows: 10, distinct: 10, sum: idSum(10) });
    assert.deepEqual(leftovers(path), []);
    // An incomplete rebuild is dropped and the database kept.
    fs.writeFileSync(`${path}.rebuild`, "incomplete");
    fs.writeFileSync(`${path}.rebuild.wal`, "incomplete");
    assert.deepEqual(await readItems(path), { rows: 10, distinct: 10, sum: idSum(10) });
    assert.deepEqual(leftovers(path), []);
  });
});

Deno.test("native DuckDB reads the file DuckDB-WASM wrote", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "native.duckdb");
    await append(path, 0, 1000);
    const db = await openDuckDbWasm(path);
    db.run("CREATE TABLE kinds (n HUGEINT, d DECIMAL(10, 2), t TIMESTAMPTZ, b BLOB)");
    db.run("INSERT INTO kinds VALUES (12, 3.45, '2024-01-02T03:04:05Z', '\\xAA'::BLOB)");
    await db.close();

    const instance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
    try {
      const connection = await instance.connect();
      const items = await connection.runAndReadAll(
        "SELECT count(*)::INTEGER, sum(id)::DOUBLE, max(label) FROM items",
      );
      assert.deepEqual(items.getRows(), [[1000, idSum(1000), "item 999"]]);
      const kinds = await connection.runAndReadAll(
        "SELECT n::VARCHAR, d::VARCHAR, epoch(t)::INTEGER, octet_length(b)::INTEGER FROM kinds",
      );
      assert.deepEqual(kinds.getRows(), [["12", "3.45", 1704164645, 1]]);
      connection.closeSync();
    } finally {
      instance.closeSync();
    }
  });
});

Deno.test("ten openings appending in turn, six of them processes, keep all rows and bounded files", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "cycles.duckdb");
    const sizes: number[] = [];
    for (let i = 0; i < 10; i++) {
      // Every third opening is a process that dies after its commit; the next one, a process
      // too, recovers it; the one after opens the file in this process and closes it cleanly.
      if (i % 3 === 0) await append(path, i * 2000, 2000);
      else await child(path, i % 3 === 1 ? "append-then-die" : "append", String(i * 2000), "2000");
      sizes.push(fs.statSync(path).size);
      const wal = fs.existsSync(`${path}.wal`) ? fs.statSync(`${path}.wal`).size : 0;
      assert.ok(wal < 1 << 20, `write-ahead log of ${wal} bytes after process ${i}`);
    }
    assert.deepEqual(await readItems(path), { rows: 20000, distinct: 20000, sum: idSum(20000) });
    assert.deepEqual(leftovers(path), []);
    assert.ok(Math.max(...sizes) < 4 << 20, `database grew to ${Math.max(...sizes)} bytes`);
  });
});

Deno.test("a function that needs an absent extension fails without killing the process", async () => {
  await withTempDir(async (dir) => {
    const { output } = await child(join(dir, "icu.duckdb"), "timestamptz-function");
    assert.match(output, /Extension Autoloading Error.*icu/);
  });
});

Deno.test("a transaction torn in the log is not replayed in part", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlt_torn_" });
  try {
    const path = join(dir, "torn.duckdb");
    const db = await openDuckDbWasm(path);
    db.run("CREATE TABLE parents (id BIGINT)");
    db.run("CREATE TABLE children (parent BIGINT)");
    db.run("INSERT INTO parents VALUES (1)");
    db.run("INSERT INTO children VALUES (1)");
    db.checkpoint();
    // more than a row group of children: committed as row groups written to the file, which the
    // log only points to; the parents are in the log itself
    db.run("BEGIN TRANSACTION");
    db.run("INSERT INTO parents VALUES (2)");
    db.run("INSERT INTO children SELECT 2 FROM range(20000)");
    db.run("COMMIT");
    // as a process killed while committing leaves them: the file with the row groups written,
    // the log cut right after the entry that points to them
    const file = fs.readFileSync(path);
    const log = fs.readFileSync(path + ".wal");
    await db.close();
    const view = new DataView(log.buffer, log.byteOffset, log.length);
    let at = log.indexOf(0xff) + 2; // the version entry ends in field id 0xffff
    let cut: number | undefined;
    while (at + 16 <= log.length && cut === undefined) {
      const end = at + 16 + Number(view.getBigUint64(at, true));
      // ROW_GROUP_DATA (type 29) entry
      if (log[at + 16] === 100 && log[at + 17] === 0 && log[at + 18] === 29) cut = end;
      at = end;
    }
    assert.ok(cut !== undefined, "no row group entry in the log");
    fs.writeFileSync(path, file);
    fs.writeFileSync(path + ".wal", log.subarray(0, cut));
    const reopened = await openDuckDbWasm(path);
    const [counts] = reopened.query(
      "SELECT (SELECT count(*) FROM parents) AS parents, (SELECT count(*) FROM children) AS children",
    );
    await reopened.close();
    assert.deepEqual(counts, { parents: 1, children: 1 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a transaction beyond the memory limit spills to disk instead of failing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlt_spill_" });
  try {
    const path = join(dir, "spill.duckdb");
    const db = await openDuckDbWasm(path, { memoryLimit: "48MB" });
    const columns = Array.from({ length: 200 }, (_, i) => `c${i}`);
    db.run(`CREATE TABLE wide (${columns.map((c) => `${c} VARCHAR`).join(", ")})`);
    // rows of one transaction stay in memory until it commits: 2,000-row inserts of a wide table
    // (as a load of 2,000-row job files) spill them, read them back and free them again and again
    db.run("BEGIN TRANSACTION");
    for (let batch = 0; batch < 5; batch++) {
      const values = columns.map((_, i) => `md5(((range + ${batch * 2000}) * ${i + 1})::VARCHAR)`);
      db.run(`INSERT INTO wide SELECT ${values.join(", ")} FROM range(2000)`);
    }
    db.run("COMMIT");
    // DuckDB makes its temporary directory when it first spills
    assert.ok(fs.existsSync(path + ".tmp"), "nothing was spilled");
    // each spilled buffer's file is gone once DuckDB has read it back or freed it
    assert.deepEqual(fs.readdirSync(path + ".tmp").filter((name) => name.endsWith(".block")), []);
    const [counts] = db.query(
      "SELECT count(*) AS rows, count(DISTINCT c0) AS distinct FROM wide",
    );
    assert.deepEqual(counts, { rows: 10_000, distinct: 10_000 });
    await db.close();
    assert.equal(fs.existsSync(path + ".tmp"), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
