/**
 * The same data gives the same tables and columns as Python dlt: the recorded GitHub issues
 * against the schema dlt itself inferred for them (`../shared/fixtures/dlt-cases/issues.schema.json`).
 */
import assert from "node:assert/strict";
import { resource } from "../mod.ts";
import { hasSharedFixture, readSharedFixture, tempPipeline } from "./_helpers.ts";

const DATA = "dlt-cases/github.issues.load_page_5_duck.json";
const DLT_SCHEMA = "dlt-cases/issues.schema.json";
const ignore = !hasSharedFixture(DATA) || !hasSharedFixture(DLT_SCHEMA);

interface DltColumn {
  data_type: string;
  nullable?: boolean;
  unique?: boolean;
  primary_key?: boolean;
}
interface DltSchema {
  tables: Record<string, { parent?: string; columns: Record<string, DltColumn> }>;
}

Deno.test({
  name: "GitHub issues give dlt's tables, columns (in dlt's order), types and hints",
  ignore,
  async fn() {
    const issues = await readSharedFixture<unknown[]>(DATA);
    const dlt = await readSharedFixture<DltSchema>(DLT_SCHEMA);
    const { p } = await tempPipeline("dlt_parity");
    await p.run(resource(issues, { name: "issues" }));
    const ours = [...p.schemas.values()][0];

    const dataTables = (names: string[]) => names.filter((n) => !n.startsWith("_dlt_")).sort();
    assert.deepEqual(dataTables(Object.keys(ours.tables)), dataTables(Object.keys(dlt.tables)));
    for (const name of dataTables(Object.keys(dlt.tables))) {
      const theirs = dlt.tables[name];
      const table = ours.tables[name];
      assert.equal(table.parent, theirs.parent, `parent of ${name}`);
      // "+1" and "-1" reactions: dlt's snake_case today turns "+" into "x" (so `reactions__x1`
      // and `reactions___1`, as dlt's own tests on this file assert); the recorded schema comes
      // from a dlt version that turned both into "_", so it lacks `reactions__x1`.
      const columns = Object.keys(table.columns).filter((c) => c !== "reactions__x1");
      assert.deepEqual(columns, Object.keys(theirs.columns), `columns of ${name}`);
      for (const [column, hints] of Object.entries(theirs.columns)) {
        const mine = table.columns[column];
        const where = `${name}.${column}`;
        assert.equal(mine.dataType, hints.data_type, `type of ${where}`);
        assert.equal(mine.nullable ?? true, hints.nullable ?? true, `nullable of ${where}`);
        assert.equal(mine.unique ?? false, hints.unique ?? false, `unique of ${where}`);
        assert.equal(
          mine.primaryKey ?? false,
          hints.primary_key ?? false,
          `primary key of ${where}`,
        );
      }
    }
    assert.equal(ours.tables.issues.columns.reactions__x1.dataType, "bigint");
    assert.equal(ours.tables.issues.columns.reactions___1.dataType, "bigint");
  },
});
