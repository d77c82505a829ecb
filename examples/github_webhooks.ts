/**
 * Demo: loads the real GitHub webhook payloads shipped in the npm package
 * `@octokit/webhooks-examples` (329 payloads of 58 event types, deeply nested) into DuckDB-WASM,
 * then prints the load summary, the tables it created with their row counts, and two queries
 * over them.
 *
 *     deno task demo            # or: npx -y deno@2.9.6 task demo
 *
 * Writes `github_webhooks.duckdb` in the working directory and the pipeline's working folder
 * under `~/.dlt/pipelines/`; each run replaces the data of the previous one.
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
}, { name: "webhook_events", writeDisposition: "replace" });

const p = pipeline({
  pipelineName: "github_webhooks",
  destination: "duckdb",
  datasetName: "webhooks",
});

const info = await p.run(webhookEvents);
console.log(info.toString());

const counts = await p.dataset().rowCounts();
const names = Object.keys(counts);
console.log(
  `\nTables in dataset "${p.datasetName}" (${names.length}: the payloads and their lists):`,
);
const width = Math.max(...names.map((n) => n.length));
for (const name of names) {
  console.log(`  ${name.padEnd(width)} ${String(counts[name]).padStart(5)}`);
}

console.log("\nPayloads per event type (top 10):");
console.table(
  await p.dataset().query(`
    SELECT event, count(*) AS payloads, count(DISTINCT action) AS actions
    FROM webhooks.webhook_events GROUP BY event ORDER BY payloads DESC, event LIMIT 10`),
);

console.log("Workflow jobs and their steps (a parent table joined to its child table):");
console.table(
  await p.dataset().query(`
    SELECT e.action, e.workflow_job__name AS job, count(s._dlt_id) AS steps,
           (array_agg(s.name ORDER BY s._dlt_list_idx))[1] AS first_step,
           (array_agg(s.name ORDER BY s._dlt_list_idx DESC))[1] AS last_step
    FROM webhooks.webhook_events AS e
    JOIN webhooks.webhook_events__workflow_job__steps AS s ON s._dlt_parent_id = e._dlt_id
    GROUP BY e._dlt_id, e.action, e.workflow_job__name ORDER BY steps DESC, e.action`),
);
