/**
 * Postgres benchmark: copies of the 100 recorded GitHub events with fresh ids, generated on the
 * fly, through extract → normalize → load into PostgreSQL; then, as the reference for the load
 * stage, raw `COPY … FROM STDIN` of the same normalized job files into fresh tables of the same
 * definitions, with `psql \copy` (when psql is installed) and with the pg driver, timing only the
 * COPYs. Prints rows/s and MB/s per stage, peak RSS and the ratio of the load stage to the faster
 * raw COPY.
 *
 *     deno run -A bench/postgres.ts [events=50000] [postgresql://user:password@host:port/db]
 *
 * The server is the URL given, else `DLT_TEST_POSTGRES_URL`, else a throwaway cluster started
 * with `tests/_scripts/postgres_server.sh` (as root or the postgres user) and stopped at the end.
 * Needs `../shared/fixtures/dlt-cases/github.events.load_page_1_duck.json`.
 */
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { pipeline as streamPipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { pipeline, resource } from "../mod.ts";
import { postgres } from "../destinations/postgres/mod.ts";
import {
  type PostgresCredentials,
  readPostgresCredentials,
  resolvePostgresCredentials,
} from "../destinations/postgres/_credentials.ts";
import { copyFrom, pg } from "../lib/deps/pg.ts";
import { DenoStorage } from "../lib/storage/deno_storage.ts";
import { PackageStore } from "../lib/load/package_store.ts";
import { quoteIdentifier } from "../lib/load/sql.ts";
import { eventCopy, recordedEvents } from "./_github_events.ts";
import { runStages } from "./_stages.ts";

/** The slice of `pg.Client` used here. */
interface AdminClient {
  query(sql: string): Promise<{ rows: Record<string, unknown>[] }>;
  query<S>(stream: S): S;
  end(): Promise<void>;
}

/** A job file of the loaded package. */
interface JobFile {
  path: string;
  table: string;
  columns: string[];
  bytes: number;
}

const SERVER_SCRIPT = fileURLToPath(
  new URL("../tests/_scripts/postgres_server.sh", import.meta.url),
);

/** Runs the throwaway-cluster script; its output (the URL, for `start`). */
async function serverScript(command: "start" | "stop", dir: string): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command("bash", {
    args: [SERVER_SCRIPT, command, dir],
  }).output();
  if (!success) {
    throw new Error(`postgres_server.sh ${command} failed: ${new TextDecoder().decode(stderr)}`);
  }
  return new TextDecoder().decode(stdout).trim();
}

/** Creates `schema` with an empty table like each table of `dataset` that `jobs` load. */
async function createReferenceTables(
  admin: AdminClient,
  dataset: string,
  schema: string,
  jobs: JobFile[],
): Promise<void> {
  const tables = [...new Set(jobs.map((job) => job.table))];
  await admin.query(
    [
      `CREATE SCHEMA ${quoteIdentifier(schema)}`,
      ...tables.map((table) =>
        `CREATE TABLE ${quoteIdentifier(schema)}.${quoteIdentifier(table)} (LIKE ${
          quoteIdentifier(dataset)
        }.${quoteIdentifier(table)})`
      ),
    ].join(";\n"),
  );
}

/** `COPY "schema"."table" ("a", …) FROM STDIN (FORMAT csv, HEADER true)`: what copies `job`. */
function copyStatement(schema: string, job: JobFile): string {
  return `COPY ${quoteIdentifier(schema)}.${quoteIdentifier(job.table)} (${
    job.columns.map(quoteIdentifier).join(", ")
  }) FROM STDIN (FORMAT csv, HEADER true)`;
}

/** Copies `jobs` into the tables of `schema` with the pg driver; the total of the COPYs in ms. */
async function driverCopies(admin: AdminClient, schema: string, jobs: JobFile[]): Promise<number> {
  let ms = 0;
  for (const job of jobs) {
    const start = performance.now();
    await streamPipeline(
      createReadStream(job.path),
      admin.query(copyFrom(copyStatement(schema, job))),
    );
    ms += performance.now() - start;
  }
  return ms;
}

/**
 * Copies `jobs` into the tables of `schema` with one psql process (`\copy`, each timed by psql's
 * `\timing`, written to `scriptPath` first); the total of the COPYs in ms, or undefined without
 * psql.
 */
