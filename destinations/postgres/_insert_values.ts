/**
 * How an INSERT VALUES job file (`lib/normalize/insert_values.ts`: one row tuple of Postgres
 * literals per line) goes into a table: its lines joined into `INSERT INTO … VALUES` statements
 * of about 4 MiB each, run in the transaction of the table chain.
 *
 * @module
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { LoadJob } from "../../lib/destination.ts";
import { quoteIdentifier } from "../../lib/load/sql.ts";

/** Characters of row tuples per statement. */
const STATEMENT_CHARS = 4 << 20;

/**
 * The `INSERT INTO <into> (<columns>) VALUES …` statements that load `job`'s file into `into`
 * (a qualified table name), in the file's row order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { insertStatements } from "./_insert_values.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "(1,'a')\n(2,NULL)\n");
 * const job = { path, table: "t", format: "insert_values" as const, columns: ["id", "name"], rows: 2, longestLine: 0 };
 * assert.deepEqual(await Array.fromAsync(insertStatements(job, '"ds"."t"')), [
 *   `INSERT INTO "ds"."t" ("id", "name") VALUES\n(1,'a'),\n(2,NULL)`,
 * ]);
 * await Deno.remove(path);
 * ```
 */
export async function* insertStatements(job: LoadJob, into: string): AsyncGenerator<string> {
  const head = `INSERT INTO ${into} (${job.columns.map(quoteIdentifier).join(", ")}) VALUES\n`;
  const lines = createInterface({ input: createReadStream(job.path), crlfDelay: Infinity });
  let tuples: string[] = [];
  let chars = 0;
  for await (const line of lines) {
    if (line === "") continue;
    tuples.push(line);
    chars += line.length;
    if (chars >= STATEMENT_CHARS) {
      yield head + tuples.join(",\n");
      tuples = [];
      chars = 0;
    }
  }
  if (tuples.length > 0) yield head + tuples.join(",\n");
}
