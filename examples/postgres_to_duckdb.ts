/**
 * Postgres to DuckDB: every table of a Postgres schema copied into a DuckDB file with its
 * reflected types and primary keys. Tables without a primary key are replaced; those with one are
 * merged, and those that also have the cursor column (`--cursor`, default `updated_at`) are read
 * incrementally, so a rerun reads only the rows changed since the last run (in the query:
 * `WHERE updated_at >= …`).
 *
 *     deno run -A examples/postgres_to_duckdb.ts --credentials postgresql://user:pw@host/db
 *     deno run -A examples/postgres_to_duckdb.ts --schema shop --cursor modified_at --duckdb shop.duckdb
 *
 * Without `--credentials` the URL comes from config (`SOURCES__SQL_DATABASE__CREDENTIALS`,
 * `sources.sql_database.credentials` in `.dlt/secrets.toml`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { incremental, type LoadInfo, pipeline } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { sqlDatabase } from "../sources/sql_database.ts";

/** Options of {@linkcode runPostgresToDuckdb}. */
export interface PostgresToDuckdbOptions {
  /** The `postgresql://` URL. @default {config `sources.sql_database.credentials`} */
  credentials?: string;
  /** The Postgres schema to copy. @default {"public"} */
  schema?: string;
  /** The column read incrementally, in tables that have it. @default {"updated_at"} */
  cursor?: string;
  /** The DuckDB file. */
  duckdbPath: string;
  /** The dataset (DuckDB schema) the tables go to. @default {"postgres_copy"} */
  datasetName?: string;
  /** Where the pipeline keeps its working folder. */
  pipelinesDir?: string;
}

/** Copies the tables of a Postgres schema into DuckDB (again: only what changed). */
export async function runPostgresToDuckdb(options: PostgresToDuckdbOptions): Promise<LoadInfo> {
  const cursor = options.cursor ?? "updated_at";
  const tables = await sqlDatabase({ credentials: options.credentials, schema: options.schema });
  for (const table of tables.resources.values()) {
    const columns = Object.keys(table.hints.columns ?? {});
    if (table.hints.primaryKey === undefined) {
      table.applyHints({ writeDisposition: "replace" }); // copied whole each run
      continue;
    }
    table.applyHints({
      writeDisposition: "merge",
      ...(columns.includes(cursor) ? { incremental: incremental(cursor) } : {}),
    });
  }
  const p = pipeline({
    pipelineName: "postgres_to_duckdb",
    destination: duckdb({ path: options.duckdbPath }),
    datasetName: options.datasetName ?? "postgres_copy",
    pipelinesDir: options.pipelinesDir,
  });
  return await p.run(tables);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      credentials: { type: "string" },
      schema: { type: "string" },
      cursor: { type: "string" },
      duckdb: { type: "string", default: "postgres_copy.duckdb" },
    },
  });
  const info = await runPostgresToDuckdb({
    credentials: values.credentials,
    schema: values.schema,
    cursor: values.cursor,
    duckdbPath: values.duckdb,
  });
  console.log(info.toString());
}
