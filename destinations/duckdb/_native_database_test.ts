/**
 * Native DuckDB as a driver of the duckdb destination: files shared with DuckDB-WASM in both
 * directions (also after a crash of either), the file lock against both drivers and other DuckDB
 * processes, and what native DuckDB brings. The driver contract both drivers keep (values,
 * parameters, statements, errors, write-ahead log) is tested in `_driver_test.ts`.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { DestinationError } from "../../lib/errors.ts";
import { openDuckDbWasm } from "./_database.ts";
import { lockHolder, openNativeDuckDb } from "./_native_database.ts";
import { withTempDir as withTempDirNamed } from "./_testdata/temp_dir.ts";

const NATIVE_CHILD = fileURLToPath(new URL("./_testdata/native_child.ts", import.meta.url));
const WASM_CHILD = fileURLToPath(new URL("./_testdata/child.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

/** Runs `script` with `args` in a separate Deno process; returns how it ended. */
async function child(script: string, ...args: string[]): Promise<Deno.Signal | null> {
  const { code, signal, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "--config", CONFIG, script, ...args],
    stdout: "null",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  if (code !== 0 && signal !== "SIGKILL") {
    throw new Error(`Child ${args.join(" ")} failed: ${new TextDecoder().decode(stderr)}`);
  }
  return signal;
}

/** Starts `native_child.ts <path> <action>` and resolves once it holds the database. */
async function holder(path: string, action: "hold" | "hold-raw"): Promise<Deno.ChildProcess> {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "--config", CONFIG, NATIVE_CHILD, path, action],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let output = "";
  for await (const chunk of process.stdout.pipeThrough(new TextDecoderStream())) {
    output += chunk;
    if (output.includes("holding\n")) return process;
  }
  throw new Error(`The holder ended without holding the database: ${output}`);
}

/** Kills a holder and waits for it to end. */
async function kill(process: Deno.ChildProcess): Promise<void> {
  try {
    process.kill("SIGKILL");
  } catch {
    // it ended already
  }
  await process.status;
  await process.stdout.cancel().catch(() => {});
}

/** Runs `test` with a temporary folder of its own. */
function withTempDir(test: (dir: string) => Promise<void>): Promise<void> {
  return withTempDirNamed("dlt_duckdb_native_", test);
}

/** Rows, distinct ids and id sum of table `items`, read natively. */
async function nativeItems(path: string): Promise<Record<string, unknown>> {
  const db = await openNativeDuckDb(path);
  const [stats] = await db.query(
    "SELECT count(*) AS rows, count(DISTINCT id) AS distinct, sum(id) AS sum FROM items",
  );
  await db.close();
  return stats;
}

/**
 * Appends ids `first` … `first + count - 1` to `items` through `driver` in this process, as the
 * children's `append` does (a setup step; the tests start children where a process must end).
 */
async function append(
  driver: "wasm" | "native",
  path: string,
  first: number,
  count: number,
): Promise<void> {
  const statements = [
    "CREATE TABLE IF NOT EXISTS items (id BIGINT, label VARCHAR)",
    `INSERT INTO items SELECT range, 'item ' || range FROM range(${first}, ${first + count})`,
  ];
  if (driver === "wasm") {
    const db = await openDuckDbWasm(path);
    for (const statement of statements) db.run(statement);
    await db.close();
  } else {
    const db = await openNativeDuckDb(path);
    for (const statement of statements) await db.run(statement);
    await db.close();
  }
}

/** Sum of the ids 0 … n - 1. */
function idSum(n: number): number {
  return n * (n - 1) / 2;
}

