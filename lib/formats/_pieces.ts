/**
 * The bytes of a stream in pieces of at most {@linkcode PIECE_BYTES}, and their text: the text
 * readers (CSV records, JSON lines) decode and parse a piece at a time, so the strings they cut
 * rows from stay small (a cut string keeps the whole text it was cut from alive), whatever chunk
 * size the file system reads with.
 *
 * @module
 */
import { FileFormatError, reasonOf } from "./format_error.ts";

/** The largest piece. */
export const PIECE_BYTES = 64 * 1024;

/**
 * Yields the bytes of `stream` in pieces of at most {@linkcode PIECE_BYTES}. A reader that stops
 * early (a `break`, an error) cancels the stream, which closes the file it reads.
 */
export async function* pieces(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let ended = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        ended = true;
        return;
      }
      for (let at = 0; at < value.length; at += PIECE_BYTES) {
        yield value.subarray(at, at + PIECE_BYTES);
      }
    }
  } finally {
    // a stream that failed rejects the cancel with its error, which is on its way already
    if (!ended) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/**
 * Yields the text of `stream` (in `encoding`, a `TextDecoder` label; a byte order mark dropped)
 * a piece at a time, the last piece's text once the stream ends. Bytes that are not valid in
 * `encoding` are a {@linkcode FileFormatError} naming `fileName` and the line `line()` says the
 * reader is on.
 */
export async function* textPieces(
  stream: ReadableStream<Uint8Array>,
  fileName: string,
  encoding: string,
  line: () => number,
): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding, { fatal: true });
  const decode = (bytes?: Uint8Array) => {
    try {
      return bytes === undefined ? decoder.decode() : decoder.decode(bytes, { stream: true });
    } catch (error) {
      throw new FileFormatError(
        fileName,
        `it is not valid ${encoding} text at or after this line (${reasonOf(error)})`,
        { line: line(), cause: error },
      );
    }
  };
  for await (const piece of pieces(stream)) yield decode(piece);
  const rest = decode();
  if (rest !== "") yield rest;
}
