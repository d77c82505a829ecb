/**
 * An incremental merge (with child tables and hard deletes) killed while it loads: readers see
 * the old or the new version of every table chain, never a mix, and the next run completes the
 * interrupted package so the destination equals the source.
 */
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { DestinationError, incremental, type Pipeline, resource } from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";
import type { DuckDbEngine } from "../destinations/duckdb/mod.ts";

/**
 * Issues in the tracker at this size; each version adds 40 more. Enough that a load outlasts the
 * kills below (the test asserts that at least two of them land in one), on either engine.
 */
const BASE_ISSUES = 10_000;

interface TrackerIssue {
  id: number;
  title: string;
  updated_at: string;
  deleted: boolean;
  labels: { name: string }[];
}

/** Versions of the tracker made so far in this process: each is read several times. */
const versions = new Map<number, readonly TrackerIssue[]>();

/**
 * Version `version` of the tracker. Version v edits every issue whose id is divisible by v,
 * hard-deletes the issues with `id % 50 === v`, and adds 40 issues. Made once per process (its
 * readers only read it).
 */
export function tracker(version: number): readonly TrackerIssue[] {
  let issues = versions.get(version);
  if (issues === undefined) versions.set(version, issues = makeTracker(version));
  return issues;
}

/** Makes version `version` of the tracker (see {@linkcode tracker}). */
function makeTracker(version: number): TrackerIssue[] {
  const issues: TrackerIssue[] = [];
  for (let id = 1; id <= BASE_ISSUES + 40 * version; id++) {
    const born = id <= BASE_ISSUES ? 1 : Math.ceil((id - BASE_ISSUES) / 40);
    let edited = born;
    let deleted = false;
    for (let v = born + 1; v <= version; v++) {
      if (deleted) break;
      if (id % v === 0) edited = v;
      if (id % 50 === v) [edited, deleted] = [v, true];
    }
    const revision = `${edited}`;
    issues.push({
      id,
      title: `issue ${id} r${revision}`,
      updated_at: new Date(Date.UTC(2024, 0, edited, 0, 0, id % 60)).toISOString(),
      deleted,
      labels: Array.from(
        { length: 1 + (id + edited) % 3 },
        (_, i) => ({ name: `l${i}r${revision}` }),
      ),
    });
  }
  return issues;
}

/** The pipeline's resource: the tracker's issues updated since the cursor, merged by id. */
export function trackerIssues(version: number) {
  return resource(function* (ctx) {
    const since = ctx.incremental?.startValue as string | undefined;
    yield tracker(version).filter((i) => since === undefined || i.updated_at >= since);
  }, {
    name: "issues",
    primaryKey: "id",
    writeDisposition: "merge",
    columns: { deleted: { dataType: "bool", hardDelete: true } },
    incremental: incremental("updated_at"),
  });
}

const SCRIPT = fileURLToPath(new URL("./_scripts/killed_load_run.ts", import.meta.url));

/** What the destination holds after version `version`: each live issue with its labels. */
function expected(version: number) {
  return tracker(version).filter((i) => !i.deleted).map((i) => ({
    id: i.id,
    title: i.title,
    labels: i.labels.map((l) => l.name).sort(),
  }));
}

async function destinationRows(p: Pipeline) {
  await using client = await p.sqlClient();
  const rows = await client.query<{ id: number; title: string; labels: string[] }>(
    `SELECT i.id, i.title, coalesce(list(l.name ORDER BY l.name) FILTER (l.name IS NOT NULL), [])
       AS labels
     FROM issues i LEFT JOIN issues__labels l ON l._dlt_root_id = i._dlt_id
     GROUP BY ALL ORDER BY i.id`,
  );
  const [{ orphans }] = await client.query<{ orphans: number }>(
    `SELECT count(*)::INTEGER AS orphans FROM issues__labels
     WHERE _dlt_root_id NOT IN (SELECT _dlt_id FROM issues)`,
  );
  assert.equal(orphans, 0, "labels without their issue");
  return rows.map(({ id, title, labels }) => ({ id, title, labels: [...labels] }));
}

/** When to kill the loading process: this long after it starts loading or writes its WAL. */
interface KillPlan {
  after: "loading" | "wal";
  ms: number;
}