/** A table of the types the destination stores, a few of them NULL, and 20,000 more rows. */
const KINDS = `
  CREATE TABLE kinds (id BIGINT, label VARCHAR, ratio DOUBLE, flag BOOLEAN, seen TIMESTAMPTZ,
    day DATE, moment TIME, amount DECIMAL(38, 9), big HUGEINT, bytes BLOB, tags VARCHAR[],
    place STRUCT(city VARCHAR, zip INTEGER));
  INSERT INTO kinds VALUES
    (1, 'héllo', 1.5, true, '2024-01-02T03:04:05.678901Z', '2024-01-02', '01:02:03.456789',
     -12345678901234567890.123456789, 170141183460469231731687303715884105727, '\\x00\\xFF',
     ['a', NULL], {'city': 'Bern', 'zip': 3000}),
    (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  INSERT INTO kinds SELECT range + 3, 'row ' || range, range / 7, range % 2 = 0,
    to_timestamp(1704067200 + range), NULL, NULL, range / 100, range,
    NULL, [range::VARCHAR], NULL
  FROM range(20000)`;
const READ_KINDS = "SELECT * FROM kinds ORDER BY id";

Deno.test("native DuckDB opens what DuckDB-WASM wrote, with the same values, and the reverse", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "shared.duckdb");
    const wasm = await openDuckDbWasm(path);
    wasm.run(KINDS);
    const written = wasm.query(READ_KINDS);
    await wasm.close();
    assert.equal(written.length, 20002);

    const native = await openNativeDuckDb(path);
    assert.deepEqual(await native.query(READ_KINDS), written);
    await native.run("INSERT INTO kinds (id, label, amount) VALUES (-1, 'native', 0.5)");
    await native.run("CREATE TABLE more AS SELECT range AS id FROM range(10000)");
    const rewritten = await native.query(READ_KINDS);
    await native.close();
    assert.deepEqual(fs.readdirSync(dir), ["shared.duckdb"]);

    const reopened = await openDuckDbWasm(path);
    assert.deepEqual(reopened.query(READ_KINDS), rewritten);
    assert.deepEqual(reopened.query("SELECT count(*) AS n, sum(id) AS s FROM more"), [
      { n: 10000, s: idSum(10000) },
    ]);
    await reopened.close();
  });
});

Deno.test("DuckDB-WASM keeps the commit of a killed native process", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "killed.duckdb");
    await append("native", path, 0, 100);
    assert.equal(await child(NATIVE_CHILD, path, "append-then-die", "100", "20000"), "SIGKILL");
    assert.ok(fs.statSync(`${path}.wal`).size > 0, "the commit is only in the write-ahead log");
    const wasm = await openDuckDbWasm(path);
    assert.deepEqual(
      wasm.query("SELECT count(*) AS rows, count(DISTINCT id) AS distinct FROM items"),
      [{ rows: 20100, distinct: 20100 }],
    );
    await wasm.close();
    assert.deepEqual(await nativeItems(path), { rows: 20100, distinct: 20100, sum: idSum(20100) });
  });
});

Deno.test("native DuckDB keeps the commit of a killed DuckDB-WASM process and skips a log it had checkpointed", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "killed.duckdb");
    await append("wasm", path, 0, 100);
    assert.equal(await child(WASM_CHILD, path, "append-then-die", "100", "1000"), "SIGKILL");
    assert.ok(fs.statSync(`${path}.wal`).size > 0);
    assert.deepEqual(await nativeItems(path), { rows: 1100, distinct: 1100, sum: idSum(1100) });
    assert.ok(!fs.existsSync(`${path}.wal`));

    assert.equal(await child(WASM_CHILD, path, "die-before-log-removal", "1100", "100"), "SIGKILL");
    assert.ok(fs.existsSync(`${path}.wal`), "the checkpointed log is left behind");
    assert.deepEqual(await nativeItems(path), { rows: 1200, distinct: 1200, sum: idSum(1200) });
    await append("wasm", path, 1200, 100);
    assert.deepEqual(await nativeItems(path), { rows: 1300, distinct: 1300, sum: idSum(1300) });
  });
});

Deno.test("a native open finishes a rebuild DuckDB-WASM completed but did not swap in", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "rebuild.duckdb");
    await append("native", path, 0, 10);
    fs.copyFileSync(path, join(dir, "snapshot"));
    await append("native", path, 10, 5);
    // a complete rebuild holding ids 0 … 9 replaces the database, whose log is dropped
    fs.renameSync(join(dir, "snapshot"), `${path}.rebuilt`);
    fs.writeFileSync(`${path}.wal`, "stale");
    assert.deepEqual(await nativeItems(path), { rows: 10, distinct: 10, sum: idSum(10) });
    assert.deepEqual(fs.readdirSync(dir), ["rebuild.duckdb"]);
  });
});

