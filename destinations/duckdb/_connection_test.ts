/**
 * The DuckDB connection's copies (`_connection.ts`) on native DuckDB: a wide table's copy runs
 * on one thread, and DuckDB has its threads (or else the memory the copy freed) back at once
 * outside a transaction or beside normalize, else for a narrow copy, when the copies are done or
 * at the transaction's end; a large narrow copy runs on all of them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { LoadJob } from "../../lib/destination.ts";
import type { TableSchema } from "../../lib/schema/schema.ts";
import { DuckDbConnection } from "./_connection.ts";
import { acquireDatabase, type SharedDatabase } from "./_shared_database.ts";
import { withTempDir } from "./_testdata/temp_dir.ts";

/** A table of `width` text columns `c0`, `c1`, … */
function textTable(name: string, width: number): TableSchema {
  const names = Array.from({ length: width }, (_, i) => `c${i}`);
  return {
    name,
    columns: Object.fromEntries(names.map((c) => [c, { name: c, dataType: "text" }])),
  };
}

/** Writes `rows` rows of `table` as a CSV job file named `file` under `dir`. */
async function jobFile(dir: string, file: string, table: TableSchema, rows: number) {
  const columns = Object.keys(table.columns);
  const lines = [columns.join(",")];
  for (let r = 0; r < rows; r++) lines.push(columns.map((c) => `${file}:${r}:${c}`).join(","));
  const path = join(dir, file);
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  const job: LoadJob = { path, table: table.name, format: "csv", columns, rows, longestLine: 0 };
  return job;
}

/** What {@linkcode withCopies} gives a test. */
interface Copies {
  dir: string;
  connection: DuckDbConnection;
  shared: SharedDatabase;
  /** A table wider than the 64 columns DuckDB reads with all its threads, and a narrow one. */
  wide: TableSchema;
  narrow: TableSchema;
  /** DuckDB's threads now. */
  threads(): Promise<number>;
}

/** Runs `test` with a connection to a new native DuckDB file holding the tables `wide` and `narrow`. */
async function withCopies(test: (copies: Copies) => Promise<void>): Promise<void> {
  await withTempDir("dlt_duckdb_connection_", async (dir) => {
    const path = join(dir, "copies.duckdb");
    const shared = await acquireDatabase(path, { kind: "file", path }, {
      memoryLimit: undefined,
      lockTimeoutMs: undefined,
      engine: "native",
    });
    const connection = new DuckDbConnection(shared);
    try {
      const wide = textTable("wide", 80);
      const narrow = textTable("narrow", 3);
      for (const table of [wide, narrow]) {
        const columns = Object.keys(table.columns).map((c) => `${c} VARCHAR`).join(", ");
        await connection.run(`CREATE TABLE ${table.name} (${columns})`);
      }
      const threads = async () => {
        const [row] = await connection.query<{ threads: number | bigint }>(
          "SELECT current_setting('threads') AS threads",
        );
        return Number(row.threads);
      };
      await test({ dir, connection, shared, wide, narrow, threads });
    } finally {
      await connection.close();
    }
  });
}

Deno.test("a wide copy keeps DuckDB on one thread until a narrow copy, copiesDone or the transaction's end, unless normalize runs beside", async () => {
  await withCopies(async ({ dir, connection, wide, narrow, threads }) => {
    await connection.run("SET threads = 2");
    const seen: number[] = [];
    await connection.transaction(async () => {
      await connection.copyJob(await jobFile(dir, "wide.1.csv", wide, 50), wide, "wide");
      seen.push(await threads());
      const beside = await jobFile(dir, "wide.2.csv", wide, 50);
      await connection.copyJob(beside, wide, "wide", { besideNormalize: true });
      seen.push(await threads());
      await connection.copyJob(await jobFile(dir, "wide.3.csv", wide, 50), wide, "wide");
      seen.push(await threads());
      await connection.copyJob(await jobFile(dir, "narrow.1.csv", narrow, 5), narrow, "narrow");
      seen.push(await threads());
      await connection.copyJob(await jobFile(dir, "wide.4.csv", wide, 50), wide, "wide");
      seen.push(await threads());
      // what follows the copies (a merge) runs with all of them
      await connection.copiesDone();
      seen.push(await threads());
      await connection.copyJob(await jobFile(dir, "wide.5.csv", wide, 50), wide, "wide");
    });
    assert.deepEqual(seen, [1, 2, 1, 2, 1, 2]);
    assert.equal(await threads(), 2);
    // outside a transaction, at once
    await connection.copyJob(await jobFile(dir, "wide.6.csv", wide, 50), wide, "wide");
    assert.equal(await threads(), 2);
    const [counts] = await connection.query<{ wide: bigint; narrow: bigint; last: string }>(
      "SELECT (SELECT count(*) FROM wide) AS wide, (SELECT count(*) FROM narrow) AS narrow, (SELECT max(c79) FROM wide) AS last",
    );
    assert.deepEqual([Number(counts.wide), Number(counts.narrow), counts.last], [
      300,
      5,
      "wide.6.csv:9:c79",
    ]);
  });
});

