/**
 * Byte streams for the readers' tests, cut into small chunks so that every record, quote,
 * line end and multi-byte character is split somewhere.
 *
 * @module
 */

/** `data` (text as UTF-8) as a byte stream in chunks of `piece` bytes. */
export function streamOf(data: string | Uint8Array, piece = 1 << 16): ReadableStream<Uint8Array> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + piece));
      at += piece;
    },
  });
}
