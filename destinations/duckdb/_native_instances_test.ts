/**
 * Native DuckDB instances kept between opens (`_native_instances.ts`): an open after a close
 * starts no instance, and finds nothing of the last open's file, settings or file contents.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { openNativeDuckDb } from "./_native_database.ts";
import { nativeInstancesStarted, nativeLimitsSet } from "./_native_instances.ts";
import { withTempDir as withTempDirNamed } from "./_testdata/temp_dir.ts";

/** Runs `test` with a temporary folder of its own. */
function withTempDir(test: (dir: string) => Promise<void>): Promise<void> {
  return withTempDirNamed("dlt_native_instances_", test);
}

/** A memory size as DuckDB shows it, in GiB. */
function gib(shown: unknown): number {
  const [, number, unit] = /^([\d.]+) (\w+)$/.exec(String(shown))!;
  return Number(number) / { KiB: 1024 ** 2, MiB: 1024, GiB: 1 }[unit as "KiB"]!;
}

/** The threads, memory limit and temporary directory the database runs with. */
async function settingsOf(db: Awaited<ReturnType<typeof openNativeDuckDb>>) {
  const [settings] = await db.query(
    "SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory, current_setting('temp_directory') AS temp",
  );
  return settings;
}

Deno.test("opens in turn start one instance; each sees only its own file, with its own settings", async () => {
  await withTempDir(async (dir) => {
    const first = await openNativeDuckDb(join(dir, "a.duckdb"));
    const defaults = await settingsOf(first);
    // DuckDB runs on the caller's thread alone: none of its own idles and trims the heap
    assert.equal(defaults.threads, 1);
    await first.run("CREATE TABLE only_in_a (id BIGINT); INSERT INTO only_in_a VALUES (1)");
    await first.close();
    const started = nativeInstancesStarted();
    // the same catalog name, another folder: the first file is detached
    fs.mkdirSync(join(dir, "other"));
    const limited = await openNativeDuckDb(join(dir, "other", "a.duckdb"), {
      memoryLimit: "100MB",
      threads: 2,
    });
    assert.deepEqual(
      await limited.query(
        "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'only_in_a'",
      ),
      [{ n: 0 }],
    );
    assert.deepEqual(await settingsOf(limited), {
      threads: 2,
      memory: "95.3 MiB",
      temp: join(dir, "other", "a.duckdb.tmp"),
    });
    await limited.close();
    // back to DuckDB's defaults (the memory limit as DuckDB shows it, which it rounds), and
    // the first file as it was left
    const again = await openNativeDuckDb(join(dir, "a.duckdb"));
    const { memory, ...rest } = await settingsOf(again);
    const { memory: defaultMemory, ...defaultRest } = defaults;
    assert.deepEqual(rest, defaultRest);
    assert.ok(Math.abs(gib(memory) - gib(defaultMemory)) < 0.15, `${memory}, ${defaultMemory}`);
    assert.deepEqual(await again.query("SELECT id FROM only_in_a"), [{ id: 1 }]);
    await again.close();
    assert.equal(nativeInstancesStarted(), started);
  });
});

Deno.test("threads set by SQL hold while the file is open; the next open runs on one thread again", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "db.duckdb");
    const first = await openNativeDuckDb(path);
    await first.run("SET threads = 2");
    assert.equal((await settingsOf(first)).threads, 2);
    await first.close();
    const started = nativeInstancesStarted();
    const again = await openNativeDuckDb(path);
    assert.equal((await settingsOf(again)).threads, 1);
    await again.close();
    // the instance was kept: the threads are one of the settings an open makes
    assert.equal(nativeInstancesStarted(), started);
  });
});

Deno.test("opens asking for the limits the last one had set none, though DuckDB shows them rounded", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "db.duckdb");
    const opened = async (options: { memoryLimit?: string } = {}) => {
      const before = nativeLimitsSet();
      const db = await openNativeDuckDb(path, options);
      const { memory } = await settingsOf(db);
      return { db, memory, set: nativeLimitsSet() - before };
    };
    const first = await opened();
    const shownDefault = first.memory;
    // as a load that dropped its written blocks from memory sets the limit back: DuckDB then
    // shows one step less (it rounds down what it shows)
    await first.db.run(`SET memory_limit = '${shownDefault}'`);
    await first.db.close();
    const limited = await opened({ memoryLimit: "100MB" });
    await limited.db.close();
    assert.equal(limited.set, 1);
    const opens = [];
    for (let i = 0; i < 3; i++) {
      const again = await opened();
      await again.db.close();
      opens.push(again.set);
      assert.ok(Math.abs(gib(again.memory) - gib(shownDefault)) < 0.15, String(again.memory));
    }
    // the default is set once, when coming from the limited open; not again at every open
    assert.deepEqual(opens, [1, 0, 0]);
    const limitedAgain = await opened({ memoryLimit: "100MB" });
    assert.equal(limitedAgain.memory, "95.3 MiB");
    await limitedAgain.db.close();
    const twice = await opened({ memoryLimit: "100MB" });
    await twice.db.close();
    assert.deepEqual([limitedAgain.set, twice.set], [1, 0]);
  });
});

