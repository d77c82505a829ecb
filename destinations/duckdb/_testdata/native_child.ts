/**
 * A separate process for `_native_database_test.ts`:
 * `deno run -A native_child.ts <database> <action> [first id] [row count]`.
 *
 * - `append`: inserts the ids into table `items` through `openNativeDuckDb` and closes cleanly.
 * - `append-then-die`: inserts (committed, not checkpointed) and kills itself with SIGKILL.
 * - `hold`: opens the database through `openNativeDuckDb`, prints `holding` and waits.
 * - `hold-raw`: opens it with plain `@duckdb/node-api`, which takes only DuckDB's own lock, prints
 *   `holding` and waits.
 *
 * @module
 */
import { DuckDBInstance } from "../../../lib/deps/duckdb_node.ts";
import { openNativeDuckDb } from "../_native_database.ts";

const [path, action, first = "0", count = "0"] = Deno.args;

/** Keeps the process alive until it is killed. */
function wait(): void {
  console.log("holding");
  setInterval(() => {}, 60_000);
}

if (action === "hold-raw") {
  const instance = await DuckDBInstance.create(path);
  await instance.connect();
  wait();
} else {
  const db = await openNativeDuckDb(path);
  switch (action) {
    case "hold":
      wait();
      break;
    case "append":
    case "append-then-die":
      await db.run("CREATE TABLE IF NOT EXISTS items (id BIGINT, label VARCHAR)");
      await db.run(
        `INSERT INTO items SELECT range, 'item ' || range FROM range(${first}, ${first} + ${count})`,
      );
      if (action === "append-then-die") Deno.kill(Deno.pid, "SIGKILL");
      await db.close();
      break;
    default:
      throw new TypeError(`Unknown action "${action}"`);
  }
}
