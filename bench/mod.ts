/**
 * Runs every benchmark under `bench/`, each in its own process so peak memory is its own;
 * `postgres.ts` and `sql_database.ts` only when `DLT_TEST_POSTGRES_URL` names a server.
 *
 *     deno task bench
 */
import { fileURLToPath } from "node:url";

const BENCHMARKS = [
  "events.ts",
  "end_to_end.ts",
  "normalize.ts",
  "incremental_merge.ts",
  "durability.ts",
  "one_row.ts",
  "rest_api.ts",
  "concurrent_extract.ts",
  "filesystem.ts",
  "file_formats.ts",
  "long_values.ts",
];
if (Deno.env.get("DLT_TEST_POSTGRES_URL")) {
  BENCHMARKS.push("postgres.ts", "sql_database.ts");
} else {
  console.log("postgres, sql_database: skipped, DLT_TEST_POSTGRES_URL is not set");
}

for (const name of BENCHMARKS) {
  const script = fileURLToPath(new URL(name, import.meta.url));
  const { success } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!success) Deno.exit(1);
}
