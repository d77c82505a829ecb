/**
 * Reading table files that may be gzip-compressed, told by their content (the gzip magic bytes),
 * not their name: dlt wrote compressed files without `.gz` before its storage version 2, and so
 * does this destination into a bucket of that version.
 *
 * @module
 */

/** The first two bytes of every gzip stream. */
const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * `bytes` decompressed when it is a gzip stream (several concatenated members too), else as it
 * is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maybeGunzip } from "./_gunzip.ts";
 * const text = (s: ReadableStream<Uint8Array>) => new Response(s).text();
 * const plain = () => new Response("hello").body!;
 * assert.equal(await text(await maybeGunzip(plain())), "hello");
 * const gzipped = plain().pipeThrough(new CompressionStream("gzip"));
 * assert.equal(await text(await maybeGunzip(gzipped)), "hello");
 * ```
 */
export async function maybeGunzip(
  bytes: ReadableStream<Uint8Array>,
): Promise<ReadableStream<Uint8Array>> {
  const reader = bytes.getReader();
  // the first chunks, until two bytes are known
  const head: Uint8Array[] = [];
  let length = 0;
  while (length < GZIP_MAGIC.length) {
    const { done, value } = await reader.read();
    if (done) break;
    head.push(value);
    length += value.length;
  }
  const first = new Uint8Array(Math.min(length, GZIP_MAGIC.length));
  let at = 0;
  for (const chunk of head) {
    const part = chunk.subarray(0, first.length - at);
    first.set(part, at);
    at += part.length;
    if (at === first.length) break;
  }
  const rejoined = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of head) controller.enqueue(chunk);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const gzipped = first.length === GZIP_MAGIC.length && first[0] === GZIP_MAGIC[0] &&
    first[1] === GZIP_MAGIC[1];
  return gzipped
    ? (rejoined as ReadableStream<BufferSource>).pipeThrough(new DecompressionStream("gzip"))
    : rejoined;
}
