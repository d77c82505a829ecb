/**
 * A separate process for `_database_test.ts`:
 * `deno run -A child.ts <database> <action> [first id] [row count]`.
 *
 * - `append`: inserts the ids into table `items` and closes cleanly.
 * - `append-then-die`: inserts (committed, not checkpointed) and kills itself with SIGKILL.
 * - `die-before-log-removal`: inserts, checkpoints and kills itself with SIGKILL once the database
 *   header is written but before the write-ahead log is removed.
 * - `overwrite-log`: opens without the rebuild `openDuckDbWasm` does, so DuckDB replays the log
 *   and then writes the next commit over it; prints the error and kills itself with SIGKILL,
 *   because shutting that instance down would abort it.
 * - `read`: prints `{"rows":…,"distinct":…,"sum":…}` of table `items`.
 * - `timestamptz-function`: prints the error of a function that needs the ICU extension.
 *
 * @module
 */
import {
  createDuckDB,
  DuckDBAccessMode,
  duckDbWasmFile,
  VoidLogger,
} from "../../../lib/deps/duckdb_wasm.ts";
import { type DuckDbWasmDatabase, openDuckDbWasm } from "../_database.ts";
import { DURABLE_RUNTIME } from "../_runtime.ts";

function die(): never {
  Deno.kill(Deno.pid, "SIGKILL");
  throw new Error("Unreachable: the process was killed");
}

function printError(action: () => unknown): void {
  try {
    action();
    console.log("no error");
  } catch (error) {
    console.log((error as Error).message.replaceAll("\n", " "));
  }
}

function append(db: DuckDbWasmDatabase, first: string, count: string): void {
  db.run("CREATE TABLE IF NOT EXISTS items (id BIGINT, label VARCHAR)");
  db.run(
    `INSERT INTO items SELECT range, 'item ' || range FROM range(${first}, ${first} + ${count})`,
  );
}

/** Kills the process when DuckDB checks for the log `path` at the end of a checkpoint. */
function dieAtLogCheck(path: string): void {
  const checkFile = DURABLE_RUNTIME.checkFile;
  const decoder = new TextDecoder();
  DURABLE_RUNTIME.checkFile = (mod, pointer, length) => {
    const heap = (mod as unknown as { HEAPU8: Uint8Array }).HEAPU8;
    if (decoder.decode(heap.subarray(pointer, pointer + length)) === `${path}.wal`) die();
    return checkFile(mod, pointer, length);
  };
}

async function overwriteLog(path: string): Promise<never> {
  const wasm = duckDbWasmFile("duckdb-eh.wasm");
  const bundle = { mainModule: wasm, mainWorker: "" };
  const raw = await createDuckDB({ mvp: bundle, eh: bundle }, new VoidLogger(), DURABLE_RUNTIME);
  await raw.instantiate();
  raw.open({ path, accessMode: DuckDBAccessMode.READ_WRITE, useDirectIO: true });
  raw.dropFiles();
  const connection = raw.connect();
  printError(() => connection.query("INSERT INTO items VALUES (-1, 'over the log')"));
  return die();
}

const [path, action, first = "0", count = "0"] = Deno.args;
if (action === "overwrite-log") await overwriteLog(path);
const db = await openDuckDbWasm(path);
switch (action) {
  case "append":
    append(db, first, count);
    break;
  case "append-then-die":
    append(db, first, count);
    die();
    break;
  case "die-before-log-removal":
    append(db, first, count);
    dieAtLogCheck(path);
    db.checkpoint();
    throw new Error("The checkpoint did not check for the write-ahead log");
  case "read":
    console.log(JSON.stringify(
      db.query(
        "SELECT count(*) AS rows, count(DISTINCT id) AS distinct, sum(id) AS sum FROM items",
      )[0],
    ));
    break;
  case "timestamptz-function":
    printError(() => db.query("SELECT date_trunc('day', TIMESTAMPTZ '2024-01-02 03:04:05+00')"));
    break;
  default:
    throw new TypeError(`Unknown action "${action}"`);
}
await db.close();
