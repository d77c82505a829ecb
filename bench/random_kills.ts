/**
 * Random-kills benchmark: the promise that a crash at any point leaves the destination and the
 * state consistent, and that the next run resumes, tested by killing a pipeline at random.
 *
 * For each DuckDB engine (native DuckDB and DuckDB-WASM, or the one given), one pipeline loads
 * version after version of a table of items (`_random_kills_data.ts`: merged on `id`, nested lists
 * in `items__tags` and `items__events`, an `updated_at` cursor; each version updates 3,000 items
 * and adds 2,000), each version run by a new process (`_random_kills_run.ts`) into the same
 * `.duckdb` file and working folder. Four runs measure how long a run and its load take (one of
 * them killed as its load starts, so that the next one first finishes that package); then
 * `kills` runs are killed with SIGKILL, by turns: at a uniformly random moment of the run's
 * typical time (plus 10%, so some finish and the time stays current); at a random moment of a
 * load (a delay after the run says it started one: the package a kill left, or its own); and,
 * when the run starts by loading a package a kill left, at a random moment after the load has
 * copied the package's job files (the merge and the commits). A run that ends before its kill is
 * checked and run again with the next version. After each run, a copy of the database (the file
 * and the write-ahead log the kill left: the next run opens the original) is opened with the same
 * engine and checked:
 *
 * - it opens (a write-ahead log left by the kill is replayed);
 * - no two rows of `items` have the same `id`, and every nested row has its parent;
 * - `items` is exactly what the source had in some version `j` (its newest rows' version), with
 *   `j` no older than after the previous kill and no newer than the killed run's;
 * - the cursor stored in `_dlt_pipeline_state` is version `j`'s, unless the kill fell between
 *   the commit of the package's table chain and the commit of its `_dlt_loads` row: then that
 *   package's jobs are in `_dlt_load_jobs` without a `_dlt_loads` row, the package is still in
 *   the working folder's `normalized` stage, and its state has version `j`'s cursor;
 * - no package is in `_dlt_loads` twice, no job file in `_dlt_load_jobs` twice, and every row's
 *   `_dlt_load_id` is a package of one of them.
 *
 * Then one clean run loads the next version, finishing what the last kill left, and the table must
 * be exactly that version's, with its cursor stored and no package pending. Prints, per engine,
 * the kills done, where they landed (and how many in the load), the inconsistencies found (with
 * details), the final check and the time taken; exits with 1 on any inconsistency.
 *
 *     deno run -A bench/random_kills.ts [native|wasm] [kills=40]
 *
 * @module
 */
import * as fs from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { duckdb, type DuckDbEngine } from "../destinations/duckdb/mod.ts";
import type { SqlClient } from "../lib/destination.ts";
import {
  DATASET_NAME,
  item,
  PIPELINE_NAME,
  TABLE,
  versionOf,
  world,
} from "./_random_kills_data.ts";

const ENGINES = ["native", "wasm"] as const;
type Engine = typeof ENGINES[number];

const engineArg = Deno.args.find((arg) => (ENGINES as readonly string[]).includes(arg));
const countArg = Deno.args.find((arg) => /^\d+$/.test(arg));
const unknown = Deno.args.filter((arg) => arg !== engineArg && arg !== countArg);
if (unknown.length > 0) {
  console.error(`Unknown argument(s) ${unknown.join(" ")}: give native or wasm, and a count`);
  Deno.exit(2);
}
const engines: readonly Engine[] = engineArg === undefined ? ENGINES : [engineArg as Engine];
const kills = Number(countArg ?? 40);
const SCRIPT = fileURLToPath(new URL("./_random_kills_run.ts", import.meta.url));
const DB_FILE = `${PIPELINE_NAME}.duckdb`;
/** How many mismatching rows a check describes. */
const SHOWN = 3;

