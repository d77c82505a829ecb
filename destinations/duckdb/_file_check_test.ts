/**
 * The checks of a database file and its write-ahead log before DuckDB-WASM opens them, on files
 * DuckDB-WASM wrote and on damaged copies of them.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { DestinationError } from "../../lib/errors.ts";
import { checkDatabaseFile, checkWriteAheadLog } from "./_file_check.ts";
import { openDuckDbWasm } from "./_database.ts";

/** A database of three checkpoints (so its blocks are spread) and a copy of a log it wrote. */
async function sample(dir: string): Promise<{ database: Uint8Array; log: Uint8Array }> {
  const path = join(dir, "sample.duckdb");
  const db = await openDuckDbWasm(path);
  db.run("CREATE TABLE items (id BIGINT, label VARCHAR)");
  for (let i = 0; i < 3; i++) {
    db.run(
      `INSERT INTO items SELECT range, 'item ' || range FROM range(${i * 5000}, ${
        i * 5000 + 5000
      })`,
    );
    db.checkpoint();
  }
  db.run("INSERT INTO items VALUES (-1, 'only in the log'), (-2, 'only in the log')");
  db.run("UPDATE items SET label = 'changed' WHERE id < 10");
  const log = fs.readFileSync(`${path}.wal`);
  await db.close();
  return { database: fs.readFileSync(path), log };
}

/** The result of checking `bytes` as a database file. */
function checkBytes(dir: string, bytes: Uint8Array): string {
  const path = join(dir, "check.duckdb");
  fs.writeFileSync(path, bytes);
  try {
    return checkDatabaseFile(path);
  } catch (error) {
    assert.ok(error instanceof DestinationError, String(error));
    assert.ok(error.message.startsWith(`Cannot open DuckDB database "${path}": `), error.message);
    assert.deepEqual(fs.readFileSync(path), Buffer.from(bytes), "the file is left as it is");
    return error.message.slice(error.message.indexOf(": ") + 2);
  } finally {
    fs.rmSync(path);
  }
}

function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[at] ^= 0xff;
  return copy;
}

Deno.test("a database file is checked before DuckDB-WASM sees it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlt_file_check_" });
  try {
    const { database } = await sample(dir);
    assert.equal(checkDatabaseFile(join(dir, "missing.duckdb")), "missing");
    assert.equal(checkBytes(dir, new Uint8Array()), "empty");
    assert.equal(checkBytes(dir, database), "database");
    for (const size of [1, 12, 100, 4095, 4096, 8192, 12287]) {
      assert.match(
        checkBytes(dir, database.subarray(0, size)),
        /it was cut short/,
        `${size} bytes`,
      );
    }
    // cut inside the blocks, before the end of the current header's metadata block
    const view = new DataView(database.buffer, database.byteOffset);
    const current = view.getBigUint64(4104, true) > view.getBigUint64(8200, true) ? 4096 : 8192;
    const metadataBlock = Number(BigInt.asUintN(56, view.getBigUint64(current + 16, true)));
    assert.match(
      checkBytes(dir, database.subarray(0, 12288 + metadataBlock * 16384 + 100)),
      /its metadata is in block \d+ of \d+, which ends at byte \d+: it was cut short/,
    );
    assert.match(checkBytes(dir, flipped(database, 8)), /not a DuckDB database file/);
    for (const at of [0, 12, 16, 100, 4000]) {
      assert.match(checkBytes(dir, flipped(database, at)), /main header is damaged/, `byte ${at}`);
    }
    for (const at of [4096, 4104, 4128, 4136, 4144, 8192, 8200, 8240, 9000]) {
      assert.match(
        checkBytes(dir, flipped(database, at)),
        /database header at byte \d+ is damaged/,
      );
    }
    const sqlite = new Uint8Array(16384);
    sqlite.set(new TextEncoder().encode("SQLite format 3\0"));
    assert.match(checkBytes(dir, sqlite), /it is an SQLite database, not a DuckDB database/);
    assert.match(checkBytes(dir, new Uint8Array(1 << 16)), /not a DuckDB database file/);
    // the headers swapped are still consistent: the one with the higher iteration is current
    const swapped = Uint8Array.from(database);
    swapped.set(database.subarray(4096, 8192), 8192);
    swapped.set(database.subarray(8192, 12288), 4096);
    assert.equal(checkBytes(dir, swapped), "database");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a write-ahead log is walked entry by entry", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlt_log_check_" });
  try {
    const { log } = await sample(dir);
    const path = join(dir, "check.duckdb.wal");
    const check = (bytes: Uint8Array) => {
      fs.writeFileSync(path, bytes);
      return checkWriteAheadLog(path);
    };
    assert.deepEqual(checkWriteAheadLog(join(dir, "missing.wal")), { kind: "missing" });
    assert.deepEqual(check(new Uint8Array()), { kind: "empty" });
    assert.deepEqual(check(log), { kind: "whole" });
    assert.deepEqual(check(log.subarray(0, 4)), { kind: "torn", size: 4, valid: 0 });
    // no transaction committed: nothing to replay
    assert.deepEqual(check(log.subarray(0, 20)), { kind: "torn", size: 20, valid: 0 });
    const cut = log.length - 3;
    const torn = check(log.subarray(0, cut));
    assert.ok(torn.kind === "torn" && torn.valid < cut && torn.valid > 8, JSON.stringify(torn));
    // whole entries, but the last transaction's commit (its flush entry) missing
    const next = torn.kind === "torn" ? torn.valid : 0;
    const entry = 16 + Number(new DataView(log.buffer, log.byteOffset).getBigUint64(next, true));
    assert.deepEqual(check(log.subarray(0, next + entry)), {
      kind: "torn",
      size: next + entry,
      valid: next,
    });
    // a size that runs past the end: DuckDB would stop reading there
    assert.deepEqual(check(flipped(log, 15)), { kind: "torn", size: log.length, valid: 0 });
    assert.deepEqual(check(flipped(log, 2)), { kind: "foreign", size: log.length });
    assert.deepEqual(check(new TextEncoder().encode("not a log\n")), { kind: "foreign", size: 10 });
    assert.deepEqual(check(new Uint8Array(4096)), { kind: "foreign", size: 4096 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