Deno.test("native DuckDB runs a load on one thread, a large narrow copy on all, and gives a wide copy's freed memory back", async () => {
  await withCopies(async ({ dir, connection, shared, wide, narrow, threads }) => {
    const releases: string[] = [];
    const { driver } = shared;
    const release = driver.releaseFreedMemory!.bind(driver);
    driver.releaseFreedMemory = (before) => {
      releases.push("released");
      return release(before);
    };
    assert.equal(await threads(), 1);
    assert.equal(driver.copyThreads, navigator.hardwareConcurrency);
    // 32 MiB of narrow rows and more
    const large = await jobFile(dir, "narrow.large.csv", narrow, 420_000);
    assert.ok((await Deno.stat(large.path)).size >= 32 << 20);
    const seen: (number | string)[] = [];
    await connection.transaction(async () => {
      await connection.copyJob(await jobFile(dir, "wide.1.csv", wide, 50), wide, "wide");
      seen.push(await threads(), releases.length);
      await connection.copyJob(await jobFile(dir, "narrow.1.csv", narrow, 5), narrow, "narrow");
      seen.push(await threads(), releases.length);
      await connection.copyJob(large, narrow, "narrow");
      seen.push(await threads());
      await connection.copyJob(await jobFile(dir, "narrow.2.csv", narrow, 5), narrow, "narrow");
      seen.push(await threads());
      await connection.copiesDone();
      seen.push(await threads());
    });
    // the wide copy's memory went back before the narrow one
    assert.deepEqual(seen, [
      1,
      0,
      1,
      1,
      navigator.hardwareConcurrency,
      navigator.hardwareConcurrency,
      1,
    ]);
    // outside a transaction, at once
    await connection.copyJob(await jobFile(dir, "wide.2.csv", wide, 50), wide, "wide");
    assert.deepEqual(releases, ["released", "released"]);
    await connection.copyJob(large, narrow, "narrow");
    assert.equal(await threads(), 1);
    const [counts] = await connection.query<{ wide: bigint; narrow: bigint }>(
      "SELECT (SELECT count(*) FROM wide) AS wide, (SELECT count(*) FROM narrow) AS narrow",
    );
    assert.deepEqual([Number(counts.wide), Number(counts.narrow)], [100, 840_010]);
  });
});

Deno.test("a wide copy beside normalize sends the statements after it and the release of its memory in its own call", async () => {
  await withCopies(async ({ dir, connection, shared, wide }) => {
    await connection.run("CREATE TABLE copied (file VARCHAR)");
    const { driver } = shared;
    const calls: string[] = [];
    const run = driver.run.bind(driver);
    const release = driver.releaseFreedMemory!.bind(driver);
    driver.run = (sql, params) => {
      calls.push(`run ${sql.slice(0, 11)}`);
      return run(sql, params);
    };
    driver.releaseFreedMemory = (before) => {
      calls.push(`release after ${before?.slice(0, 11)}`);
      return release(before);
    };
    const copy = async (file: string, followedBy: string) => {
      const job = await jobFile(dir, file, wide, 20);
      await connection.copyJob(job, wide, "wide", { besideNormalize: true, followedBy });
    };
    await connection.transaction(async () => {
      calls.length = 0;
      await copy("wide.1.csv", "INSERT INTO copied VALUES ('wide.1.csv')");
      await copy("wide.2.csv", "INSERT INTO copied VALUES ('wide.2.csv')");
    });
    // one call each: the copy, the statement after it, and the release of the memory it freed
    assert.deepEqual(calls, [
      "release after INSERT INTO",
      "release after INSERT INTO",
      "run COMMIT",
    ]);
    // a statement after the copy that fails fails the copy, which the transaction rolls back
    await assert.rejects(
      connection.transaction(() => copy("wide.3.csv", "INSERT INTO missing VALUES (1)")),
      /missing/,
    );
    const rows = await connection.query<{ file: string; wide: bigint }>(
      "SELECT list(file ORDER BY file) AS file, (SELECT count(*) FROM wide) AS wide FROM copied",
    );
    assert.deepEqual(rows.map((r) => [r.file, Number(r.wide)]), [[
      ["wide.1.csv", "wide.2.csv"],
      40,
    ]]);
  });
});
