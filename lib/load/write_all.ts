/**
 * Writing whole buffers and texts to files.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { WritableFile } from "../storage/storage.ts";

/** Writes every byte of `bytes` to `file` (a single `write` may take only part of them). */
export async function writeAll(
  file: Pick<WritableFile, "write">,
  bytes: Uint8Array,
): Promise<number> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
  return written;
}

/** Bytes of the buffer a {@linkcode TextWriter} encodes into. */
const SCRATCH_BYTES = 4 << 20;
/** UTF-16 units encoded at a time: each takes at most 3 bytes of UTF-8. */
const SLICE_UNITS = Math.floor(SCRATCH_BYTES / 3);

/**
 * Writes texts as UTF-8 through one reused buffer: no allocation per write, unlike
 * `TextEncoder.encode`, which made encoding the largest cost of writing job files. Encodes with
 * `Buffer.write` (lone surrogates become U+FFFD, as with `TextEncoder`), which took a third of
 * `TextEncoder.encodeInto`'s time on the GitHub events.
 */
export class TextWriter {
  #scratch = Buffer.alloc(SCRATCH_BYTES);

  /** Writes `text` to `file`; returns the bytes written. */
  async write(file: Pick<WritableFile, "write">, text: string): Promise<number> {
    let written = 0;
    for (let start = 0; start < text.length;) {
      let end = Math.min(text.length, start + SLICE_UNITS);
      // a surrogate pair stays whole
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
      const part = start === 0 && end === text.length ? text : text.slice(start, end);
      const bytes = this.#scratch.write(part, 0, "utf8");
      written += await writeAll(file, this.#scratch.subarray(0, bytes));
      start = end;
    }
    return written;
  }
}
