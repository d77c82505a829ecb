/**
 * The bytes of a stream in pieces of at most {@linkcode PIECE_BYTES}: text readers decode and
 * parse a piece at a time, so the strings they cut rows from stay small (a cut string keeps the
 * whole text it was cut from alive), whatever chunk size the file system reads with.
 *
 * @module
 */

/** The largest piece. */
export const PIECE_BYTES = 64 * 1024;

/** Yields the bytes of `stream` in pieces of at most {@linkcode PIECE_BYTES}; releases it at the end. */
export async function* pieces(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      for (let at = 0; at < value.length; at += PIECE_BYTES) {
        yield value.subarray(at, at + PIECE_BYTES);
      }
    }
  } finally {
    reader.releaseLock();
  }
}
