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
 * Cuts text that arrives in pieces into lines, at each LF: a line spanning pieces is kept in
 * pieces until it ends and joined once, so that one of many megabytes costs time in proportion to
 * its size (joined with each piece read, it cost its size times the pieces).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PieceLines } from "./_pieces.ts";
 * const lines = new PieceLines();
 * assert.deepEqual(lines.push("a\nb"), ["a"]);
 * assert.deepEqual(lines.push("c"), []);
 * assert.deepEqual(lines.push("\nd"), ["bc"]);
 * assert.equal(lines.end(), "d");
 * ```
 */
export class PieceLines {
  /** The line not ended yet, in pieces. */
  #open: string[] = [];

  /** The lines `piece` ends, without their LF: the first of them begun in earlier pieces. */
  push(piece: string): string[] {
    const lines = piece.split("\n");
    if (lines.length === 1) {
      if (piece !== "") this.#open.push(piece);
      return [];
    }
    if (this.#open.length > 0) lines[0] = this.#open.join("") + lines[0];
    const rest = lines.pop()!;
    this.#open = rest === "" ? [] : [rest];
    return lines;
  }

  /** The last line, which no LF ended (`""` when there is none). */
  end(): string {
    const last = this.#open.join("");
    this.#open = [];
    return last;
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
