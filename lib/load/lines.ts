/**
 * Streaming line reader for job files.
 *
 * @module
 */

const CHUNK_SIZE = 4 * 1024 * 1024;

/** Yields the non-empty lines of the text file at `path`, reading it in 4 MiB chunks. */
export async function* readLines(path: string): AsyncGenerator<string> {
  using file = await Deno.open(path, { read: true });
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(CHUNK_SIZE);
  let rest = "";
  while (true) {
    const n = await file.read(buffer);
    if (n === null) break;
    const text = rest + decoder.decode(buffer.subarray(0, n), { stream: true });
    const lines = text.split("\n");
    rest = lines.pop()!;
    for (const line of lines) if (line !== "") yield line;
  }
  rest += decoder.decode();
  if (rest !== "") yield rest;
}
