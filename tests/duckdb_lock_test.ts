/**
 * One writer per DuckDB file across processes: pipelines of two processes loading one file at
 * once take turns and lose nothing; a process that waits too long fails naming the holder's pid;
 * a lock left by a killed process is taken over.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DestinationError, pipeline, resource } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { tempDir } from "./_helpers.ts";
import { nativeQuery } from "./_native_duckdb.ts";

const CONCURRENT = fileURLToPath(new URL("./_scripts/concurrent_load_run.ts", import.meta.url));
const HOLD = fileURLToPath(new URL("./_scripts/hold_database.ts", import.meta.url));

/** Starts `script` with `args` in a new Deno process, its output piped. */
function spawn(script: string, ...args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Resolves once `child` prints `line`, with everything it printed so far. */
async function waitForLine(child: Deno.ChildProcess, line: string): Promise<void> {
  let output = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    output += chunk;
    if (output.split("\n").includes(line)) return;
  }
  throw new Error(`The child ended without printing "${line}": ${output}`);
}

Deno.test("two processes loading one file at once take turns and lose nothing", async () => {
  const dir = await tempDir("concurrent");
  const database = join(dir, "shared.duckdb");
  const [runs, rows] = [3, 500];
  const children = ["first", "second"].map((name) =>
    spawn(CONCURRENT, dir, database, name, String(runs), String(rows))
  );
  const outputs = await Promise.all(children.map(async (child) => {
    const { success, stdout, stderr } = await child.output();
    const text = new TextDecoder().decode(stdout);
    assert.ok(success, `a loading process failed: ${new TextDecoder().decode(stderr)}`);
    return text;
  }));
  assert.ok(outputs.every((text) => text.includes("done")));
  assert.ok(outputs.some((text) => text.includes("waited")), "the processes never overlapped");
  for (const name of ["first", "second"]) {
    assert.deepEqual(
      await nativeQuery(
        database,
        `SELECT count(*)::INT AS n, count(DISTINCT id)::INT AS ids, min(loader) AS loader FROM ${name}.items`,
      ),
      [{ n: runs * rows, ids: runs * rows, loader: name }],
    );
    assert.deepEqual(
      await nativeQuery(database, `SELECT count(*)::INT AS loads FROM ${name}._dlt_loads`),
      [{ loads: runs }],
    );
  }
  assert.ok(!existsSync(`${database}.lock`), "the lock file is gone after both closed");
});

Deno.test("a process waits for the lock a bounded time and names the holder; a killed holder's lock is taken over", async () => {
  const dir = await tempDir("lock_timeout");
  const database = join(dir, "held.duckdb");
  const holder = spawn(HOLD, database, dir);
  try {
    await waitForLine(holder, "holding");
    const p = pipeline({
      pipelineName: "waiter",
      destination: duckdb({ path: database, lockTimeoutMs: 1000 }),
      pipelinesDir: join(dir, "pipelines"),
    });
    const started = performance.now();
    const error = await p.run(resource([{ id: 1 }], { name: "items" })).then(
      () => undefined,
      (error: Error) => error,
    );
    const waited = performance.now() - started;
    assert.ok(error !== undefined, "the run fails while the holder has the file");
    const cause = error.cause instanceof DestinationError ? error.cause : error;
    assert.ok(cause instanceof DestinationError && cause.transient, String(error));
    assert.match(
      cause.message,
      new RegExp(
        `^Cannot open DuckDB database "${database}": process ${holder.pid} has it open since .* ` +
          `and it was not closed within 1000 ms; raise duckdb\\(\\{ lockTimeoutMs \\}\\) to wait longer$`,
      ),
    );
    assert.ok(waited >= 1000 && waited < 10_000, `failed after ${waited} ms`);

    // SIGKILL leaves the lock file, but the kernel has released its lock
    holder.kill("SIGKILL");
    await holder.status;
    assert.ok(existsSync(`${database}.lock`));
    // (the failed run stopped before it extracted: a new pipeline first asks the destination
    // for its state)
    await p.run(resource([{ id: 2 }], { name: "items" }));
    assert.deepEqual(await p.dataset().query("SELECT id FROM items"), [{ id: 2 }]);
    assert.ok(!existsSync(`${database}.lock`), "closing removes the lock file");
  } finally {
    try {
      holder.kill("SIGKILL");
    } catch {
      // it was killed already
    }
    await holder.status;
    await holder.stdout.cancel().catch(() => {});
    await holder.stderr.cancel().catch(() => {});
  }
});
