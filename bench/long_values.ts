/**
 * Long values: one value of 1, 4 and 16 MB by default (a quarter of its characters outside
 * ASCII, as in French text), each measurement in a process of its own:
 *
 * - **run**: `run()` of two rows, the long one and a short one, into the duckdb destination
 *   (native DuckDB under `-A`); reference: native DuckDB's `read_json` of the same rows as
 *   NDJSON into an in-memory table.
 * - **readJsonl** and **readCsv**: the filesystem source reading the same rows from a JSONL and
 *   a CSV file; references: native DuckDB's `read_json` and `read_csv`.
 *
 * The time of each should grow with the size, not with its square: a line or record longer than
 * the 64 KiB pieces files are read in is kept in pieces until it ends. Prints seconds, MB/s and
 * peak RSS of each, beside the reference and the ratio of their times (native / ours).
 *
 *     deno run -A bench/long_values.ts [sizes=1,4,16]
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { pipeline, resource } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { filesystem, readCsv, readJsonl } from "../sources/filesystem.ts";
import { measureInChild } from "./_child.ts";
import { peakRssMiB } from "./_stages.ts";

/** What one measured process reports. */
interface Measured {
  seconds: number;
  peakMiB: number;
}

const SELF = fileURLToPath(import.meta.url);
const [mode, ...args] = Deno.args;

if (mode === "--child") {
  console.log(JSON.stringify(await child(args[0], args[1], Number(args[2]))));
  Deno.exit(0);
}

const sizes = (mode ?? "1,4,16").split(",").map(Number);
console.log("long values: one value of N MB (a quarter of its characters outside ASCII)");
console.log("  MB  measurement             ours s  MB/s  RSS MiB  native s  RSS MiB  ratio");
for (const megabytes of sizes) {
  const dir = await Deno.makeTempDir({ prefix: "denodlt_bench_long_" });
  try {
    const value = longValue(megabytes);
    const rows = [{ id: 1, body: value }, { id: 2, body: "short" }];
    await Deno.writeTextFile(
      join(dir, "rows.jsonl"),
      rows.map((r) => JSON.stringify(r)).join("\n"),
    );
    await Deno.writeTextFile(
      join(dir, "rows.csv"),
      `id,body\n${rows.map((r) => `${r.id},"${r.body.replaceAll('"', '""')}"`).join("\n")}\n`,
    );
    for (const [what, reference] of [["run", "json"], ["readJsonl", "json"], ["readCsv", "csv"]]) {
      const native = await measureInChild<Measured>([SELF, "--child", reference, dir, "0"]);
      const ours = await measureInChild<Measured>([SELF, "--child", what, dir, String(megabytes)]);
      console.log(
        `  ${String(megabytes).padStart(3)}  ${what.padEnd(20)} ${
          ours.seconds.toFixed(2).padStart(7)
        } ${(megabytes / ours.seconds).toFixed(1).padStart(5)} ${
          ours.peakMiB.toFixed(0).padStart(8)
        } ${native.seconds.toFixed(2).padStart(9)} ${native.peakMiB.toFixed(0).padStart(8)}  ${
          (native.seconds / ours.seconds).toFixed(2).padStart(5)
        }`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A value of `megabytes` MB of UTF-8: three ASCII characters to one of two bytes. */
function longValue(megabytes: number): string {
  return "Le café à côté. ".repeat(Math.round(megabytes * 1e6 / 20));
}

/** One measurement of `what` on the files in `dir`. */
async function child(what: string, dir: string, megabytes: number): Promise<Measured> {
  const t0 = performance.now();
  if (what === "run") {
    const p = pipeline({
      pipelineName: "long_values",
      destination: duckdb({ path: join(dir, "ours.duckdb") }),
      pipelinesDir: join(dir, "pipelines"),
    });
    const value = longValue(megabytes);
    const started = performance.now();
    await p.run(resource([{ id: 1, body: value }, { id: 2, body: "short" }], { name: "rows" }));
    const seconds = (performance.now() - started) / 1000;
    expectRows(await p.dataset().table("rows").count(), what);
    return { seconds, peakMiB: peakRssMiB() };
  }
  if (what === "readJsonl" || what === "readCsv") {
    const files = filesystem({
      bucketUrl: dir,
      fileGlob: what === "readCsv" ? "*.csv" : "*.jsonl",
    });
    const rows = await files.pipe(what === "readCsv" ? readCsv() : readJsonl()).toArray();
    expectRows(rows.length, what);
    return { seconds: (performance.now() - t0) / 1000, peakMiB: peakRssMiB() };
  }
  // the references: native DuckDB reads the file into an in-memory table
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const path = join(dir, what === "csv" ? "rows.csv" : "rows.jsonl");
  const read = what === "csv"
    ? `read_csv('${path}', max_line_size = 1000000000)`
    : `read_json('${path}', maximum_object_size = 1000000000)`;
  await connection.run(`CREATE TABLE t AS SELECT * FROM ${read}`);
  const count = (await connection.runAndReadAll("SELECT count(*) FROM t")).getRowsJS()[0][0];
  expectRows(Number(count), `native ${what}`);
  connection.closeSync();
  instance.closeSync();
  return { seconds: (performance.now() - t0) / 1000, peakMiB: peakRssMiB() };
}

function expectRows(rows: number, what: string): void {
  if (rows !== 2) throw new Error(`${what}: ${rows} rows, expected 2`);
}
