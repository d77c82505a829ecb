import assert from "node:assert/strict";
import { readCsvChunks } from "./csv_reader.ts";
import { csvRecords } from "./csv_records.ts";
import { maybeGunzip } from "./decompress.ts";
import { countJsonlValues, readJsonlChunks } from "./jsonl_reader.ts";
import { PIECE_BYTES, pieces } from "./_pieces.ts";

/** A stream of `chunks` chunks of `text`, and whether it was cancelled. */
function tracked(text: string, chunks = 3) {
  const state = { cancelled: false };
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < chunks) controller.enqueue(new TextEncoder().encode(text));
      else controller.close();
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

Deno.test("pieces cuts large chunks and cancels the stream when its reader stops early", async () => {
  const big = new Uint8Array(PIECE_BYTES * 2 + 1);
  const sizes = (await Array.fromAsync(pieces(new Blob([big]).stream()))).map((p) => p.length);
  assert.equal(sizes.reduce((a, b) => a + b), big.length);
  assert.ok(sizes.every((size) => size <= PIECE_BYTES));
  const { stream, state } = tracked("x");
  for await (const _ of pieces(stream)) break;
  assert.ok(state.cancelled);
});

Deno.test("the readers cancel the stream (closing the file) when stopped early or failing", async () => {
  const stopEarly = async (
    text: string,
    read: (s: ReadableStream<Uint8Array>) => AsyncIterable<unknown>,
  ) => {
    const { stream, state } = tracked(text);
    for await (const _ of read(stream)) break;
    return state.cancelled;
  };
  const csv = "a,b\n1,2\n";
  assert.ok(await stopEarly(csv, (s) => csvRecords(s, "t.csv")));
  assert.ok(await stopEarly(csv, (s) => readCsvChunks(s, "t.csv", { chunkSize: 1 })));
  assert.ok(await stopEarly('{"a":1}\n', (s) => readJsonlChunks(s, "t.jsonl", { chunkSize: 1 })));
  assert.ok(
    await stopEarly(csv, async function* (s) {
      yield* csvRecords(await maybeGunzip(s, "t.csv"), "t.csv");
    }),
  );
  const failing = tracked("{\n");
  await assert.rejects(() => Array.fromAsync(readJsonlChunks(failing.stream, "t.jsonl")));
  assert.ok(failing.state.cancelled);
  const counted = tracked("{\n");
  assert.equal(await countJsonlValues(counted.stream, "t.jsonl"), 3);
  assert.ok(!counted.state.cancelled, "a stream read to its end is not cancelled");
});
