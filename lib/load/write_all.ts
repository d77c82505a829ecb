/**
 * Writing a whole buffer to a file.
 *
 * @module
 */

/** Writes every byte of `bytes` to `file` (a single `write` may take only part of them). */
export async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<number> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
  return written;
}