/** What one child run printed and how it ended. */
interface ChildRun {
  /** Lines it printed (`started load`, `ended load`, `done`…), with ms since it was spawned. */
  markers: { at: number; line: string }[];
  /** Whether it was killed by the benchmark's SIGKILL. */
  killed: boolean;
  /** When it was killed (ms since spawn), or when it exited. */
  endMs: number;
  /** Its exit code when it exited by itself. */
  code: number;
  /** The end of what it wrote to stderr. */
  stderr: string;
}

/**
 * When to kill a child: `delayMs` after its spawn; after it starts its `load`-th load (a run
 * first loads what an interrupted one left, then its own package); or after its first load has
 * copied `jobs` job files (all of a package's: the kill falls in its merge or commits).
 */
interface KillPlan {
  after: "spawn" | "load" | "copied";
  delayMs: number;
  /** Which load, counting from 1, when `after` is `"load"`. */
  load?: number;
  /** How many job files, when `after` is `"copied"`. */
  jobs?: number;
}

/** Runs version `version` of the pipeline in a new process, killed as `plan` says. */
async function runChild(
  dir: string,
  engine: Engine,
  version: number,
  plan?: KillPlan,
): Promise<ChildRun> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, dir, engine, String(version)],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let killedAt: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const kill = () => {
    try {
      child.kill("SIGKILL");
      killedAt = performance.now() - started;
    } catch {
      // it exited already
    }
  };
  if (plan?.after === "spawn") timer = setTimeout(kill, plan.delayMs);
  const markers: ChildRun["markers"] = [];
  let loads = 0;
  let copied = 0;
  const stderr = new Response(child.stderr).text();
  let buffered = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    const at = performance.now() - started;
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) {
      markers.push({ at, line });
      if (timer !== undefined || plan === undefined) continue;
      if (line === "started load") loads++;
      if (line.startsWith("rows ") && loads === 1) copied++;
      if (
        (plan.after === "load" && line === "started load" && loads === plan.load) ||
        (plan.after === "copied" && line.startsWith("rows ") && copied === plan.jobs)
      ) {
        timer = setTimeout(kill, plan.delayMs);
      }
    }
  }
  const status = await child.status;
  clearTimeout(timer);
  const killed = killedAt !== undefined && status.signal === "SIGKILL";
  return {
    markers,
    killed,
    endMs: killed ? killedAt! : performance.now() - started,
    code: status.code,
    stderr: (await stderr).slice(-2000),
  };
}

/**
 * Where a child was when it ended, by the last line it printed (a `rows` line is in the load):
 * `startup` before the first, the step it was in (`load`), `after <step>` between steps, `exit`
 * after `done`.
 */
function phaseOf(run: ChildRun): string {
  const line = run.markers.findLast((m) => !m.line.startsWith("rows "))?.line;
  if (line === undefined) return "startup";
  if (line === "done") return "exit";
  const [event, step] = line.split(" ");
  return event === "started" ? step : `after ${step}`;
}

/**
 * How long the child's last finished load took, and the part of it after its last job file was
 * copied (the merge, the commits), in ms.
 */
function lastLoad(run: ChildRun): { loadMs: number; mergeMs?: number } | undefined {
  let last: { loadMs: number; mergeMs?: number } | undefined;
  let started: number | undefined;
  let copied: number | undefined;
  for (const { at, line } of run.markers) {
    if (line === "started load") [started, copied] = [at, undefined];
    if (line.startsWith("rows ")) copied = at;
    if (line === "ended load" && started !== undefined) {
      last = { loadMs: at - started, mergeMs: copied === undefined ? undefined : at - copied };
    }
  }
  return last;
}

/** Job files copied by the load the child was in when it ended. */
function jobsCopied(run: ChildRun): number {
  const start = run.markers.findLastIndex((m) => m.line === "started load");
  return run.markers.slice(start + 1).filter((m) => m.line.startsWith("rows ")).length;
}

