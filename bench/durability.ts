/**
 * Durability benchmark: 50 runs of the same pipeline, each in a new process, appending to one
 * DuckDB file (the default engine: native DuckDB under `-A`, DuckDB-WASM with
 * `DESTINATION__DUCKDB__ENGINE=wasm`). Prints, every 10 runs, the time to open the file, the run
 * time, the file size and whether a WAL was left behind; then checks the row count.
 *
 *     deno run -A bench/durability.ts [runs=50]
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const runs = Number(Deno.args[0] ?? 50);
const dir = await Deno.makeTempDir({ prefix: "denodlt_durability_" });
const script = fileURLToPath(new URL("./_durability_run.ts", import.meta.url));
const db = join(dir, "durability.duckdb");
const opens: number[] = [];
let walLeft = 0;
let rows = 0;
console.log(`durability: ${runs} runs x 2,000 rows, one process each`);
for (let run = 1; run <= runs; run++) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, dir, String(run)],
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`Run ${run} failed`);
  const result = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    openMs: number;
    runMs: number;
    rows: number;
  };
  opens.push(result.openMs);
  rows = result.rows;
  const wal = await Deno.stat(`${db}.wal`).then((s) => s.size, () => 0);
  if (wal > 0) walLeft++;
  if (run % 10 === 0 || run === 1) {
    const size = (await Deno.stat(db)).size / 1e6;
    console.log(
      `  run ${String(run).padStart(3)}: open ${result.openMs.toFixed(0).padStart(5)} ms, run ${
        result.runMs.toFixed(0).padStart(5)
      } ms, file ${size.toFixed(1)} MB, WAL ${wal} bytes, rows ${result.rows}`,
    );
  }
}
const first = opens.slice(0, 10).reduce((a, b) => a + b, 0) / Math.min(10, opens.length);
const last = opens.slice(-10).reduce((a, b) => a + b, 0) / Math.min(10, opens.length);
console.log(
  `  open time: first 10 runs ${first.toFixed(0)} ms, last 10 runs ${
    last.toFixed(0)
  } ms; runs leaving a WAL: ${walLeft}; rows ${rows} (expected ${runs * 2000})`,
);
if (rows !== runs * 2000) throw new Error("Row count does not match");
await Deno.remove(dir, { recursive: true });
