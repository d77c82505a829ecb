/**
 * The engine `destination: "duckdb"` picks: native DuckDB when the process may use FFI, else
 * DuckDB-WASM; `destination.duckdb.engine` in config (or the `engine` option) decides instead.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { tempDir } from "./_helpers.ts";

const SCRIPT = fileURLToPath(new URL("./_scripts/engine_choice_run.ts", import.meta.url));

/** What the script reports, run with `permissions` and `env`. */
async function engineRun(permissions: string[], env: Record<string, string> = {}) {
  const dir = await tempDir("engine_choice");
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, SCRIPT, dir],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.ok(output.success, stderr);
  const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
  return { ...JSON.parse(lines.at(-1)!), stderr };
}

const NO_FFI = ["--allow-read", "--allow-write", "--allow-env", "--allow-sys"];

Deno.test("with FFI allowed the duckdb destination runs on native DuckDB; without it on DuckDB-WASM", async () => {
  assert.deepEqual(
    await engineRun(["-A"]).then(({ stderr: _, ...seen }) => seen),
    { parquet: true, wasmInstances: 0, rows: 1 },
  );
  assert.deepEqual(
    await engineRun(NO_FFI).then(({ stderr: _, ...seen }) => seen),
    { parquet: false, wasmInstances: 1, rows: 1 },
  );
});

Deno.test("destination.duckdb.engine in config picks the engine; a wrong one is an error naming the key", async () => {
  const wasm = await engineRun(["-A"], { DESTINATION__DUCKDB__ENGINE: "wasm" });
  assert.deepEqual([wasm.parquet, wasm.wasmInstances], [false, 1]);
  const dir = await tempDir("engine_config");
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, dir],
    env: { DESTINATION__DUCKDB__ENGINE: "fast" },
    stderr: "piped",
    stdout: "null",
  }).output();
  assert.equal(output.success, false);
  assert.match(
    new TextDecoder().decode(output.stderr),
    /RangeError: Config "destination\.duckdb\.engine" is "fast": give one of "auto", "wasm" or "native"/,
  );
});

Deno.test("the engine option takes auto, wasm and native, and nothing else", () => {
  const parquet = (engine: "auto" | "wasm" | "native") =>
    duckdb({ engine }).capabilities.supportedLoaderFileFormats.includes("parquet");
  // the tests run with -A: auto is native
  assert.deepEqual([parquet("auto"), parquet("wasm"), parquet("native")], [true, false, true]);
  assert.throws(
    () => duckdb({ engine: "Native" as "native" }),
    /engine.*"auto", "wasm", "native"/,
  );
});