/**
 * Runs the load of `version` in a child process and kills it as `plan` says. Returns whether
 * the kill interrupted the load (the child had not finished it).
 */
async function killWhileLoading(
  dir: string,
  name: string,
  version: number,
  plan: KillPlan,
  engine: DuckDbEngine,
) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, dir, name, String(version), engine],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let output = "";
  const lines = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) output += chunk;
  })();
  const wal = join(dir, `${name}.duckdb.wal`);
  let started: number | undefined;
  const killer = setInterval(() => {
    if (started === undefined) {
      if (plan.after === "loading" && output.includes("loading")) started = performance.now();
      if (plan.after === "wal" && existsSync(wal)) started = performance.now();
    }
    if (started !== undefined && performance.now() - started >= plan.ms) {
      clearInterval(killer);
      try {
        child.kill("SIGKILL");
      } catch { /* it has exited already */ }
    }
  }, 1);
  const status = await child.status;
  clearInterval(killer);
  await lines;
  assert.ok(status.signal === "SIGKILL" || status.success, `child failed: ${status.code}`);
  return !output.includes("loaded");
}

/**
 * The destination's rows, read by `reader` after a kill. When the database does not open, the
 * folder is copied aside for inspection and a fresh process tries the copy, so that the failure
 * says whether the file on disk is damaged or only this process's view of it.
 */
async function rowsAfterKill(reader: Pipeline, dir: string, name: string, engine: DuckDbEngine) {
  try {
    return await destinationRows(reader);
  } catch (error) {
    // only a database that does not open; a failed assertion on what it holds stays as it is
    if (!(error instanceof DestinationError)) throw error;
    const kept = await Deno.makeTempDir({ prefix: `denodlt_kept_${name}_` });
    cpSync(dir, kept, { recursive: true });
    const fresh = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", SCRIPT, kept, name, "read", engine],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    const verdict = fresh.success
      ? `a fresh process read it: ${decoder.decode(fresh.stdout).trim()}`
      : `a fresh process could not read it either: ${decoder.decode(fresh.stderr).trim()}`;
    const message = `${error.message}\nA copy of ${dir} is kept at ${kept}; ${verdict}`;
    throw new Error(message, { cause: error });
  }
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

for (const engine of ["native", "wasm"] as const) {
  Deno.test(`[${engine}] a merge killed while it loads leaves whole table chains and is completed by the next run`, async () => {
    const name = `merge_killed_load_${engine}`;
    const { p, dir } = await tempPipeline(name, undefined, engine);
    await p.run(trackerIssues(1));
    assert.deepEqual(await destinationRows(p), expected(1));

    // the merge's transaction writes for about 60 ms natively here (100–350 ms on WASM): the
    // kills soon after its log appears land in it on a machine several times as fast
    const plans: KillPlan[] = [
      { after: "loading", ms: 200 }, // while DuckDB starts, before any write
      { after: "wal", ms: 0 }, // as the merge transaction begins to write
      { after: "wal", ms: 20 },
      { after: "wal", ms: 40 },
      { after: "wal", ms: 120 }, // likely after its commit, before the run records it
    ];
    let interrupted = 0;
    for (const [i, plan] of plans.entries()) {
      const version = i + 2;
      if (await killWhileLoading(dir, name, version, plan, engine)) interrupted++;
      // a reader sees the previous version or the new one, whole
      const { p: reader } = await tempPipeline(name, dir, engine);
      const seen = await rowsAfterKill(reader, dir, name, engine);
      const before = expected(version - 1);
      const after = expected(version);
      assert.ok(
        isDeepStrictEqual(seen, before) || isDeepStrictEqual(seen, after),
        `version ${version}, killed ${plan.ms} ms after ${plan.after}: a mixed table chain`,
      );
      // the next run completes the interrupted package and finds nothing new
      const { p: next } = await tempPipeline(name, dir, engine);
      await next.run(trackerIssues(version));
      assert.deepEqual(await destinationRows(next), after, `after the rerun of version ${version}`);
      assert.deepEqual(await next.pendingPackages(), { extracted: 0, normalized: 0 });
    }
    assert.ok(interrupted >= 2, `only ${interrupted} of ${plans.length} kills landed in a load`);
  });
}
