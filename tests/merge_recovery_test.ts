/**
 * An incremental merge killed after extract or after normalize: the next run finishes the
 * interrupted package first, and the destination ends up exactly as the source says.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { incremental, resource } from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";

const SCRIPT = fileURLToPath(new URL("./_scripts/killed_merge_run.ts", import.meta.url));

/** The issues of dataset `version`: 1 has issues 1-4; 2 edits issue 2 and adds issue 5. */
function dataset(version: number) {
  const issues = new Map<number, { id: number; title: string; updated_at: string }>();
  const at = (minute: number) => `2024-03-01T00:${String(minute).padStart(2, "0")}:00Z`;
  for (let id = 1; id <= 4; id++) issues.set(id, { id, title: `v1 ${id}`, updated_at: at(id) });
  if (version >= 2) {
    issues.set(2, { id: 2, title: "v2 2", updated_at: at(10) });
    issues.set(5, { id: 5, title: "v2 5", updated_at: at(11) });
  }
  return [...issues.values()];
}

/** The pipeline's resource: issues of `version` updated since the cursor, merged by id. */
export function trackerIssues(version: number) {
  return resource(function* (ctx) {
    const since = ctx.incremental?.startValue as string | undefined;
    yield dataset(version).filter((i) => since === undefined || i.updated_at >= since);
  }, {
    name: "issues",
    primaryKey: "id",
    writeDisposition: "merge",
    incremental: incremental("updated_at"),
  });
}

for (const stage of ["extract", "normalize"]) {
  Deno.test(`a merge killed after ${stage} is finished by the next run, which then merges on`, async () => {
    const name = `merge_killed_${stage}`;
    const { dir } = await tempPipeline(name);
    const { signal } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", SCRIPT, dir, name, stage, "1"],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(signal, "SIGKILL");

    const { p } = await tempPipeline(name, dir);
    const info = await p.run(trackerIssues(2));
    assert.equal(info.loadPackages.length, 2);
    const rows = await p.dataset().query<{ id: number; title: string }>(
      "SELECT id, title FROM issues ORDER BY id",
    );
    assert.deepEqual(rows, dataset(2).map(({ id, title }) => ({ id, title })));
    // and a run with nothing new changes nothing
    await p.run(trackerIssues(2));
    assert.deepEqual(
      await p.dataset().query("SELECT id, title FROM issues ORDER BY id"),
      rows,
    );
  });
}
