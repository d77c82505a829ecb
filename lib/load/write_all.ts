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

/** Largest buffer a {@linkcode TextWriter} encodes into. */
const SCRATCH_BYTES = 4 << 20;
/** Its first size: a small run writes kilobytes, and a zeroed 4 MiB buffer costs a millisecond. */
const FIRST_SCRATCH_BYTES = 64 << 10;

/**
 * Writes texts as UTF-8 through one reused buffer: no allocation per write, unlike
 * `TextEncoder.encode`, which made encoding the largest cost of writing job files. The buffer
 * starts at 64 KiB and doubles, up to 4 MiB, as longer texts come.
 */
export class TextWriter {
  #encoder = new TextEncoder();
  #scratch = new Uint8Array(0);

  /** The buffer, grown to hold `bytes` (at most 4 MiB of them). */
  #room(bytes: number): Uint8Array {
    const wanted = Math.min(bytes, SCRATCH_BYTES);
    if (this.#scratch.length < wanted) {
      let size = Math.max(this.#scratch.length, FIRST_SCRATCH_BYTES);
      while (size < wanted) size *= 2;
      this.#scratch = new Uint8Array(Math.min(size, SCRATCH_BYTES));
    }
    return this.#scratch;
  }

  /** Writes `text` to `file`; returns the bytes written. */
  async write(file: Pick<WritableFile, "write">, text: string): Promise<number> {
    // UTF-8 takes at most three bytes per UTF-16 unit
    const scratch = this.#room(text.length * 3);
    let written = 0;
    let rest = text;
    while (rest.length > 0) {
      const { read, written: bytes } = this.#encoder.encodeInto(rest, scratch);
      written += await writeAll(file, scratch.subarray(0, bytes));
      rest = rest.slice(read);
    }
    return written;
  }

  /**
   * Writes the bytes of `parts` one after another to `file`, gathered in the buffer so that
   * small pieces (a socket's reads) make few writes; returns the bytes written.
   */
  async writeParts(
    file: Pick<WritableFile, "write">,
    parts: readonly Uint8Array[],
  ): Promise<number> {
    let total = 0;
    for (const part of parts) total += part.length;
    const scratch = this.#room(total);
    let filled = 0;
    let written = 0;
    for (const part of parts) {
      if (filled + part.length > scratch.length) {
        written += await writeAll(file, scratch.subarray(0, filled));
        filled = 0;
      }
      if (part.length > scratch.length) {
        written += await writeAll(file, part);
        continue;
      }
      scratch.set(part, filled);
      filled += part.length;
    }
    if (filled > 0) written += await writeAll(file, scratch.subarray(0, filled));
    return written;
  }

  /**
   * Writes each of `lines` followed by `end` to `file`; returns the bytes written. Each line is
   * encoded on its own, straight into the buffer: joined, the lines would be copied once more,
   * and one line outside Latin-1 would make V8 hold the whole text in two bytes per character,
   * which `encodeInto` takes twenty times longer to encode. With `toAscii`, a line that is not
   * ASCII only is written as `toAscii(line)`, which must be.
   */
  async writeLines(
    file: Pick<WritableFile, "write">,
    lines: readonly string[],
    end: string,
    toAscii?: (line: string) => string,
  ): Promise<number> {
    let length = 0;
    for (const line of lines) length += line.length + end.length;
    const scratch = this.#room(length * 3);
    const encoder = this.#encoder;
    let written = 0;
    let at = 0;
    const flush = async () => {
      written += await writeAll(file, scratch.subarray(0, at));
      at = 0;
    };
    const put = async (text: string) => {
      // UTF-8 takes at most three bytes per UTF-16 unit
      if (text.length * 3 > scratch.length - at) {
        await flush();
        if (text.length * 3 > scratch.length) {
          written += await this.write(file, text);
          return;
        }
      }
      at += encoder.encodeInto(text, scratch.subarray(at)).written;
    };
    /** Writes `text` when it is ASCII only (its bytes as many as its units), else `toAscii(text)`. */
    const putAscii = async (text: string, toAscii: (line: string) => string) => {
      if (text.length * 3 > scratch.length - at) await flush();
      if (text.length * 3 <= scratch.length) {
        const bytes = encoder.encodeInto(text, scratch.subarray(at)).written;
        if (bytes === text.length) {
          at += bytes;
          return;
        }
      }
      await put(toAscii(text));
    };
    for (const line of lines) {
      await (toAscii === undefined ? put(line) : putAscii(line, toAscii));
      await put(end);
    }
    await flush();
    return written;
  }
}