Deno.test("an empty file is a new database; a damaged one is refused and left as it is", async () => {
  await withTempDir(async (dir) => {
    const empty = join(dir, "empty.duckdb");
    fs.writeFileSync(empty, "");
    const db = await openNativeDuckDb(empty);
    await db.run("CREATE TABLE items AS SELECT 1 AS id");
    await db.close();
    const wasm = await openDuckDbWasm(empty);
    assert.deepEqual(wasm.query("SELECT id FROM items"), [{ id: 1 }]);
    await wasm.close();

    const damaged = join(dir, "damaged.duckdb");
    const bytes = new Uint8Array(20000).fill(7);
    fs.writeFileSync(damaged, bytes);
    await assert.rejects(openNativeDuckDb(damaged), (error: Error) => {
      assert.ok(error instanceof DestinationError);
      assert.match(error.message, /^Cannot open DuckDB database ".*damaged\.duckdb": /);
      return true;
    });
    assert.deepEqual(fs.readFileSync(damaged), Buffer.from(bytes));
  });
});

Deno.test("a second open of a file in this process, by either driver, fails naming this process", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "twice.duckdb");
    const db = await openNativeDuckDb(path);
    const expected = {
      name: "DestinationError",
      message: new RegExp(
        `^Cannot open DuckDB database "${path}": this process \\(pid ${Deno.pid}\\) has it open .*` +
          "another path of the same file is open in this process$",
      ),
    };
    await assert.rejects(openNativeDuckDb(path, { lockTimeoutMs: 100 }), expected);
    await assert.rejects(openDuckDbWasm(path, { lockTimeoutMs: 100 }), expected);
    await db.close();
    const wasm = await openDuckDbWasm(path);
    await assert.rejects(openNativeDuckDb(path, { lockTimeoutMs: 100 }), expected);
    await wasm.close();
  });
});

Deno.test("a native process holding a file keeps out both drivers for lockTimeoutMs and is named", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "held.duckdb");
    const process = await holder(path, "hold");
    try {
      for (const open of [openNativeDuckDb, openDuckDbWasm]) {
        const started = performance.now();
        const error = await open(path, { lockTimeoutMs: 500 }).then(
          () => assert.fail("the file was opened while another process had it"),
          (error: Error) => error,
        );
        const waited = performance.now() - started;
        assert.ok(error instanceof DestinationError && error.transient, String(error));
        assert.match(
          error.message,
          new RegExp(
            `^Cannot open DuckDB database "${path}": process ${process.pid} has it open since .*` +
              "not closed within 500 ms; raise duckdb\\(\\{ lockTimeoutMs \\}\\) to wait longer$",
          ),
        );
        assert.ok(waited >= 500 && waited < 5000, `failed after ${waited} ms`);
      }
    } finally {
      await kill(process);
    }
    // the kernel released the killed holder's locks
    assert.deepEqual(await (await openNativeDuckDb(path)).close(), undefined);
  });
});

Deno.test("a DuckDB process that takes only DuckDB's own lock is waited for and named", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "cli.duckdb");
    let process = await holder(path, "hold-raw");
    try {
      const started = performance.now();
      const error = await openNativeDuckDb(path, { lockTimeoutMs: 500 }).then(
        () => assert.fail("the file was opened while another process had it"),
        (error: Error) => error,
      );
      const waited = performance.now() - started;
      assert.ok(error instanceof DestinationError && error.transient, String(error));
      assert.match(
        error.message,
        new RegExp(
          `^Cannot open DuckDB database "${path}": process ${process.pid} \\(".+"\\) has it open, ` +
            "and it was not closed within 500 ms; raise duckdb\\(\\{ lockTimeoutMs \\}\\) to " +
            "wait longer$",
        ),
      );
      assert.ok(waited >= 500 && waited < 5000, `failed after ${waited} ms`);
      assert.ok(!fs.existsSync(`${path}.lock`), "the failed open released its own lock");

      // an open that waits long enough gets the file once the holder is gone
      await kill(process);
      process = await holder(path, "hold-raw");
      const opening = openNativeDuckDb(path, { lockTimeoutMs: 20_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await kill(process);
      const db = await opening;
      assert.deepEqual(await db.query("SELECT 1 AS one"), [{ one: 1 }]);
      await db.close();
    } finally {
      await kill(process);
    }
  });
});

