/**
 * The page of `dlt pipeline <name> show` in a real browser (headless Chromium): a DuckDB
 * pipeline with a nested table is served by `servePipelinePage`, and the rendered page is read
 * as a user sees it — the table tree with row counts and the nested table under its parent,
 * a table's columns and its rows page by page, the loads, the state and the last run. The test
 * saves a screenshot: with `UPDATE_SCREENSHOTS=1` to `docs/pipeline_show.png`, else to a
 * temporary folder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { resource } from "../mod.ts";
import { servePipelinePage } from "../lib/cli/show/serve.ts";
import { writeTrace } from "../lib/trace.ts";
import { DenoStorage } from "../lib/storage/deno_storage.ts";
import { browserTest, launchBrowser, type Page } from "./_browser.ts";
import { tempDir, tempPipeline } from "./_helpers.ts";

const XSS = `<img src=x onerror="window.__xss = 1"><script>window.__xss = 2</script>`;

/** The text of the first element matching `selector`. */
function text(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (node) => node.textContent ?? "");
}

/** Waits until the section `id` has rendered (or shown its error). */
async function loaded(page: Page, id: string): Promise<void> {
  await page.waitForSelector(`section#${id}[data-loaded]`, { timeout: 20_000 });
  const error = await page.$eval(`section#${id}`, (node) => node.getAttribute("data-error"));
  assert.equal(error, null, `section "${id}" shows an error`);
}

/** The cells of the preview's rows, as text. */
function previewRows(page: Page): Promise<string[][]> {
  return page.$$eval(
    "#preview tbody tr",
    (rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent ?? "")),
  );
}

