/**
 * Where the duckdb destination puts a pipeline's database: every relative form resolves against
 * `baseDir` (the directory of the pipeline's first run, as dlt's `initial_cwd`), else against the
 * current directory.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { locateDuckDb, parseDuckDbCredentials } from "./_location.ts";
import { duckdb } from "./mod.ts";
import { isolatedTest } from "../../tests/_isolated.ts";

const BASE = "/srv/first-run";
const context = { pipelineName: "chess", workingDir: "/home/me/.dlt/pipelines/chess" };

/** Runs `fn` with `DESTINATION__DUCKDB__CREDENTIALS` set to `value`. */
function withConfigured<T>(value: string, fn: () => T): T {
  Deno.env.set("DESTINATION__DUCKDB__CREDENTIALS", value);
  try {
    return fn();
  } finally {
    Deno.env.delete("DESTINATION__DUCKDB__CREDENTIALS");
  }
}

isolatedTest(import.meta.url, "every relative form resolves against baseDir", () => {
  const at = { ...context, baseDir: BASE };
  const file = (path: string) => ({ kind: "file", path });
  for (
    const [credentials, expected] of [
      ["rel.duckdb", join(BASE, "rel.duckdb")],
      ["data/../rel.duckdb", join(BASE, "rel.duckdb")],
      ["duckdb:///data/rel.duckdb", join(BASE, "data", "rel.duckdb")],
      ["/abs/x.duckdb", "/abs/x.duckdb"],
      ["duckdb:////abs/x.duckdb", "/abs/x.duckdb"],
    ]
  ) {
    assert.deepEqual(locateDuckDb(parseDuckDbCredentials(credentials), at), file(expected));
  }
  // the default file of the pipeline
  assert.deepEqual(locateDuckDb(undefined, at), file(join(BASE, "chess.duckdb")));
  // a relative path from config
  assert.deepEqual(
    withConfigured("duckdb:///configured/c.duckdb", () => locateDuckDb(undefined, at)),
    file(join(BASE, "configured", "c.duckdb")),
  );
  // `:pipeline:` is in the working folder; `:memory:` is nowhere
  assert.deepEqual(
    locateDuckDb({ kind: "pipeline" }, at),
    file("/home/me/.dlt/pipelines/chess/chess.duckdb"),
  );
  assert.deepEqual(locateDuckDb({ kind: "memory" }, at), { kind: "memory" });
});

Deno.test("without baseDir, relative forms resolve against the current directory", () => {
  assert.deepEqual(locateDuckDb({ kind: "path", path: "rel.duckdb" }, context), {
    kind: "file",
    path: join(Deno.cwd(), "rel.duckdb"),
  });
  assert.deepEqual(locateDuckDb(undefined, context), {
    kind: "file",
    path: join(Deno.cwd(), "chess.duckdb"),
  });
});

isolatedTest(
  import.meta.url,
  "the destination opens its relative path in baseDir, whatever the current directory",
  async () => {
    const base = await Deno.makeTempDir({ prefix: "duckdb_base_" });
    const elsewhere = await Deno.makeTempDir({ prefix: "duckdb_elsewhere_" });
    const cwd = Deno.cwd();
    Deno.chdir(elsewhere);
    try {
      const options = { pipelineName: "rel", datasetName: "rel_data", baseDir: base };
      for (const destination of [duckdb({ path: "rel.duckdb" }), duckdb(), duckdb("rel.duckdb")]) {
        assert.equal(destination.location!(options), join(base, "rel.duckdb"));
        assert.equal(await destination.hasStoredData!(options), false);
      }
      const client = await duckdb({ path: "rel.duckdb" }).client(options);
      await client.sql!.execute("CREATE TABLE t AS SELECT 1 AS one");
      await client.close();
      assert.ok((await Deno.stat(join(base, "rel.duckdb"))).isFile);
      assert.deepEqual([...Deno.readDirSync(elsewhere)], []);
      assert.equal(await duckdb().hasStoredData!(options), true);
      // a relative folder that does not exist under baseDir is refused
      await assert.rejects(
        duckdb({ path: "nowhere/rel.duckdb" }).hasStoredData!(options),
        { name: "DestinationError", message: /the folder ".*\/nowhere" does not exist/ },
      );
    } finally {
      Deno.chdir(cwd);
      await Deno.remove(base, { recursive: true });
      await Deno.remove(elsewhere, { recursive: true });
    }
  },
);
