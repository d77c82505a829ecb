/**
 * A damaged DuckDB file fails a run within seconds with a `DestinationError` naming it, and
 * nothing is changed (the file, its log, its temporary folder); an empty file is a new database;
 * a log that is not DuckDB's is reported and set aside.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DestinationError, resource } from "../mod.ts";
import { onLog } from "../lib/log.ts";
import { tempPipeline } from "./_helpers.ts";
import { nativeQuery } from "./_native_duckdb.ts";

/** How long a failing run may take: DuckDB-WASM must never be left to spin. */
const FAIL_WITHIN_MS = 15_000;

function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[at] ^= 0xff;
  return copy;
}

function batch(first: number) {
  return resource([{ id: first }, { id: first + 1 }], { name: "items" });
}

Deno.test("a damaged database file fails the run fast, named, and is left as it is", async () => {
  const { p, dbPath } = await tempPipeline("damaged");
  await p.run(batch(1));
  const good = await Deno.readFile(dbPath);
  const sqlite = new Uint8Array(16384);
  sqlite.set(new TextEncoder().encode("SQLite format 3\0"));
  // what the open must not touch either: a log and spilled data
  const log = new TextEncoder().encode("not a log");
  await Deno.mkdir(`${dbPath}.tmp`);
  await Deno.writeTextFile(`${dbPath}.tmp/spill`, "spilled");
  const cases: [string, Uint8Array, RegExp][] = [
    ["cut to 100 bytes", good.subarray(0, 100), /it has 100 bytes, fewer than .* cut short/],
    ["cut to 4096 bytes", good.subarray(0, 4096), /it has 4096 bytes, fewer than .* cut short/],
    ["cut in its blocks", good.subarray(0, 12288 + 100), /its metadata is in block .* cut short/],
    ["a flipped header byte", flipped(good, 4100), /database header at byte 4096 is damaged/],
    ["a flipped main header byte", flipped(good, 12), /main header is damaged/],
    ["an SQLite file", sqlite, /it is an SQLite database, not a DuckDB database/],
  ];
  let next = 3;
  for (const [name, bytes, reason] of cases) {
    await Deno.writeFile(dbPath, bytes);
    await Deno.writeFile(`${dbPath}.wal`, log);
    const started = performance.now();
    const error = await p.run(batch(next)).then(() => undefined, (error: Error) => error);
    next += 2;
    assert.ok(performance.now() - started < FAIL_WITHIN_MS, `${name}: took too long`);
    assert.ok(error !== undefined, `${name}: the run fails`);
    const cause = error.cause instanceof DestinationError ? error.cause : error;
    assert.ok(cause instanceof DestinationError, `${name}: ${error}`);
    assert.match(cause.message, new RegExp(`^Cannot open DuckDB database "${dbPath}": `));
    assert.match(cause.message, reason, name);
    assert.deepEqual(await Deno.readFile(dbPath), bytes, `${name}: the file is unchanged`);
    assert.deepEqual(await Deno.readFile(`${dbPath}.wal`), log, `${name}: the log is unchanged`);
    assert.equal(await Deno.readTextFile(`${dbPath}.tmp/spill`), "spilled", name);
  }
  // a run opens the destination before it extracts (the destination's state wins), so the failed
  // runs extracted nothing and left nothing pending; with the file repaired, the next run loads
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
  await Deno.remove(`${dbPath}.wal`);
  await Deno.writeFile(dbPath, good);
  await p.run(batch(next));
  const ids = await p.dataset().query<{ id: number }>("SELECT id FROM items ORDER BY id");
  assert.deepEqual(ids.map((row) => row.id), [1, 2, next, next + 1]);
});

Deno.test("an empty database file is a new database with DuckDB-WASM's small blocks", async () => {
  const { p, dbPath } = await tempPipeline("empty_file");
  await Deno.writeFile(dbPath, new Uint8Array());
  await p.run(batch(1));
  assert.deepEqual(
    await nativeQuery(
      dbPath,
      "SELECT block_size::INT AS block_size, (SELECT count(*)::INT FROM empty_file_data.items) AS n " +
        "FROM pragma_database_size() WHERE database_name = current_database()",
    ),
    [{ block_size: 16384, n: 2 }],
  );
});

Deno.test("a write-ahead log that is not DuckDB's is reported and set aside", async () => {
  const { p, dir, dbPath } = await tempPipeline("foreign_log");
  await p.run(batch(1));
  const garbage = crypto.getRandomValues(new Uint8Array(4096));
  await Deno.writeFile(`${dbPath}.wal`, garbage);
  const warnings: string[] = [];
  const stop = onLog((record) => {
    if (record.level === "WARNING") warnings.push(record.message);
  });
  try {
    await p.run(batch(3));
  } finally {
    stop();
  }
  const logPath = `${dbPath}.wal`;
  const warning = warnings.find((message) => message.includes(`"${logPath}"`));
  assert.ok(warning, `a warning names the log: ${warnings.join("\n")}`);
  assert.match(
    warning,
    /is not a DuckDB write-ahead log: DuckDB cannot replay it; it was moved to/,
  );
  const kept = [...Deno.readDirSync(dir)].map((entry) => entry.name).filter((name) =>
    name.startsWith("foreign_log.duckdb.wal.ignored-")
  );
  assert.equal(kept.length, 1);
  assert.deepEqual(await Deno.readFile(join(dir, kept[0])), garbage);
  assert.equal(await p.dataset().table("items").count(), 4);
});
