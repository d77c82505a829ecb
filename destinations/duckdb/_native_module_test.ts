/**
 * `importNativeDatabase` (`_native_module.ts`), in fresh processes (DuckDB's allocator reads
 * its options once, when its library loads): the process's environment is as it was after the
 * import, a user's own `DUCKDB_JE_MALLOC_CONF` is kept, and native DuckDB works either way.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { withTempDir } from "./_testdata/temp_dir.ts";

const MODULE = new URL("./_native_module.ts", import.meta.url).href;

/** Runs a script that imports the driver, runs a query and prints the variable, with `env`. */
async function childRun(dir: string, env: Record<string, string>, allowEnv = true) {
  const script = join(dir, "child.ts");
  await Deno.writeTextFile(
    script,
    `import { importNativeDatabase } from ${JSON.stringify(MODULE)};
const { openNativeDuckDb } = await importNativeDatabase();
const db = await openNativeDuckDb(":memory:");
const [{ n }] = await db.query("SELECT count(*)::INTEGER AS n FROM range(1000)");
await db.close();
let variable = "(not readable)";
try { variable = Deno.env.get("DUCKDB_JE_MALLOC_CONF") ?? "(unset)"; } catch { /* no permission */ }
console.log(JSON.stringify({ n, variable }));`,
  );
  const permissions = allowEnv
    ? ["-A"]
    : ["--allow-read", "--allow-write", "--allow-ffi", "--allow-sys", "--deny-env"];
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, script],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.ok(output.success, stderr);
  return JSON.parse(new TextDecoder().decode(output.stdout).trim().split("\n").at(-1)!);
}

Deno.test("the native driver loads with the allocator's options and leaves the environment as it was", async () => {
  await withTempDir("dlt_native_module_", async (dir) => {
    const base = { HOME: Deno.env.get("HOME") ?? dir, PATH: Deno.env.get("PATH") ?? "" };
    const cache = Deno.env.get("DENO_DIR");
    const env: Record<string, string> = cache === undefined ? base : { ...base, DENO_DIR: cache };
    assert.deepEqual(await childRun(dir, env), { n: 1000, variable: "(unset)" });
    assert.deepEqual(
      await childRun(dir, { ...env, DUCKDB_JE_MALLOC_CONF: "narenas:2" }),
      { n: 1000, variable: "narenas:2" },
    );
    // without permission to set it, the driver loads with DuckDB's own options
    assert.deepEqual(await childRun(dir, env, false), { n: 1000, variable: "(not readable)" });
  });
});
