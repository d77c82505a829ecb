/**
 * Demo: loads the real GitHub webhook payloads shipped in the npm package
 * `@octokit/webhooks-examples` (329 payloads of 58 event types, deeply nested) into DuckDB-WASM,
 * one table per event type with their child tables, then prints the load summary, the tables
 * with their row counts, and a query over them.
 *
 *     deno task demo            # or: npx -y deno@2.9.6 task demo
 *
 * Writes `github_webhooks.duckdb` in the working directory and its pipeline folder under
 * `~/.dlt/pipelines/` (both replaced on every run).
 *
 * @module
 */
import webhooks from "@octokit/webhooks-examples" with { type: "json" };
import { pipeline, resource } from "../mod.ts";

type WebhookDocs = { name: string; examples: Record<string, unknown>[] }[];

/** Every example payload, tagged with its event type. */
const webhookEvents = resource(function* () {
  for (const event of webhooks as unknown as WebhookDocs) {
    for (const payload of event.examples) yield { event: event.name, ...payload };
  }
}, {
  name: "webhook_events",
  tableName: (payload) => (payload as { event: string }).event,
  writeDisposition: "replace",
});

const p = pipeline({
  pipelineName: "github_webhooks",
  destination: "duckdb",
  datasetName: "github_webhooks",
});

const info = await p.run(webhookEvents);
console.log(info.toString());

const counts = await p.dataset().rowCounts();
const names = Object.keys(counts);
const roots = names.filter((n) => !n.includes("__"));
console.log(
  `\n${names.length} tables: ${roots.length} event tables and ${
    names.length - roots.length
  } child tables`,
);
const width = Math.max(...names.map((n) => n.length));
for (const name of names) console.log(`  ${name.padEnd(width)} ${String(counts[name]).padStart(5)}`);

console.log("\nPull request events by action, with the labels on their pull requests:");
const rows = await p.dataset().query<{ action: string; events: number; labels: number }>(`
  SELECT pr.action, count(DISTINCT pr._dlt_id) AS events, count(l._dlt_id) AS labels
  FROM github_webhooks.pull_request AS pr
  LEFT JOIN github_webhooks.pull_request__pull_request__labels AS l
    ON l._dlt_parent_id = pr._dlt_id
  GROUP BY pr.action ORDER BY events DESC, pr.action`);
console.table(rows);
