/**
 * Extract's memory stays bounded by what it holds, not by what it has written: the garbage of
 * the items it writes is collected as it goes (`withTurns` of `lib/extract/_scheduler.ts`).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pipeline, resource } from "../mod.ts";
import { dummy } from "../destinations/dummy/mod.ts";
import { tempDir } from "./_helpers.ts";

Deno.test("extracting 300 MB of items grows the heap by far less than that", async () => {
  const dir = await tempDir("extract_memory");
  const p = pipeline({
    pipelineName: "extract_memory",
    destination: dummy(),
    pipelinesDir: join(dir, "pipelines"),
  });
  const start = Deno.memoryUsage().heapTotal;
  let largest = 0;
  // about 5 KB of JSON each, in objects of many small strings, as API responses are
  const events = resource(function* () {
    for (let id = 0; id < 60_000; id++) {
      if (id % 100 === 0) largest = Math.max(largest, Deno.memoryUsage().heapTotal);
      yield {
        id,
        actor: { login: `user${id % 977}`, url: `https://api.example.com/users/${id % 977}` },
        commits: Array.from({ length: 20 }, (_, i) => ({
          sha: `${id}-${i}`.padStart(40, "0"),
          message: `Fix issue ${id * 20 + i} in module ${i}`,
          url: `https://api.example.com/repos/o/r/commits/${id}-${i}`,
          author: { name: `Author ${i}`, email: `a${i}@example.com` },
        })),
      };
    }
  }, { name: "events" });
  const info = await p.extract(events);
  assert.equal(info.itemCounts.events, 60_000);
  // without the collections, V8 let it grow by 81-87 MiB
  assert.ok(largest - start < 56 << 20, `the heap grew by ${(largest - start) >> 20} MiB`);
});
