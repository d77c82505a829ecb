/**
 * Writing whole buffers and texts to files.
 *
 * @module
 */
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

/**
 * Writes texts as UTF-8 through one reused buffer: no allocation per write, unlike
 * `TextEncoder.encode`, which made encoding the largest cost of writing job files.
 */
export class TextWriter {
  #encoder = new TextEncoder();
  #scratch = new Uint8Array(SCRATCH_BYTES);

  /** Writes `text` to `file`; returns the bytes written. */
  async write(file: Pick<WritableFile, "write">, text: string): Promise<number> {
    let written = 0;
    let rest = text;
    while (rest.length > 0) {
      const { read, written: bytes } = this.#encoder.encodeInto(rest, this.#scratch);
      written += await writeAll(file, this.#scratch.subarray(0, bytes));
      rest = rest.slice(read);
    }
    return written;
  }
}
