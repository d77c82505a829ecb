/**
 * Streaming line reader for job files.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { StringDecoder } from "node:string_decoder";
import type { WorkingStorage } from "../storage/storage.ts";

const CHUNK_SIZE = 4 * 1024 * 1024;

/**
 * Yields the non-empty lines of text file `path` of `storage` (UTF-8, a leading byte order mark
 * dropped, invalid bytes as U+FFFD), reading it in 4 MiB chunks. Decodes with `node:string_decoder`,
 * which took a tenth of `TextDecoder`'s time on the GitHub events (which are not all ASCII).
 */
export async function* readLines(storage: WorkingStorage, path: string): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  let first = true;
  for await (const chunk of storage.readChunks(path, { chunkBytes: CHUNK_SIZE })) {
    // the decoder keeps a character cut at the chunk's end, so the reused buffer may change
    let text = rest + decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const lines = text.split("\n");
    rest = lines.pop()!;
    for (const line of lines) if (line !== "") yield line;
  }
  rest += decoder.end();
  if (first && rest.charCodeAt(0) === 0xfeff) rest = rest.slice(1);
  if (rest !== "") yield rest;
}