Deno.test("an open that left something behind does not pass it on: its instance is closed", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "db.duckdb");
    const leftBehind = [
      "SET TimeZone = 'America/New_York'",
      "CREATE TEMP TABLE scratch (id BIGINT)",
      "CREATE TEMP VIEW scratch_view AS SELECT 1 AS one",
      "CREATE TEMP MACRO plus_one(x) AS x + 1",
      `ATTACH '${join(dir, "other.duckdb")}' AS other`,
    ];
    for (const sql of leftBehind) {
      const db = await openNativeDuckDb(path);
      await db.run(sql);
      await db.close();
      // a kept instance would have passed the time zone on: opens set only the settings they make
      const next = await openNativeDuckDb(path);
      const [state] = await next.query(
        `SELECT current_setting('TimeZone') AS zone,
          (SELECT count(*) FROM duckdb_tables() WHERE temporary) AS tables,
          (SELECT count(*) FROM duckdb_databases() WHERE database_name = 'other') AS others`,
      );
      assert.deepEqual(state, { zone: "UTC", tables: 0, others: 0 }, sql);
      await next.close();
    }
  });
});

Deno.test("a file written again under its name is read anew by the next open", async () => {
  await withTempDir(async (dir) => {
    const csv = join(dir, "job.csv");
    const read = async (text: string) => {
      fs.writeFileSync(csv, text);
      const db = await openNativeDuckDb(join(dir, "db.duckdb"));
      try {
        return await db.query(`SELECT * FROM read_csv('${csv}', header = true)`);
      } finally {
        await db.close();
      }
    };
    assert.deepEqual(await read("id,name\n1,first\n"), [{ id: 1, name: "first" }]);
    // same size, same second: only the bytes differ
    assert.deepEqual(await read("id,name\n2,other\n"), [{ id: 2, name: "other" }]);
  });
});

Deno.test("another process opens a file this one closed, while this one keeps its instance", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "shared.duckdb");
    const db = await openNativeDuckDb(path);
    await db.run("CREATE TABLE t (id BIGINT); INSERT INTO t VALUES (7)");
    await db.close();
    const script = `
      import { DuckDBInstance } from "@duckdb/node-api";
      const instance = await DuckDBInstance.create(${JSON.stringify(path)});
      const connection = await instance.connect();
      const reader = await connection.runAndReadAll("INSERT INTO t VALUES (8) RETURNING id");
      console.log(String(reader.getRows()[0][0]));
      connection.closeSync();
      instance.closeSync();
    `;
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--config", new URL("../../deno.json", import.meta.url).pathname, script],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.equal(new TextDecoder().decode(stdout).trim(), "8");
    const reopened = await openNativeDuckDb(path);
    assert.deepEqual(await reopened.query("SELECT id FROM t ORDER BY id"), [{ id: 7 }, { id: 8 }]);
    await reopened.close();
  });
});

Deno.test("an instance whose sorts spilled is closed, which removes its temporary folder", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "spill.duckdb");
    const db = await openNativeDuckDb(path, { memoryLimit: "32MB", threads: 1 });
    const [{ n }] = await db.query<{ n: number }>(
      "SELECT count(*) AS n FROM (SELECT md5(range::VARCHAR) AS s FROM range(2000000) ORDER BY s)",
    );
    assert.equal(n, 2_000_000);
    assert.ok(fs.existsSync(`${path}.tmp`), "nothing spilled");
    await db.close();
    // DuckDB removes it when the instance closes; a kept instance would keep it
    assert.equal(fs.existsSync(`${path}.tmp`), false);
  });
});

Deno.test("checkpoints keep the metadata of what they did not change, and the file reads the same after each", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "reused.duckdb");
    const db = await openNativeDuckDb(path);
    assert.deepEqual(
      await db.query("SELECT current_setting('experimental_metadata_reuse') AS reuse"),
      [{ reuse: true }],
    );
    // five row groups of 8,192 rows beside a small table, then changes to one or the other
    await db.run(
      "CREATE TABLE wide AS SELECT range AS id, 'label ' || range AS label, range % 7 AS bucket FROM range(40960); CREATE TABLE small (id BIGINT)",
    );
    await db.checkpoint();
    const changes = [
      "INSERT INTO small VALUES (1)",
      "DELETE FROM wide WHERE id < 8192",
      "INSERT INTO small VALUES (2)",
      "UPDATE wide SET label = 'changed' WHERE id = 20000",
      "INSERT INTO wide VALUES (50000, 'appended', 0)",
    ];
    for (const change of changes) {
      await db.run(change);
      await db.checkpoint();
    }
    await db.close();
    const reopened = await openNativeDuckDb(path);
    assert.deepEqual(
      await reopened.query(
        "SELECT count(*)::INTEGER AS n, sum(id)::BIGINT AS ids, count(*) FILTER (WHERE label = 'changed')::INTEGER AS changed, (SELECT sum(id)::INTEGER FROM small) AS small FROM wide",
      ),
      [{ n: 32769, ids: 40960 * 40959 / 2 - 8192 * 8191 / 2 + 50000, changed: 1, small: 3 }],
    );
    await reopened.close();
  });
});
