import assert from "node:assert/strict";
import type { LoadJob } from "../../lib/destination.ts";
import type { TableSchema } from "../../lib/schema/schema.ts";
import { copyPlan } from "./_copy.ts";

Deno.test("binary and naive timestamp columns go through a temporary table", () => {
  const table: TableSchema = {
    name: "t",
    columns: {
      id: { name: "id", dataType: "bigint" },
      blob: { name: "blob", dataType: "binary" },
      at: { name: "at", dataType: "timestamp", timezone: false, precision: 3 },
      tz: { name: "tz", dataType: "timestamp" },
    },
  };
  const job: LoadJob = {
    path: "/x/t.csv",
    table: "t",
    format: "csv",
    columns: ["id", "blob", "at", "tz"],
    rows: 1,
    longestLine: 0,
  };
  assert.deepEqual(copyPlan(job, table, '"ds"."t"'), {
    before: [
      'DROP TABLE IF EXISTS pg_temp."_dlt_copy"',
      'CREATE TEMPORARY TABLE "_dlt_copy" ("id" bigint, "blob" text, "at" text, "tz" timestamp with time zone)',
    ],
    copy:
      'COPY pg_temp."_dlt_copy" ("id", "blob", "at", "tz") FROM STDIN (FORMAT csv, HEADER true)',
    after: [
      `INSERT INTO "ds"."t" ("id", "blob", "at", "tz") SELECT "id", decode("blob", 'base64'), ("at"::timestamp with time zone AT TIME ZONE 'UTC'), "tz" FROM pg_temp."_dlt_copy"`,
      'DROP TABLE pg_temp."_dlt_copy"',
    ],
  });
});