/** The version of the cursor an incremental state of the pipeline holds, if any. */
function stateVersion(state: unknown): number | undefined {
  const value = (state as {
    sources?: Record<
      string,
      { resources?: Record<string, { incremental?: Record<string, { last_value?: string }> }> }
    >;
  })?.sources?.[PIPELINE_NAME]?.resources?.[TABLE]?.incremental?.updated_at?.last_value;
  return value === undefined ? undefined : versionOf(value);
}

/** What a check of the destination found. */
interface CheckResult {
  /** The version of the source `items` holds (0: no table yet). */
  dataVersion: number;
  /** The version of the cursor in the destination's newest state (0: none). */
  storedVersion: number;
  /** A package whose table chain is committed but whose `_dlt_loads` row is not. */
  partialLoad?: string;
  /** The packages in `_dlt_loads`. */
  loadIds: string[];
  /** What is wrong; empty when the destination is consistent. */
  problems: string[];
}

/**
 * Checks the database `dbPath` (the pipeline's working folder is `pipelinesDir`) as the module
 * doc says; `versions` bounds the version its data may have.
 */
async function check(
  dbPath: string,
  engine: Engine,
  pipelinesDir: string,
  versions: { min: number; max: number },
): Promise<CheckResult> {
  const problems: string[] = [];
  const destination = duckdb({ path: dbPath, engine: engine as DuckDbEngine });
  let client;
  try {
    client = await destination.client({ pipelineName: PIPELINE_NAME, datasetName: DATASET_NAME });
  } catch (error) {
    return {
      dataVersion: -1,
      storedVersion: -1,
      loadIds: [],
      problems: [`the database does not open: ${(error as Error).message}`],
    };
  }
  try {
    const sql = client.sql!;
    const stored = await client.storedState(PIPELINE_NAME);
    const storedVersion = stateVersion(stored) ?? 0;
    const result = await checkData(sql, problems, versions);
    const { partial, loadIds } = await checkLoads(sql, problems);
    if (partial.length > 1) problems.push(`several packages are half loaded: ${partial}`);
    const [partialLoad] = partial;
    if (storedVersion > result.dataVersion) {
      problems.push(
        `the stored cursor is version ${storedVersion}'s, the data version ${result.dataVersion}'s`,
      );
    } else if (storedVersion < result.dataVersion) {
      // the package's chain is committed, its state and _dlt_loads row not yet: the package must
      // still wait in the working folder, with the data's cursor
      const manifest = partialLoad === undefined
        ? undefined
        : join(pipelinesDir, PIPELINE_NAME, "load", "normalized", partialLoad, "package.json");
      const pending = manifest !== undefined && fs.existsSync(manifest)
        ? stateVersion(JSON.parse(fs.readFileSync(manifest, "utf8")).state)
        : undefined;
      if (pending !== result.dataVersion) {
        problems.push(
          `the data is version ${result.dataVersion}'s, the stored cursor version ${storedVersion}'s, ` +
            (partialLoad === undefined
              ? "and no package is half loaded"
              : `and the half-loaded package "${partialLoad}" ${
                pending === undefined
                  ? "is not pending in the working folder"
                  : `carries version ${pending}'s cursor`
              }`),
        );
      }
    }
    return { dataVersion: result.dataVersion, storedVersion, partialLoad, loadIds, problems };
  } catch (error) {
    problems.push(`the check failed: ${(error as Error).stack}`);
    return { dataVersion: -1, storedVersion: -1, loadIds: [], problems };
  } finally {
    await client.close();
  }
}

/** Checks `items` and its nested tables against the source; returns the data's version. */
async function checkData(
  sql: SqlClient,
  problems: string[],
  versions: { min: number; max: number },
): Promise<{ dataVersion: number }> {
  const name = (table: string) => sql.qualifiedName(table);
  const tables = await sql.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = '${DATASET_NAME}'`,
  );
  if (!tables.some((t) => t.table_name === TABLE)) {
    if (versions.min > 0) problems.push(`table "${TABLE}" is missing`);
    return { dataVersion: 0 };
  }
  const [{ duplicates }] = await sql.query<{ duplicates: number }>(
    `SELECT count(*) - count(DISTINCT id) AS duplicates FROM ${name(TABLE)}`,
  );
  if (duplicates > 0) problems.push(`${duplicates} duplicate id(s) in "${TABLE}"`);
  for (const nested of ["items__tags", "items__events"]) {
    if (!tables.some((t) => t.table_name === nested)) continue;
    const [{ orphans }] = await sql.query<{ orphans: number }>(
      `SELECT count(*) AS orphans FROM ${name(nested)} AS c WHERE NOT EXISTS (SELECT 1 FROM ${
        name(TABLE)
      } AS p WHERE p._dlt_id = c._dlt_parent_id)`,
    );
    if (orphans > 0) problems.push(`${orphans} row(s) of "${nested}" without a parent`);
  }
  const rows = await sql.query<
    { id: number; version: number; name: string; value: number; updated_at: Date }
  >(`SELECT id, version, name, value, updated_at FROM ${name(TABLE)} ORDER BY id`);
  const lists = async (table: string, value: string) =>
    tables.some((t) => t.table_name === table)
      ? new Map(
        (await sql.query<{ id: number; list: string }>(
          `SELECT p.id, string_agg(${value}, ',' ORDER BY c._dlt_list_idx) AS list FROM ${
            name(TABLE)
          } AS p JOIN ${name(table)} AS c ON c._dlt_parent_id = p._dlt_id GROUP BY p.id`,
        )).map((r) => [r.id, r.list]),
      )
      : new Map<number, string>();
  const tags = await lists("items__tags", "c.value");
  const events = await lists("items__events", "c.kind || ':' || c.n");
  const dataVersion = rows.reduce((max, row) => Math.max(max, row.version), 0);
  if (dataVersion < versions.min || dataVersion > versions.max) {
    problems.push(
      `the data is version ${dataVersion}'s, expected one of ${versions.min}..${versions.max}`,
    );
  }
  const latest = world(dataVersion);
  if (rows.length !== latest.length) {
    problems.push(
      `"${TABLE}" has ${rows.length} rows, version ${dataVersion} has ${latest.length} items`,
    );
  }
  const wrong: string[] = [];
  let mismatches = 0;
  const seen = new Uint8Array(latest.length);
  for (const row of rows) {
    if (row.id >= 0 && row.id < latest.length) seen[row.id] = 1;
    const expected = item(row.id, latest[row.id] ?? -1);
    const got = {
      version: row.version,
      name: row.name,
      value: row.value,
      updated_at: new Date(row.updated_at).toISOString(),
      tags: tags.get(row.id) ?? "",
      events: events.get(row.id) ?? "",
    };
    const want = {
      version: expected.version,
      name: expected.name,
      value: expected.value,
      updated_at: expected.updated_at,
      tags: expected.tags.join(","),
      events: expected.events.map((e) => `${e.kind}:${e.n}`).join(","),
    };
    if (JSON.stringify(got) === JSON.stringify(want)) continue;
    if (++mismatches <= SHOWN) {
      wrong.push(`id ${row.id}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
  }
  const missing = [...latest.keys()].filter((id) => seen[id] === 0);
  if (missing.length > 0) {
    problems.push(
      `${missing.length} item(s) of version ${dataVersion} missing from "${TABLE}": ids ${
        missing.slice(0, SHOWN).join(", ")
      }${missing.length > SHOWN ? ", …" : ""}`,
    );
  }
  if (mismatches > 0) {
    problems.push(
      `${mismatches} row(s) differ from version ${dataVersion}'s items: ${wrong.join("; ")}`,
    );
  }
  return { dataVersion };
}

/**
 * Checks `_dlt_loads` and `_dlt_load_jobs`; returns the packages in `_dlt_loads`, and those with
 * committed jobs and no `_dlt_loads` row.
 */
async function checkLoads(
  sql: SqlClient,
  problems: string[],
): Promise<{ partial: string[]; loadIds: string[] }> {
  const loads = sql.qualifiedName("_dlt_loads");
  const jobs = sql.qualifiedName("_dlt_load_jobs");
  const twice = await sql.query<{ load_id: string }>(
    `SELECT load_id FROM ${loads} GROUP BY load_id HAVING count(*) > 1`,
  );
  if (twice.length > 0) {
    problems.push(`packages in _dlt_loads twice: ${twice.map((r) => r.load_id).join(", ")}`);
  }
  const jobsTwice = await sql.query<{ load_id: string; table_name: string; file_name: string }>(
    `SELECT load_id, table_name, file_name FROM ${jobs} GROUP BY ALL HAVING count(*) > 1`,
  );
  if (jobsTwice.length > 0) {
    problems.push(`job files in _dlt_load_jobs twice: ${JSON.stringify(jobsTwice)}`);
  }
  const partial = await sql.query<{ load_id: string }>(
    `SELECT DISTINCT load_id FROM ${jobs} WHERE load_id NOT IN (SELECT load_id FROM ${loads})`,
  );
  const strays = await sql.query<{ load_id: string }>(
    `SELECT DISTINCT _dlt_load_id AS load_id FROM ${sql.qualifiedName(TABLE)} ` +
      `WHERE _dlt_load_id NOT IN (SELECT load_id FROM ${loads} UNION ALL SELECT load_id FROM ${jobs})`,
  );
  if (strays.length > 0) {
    problems.push(`rows of unknown loads: ${strays.map((r) => r.load_id).join(", ")}`);
  }
  const loadIds = await sql.query<{ load_id: string }>(`SELECT DISTINCT load_id FROM ${loads}`);
  return { partial: partial.map((r) => r.load_id), loadIds: loadIds.map((r) => r.load_id) };
}

/** The packages waiting in the working folder `pipelinesDir`, by stage. */
function pendingPackages(pipelinesDir: string): { extracted: string[]; normalized: string[] } {
  const list = (...path: string[]) => {
    const folder = join(pipelinesDir, PIPELINE_NAME, ...path);
    return fs.existsSync(folder) ? fs.readdirSync(folder) : [];
  };
  return { extracted: list("normalize", "extracted"), normalized: list("load", "normalized") };
}

/** The number of job files of the normalized package `loadId`. */
function packageJobs(pipelinesDir: string, loadId: string): number {
  const manifest = join(pipelinesDir, PIPELINE_NAME, "load", "normalized", loadId, "package.json");
  return (JSON.parse(fs.readFileSync(manifest, "utf8")) as { jobs: unknown[] }).jobs.length;
}

/** Copies the database files (not the lock) of `from` into the empty folder `to`. */
async function copyDatabase(from: string, to: string): Promise<void> {
  await Deno.remove(to, { recursive: true }).catch(() => {});
  await Deno.mkdir(to);
  for await (const entry of Deno.readDir(from)) {
    if (!entry.isFile || entry.name.endsWith(".lock")) continue;
    await Deno.copyFile(join(from, entry.name), join(to, entry.name));
  }
}

/** Bytes of the write-ahead log next to `dbPath` (0: none). */
function walBytes(dbPath: string): number {
  try {
    return Deno.statSync(`${dbPath}.wal`).size;
  } catch {
    return 0;
  }
}

/** Counts of `values`, as `a 3, b 1`. */
function count(values: string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, n]) => `${value} ${n}`).join(", ");
}

/** What the kills of one engine found, as the benchmark prints it. */
class Tally {
  kills = 0;
  inLoad = 0;
  finished = 0;
  walsLeft = 0;
  phases: string[] = [];
  outcomes: string[] = [];
  inconsistencies: string[] = [];
}

/** Runs the benchmark on `engine`; returns whether everything was consistent. */
async function bench(engine: Engine): Promise<boolean> {
  const t0 = performance.now();
  const dir = await Deno.makeTempDir({ prefix: `denodlt_random_kills_${engine}_` });
  const dbDir = join(dir, "db");
  const dbPath = join(dbDir, DB_FILE);
  const pipelinesDir = join(dir, "pipelines");
  await Deno.mkdir(dbDir);
  const tally = new Tally();
  const fail = (what: string, problems: string[]) => {
    tally.inconsistencies.push(`${what}: ${problems.join("; ")}`);
    console.log(`    INCONSISTENT ${what}:\n      ${problems.join("\n      ")}`);
  };
  console.log(`random_kills, ${engine}: ${kills} kills, working in ${dir}`);

  /**
   * Typical times: a run, a run that first finishes a package a kill left, a load, and the part
   * of a load after its job files are copied.
   */
  const typical = { runMs: 0, pendingRunMs: 0, loadMs: 0, mergeMs: 0 };
  /** The oldest version the data may have. */
  let minVersion = 0;
  let version = 0;
  /** The packages in `_dlt_loads` at the last check. */
  let loadIds: string[] = [];

  /**
   * Runs the next version, killed as `plan` says, and checks the destination. Returns the run,
   * or nothing when it failed by itself. A kill `counted` is one of the random kills.
   */
  const attempt = async (plan?: KillPlan, counted = true): Promise<ChildRun | undefined> => {
    version++;
    const before = pendingPackages(pipelinesDir);
    const pending = before.extracted.length + before.normalized.length > 0;
    const run = await runChild(dir, engine, version, plan);
    const load = lastLoad(run);
    typical.loadMs = load?.loadMs ?? typical.loadMs;
    typical.mergeMs = load?.mergeMs ?? typical.mergeMs;
    const phase = phaseOf(run);
    const planned = plan === undefined
      ? "not to be killed"
      : `${plan.delayMs.toFixed(0)} ms after ${
        plan.after === "spawn"
          ? "spawn"
          : plan.after === "load"
          ? `load ${plan.load} started`
          : `load 1 copied ${plan.jobs} job files`
      }`;
    const copied = phase === "load" ? `, ${jobsCopied(run)} job files copied` : "";
    const where = run.killed
      ? `${
        counted ? `kill ${tally.kills + 1}` : "timing kill"
      } (version ${version}, ${planned}, at ${run.endMs.toFixed(0)} ms, in ${phase}${copied})`
      : `run of version ${version} (${planned}, ended at ${run.endMs.toFixed(0)} ms)`;
    if (!run.killed) {
      if (run.code !== 0 || phase !== "exit") {
        fail(where, [`it failed with exit code ${run.code}: ${run.stderr}`]);
        return undefined;
      }
      typical[pending ? "pendingRunMs" : "runMs"] = run.endMs;
    }
    const wal = walBytes(dbPath);
    const checkDir = join(dir, "check");
    await copyDatabase(dbDir, checkDir);
    const result = await check(join(checkDir, DB_FILE), engine, pipelinesDir, {
      min: run.killed ? minVersion : version,
      max: version,
    });
    const after = pendingPackages(pipelinesDir);
    const outcome = result.partialLoad !== undefined
      ? "chain committed, package not"
      : after.normalized.some((id) => result.loadIds.includes(id))
      ? "package committed, not moved"
      : result.dataVersion > minVersion
      ? "data loaded"
      : "data unchanged";
    console.log(
      `  ${where}: WAL ${wal} bytes; data version ${result.dataVersion}, stored cursor version ${result.storedVersion}; ${outcome}`,
    );
    if (result.problems.length > 0) fail(where, result.problems);
    else minVersion = result.dataVersion;
    loadIds = result.loadIds;
    if (run.killed && counted) {
      tally.kills++;
      tally.phases.push(phase);
      if (phase === "load") tally.inLoad++;
      if (wal > 0) tally.walsLeft++;
      tally.outcomes.push(outcome);
    }
    return run;
  };

  // timing: a clean first load, a clean run, a run killed as its load starts (leaving a package),
  // and a clean run that finishes that package first
  for (const plan of [undefined, undefined, { after: "load", delayMs: 0, load: 1 }, undefined]) {
    const run = await attempt(plan as KillPlan | undefined, false);
    if (run === undefined || run.killed !== (plan !== undefined)) {
      throw new Error(`Run of version ${version} did not end as planned`);
    }
  }
  console.log(
    `  a run takes ${typical.runMs.toFixed(0)} ms, ${
      typical.pendingRunMs.toFixed(0)
    } ms with a package to finish; a load ${typical.loadMs.toFixed(0)} ms, ${
      typical.mergeMs.toFixed(0)
    } ms of it after the job files are copied`,
  );

  // by turns: a kill at a random moment of the run (by its typical time, with a margin that lets
  // some finish and so keeps the time up to date); at a random moment of a load; and, when the
  // run starts by loading a package a kill left, at a random moment after its job files are
  // copied (else of a load)
  for (let i = 0; tally.kills < kills; i++) {
    const before = pendingPackages(pipelinesDir);
    const pending = before.extracted.length + before.normalized.length > 0;
    const runMs = pending ? typical.pendingRunMs : typical.runMs;
    // one package left, not loaded yet (a loaded one only moves)
    const [left] = before.normalized;
    const jobs = before.extracted.length === 0 && before.normalized.length === 1 &&
        !loadIds.includes(left)
      ? packageJobs(pipelinesDir, left)
      : 0;
    const run = await attempt(
      i % 3 === 0
        ? { after: "spawn", delayMs: Math.random() * runMs * 1.1 }
        : i % 3 === 2 && jobs > 0
        ? { after: "copied", delayMs: Math.random() * typical.mergeMs * 1.1, jobs }
        : {
          after: "load",
          delayMs: Math.random() * typical.loadMs * 1.1,
          load: pending && Math.random() < 0.5 ? 2 : 1,
        },
    );
    if (run !== undefined && !run.killed) tally.finished++;
  }

  // the last, clean run finishes what the last kill left
  const last = await attempt();
  const finalProblems: string[] = [];
  if (last === undefined) {
    finalProblems.push("the final run failed");
  } else {
    const result = await check(dbPath, engine, pipelinesDir, { min: version, max: version });
    finalProblems.push(...result.problems);
    if (result.storedVersion !== version) {
      finalProblems.push(
        `the stored cursor is version ${result.storedVersion}'s, not ${version}'s`,
      );
    }
    const left = pendingPackages(pipelinesDir);
    for (const [stage, ids] of Object.entries(left)) {
      if (ids.length > 0) finalProblems.push(`packages left ${stage}: ${ids.join(", ")}`);
    }
    if (finalProblems.length > 0) fail(`final check (version ${version})`, finalProblems);
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `  ${engine}: ${tally.kills} kills (${tally.inLoad} in the load; by step: ${
      count(tally.phases)
    }); ${tally.finished} runs ended before their kill; ${tally.walsLeft} kills left a WAL`,
  );
  console.log(`  ${engine}: after the kills: ${count(tally.outcomes)}`);
  const failed = tally.inconsistencies.length;
  console.log(
    `  ${engine}: inconsistencies ${failed}; final check (version ${version}) ${
      finalProblems.length === 0 ? "ok" : "FAILED"
    }; ${seconds.toFixed(0)} s`,
  );
  if (failed === 0) await Deno.remove(dir, { recursive: true });
  else console.log(`  ${engine}: kept ${dir} for inspection`);
  return failed === 0;
}

let ok = true;
for (const engine of engines) ok = await bench(engine) && ok;
if (!ok) Deno.exit(1);
