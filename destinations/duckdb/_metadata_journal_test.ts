/**
 * The journal of a database file's metadata blocks (`_metadata_journal.ts`), with both drivers: a
 * checkpoint cut short while it rewrote metadata blocks in place (as a kill or a power cut can)
 * leaves a file DuckDB refuses, and the next open puts the blocks back; a journal that is stale
 * or not whole is removed without touching the file.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { onLog } from "../../lib/log.ts";
import { BLOCK_SIZE } from "./_database_file.ts";
import type { DuckDbDriver } from "./_driver.ts";
import { BLOCKS_START } from "./_file_check.ts";
import { JOURNAL_SUFFIX, metadataBlocksQuery, MetadataJournal } from "./_metadata_journal.ts";
import { driverTest } from "./_testdata/drivers.ts";

/** The tables {@linkcode filled} makes: `t0` to `t19`. */
const TABLES = Array.from({ length: 20 }, (_, t) => t);

/**
 * Opens `path` and fills it with twenty tables of 2,000 to 40,000 rows (enough metadata for
 * several blocks), checkpointed.
 */
async function filled(open: (path: string) => Promise<DuckDbDriver>, path: string) {
  const db = await open(path);
  for (const t of TABLES) {
    await db.run(
      `CREATE TABLE t${t} AS SELECT range AS id, 'x' || range AS s FROM range(${2000 * (t + 1)})`,
    );
  }
  await db.checkpoint();
  return db;
}

/** The row counts of tables `t<n>` for each of `tables`. */
async function counts(db: DuckDbDriver, tables: number[]): Promise<number[]> {
  const [row] = await db.query<Record<string, number>>(
    `SELECT ${tables.map((t) => `(SELECT count(*)::INTEGER FROM t${t})`)}`,
  );
  return Object.values(row);
}

/** The warnings logged while `action` runs, and its result. */
async function warnings<T>(action: () => Promise<T>): Promise<[T, string[]]> {
  const seen: string[] = [];
  const stop = onLog((record) => {
    if (record.level === "WARNING") seen.push(record.message);
  });
  try {
    return [await action(), seen];
  } finally {
    stop();
  }
}

driverTest(
  "a checkpoint cut short while it rewrote metadata blocks: the next open puts them back",
  async (open, dir) => {
    const path = join(dir, "cut.duckdb");
    const db = await filled(open, path);
    const ids = (await db.query<{ block_id: number }>(metadataBlocksQuery("cut")))
      .map(({ block_id }) => Number(block_id));
    const before = fs.readFileSync(path);
    // the first statement after the checkpoint wrote the journal for it
    await db.run("UPDATE t3 SET s = 'y'; INSERT INTO t7 SELECT range, 'z' FROM range(500)");
    assert.ok(fs.existsSync(path + JOURNAL_SUFFIX), "no journal while the database is open");
    // DuckDB rewrites the metadata blocks in place, then stops before the header
    await db.run("SET debug_checkpoint_abort = 'after_free_list_write'");
    await assert.rejects(db.checkpoint(), /Checkpoint aborted after free list write/);
    await db.close().catch(() => {});
    assert.ok(fs.existsSync(path + JOURNAL_SUFFIX), "the journal went with an unclean close");

    // tear each rewritten block as a kill in the middle of its write does: new first page
    const file = fs.openSync(path, "r+");
    let torn = 0;
    for (const id of ids) {
      const start = BLOCKS_START + id * BLOCK_SIZE;
      const old = before.subarray(start + 4096, start + BLOCK_SIZE);
      const now = Buffer.alloc(old.length);
      fs.readSync(file, now, 0, now.length, start + 4096);
      if (now.equals(old)) continue;
      fs.writeSync(file, old, 0, old.length, start + 4096);
      torn++;
    }
    fs.closeSync(file);
    assert.ok(torn > 0, "the aborted checkpoint rewrote no metadata block in place");

    // without the journal, DuckDB refuses the file
    const bare = join(dir, "bare");
    fs.mkdirSync(bare);
    for (const suffix of ["", ".wal"]) {
      fs.copyFileSync(path + suffix, join(bare, "cut.duckdb" + suffix));
    }
    await assert.rejects(open(join(bare, "cut.duckdb")), /Corrupt database file/);

    const [again, seen] = await warnings(() => open(path));
    try {
      assert.match(seen.join("\n"), new RegExp(`rewrote ${torn} metadata block\\(s\\)`));
      const expected = TABLES.map((t) => 2000 * (t + 1) + (t === 7 ? 500 : 0));
      assert.deepEqual(await counts(again, TABLES), expected);
      assert.deepEqual(await again.query("SELECT DISTINCT s FROM t3"), [{ s: "y" }]);
    } finally {
      await again.close();
    }
    assert.ok(!fs.existsSync(path + JOURNAL_SUFFIX), "the journal stayed after a clean close");
  },
);