async function psqlCopies(
  credentials: PostgresCredentials,
  schema: string,
  jobs: JobFile[],
  scriptPath: string,
): Promise<number | undefined> {
  const copies = jobs.map((job) =>
    copyStatement(schema, job).replace(/^COPY (.*) STDIN /, `\\copy $1 '${job.path}' `)
  );
  await Deno.writeTextFile(
    scriptPath,
    ["\\set ON_ERROR_STOP 1", "\\timing on", ...copies].join("\n"),
  );
  let output;
  try {
    output = await new Deno.Command("psql", {
      args: ["-X", "-q", "-f", scriptPath],
      // the password goes through the environment, never the command line
      env: {
        PGHOST: credentials.host,
        PGPORT: String(credentials.port),
        PGUSER: credentials.username,
        PGPASSWORD: credentials.password,
        PGDATABASE: credentials.database,
        PGSSLMODE: credentials.sslmode ?? "prefer",
        ...(credentials.sslrootcert ? { PGSSLROOTCERT: credentials.sslrootcert } : {}),
      },
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  if (!output.success) {
    throw new Error(`psql \\copy failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  const times = [...new TextDecoder().decode(output.stdout).matchAll(/Time: ([\d.]+) ms/g)];
  if (times.length !== jobs.length) throw new Error("psql did not time every \\copy");
  return times.reduce((ms, [, time]) => ms + Number(time), 0);
}

/** Runs the benchmark of `total` copies of `fixture`'s events against the server at `url`. */
async function bench(
  url: string,
  fixture: Record<string, unknown>[],
  total: number,
): Promise<void> {
  const eventAt = (i: number) => eventCopy(fixture, i);
  const bytesPerCycle = fixture.reduce((n, e) => n + JSON.stringify(e).length, 0);
  const megabytes = (bytesPerCycle * total / fixture.length) / 1e6;
  const credentials = resolvePostgresCredentials(readPostgresCredentials(url, "the server URL"), {
    env: () => undefined,
    configDirs: [],
  });
  const dataset = `bench_events_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
  const [psqlSchema, driverSchema] = [`${dataset}_ref_psql`, `${dataset}_ref_pg`];
  const dir = await Deno.makeTempDir({ prefix: "denodlt_bench_" });
  const admin = new pg.Client({ connectionString: url }) as AdminClient & { connect(): void };
  await admin.connect();
  try {
    const p = pipeline({
      pipelineName: "bench_events",
      destination: postgres({ credentials: url }),
      datasetName: dataset,
      pipelinesDir: join(dir, "pipelines"),
    });
    const events = resource(function* () {
      for (let i = 0; i < total; i++) yield eventAt(i);
    }, { name: "events" });

    const { ms, peakMiB, normalized, rows } = await runStages(p, events, total);

    // the job files of the loaded package
    const store = new PackageStore(new DenoStorage(p.workingDir));
    const relativeDir = store.dir("loaded", normalized.loadIds[0]);
    const packageDir = store.storage.locate(relativeDir);
    const jobs: JobFile[] = (await store.readManifest(relativeDir)).jobs.map((job) => ({
      path: join(packageDir, job.file),
      table: job.table,
      columns: job.columns ?? [],
      bytes: Deno.statSync(join(packageDir, job.file)).size,
    }));
    const csvMegabytes = jobs.reduce((n, job) => n + job.bytes, 0) / 1e6;

    const line = (stage: string, ms: number, units: number, unit: string, mb: number) =>
      console.log(
        `  ${stage.padEnd(18)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${
          Math.round(units / (ms / 1000)).toLocaleString("en-US").padStart(10)
        } ${unit}/s  ${(mb / (ms / 1000)).toFixed(1).padStart(6)} MB/s`,
      );
    console.log(
      `postgres: ${total.toLocaleString("en-US")} events, ${megabytes.toFixed(0)} MB of JSON, ${
        rows.toLocaleString("en-US")
      } rows in ${Object.keys(normalized.rowCounts).length} tables, ${jobs.length} job files of ${
        csvMegabytes.toFixed(0)
      } MB (MB/s: of JSON, of CSV for the load and the COPYs)`,
    );
    line("extract", ms.extract, total, "events", megabytes);
    line("normalize", ms.normalize, rows, "rows", megabytes);
    line("load", ms.load, rows, "rows", csvMegabytes);
    line("total", ms.total, total, "events", megabytes);
    console.log(
      `  peak RSS ${peakMiB.load.toFixed(0)} MiB (after extract ${
        peakMiB.extract.toFixed(0)
      }, after normalize ${peakMiB.normalize.toFixed(0)})`,
    );

    // the reference: the same job files copied into fresh tables of the same definitions
    const references: { name: string; ms: number; schema: string }[] = [];
    await createReferenceTables(admin, dataset, psqlSchema, jobs);
    const psql = await psqlCopies(credentials, psqlSchema, jobs, join(dir, "copy.sql"));
    if (psql !== undefined) references.push({ name: "psql \\copy", ms: psql, schema: psqlSchema });
    await createReferenceTables(admin, dataset, driverSchema, jobs);
    references.push({
      name: "pg COPY FROM STDIN",
      ms: await driverCopies(admin, driverSchema, jobs),
      schema: driverSchema,
    });
    for (const { name, ms, schema } of references) {
      const { rows: [{ count }] } = await admin.query(
        `SELECT count(*)::int AS count FROM ${quoteIdentifier(schema)}."events"`,
      );
      if (count !== total) throw new Error(`${name} copied ${count} events, expected ${total}`);
      line(name, ms, rows, "rows", csvMegabytes);
    }
    const fastest = Math.min(...references.map((r) => r.ms));
    console.log(
      `  ratio (load / fastest raw COPY, rows/s): ${(fastest / (ms.load)).toFixed(2)} ` +
        `(target ≥ 0.7); end to end ${
          Math.round(total / ((ms.total) / 1000)).toLocaleString("en-US")
        } events/s (target ≥ 2,000)`,
    );
  } finally {
    await admin.query(
      [dataset, `${dataset}_staging`, psqlSchema, driverSchema].map((schema) =>
        `DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`
      ).join(";\n"),
    ).catch(() => {});
    await admin.end();
    await Deno.remove(dir, { recursive: true });
  }
}

const fixture = await recordedEvents("postgres");
const urlArgument = Deno.args.find((arg) => /^postgres(ql)?:\/\//.test(arg));
const total = Number(Deno.args.find((arg) => arg !== urlArgument) ?? 50_000);
const url = urlArgument ?? (Deno.env.get("DLT_TEST_POSTGRES_URL") || undefined);
if (url !== undefined) {
  await bench(url, fixture, total);
} else {
  const serverDir = await Deno.makeTempDir({ prefix: "denodlt_bench_pg_" });
  try {
    // the server runs as the postgres user, which must reach its folder
    await Deno.chmod(serverDir, 0o711);
    const cluster = join(serverDir, "cluster");
    try {
      await bench(await serverScript("start", cluster), fixture, total);
    } finally {
      await serverScript("stop", cluster);
    }
  } finally {
    await Deno.remove(serverDir, { recursive: true });
  }
}
