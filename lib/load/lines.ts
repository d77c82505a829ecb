/**
 * Streaming line reader for job files.
 *
 * @module
 */
import type { WorkingStorage } from "../storage/storage.ts";

const CHUNK_SIZE = 4 * 1024 * 1024;

/** Yields the non-empty lines of text file `path` of `storage`, reading it in 4 MiB chunks. */
export async function* readLines(storage: WorkingStorage, path: string): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of storage.readChunks(path, { chunkBytes: CHUNK_SIZE })) {
    const text = rest + decoder.decode(chunk, { stream: true });
    const lines = text.split("\n");
    rest = lines.pop()!;
    for (const line of lines) if (line !== "") yield line;
  }
  rest += decoder.decode();
  if (rest !== "") yield rest;
}