Deno.test("the process holding DuckDB's lock is named as DuckDB names it, by its PID alone while it exits", () => {
  const file = 'Could not set lock on file "/tmp/x/cli.duckdb": ';
  assert.equal(
    lockHolder(
      `IO Error: ${file}Conflicting lock is held in /usr/bin/duckdb -c 1 (PID 42) by user root. See also …`,
    ),
    'process 42 ("/usr/bin/duckdb -c 1")',
  );
  // an exiting process has no command line left, but holds the lock until its files are closed
  assert.equal(
    lockHolder(`IO Error: ${file}Conflicting lock is held in PID 23792. However, …`),
    "process 23792",
  );
  assert.equal(lockHolder(`IO Error: ${file}Resource temporarily unavailable`), undefined);
  assert.equal(lockHolder("Catalog Error: Table with name t does not exist!"), undefined);
});

Deno.test("native DuckDB brings ICU in UTC, the JSON and Parquet readers, and threads", async () => {
  await withTempDir(async (dir) => {
    const db = await openNativeDuckDb(join(dir, "native.duckdb"), {
      threads: 2,
      memoryLimit: "256MB",
    });
    assert.equal(db.engine, "native");
    assert.deepEqual(
      await db.query(
        `SELECT date_trunc('day', TIMESTAMPTZ '2024-01-02 23:30:00-02') AS day,
           current_setting('threads') AS threads, current_setting('memory_limit') AS memory`,
      ),
      [{ day: new Date("2024-01-03T00:00:00Z"), threads: 2, memory: "244.1 MiB" }],
    );
    const parquet = join(dir, "rows.parquet");
    const json = join(dir, "rows.jsonl");
    fs.writeFileSync(json, '{"id": 1, "tags": ["a"]}\n{"id": 2, "tags": []}\n');
    await db.run(`COPY (SELECT * FROM read_json('${json}')) TO '${parquet}' (FORMAT parquet)`);
    assert.deepEqual(await db.query(`SELECT * FROM read_parquet('${parquet}') ORDER BY id`), [
      { id: 1, tags: ["a"] },
      { id: 2, tags: [] },
    ]);
    await db.close();
  });
});

Deno.test("calls run one at a time in the order they were made", async () => {
  const db = await openNativeDuckDb(":memory:");
  const created = db.run("CREATE TABLE t (i INTEGER)");
  const inserts = Array.from({ length: 20 }, (_, i) => db.run(`INSERT INTO t VALUES (${i})`));
  const counted = db.query("SELECT count(*) AS n, sum(i) AS s FROM t");
  const failed = assert.rejects(db.run("SELECT nosuch"), /nosuch/);
  const after = db.query("SELECT max(i) AS m FROM t");
  const closed = db.close();
  const late = assert.rejects(db.query("SELECT 1"), /Database ":memory:" is closed/);
  await created;
  await Promise.all(inserts);
  assert.deepEqual(await counted, [{ n: 20, s: idSum(20) }]);
  await failed;
  assert.deepEqual(await after, [{ m: 19 }]);
  await closed;
  await late;
});

