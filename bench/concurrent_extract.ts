/**
 * Concurrent extraction benchmark, against a local server on 127.0.0.1 that answers each request
 * after a delay, as a remote API would. N async resources (3, then 10) each fetch 5 pages; resource
 * i waits 40 + 10·i ms per page, so the last one is the slowest. Extract only, three ways:
 *
 * - concurrent: dlt's defaults (`round_robin`, `max_parallel_items` 20);
 * - sequential: `EXTRACT__NEXT_ITEM_MODE=fifo` and `EXTRACT__MAX_PARALLEL_ITEMS=1`;
 * - the slowest resource alone, the floor concurrent extraction can reach.
 *
 * Prints the times and the ratios concurrent / slowest alone (1.0 is ideal) and sequential /
 * concurrent (the speed-up).
 *
 *     deno run -A bench/concurrent_extract.ts [pages=5]
 */
import { join } from "node:path";
import { pipeline, resource, source } from "../mod.ts";
import { dummy } from "../destinations/dummy/mod.ts";

const PAGES = Number(Deno.args[0] ?? 5);
const PAGE_SIZE = 50;

/** Milliseconds resource `i` waits per page. */
const latencyOf = (i: number) => 40 + 10 * i;

const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
  const url = new URL(request.url);
  const wait = Number(url.searchParams.get("wait") ?? 0);
  const page = Number(url.searchParams.get("page") ?? 0);
  await new Promise((resolve) => setTimeout(resolve, wait));
  return Response.json(
    Array.from({ length: PAGE_SIZE }, (_, i) => ({ id: page * PAGE_SIZE + i, name: `item ${i}` })),
  );
});
const base = `http://127.0.0.1:${server.addr.port}`;

/** Resource `i`: `PAGES` pages fetched one after another, each answered after its latency. */
function endpoint(i: number) {
  return resource(async function* ({ signal }) {
    for (let page = 0; page < PAGES; page++) {
      const response = await fetch(`${base}/items?page=${page}&wait=${latencyOf(i)}`, { signal });
      yield await response.json();
    }
  }, { name: `endpoint_${i}` });
}

const dir = await Deno.makeTempDir({ prefix: "denodlt_bench_concurrent_" });
try {
  const p = pipeline({
    pipelineName: "bench_concurrent",
    destination: dummy(),
    pipelinesDir: join(dir, "pipelines"),
  });
  /** Seconds to extract `indexes`' resources, with `env` set meanwhile. */
  const time = async (indexes: number[], env: Record<string, string> = {}) => {
    for (const [name, value] of Object.entries(env)) Deno.env.set(name, value);
    try {
      const t0 = performance.now();
      await p.extract(source(indexes.map(endpoint), { name: "api" }));
      const s = (performance.now() - t0) / 1000;
      await p.dropPendingPackages();
      return s;
    } finally {
      for (const name of Object.keys(env)) Deno.env.delete(name);
    }
  };
  await time([0]); // warm-up: first fetch, first package
  for (const n of [3, 10]) {
    const all = Array.from({ length: n }, (_, i) => i);
    const concurrent = await time(all);
    const sequential = await time(all, {
      EXTRACT__NEXT_ITEM_MODE: "fifo",
      EXTRACT__MAX_PARALLEL_ITEMS: "1",
    });
    const slowest = await time([n - 1]);
    console.log(
      `${n} async resources × ${PAGES} pages, ${latencyOf(0)}–${
        latencyOf(n - 1)
      } ms per page (extract only):`,
    );
    console.log(
      `  concurrent (round_robin)   ${concurrent.toFixed(2)} s  ×${
        (concurrent / slowest).toFixed(2)
      } the slowest alone`,
    );
    console.log(
      `  sequential (fifo, 1 item)  ${sequential.toFixed(2)} s  speed-up of concurrent ×${
        (sequential / concurrent).toFixed(1)
      }`,
    );
    console.log(`  slowest resource alone     ${slowest.toFixed(2)} s`);
  }
} finally {
  await server.shutdown();
  await Deno.remove(dir, { recursive: true });
}
