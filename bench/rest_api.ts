/**
 * REST API benchmark, against a local server on 127.0.0.1:
 *
 * 1. `restApiSource` pages through 1,000 pages × 100 items (JSON `next` links) into the default
 *    duckdb destination;
 *    prints pages/s and rows/s of the whole run and of extraction alone.
 * 2. A child resource: one request per parent item (200 items), each answered after 20 ms as a
 *    remote API would; run with `maxConcurrency` 1 (sequential), 5 and 20, and prints the
 *    speed-up over sequential.
 *
 *     deno run -A bench/rest_api.ts [pages=1000]
 */
import { join } from "node:path";
import { pipeline } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import { restApiSource } from "../sources/rest_api.ts";

const PAGES = Number(Deno.args[0] ?? 1000);
const PAGE_SIZE = 100;
const PARENTS = 200;
const CHILD_LATENCY_MS = 20;

/** An item as an API would send it: a few scalars, a nested object and a short list. */
const item = (id: number) => ({
  id,
  name: `item ${id}`,
  price: id * 0.25,
  active: id % 3 !== 0,
  created_at: new Date(Date.UTC(2024, 0, 1) + id * 60_000).toISOString(),
  owner: { id: id % 97, login: `user${id % 97}` },
  tags: [`t${id % 5}`, `t${id % 7}`],
});

function api() {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/items") {
      const page = Number(url.searchParams.get("page") ?? 0);
      const items = Array.from({ length: PAGE_SIZE }, (_, i) => item(page * PAGE_SIZE + i));
      const next = page + 1 < PAGES ? `${url.origin}/items?page=${page + 1}` : null;
      return Response.json({ data: items, next });
    }
    if (url.pathname === "/parents") {
      return Response.json(Array.from({ length: PARENTS }, (_, id) => ({ id })));
    }
    const child = /^\/parents\/(\d+)\/children$/.exec(url.pathname);
    if (child !== null) {
      await new Promise((resolve) => setTimeout(resolve, CHILD_LATENCY_MS));
      const parent = Number(child[1]);
      return Response.json([{ id: parent * 10 }, { id: parent * 10 + 1 }]);
    }
    return new Response("not found", { status: 404 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

const server = api();
const dir = await Deno.makeTempDir({ prefix: "denodlt_bench_rest_" });
try {
  const p = pipeline({
    pipelineName: "bench_rest",
    destination: duckdb({ path: join(dir, "bench_rest.duckdb") }),
    datasetName: "bench",
    pipelinesDir: join(dir, "pipelines"),
  });
  const items = () =>
    restApiSource({
      client: { baseUrl: server.url },
      resources: [{ name: "items", endpoint: { path: "items", paginator: "json_link" } }],
    });

  let t0 = performance.now();
  await p.extract(items());
  const extractS = (performance.now() - t0) / 1000;
  await p.dropPendingPackages();
  t0 = performance.now();
  const info = await p.run(items());
  const runS = (performance.now() - t0) / 1000;
  const rows = PAGES * PAGE_SIZE;
  console.log(`REST API source, ${PAGES} pages × ${PAGE_SIZE} items (JSON next links):`);
  console.log(
    `  extract only   ${extractS.toFixed(2)} s  ${(PAGES / extractS).toFixed(0)} pages/s  ${
      (rows / extractS).toFixed(0)
    } rows/s`,
  );
  console.log(
    `  run into DuckDB ${runS.toFixed(2)} s  ${(PAGES / runS).toFixed(0)} pages/s  ${
      (rows / runS).toFixed(0)
    } rows/s  (extract ${(info.timings.extract / 1000).toFixed(2)} s, normalize ${
      (info.timings.normalize / 1000).toFixed(2)
    } s, load ${(info.timings.load / 1000).toFixed(2)} s)`,
  );

  console.log(
    `Child resource: ${PARENTS} requests, each answered after ${CHILD_LATENCY_MS} ms (extract):`,
  );
  let sequential = 0;
  for (const maxConcurrency of [1, 5, 20]) {
    const source = restApiSource({
      client: { baseUrl: server.url },
      resources: [
        { name: "parents", endpoint: { path: "parents", paginator: "single_page" } },
        {
          name: "children",
          endpoint: { path: "parents/{resources.parents.id}/children", paginator: "single_page" },
        },
      ],
    }, { maxConcurrency });
    t0 = performance.now();
    await p.extract(source);
    const s = (performance.now() - t0) / 1000;
    await p.dropPendingPackages();
    if (maxConcurrency === 1) sequential = s;
    console.log(
      `  maxConcurrency ${String(maxConcurrency).padStart(2)}  ${s.toFixed(2)} s  ${
        (PARENTS / s).toFixed(0)
      } requests/s  speed-up ×${(sequential / s).toFixed(1)}`,
    );
  }
} finally {
  await server.close();
  await Deno.remove(dir, { recursive: true });
}
