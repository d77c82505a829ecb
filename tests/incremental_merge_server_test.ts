/**
 * Incremental merge against a local API that changes between runs (new, updated and deleted
 * issues, pages out of order): after every run the destination holds exactly what the API holds.
 */
import assert from "node:assert/strict";
import { incremental, resource } from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";

interface ApiIssue {
  id: number;
  title: string;
  updated_at: string;
  deleted?: boolean;
  labels: string[];
}

/** A fake issues API on 127.0.0.1: `GET /issues?since=…&page=…`, pages of two, shuffled. */
function issuesApi(data: Map<number, ApiIssue>) {
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    requests++;
    const url = new URL(request.url);
    const since = url.searchParams.get("since");
    const page = Number(url.searchParams.get("page") ?? "0");
    const matching = [...data.values()]
      .filter((issue) => since === null || issue.updated_at >= since)
      .sort((a, b) => b.id - a.id); // not in cursor order
    return Response.json(matching.slice(page * 2, page * 2 + 2));
  });
  return { server, url: `http://127.0.0.1:${server.addr.port}/issues`, requests: () => requests };
}

function apiResource(url: string) {
  return resource(async function* (ctx) {
    const since = ctx.incremental?.startValue as string | undefined;
    for (let page = 0;; page++) {
      const query = new URLSearchParams({ page: String(page), ...(since ? { since } : {}) });
      const response = await fetch(`${url}?${query}`, { signal: ctx.signal });
      const items = await response.json() as ApiIssue[];
      if (items.length === 0) return;
      yield items;
    }
  }, {
    name: "issues",
    primaryKey: "id",
    writeDisposition: "merge",
    columns: { deleted: { dataType: "bool", hardDelete: true } },
    incremental: incremental("updated_at", { initialValue: "2024-01-01T00:00:00Z" }),
  });
}

const at = (minute: number) => `2024-02-01T00:${String(minute).padStart(2, "0")}:00Z`;

Deno.test("incremental merge keeps the destination equal to an evolving API", async () => {
  const data = new Map<number, ApiIssue>();
  const put = (id: number, minute: number, title: string, labels: string[] = []) =>
    data.set(id, { id, title, updated_at: at(minute), labels });
  for (let id = 1; id <= 5; id++) put(id, id, `issue ${id}`, [`l${id}`]);
  const api = issuesApi(data);
  try {
    const { p } = await tempPipeline("api_merge");
    const check = async () => {
      const live = [...data.values()].filter((i) => !i.deleted).sort((a, b) => a.id - b.id);
      const rows = await p.dataset().query<{ id: number; title: string }>(
        "SELECT id, title FROM issues ORDER BY id",
      );
      assert.deepEqual(rows, live.map(({ id, title }) => ({ id, title })));
      const labels = await p.dataset().query<{ id: number; value: string }>(
        `SELECT i.id, l.value FROM issues i JOIN issues__labels l ON l._dlt_root_id = i._dlt_id
         ORDER BY i.id, l._dlt_list_idx`,
      );
      assert.deepEqual(labels, live.flatMap((i) => i.labels.map((value) => ({ id: i.id, value }))));
    };

    await p.run(apiResource(api.url));
    await check();

    // an edit, a new issue, a deletion; nothing else changed
    put(2, 10, "issue 2, edited", ["l2", "triaged"]);
    put(6, 11, "issue 6", ["l6"]);
    data.set(3, { ...data.get(3)!, updated_at: at(12), deleted: true });
    const before = api.requests();
    await p.run(apiResource(api.url));
    await check();
    // only the changes were fetched: one page of two, one of one, one empty
    assert.equal(api.requests() - before, 3);

    // a run with nothing new changes nothing
    await p.run(apiResource(api.url));
    await check();
  } finally {
    await api.server.shutdown();
  }
});
