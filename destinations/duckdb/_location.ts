/**
 * Where the duckdb destination keeps a pipeline's data: the credentials forms of dlt's duckdb
 * destination (`dlt.destinations.duckdb(credentials=...)`, `destination.duckdb.credentials`).
 *
 * - a path, or a `duckdb:///relative.duckdb` / `duckdb:////absolute.duckdb` URL (a relative path
 *   is resolved against the folder where the pipeline first ran, as dlt does);
 * - `:pipeline:`: `<pipelineName>.duckdb` in the pipeline's working folder;
 * - `:memory:`: a database in memory (for tests);
 * - `md:` / `motherduck:`, bare or in a `duckdb:///` URL: MotherDuck, refused (with its token
 *   registered for redaction).
 *
 * @module
 */
import { join, resolve } from "node:path";
import { findConfig } from "../../lib/config.ts";
import { DestinationError } from "../../lib/errors.ts";
import { registerSecret } from "../../lib/redact.ts";

/** What a credentials string names, before it is placed for a pipeline. */
export type DuckDbDatabaseName =
  | { kind: "path"; path: string }
  | { kind: "pipeline" }
  | { kind: "memory" };

/** A database file (absolute path), or a database in memory. */
export type DuckDbLocation = { kind: "file"; path: string } | { kind: "memory" };

/** What places `:pipeline:` and the default file of a pipeline. */
export interface LocationContext {
  /** The pipeline that loads. */
  pipelineName: string;
  /** The pipeline's working folder (needed for `:pipeline:`). */
  workingDir?: string;
  /**
   * The folder relative paths are resolved against (the pipeline passes the current directory
   * of its first run).
   * @default {the current directory}
   */
  baseDir?: string;
}

/** `duckdb:///` (SQLAlchemy's form) and, as before, `duckdb://`. */
const URL_PREFIX = /^duckdb:\/\/\/?/i;
const MOTHERDUCK = /^(md|motherduck):/i;

/**
 * What the credentials string `value` names. A MotherDuck string is a `DestinationError` (its
 * token registered for redaction first), as are options in a `duckdb:///` URL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDuckDbCredentials } from "./_location.ts";
 * assert.deepEqual(parseDuckDbCredentials("duckdb:////data/chess.duckdb"), {
 *   kind: "path",
 *   path: "/data/chess.duckdb",
 * });
 * assert.deepEqual(parseDuckDbCredentials(":pipeline:"), { kind: "pipeline" });
 * assert.deepEqual(parseDuckDbCredentials(":memory:"), { kind: "memory" });
 * assert.throws(() => parseDuckDbCredentials("md:chess?motherduck_token=abcd"), {
 *   name: "DestinationError",
 *   message: /MotherDuck is not supported yet/,
 * });
 * assert.throws(() => parseDuckDbCredentials("duckdb:///md:chess"), {
 *   name: "DestinationError",
 *   message: /MotherDuck is not supported yet/,
 * });
 * ```
 */
export function parseDuckDbCredentials(value: string): DuckDbDatabaseName {
  const location = value.replace(URL_PREFIX, "");
  if (MOTHERDUCK.test(location)) refuseMotherDuck(location);
  if (location !== value) {
    if (location.includes("?")) {
      throw new DestinationError(
        `Cannot use the DuckDB URL "${
          value.split("?")[0]
        }?…": options in the URL are not supported`,
      );
    }
  }
  if (location === "") {
    throw new DestinationError(`The DuckDB credentials "${value}" name no database file`);
  }
  if (location === ":memory:") return { kind: "memory" };
  if (location === ":pipeline:") return { kind: "pipeline" };
  return { kind: "path", path: location };
}

/** Registers the tokens in a MotherDuck connection string as secrets and refuses it. */
function refuseMotherDuck(value: string): never {
  const query = value.includes("?") ? value.slice(value.indexOf("?") + 1) : "";
  for (const pair of query.split("&")) {
    const [name, secret = ""] = pair.split("=");
    if (/token/i.test(name)) {
      registerSecret(secret);
      registerSecret(decodeURIComponentSafe(secret));
    }
  }
  throw new DestinationError(
    "MotherDuck is not supported yet: the duckdb destination runs DuckDB-WASM on a local file; " +
      'give a file path, ":pipeline:" or ":memory:" as credentials',
  );
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Where the data of a pipeline goes: `credentials` when given, else the configured credentials
 * (`destination.duckdb.credentials`: a string, or a table with `database`), else
 * `<pipelineName>.duckdb`, as in dlt. A relative path, the default one included, is resolved
 * against `context.baseDir` (the current directory when absent); `:pipeline:` against the
 * working folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { locateDuckDb } from "./_location.ts";
 * const context = { pipelineName: "chess", workingDir: "/home/me/.dlt/pipelines/chess" };
 * assert.deepEqual(locateDuckDb({ kind: "pipeline" }, context), {
 *   kind: "file",
 *   path: "/home/me/.dlt/pipelines/chess/chess.duckdb",
 * });
 * assert.deepEqual(locateDuckDb({ kind: "path", path: "data/chess.duckdb" }, {
 *   ...context,
 *   baseDir: "/home/me/project",
 * }), { kind: "file", path: "/home/me/project/data/chess.duckdb" });
 * ```
 */
export function locateDuckDb(
  credentials: DuckDbDatabaseName | undefined,
  context: LocationContext,
): DuckDbLocation {
  const given = credentials ?? configuredCredentials(context.pipelineName) ??
    { kind: "path", path: `${context.pipelineName}.duckdb` };
  switch (given.kind) {
    case "memory":
      return given;
    case "pipeline":
      if (context.workingDir === undefined) {
        throw new DestinationError(
          `The DuckDB credentials ":pipeline:" need the working folder of pipeline "${context.pipelineName}"`,
        );
      }
      return {
        kind: "file",
        path: join(resolve(context.workingDir), `${context.pipelineName}.duckdb`),
      };
    case "path":
      return { kind: "file", path: resolve(context.baseDir ?? "", given.path) };
  }
}

function configuredCredentials(pipelineName: string): DuckDbDatabaseName | undefined {
  const configured = findConfig("destination.duckdb.credentials", { pipelineName });
  if (typeof configured === "string" && configured !== "") {
    return parseDuckDbCredentials(configured);
  }
  // in a configured credentials table, or on its own (`DESTINATION__DUCKDB__CREDENTIALS__DATABASE`)
  const database = findConfig("destination.duckdb.credentials.database", { pipelineName });
  if (typeof database === "string" && database !== "") return parseDuckDbCredentials(database);
  return undefined;
}