Deno.test("closing right after a checkpoint, or after writes that followed one, leaves every row and no log", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "items.duckdb");
    const first = await openNativeDuckDb(path);
    await first.run("CREATE TABLE items (id BIGINT); INSERT INTO items VALUES (1), (2)");
    await first.checkpoint();
    await first.close();
    assert.equal(fs.existsSync(`${path}.wal`), false);
    assert.deepEqual(await nativeItems(path), { rows: 2, distinct: 2, sum: 3 });
    const second = await openNativeDuckDb(path);
    await second.run("INSERT INTO items VALUES (3)");
    await second.checkpoint();
    await second.run("INSERT INTO items VALUES (4)");
    await second.close();
    assert.equal(fs.existsSync(`${path}.wal`), false);
    assert.deepEqual(await nativeItems(path), { rows: 4, distinct: 4, sum: 10 });
  });
});

Deno.test("bad options and paths are refused with errors naming them", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(openNativeDuckDb(":memory:", { threads: 0 }), {
      name: "RangeError",
      message: "Cannot use 0 threads: give a whole number of at least 1",
    });
    await assert.rejects(openNativeDuckDb(join(dir, "x.duckdb"), { memoryLimit: "lots" }), {
      name: "DestinationError",
      message: new RegExp(`^Cannot open DuckDB database "${join(dir, "x.duckdb")}": .*memory`),
    });
    assert.ok(!fs.existsSync(join(dir, "x.duckdb.lock")), "the failed open released its lock");
    await assert.rejects(openNativeDuckDb(join(dir, "missing", "x.duckdb")), {
      name: "DestinationError",
      message: /the folder ".*missing" does not exist/,
    });
    // a relative path is resolved against the current directory
    const db = await openNativeDuckDb(relative(Deno.cwd(), join(dir, "relative.duckdb")));
    assert.equal(db.path, join(dir, "relative.duckdb"));
    await db.close();
  });
});

Deno.test("blocks an open transaction wrote are dropped from memory, freed memory released; the transaction and memory limit stay as they were", async () => {
  for (const memoryLimit of ["2GB", undefined]) {
    const dir = await Deno.makeTempDir({ prefix: "native_written_blocks_" });
    const db = await openNativeDuckDb(join(dir, "db.duckdb"), { memoryLimit });
    try {
      const written = async () =>
        Number(
          (await db.query<{ bytes: number | bigint }>(
            "SELECT memory_usage_bytes AS bytes FROM duckdb_memory() WHERE tag = 'BASE_TABLE'",
          ))[0].bytes,
        );
      const limit = () => db.query("SELECT current_setting('memory_limit') AS m");
      const before = await limit();
      assert.ok(before.length === 1);
      await db.run("CREATE TABLE t (i BIGINT, s VARCHAR)");
      await db.run("BEGIN TRANSACTION");
      // full row groups of an insert are written to the file at once, and kept in memory
      await db.run("INSERT INTO t SELECT range, md5(range::VARCHAR) FROM range(1000000)");
      assert.ok(await written() > 16 << 20, `${await written()} bytes of written blocks`);
      await db.dropWrittenBlocks!();
      // the 8 MiB kept, give or take a few blocks: the limit is set from DuckDB's memory use as
      // read just before, and other memory freed in between leaves that much more of the blocks
      assert.ok(await written() <= 9 << 20, `${await written()} bytes of written blocks`);
      const after = await limit();
      for (let i = 0; i < 3; i++) {
        await db.dropWrittenBlocks!();
        await db.releaseFreedMemory!();
      }
      // the limit goes back as opened (DuckDB's default as it shows it, rounded), and stays
      assert.deepEqual(await limit(), after);
      if (memoryLimit !== undefined) assert.deepEqual(after, before);
      // the buffer pool has it back too: a second large insert needs more than the lowered one
      await db.run("INSERT INTO t SELECT -range, md5(range::VARCHAR) FROM range(1, 1000001)");
      await db.run("INSERT INTO t VALUES (0, 'last')");
      await db.run("COMMIT");
      assert.deepEqual(
        await db.query("SELECT count(*) AS n, max(s) FILTER (WHERE s = 'last') AS s FROM t"),
        [{ n: 2000001, s: "last" }],
      );
    } finally {
      // a failed statement leaves the transaction open, and the close's checkpoint refused
      await db.run("ROLLBACK").catch(() => {});
      await db.close();
      await Deno.remove(dir, { recursive: true });
    }
  }
});
