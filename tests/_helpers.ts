/** Shared helpers of the end-to-end tests. */
import { join } from "node:path";
import assert from "node:assert/strict";
import {
  type ColumnHint,
  type DltResource,
  PendingPackageFailed,
  type Pipeline,
  pipeline,
  resource,
} from "../mod.ts";
import { duckdb, type DuckDbEngine } from "../destinations/duckdb/mod.ts";
import { dummy, type DummyDestination } from "../destinations/dummy/mod.ts";
import type { Destination, EarlyChainLoad } from "../lib/destination.ts";

/** The recorded third-party fixtures, beside the project (absent for a plain clone). */
export const SHARED_FIXTURES = new URL("../../shared/fixtures/", import.meta.url);

/** Whether `../shared/fixtures/<relative>` exists. */
export function hasSharedFixture(relative: string): boolean {
  try {
    Deno.statSync(new URL(relative, SHARED_FIXTURES));
    return true;
  } catch {
    return false;
  }
}

/** Reads a JSON fixture from `../shared/fixtures/`. */
export async function readSharedFixture<T = unknown>(relative: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(new URL(relative, SHARED_FIXTURES))) as T;
}

/** Folder of this test module's temporary folders, made on first use, removed at the end. */
let tempRoot: string | undefined;

/** A new temporary folder, removed with the others when the test module finishes. */
export function tempDir(prefix = "t"): Promise<string> {
  if (tempRoot === undefined) {
    const root = Deno.makeTempDirSync({ prefix: "denodlt_tests_" });
    globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
    tempRoot = root;
  }
  return Deno.makeTempDir({ dir: tempRoot, prefix: `${prefix}_` });
}

/**
 * A pipeline in a fresh temporary folder, loading into `<dir>/<name>.duckdb` with `engine` (by
 * default the engine the process picks: native DuckDB under `-A`), as `wrap` returns it.
 */
export async function tempPipeline(
  name: string,
  dir?: string,
  engine?: DuckDbEngine,
  wrap: (destination: Destination) => Destination = (destination) => destination,
): Promise<{ p: Pipeline; dir: string; dbPath: string }> {
  dir ??= await tempDir(name);
  const dbPath = join(dir, `${name}.duckdb`);
  const p = pipeline({
    pipelineName: name,
    destination: wrap(duckdb({ path: dbPath, engine })),
    datasetName: `${name}_data`,
    pipelinesDir: join(dir, "pipelines"),
  });
  return { p, dir, dbPath };
}

/**
 * `destination` whose clients' early chains (`loadChainEarly`) are what `wrap` makes of them:
 * for a test to see or hold what a run's chain is given.
 */
export function wrapEarlyChains(
  destination: Destination,
  wrap: (chain: EarlyChainLoad) => EarlyChainLoad,
): Destination {
  return {
    ...destination,
    async client(options) {
      const client = await destination.client(options);
      const loadChainEarly = client.loadChainEarly!.bind(client);
      client.loadChainEarly = async (loadId, root) => {
        const chain = await loadChainEarly(loadId, root);
        return chain === undefined ? undefined : wrap(chain);
      };
      return client;
    },
  };
}

/**
 * The files in the package folders of `stage` (e.g. `"load/normalizing"`) of pipeline `name`
 * whose pipelines folder is under `dir`; none when the stage's folder is not there.
 */
export function stageFiles(dir: string, name: string, stage: string): string[] {
  const root = join(dir, "pipelines", name, ...stage.split("/"));
  try {
    return [...Deno.readDirSync(root)].flatMap((pkg) =>
      [...Deno.readDirSync(join(root, pkg.name))].map((f) => f.name)
    );
  } catch {
    return [];
  }
}

/** A resource that counts its runs in its state and yields the run number. */
export function counterResource(): DltResource {
  return resource(function* ({ state }) {
    const run = ((state.runs as number | undefined) ?? 0) + 1;
    state.runs = run;
    yield { run };
  }, { name: "counter" });
}

/** A server on 127.0.0.1; `await using` shuts it down. */
export interface LocalServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Path and query of every request, in order. */
  requests: string[];
}

/** Serves `handle` on 127.0.0.1 (a free port), recording each request's path and query. */
export function serve(handle: (url: URL) => Response | Promise<Response>): LocalServer {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const url = new URL(request.url);
    requests.push(url.pathname + url.search);
    return handle(url);
  });
  const { port } = server.addr;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** The column hints of `r` given in code (a record); fails when they are a function of the item. */
export function columnHintsOf(r: DltResource): Record<string, ColumnHint> {
  const columns = r.hints.columns ?? {};
  if (typeof columns === "function") throw new Error(`Resource "${r.name}" computes its columns`);
  return columns;
}

/** A pipeline `name` in a fresh folder, loading into a new dummy destination (fast, no WASM). */
export async function dummyPipeline(
  name: string,
): Promise<{ p: Pipeline; destination: DummyDestination }> {
  const destination = dummy();
  const p = pipeline({
    pipelineName: name,
    destination,
    pipelinesDir: join(await tempDir(name), "pipelines"),
  });
  return { p, destination };
}

/**
 * A package that fails to normalize, run into `p`: a first run makes table `items` with frozen
 * columns; then `count` items (the later ones `body` long) whose first has a new column fail the
 * run, naming it, with nothing of them loaded.
 */
export async function runFrozenFailure(p: Pipeline, count: number, body: string): Promise<void> {
  const frozen = { name: "items", schemaContract: { columns: "freeze" } } as const;
  await p.run(resource([{ id: -1, body: "first" }], frozen));
  // the frozen table refuses the new column of an item normalized while extract runs
  const items = resource(async function* () {
    yield { id: 0, body: "new", extra: true };
    for (let id = 1; id < count; id++) yield { id, body: `${id} ${body}` };
  }, frozen);
  await assert.rejects(
    p.run(items),
    (error) => error instanceof PendingPackageFailed && /column "extra"/.test(error.message),
  );
  assert.equal(await p.dataset().table("items").count(), 1);
}