Deno.test({
  ...browserTest(
    "show: the pipeline page renders tables, a nested table, columns, paged rows, loads, state and trace",
  ),
  async fn() {
    // first, so that CI without a browser fails at once
    await using browser = await launchBrowser();
    const { p } = await tempPipeline("shop");
    const orders = resource(function* ({ state }) {
      for (let id = 0; id < 120; id++) {
        yield {
          id,
          customer: `c${id % 3}`,
          total: id + 0.5,
          items: [{ sku: `sku-${id}-a`, qty: 1 }, { sku: `sku-${id}-b`, qty: 2 }],
        };
      }
      state.lastOrderId = 119;
    }, { name: "orders", primaryKey: "id" });
    const customers = resource([
      { id: "c0", name: XSS, since: new Date("2020-01-02T03:04:05Z") },
      { id: "c1", name: "Ada", since: new Date("2021-06-07T08:09:10Z") },
      { id: "c2", name: null, since: null },
    ], { name: "customers", primaryKey: "id" });
    const info = await p.run([orders, customers]);
    const loadId = info.loadPackages[0].loadId;
    const started = new Date();
    await writeTrace(new DenoStorage(p.workingDir), {
      formatVersion: 1,
      transactionId: "run-1",
      pipelineName: "shop",
      startedAt: started.toISOString(),
      finishedAt: new Date(started.getTime() + 1500).toISOString(),
      steps: [{
        step: "load",
        startedAt: started.toISOString(),
        finishedAt: new Date(started.getTime() + 1500).toISOString(),
        durationMs: 1500,
        loadIds: [loadId],
        rowCounts: { orders: 120, orders__items: 240, customers: 3 },
      }],
      resolvedConfig: [{ key: "normalize.workers", provider: "NORMALIZE__WORKERS", value: 2 }],
    });

    const server = servePipelinePage(p, { port: 0 });
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1360, height: 900 });
      const failed: string[] = [];
      page.on("pageerror", (error) => failed.push(String(error)));
      page.on("requestfailed", (request) => failed.push(`request failed: ${request.url()}`));
      await page.goto(server.url, { waitUntil: "load" });
      for (const id of ["overview", "tables", "loads", "state", "trace"]) await loaded(page, id);

      // overview
      assert.equal(await text(page, "#pipeline-name"), "shop");
      const overview = await text(page, "#overview-list");
      assert.match(overview, /Datasetshop_data/);
      assert.match(overview, /Destinationduckdb/);
      assert.ok(overview.includes(p.workingDir), overview);

      // the tree: roots with their counts, the nested table under its parent
      const tree = await page.$$eval(
        "#table-tree li[data-table]",
        (items) =>
          items.map((li) => ({
            name: li.getAttribute("data-table"),
            count: li.getAttribute("data-row-count"),
            shown: li.querySelector(":scope > button .count")?.textContent,
            parent: li.parentElement?.closest("li[data-table]")?.getAttribute("data-table") ??
              null,
          })),
      );
      assert.deepEqual(
        tree.sort((a, b) => a.name!.localeCompare(b.name!)),
        [
          { name: "customers", count: "3", shown: "3 rows", parent: null },
          { name: "orders", count: "120", shown: "120 rows", parent: null },
          { name: "orders__items", count: "240", shown: "240 rows", parent: "orders" },
        ],
      );

      // a table: its columns with types and hints, and its first page of rows
      await page.click('li[data-table="orders"] > button');
      await page.waitForSelector('section#table[data-table="orders"][data-loaded]');
      const columns = await page.$$eval(
        "#columns tbody tr",
        (rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent)),
      );
      const id = columns.find((c) => c[0] === "id")!;
      assert.deepEqual(id.slice(0, 5), ["id", "bigint", "", "✓", ""]); // not nullable, primary key
      assert.deepEqual(columns.find((c) => c[0] === "total")!.slice(0, 3), [
        "total",
        "double",
        "✓",
      ]);
      assert.ok(columns.some((c) => c[0] === "_dlt_id"));
      assert.equal(await text(page, "#page-info"), "Rows 1–50 of 120");
      const header = await page.$$eval(
        "#preview thead th",
        (cells) => cells.map((c) => c.textContent),
      );
      const idColumn = header.indexOf("id");
      assert.ok(idColumn >= 0 && header.includes("customer"), String(header));
      let rows = await previewRows(page);
      assert.equal(rows.length, 50);
      assert.deepEqual(rows.map((r) => Number(r[idColumn])), [...Array(50).keys()]);
      assert.equal(await page.$eval("#prev", (b) => b.hasAttribute("disabled")), true);

      // paging
      await page.click("#next");
      await page.waitForSelector('#preview[data-offset="50"]');
      await page.waitForSelector("section#table[data-loaded]");
      rows = await previewRows(page);
      assert.deepEqual(
        rows.map((r) => Number(r[idColumn])),
        [...Array(50).keys()].map((i) => i + 50),
      );
      await page.click("#next");
      await page.waitForSelector('#preview[data-offset="100"]');
      await page.waitForSelector("section#table[data-loaded]");
      rows = await previewRows(page);
      assert.equal(rows.length, 20);
      assert.equal(Number(rows[19][idColumn]), 119);
      assert.equal(await text(page, "#page-info"), "Rows 101–120 of 120");
      assert.equal(await page.$eval("#next", (b) => b.hasAttribute("disabled")), true);
      await page.click("#prev");
      await page.waitForSelector('#preview[data-offset="50"]');
      await page.waitForSelector("section#table[data-loaded]");
      assert.equal(await text(page, "#page-info"), "Rows 51–100 of 120");

      // the nested table
      await page.click('li[data-table="orders__items"] > button');
      await page.waitForSelector('section#table[data-table="orders__items"][data-loaded]');
      assert.match(await text(page, "#table-facts"), /nested in orders/);
      assert.equal(await text(page, "#page-info"), "Rows 1–50 of 240");
      const itemHeader = await page.$$eval("#preview thead th", (c) => c.map((x) => x.textContent));
      for (const name of ["sku", "qty", "_dlt_parent_id", "_dlt_list_idx"]) {
        assert.ok(itemHeader.includes(name), `${name} in ${itemHeader}`);
      }

      // user data is text, never markup; dates and NULLs are shown as such
      await page.click('li[data-table="customers"] > button');
      await page.waitForSelector('section#table[data-table="customers"][data-loaded]');
      const customerHeader = await page.$$eval(
        "#preview thead th",
        (c) => c.map((x) => x.textContent),
      );
      const byId = new Map(
        (await previewRows(page)).map((r) => [r[customerHeader.indexOf("id")], r]),
      );
      assert.equal(byId.get("c0")![customerHeader.indexOf("name")], XSS);
      assert.equal(byId.get("c0")![customerHeader.indexOf("since")], "2020-01-02T03:04:05.000Z");
      assert.equal(byId.get("c2")![customerHeader.indexOf("name")], "NULL");
      assert.equal(await page.$$eval("#preview img, #preview script", (n) => n.length), 0);
      assert.equal(await page.evaluate(() => (globalThis as { __xss?: number }).__xss), undefined);

      // loads, state, last run
      const loads = await page.$$eval(
        "#loads-table tbody tr[data-load-id]",
        (rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent)),
      );
      assert.equal(loads.length, 1);
      assert.equal(loads[0][0], loadId);
      assert.equal(loads[0][1], "shop");
      assert.equal(loads[0][2], "loaded");
      assert.match(loads[0][3]!, /^\d{4}-\d\d-\d\dT/);
      const state = JSON.parse(await text(page, "#state-json"));
      assert.equal(state.pipelineName, "shop");
      assert.equal(state.sources.shop.resources.orders.lastOrderId, 119);
      assert.equal(await text(page, "#trace-body tr[data-step=load] td:nth-child(3)"), "1.50 s");
      assert.match(await text(page, "#trace-body"), new RegExp(loadId.replace(".", "\\.")));
      assert.deepEqual(
        await page.$$eval(
          '#trace-body tr[data-config="normalize.workers"] td',
          (c) => c.map((x) => x.textContent),
        ),
        ["normalize.workers", "2", "NORMALIZE__WORKERS"],
      );

      assert.deepEqual(failed, []);

      // the picture of the page, on the first table's first page
      await page.click('li[data-table="orders"] > button');
      await page.waitForSelector('section#table[data-table="orders"][data-loaded]');
      await page.evaluate("window.scrollTo(0, 0)");
      const path = Deno.env.get("UPDATE_SCREENSHOTS") === "1"
        ? new URL("../docs/pipeline_show.png", import.meta.url).pathname
        : join(await tempDir("screenshot"), "pipeline_show.png");
      await Deno.mkdir(join(path, ".."), { recursive: true });
      await page.screenshot({ path: path as `${string}.png` });
      assert.ok((await Deno.stat(path)).size > 10_000);
    } finally {
      await server.shutdown();
    }
  },
});
