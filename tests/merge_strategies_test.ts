/**
 * What the conformance suite (`tests/conformance/write_disposition_test.ts`, every destination)
 * does not cover of dlt's merge strategies: scd2 partitions by merge key with renamed validity
 * columns.
 */
import assert from "node:assert/strict";
import { resource } from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";

Deno.test("scd2 with a merge key retires rows only in the partitions that arrive; names configurable", async () => {
  const { p } = await tempPipeline("scd2_key");
  const stock = (data: unknown[]) =>
    resource(data, {
      name: "stock",
      writeDisposition: "merge",
      mergeStrategy: "scd2",
      mergeKey: "store",
      validityColumnNames: ["valid_from", "valid_to"],
    });
  await p.run(stock([{ store: "a", sku: 1 }, { store: "b", sku: 2 }]));
  await p.run(stock([{ store: "a", sku: 3 }]));
  const rows = await p.dataset().query<{ store: string; sku: number; current: boolean }>(
    "SELECT store, sku, valid_to IS NULL AS current FROM stock ORDER BY sku",
  );
  assert.deepEqual(rows.map((r) => `${r.store}${r.sku}:${r.current}`), [
    "a1:false",
    "b2:true",
    "a3:true",
  ]);
});
