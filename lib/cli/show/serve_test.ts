import assert from "node:assert/strict";
import { join } from "node:path";
import { filesystem } from "../../../destinations/filesystem/mod.ts";
import { duckdb } from "../../../destinations/duckdb/mod.ts";
import { DltError } from "../../errors.ts";
import { pipeline } from "../../pipeline.ts";
import { servePipelinePage } from "./serve.ts";

/** A pipeline that never ran, loading into a DuckDB file in `dir`. */
function neverRan(dir: string) {
  return pipeline({
    pipelineName: "idle",
    destination: duckdb({ path: join(dir, "idle.duckdb") }),
    pipelinesDir: join(dir, "pipelines"),
  });
}

async function getJson(url: string, init?: RequestInit) {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** The response head to `GET /api/state` sent to `port` with the header `Host: host`. */
async function rawGet(port: number, host: string): Promise<string> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await connection.write(
      new TextEncoder().encode(
        `GET /api/state HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      ),
    );
    let text = "";
    const buffer = new Uint8Array(4096);
    for (let n; (n = await connection.read(buffer)) !== null;) {
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    return text;
  } finally {
    connection.close();
  }
}

Deno.test("servePipelinePage: a port in use is a DltError that names it and says to pass --port", async () => {
  const dir = await Deno.makeTempDir();
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const { port } = taken.addr as Deno.NetAddr;
    assert.throws(
      () => servePipelinePage(neverRan(dir), { port }),
      (error) => {
        assert.ok(error instanceof DltError);
        assert.match(error.message, new RegExp(`^Port ${port} on 127\\.0\\.0\\.1 is in use`));
        assert.match(error.message, /pass --port with another port, or --port 0 for any free one/);
        return true;
      },
    );
  } finally {
    taken.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("servePipelinePage: options are checked", () => {
  const p = pipeline({ pipelineName: "opts", pipelinesDir: "/nonexistent" });
  assert.throws(() => servePipelinePage(p, { port: 70000 }), RangeError);
  assert.throws(() => servePipelinePage(p, { port: "8080" as unknown as number }), TypeError);
  assert.throws(
    () => servePipelinePage(p, { hostname: "0.0.0.0" } as never),
    /Unknown option "hostname" for servePipelinePage\(\)/,
  );
});

Deno.test("servePipelinePage: read-only, for a pipeline that never ran too, and nothing is created", async () => {
  const dir = await Deno.makeTempDir();
  const p = neverRan(dir);
  const server = servePipelinePage(p, { port: 0 });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const { status, headers, body } = await getJson(`${server.url}api/state`, { method });
      assert.equal(status, 405);
      assert.equal(headers.get("allow"), "GET, HEAD");
      assert.equal(body.error, `The pipeline page only reads; ${method} is not allowed`);
    }
    const page = await fetch(server.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy")!, /script-src 'self'/);
    assert.match(await page.text(), /<script src="\/page.js" defer><\/script>/);
    const overview = await getJson(`${server.url}api/overview`);
    assert.equal(overview.body.pipelineName, "idle");
    assert.equal(overview.body.datasetName, "idle_dataset");
    assert.equal(overview.body.destination.type, "duckdb");
    assert.equal(overview.body.hasRun, false);
    assert.deepEqual(overview.body.schemas, []);
    assert.deepEqual((await getJson(`${server.url}api/tables`)).body, {
      tables: [],
      countError: null,
    });
    assert.deepEqual((await getJson(`${server.url}api/loads`)).body, { loads: [] });
    assert.deepEqual((await getJson(`${server.url}api/state`)).body, { state: null });
    assert.deepEqual((await getJson(`${server.url}api/trace`)).body, { trace: null });
    const missing = await getJson(`${server.url}api/tables/nope/rows`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, `The pipeline's schemas have no table "nope"`);
    // neither the working folder nor the database was created by looking
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("servePipelinePage: another host name is refused (a rebound DNS name cannot read the data)", async () => {
  const dir = await Deno.makeTempDir();
  const server = servePipelinePage(neverRan(dir), { port: 0 });
  try {
    const port = Number(new URL(server.url).port);
    // fetch sets Host itself: the request is written by hand
    assert.match(await rawGet(port, `evil.example:${port}`), /^HTTP\/1\.1 421 /);
    assert.match(await rawGet(port, `localhost:${port}`), /^HTTP\/1\.1 200 /);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("servePipelinePage: a damaged trace shows its error; the signal stops the server", async () => {
  const dir = await Deno.makeTempDir();
  const p = neverRan(dir);
  await Deno.mkdir(p.workingDir, { recursive: true });
  await Deno.writeTextFile(join(p.workingDir, "trace.json"), "{ not json");
  const controller = new AbortController();
  let listened = "";
  const server = servePipelinePage(p, {
    port: 0,
    signal: controller.signal,
    onListen: ({ url }) => listened = url,
  });
  try {
    assert.equal(listened, server.url);
    const { status, body } = await getJson(`${server.url}api/trace`);
    assert.equal(status, 500);
    assert.match(body.error, /^Trace ".*trace\.json" is damaged; delete it/);
  } finally {
    controller.abort();
    await server.finished;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("servePipelinePage: rows page by page through a destination without SQL (filesystem)", async () => {
  const dir = await Deno.makeTempDir();
  const p = pipeline({
    pipelineName: "files",
    destination: filesystem({ bucketUrl: join(dir, "bucket") }),
    pipelinesDir: join(dir, "pipelines"),
  });
  await p.run(
    Array.from({ length: 7 }, (_, id) => ({ id, big: 2n ** 62n + BigInt(id), tags: ["a"] })),
    { tableName: "events" },
  );
  const server = servePipelinePage(p, { port: 0 });
  try {
    const tables = (await getJson(`${server.url}api/tables`)).body;
    assert.equal(tables.countError, null);
    assert.equal(tables.tables.length, 1);
    assert.equal(tables.tables[0].rowCount, 7);
    assert.equal(tables.tables[0].children[0].name, "events__tags");
    assert.equal(tables.tables[0].children[0].rowCount, 7);
    const { body } = await getJson(`${server.url}api/tables/events/rows?offset=5&limit=4`);
    assert.equal(body.total, 7);
    const id = body.columns.indexOf("id");
    const big = body.columns.indexOf("big");
    assert.deepEqual(body.rows.map((r: string[]) => [r[id], r[big]]), [
      ["5", (2n ** 62n + 5n).toString()],
      ["6", (2n ** 62n + 6n).toString()],
    ]);
    const bad = await getJson(`${server.url}api/tables/events/rows?offset=-1`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /^Query parameter "offset" must be a whole number/);
    const loads = (await getJson(`${server.url}api/loads`)).body.loads;
    assert.equal(loads.length, 1);
    assert.equal(loads[0].status, "0");
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