driverTest(
  "a journal of an earlier checkpoint, or one not whole, is removed and the file left as it is",
  async (open, dir) => {
    const path = join(dir, "kept.duckdb");
    const db = await filled(open, path);
    await db.run("DELETE FROM t0");
    const earlier = fs.readFileSync(path + JOURNAL_SUFFIX);
    await db.run("DROP TABLE t1");
    await db.checkpoint();
    await db.close();
    assert.ok(!fs.existsSync(path + JOURNAL_SUFFIX));
    const left = TABLES.filter((t) => t !== 1);
    const expected = left.map((t) => t === 0 ? 0 : 2000 * (t + 1));

    // left by a process that died after a later checkpoint: its blocks would undo that one
    fs.writeFileSync(path + JOURNAL_SUFFIX, earlier);
    const file = fs.readFileSync(path);
    let [reopened, seen] = await warnings(() => open(path));
    assert.deepEqual(seen, []);
    assert.ok(fs.readFileSync(path).subarray(BLOCKS_START).equals(file.subarray(BLOCKS_START)));
    const tables = async () =>
      (await reopened.query<{ n: string }>(
        "SELECT table_name AS n FROM duckdb_tables() ORDER BY n",
      )).length;
    assert.equal(await tables(), 19);
    await reopened.close();

    // cut short, as a copy by hand could leave it
    fs.writeFileSync(path + JOURNAL_SUFFIX, earlier.subarray(0, earlier.length - 100));
    [reopened, seen] = await warnings(() => open(path));
    try {
      assert.match(seen.join("\n"), /is not whole: it was removed, the database left as it is/);
      assert.equal(await tables(), 19);
      assert.deepEqual(await counts(reopened, left), expected);
    } finally {
      await reopened.close();
    }
    assert.ok(!fs.existsSync(path + JOURNAL_SUFFIX));
  },
);

driverTest(
  "the journal follows each checkpoint before the next statement, but a close right after one writes none",
  async (open, dir) => {
    const path = join(dir, "items.duckdb");
    let writes = 0;
    const write = MetadataJournal.prototype.write;
    MetadataJournal.prototype.write = function (ids) {
      writes++;
      return write.call(this, ids);
    };
    try {
      const db = await open(path);
      await db.run("CREATE TABLE items AS SELECT range AS id FROM range(100000)");
      assert.equal(writes, 1, "the open's journal before the first statement");
      await db.checkpoint();
      assert.equal(writes, 1, "a checkpoint after the journal written for the open");
      assert.deepEqual(await db.query("SELECT count(*)::INTEGER AS n FROM items"), [{ n: 100000 }]);
      assert.equal(writes, 2, "a statement after a checkpoint journals it first");
      await db.run("INSERT INTO items VALUES (-1)");
      await db.checkpoint();
      await db.close();
      assert.equal(writes, 2, "the close right after a checkpoint wrote a journal");
      assert.equal(fs.existsSync(path + JOURNAL_SUFFIX), false);
      assert.equal(fs.existsSync(`${path}.wal`), false);
    } finally {
      MetadataJournal.prototype.write = write;
    }
    const again = await open(path);
    try {
      assert.deepEqual(
        await again.query("SELECT count(*)::INTEGER AS n, sum(id)::BIGINT AS s FROM items"),
        [{ n: 100001, s: 100000 * 99999 / 2 - 1 }],
      );
    } finally {
      await again.close();
    }
  },
);
