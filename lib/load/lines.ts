/**
 * Streaming line reader for job files, and the ASCII form of JSON lines that it reads fastest.
 *
 * @module
 */
import { Buffer, isAscii } from "node:buffer";
import { StringDecoder } from "node:string_decoder";
import type { WorkingStorage } from "../storage/storage.ts";

/**
 * Bytes read and decoded at a time. Text of 64 KiB is a young-generation string: one of 4 MiB
 * went to V8's large-object space, fresh memory every time (normalize of the GitHub events took
 * 30% longer, with 100 MiB more peak memory).
 */
const CHUNK_SIZE = 64 * 1024;

/** Decodes chunks of ASCII only (its fast path), never across chunks. */
const ASCII = new TextDecoder();

/** UTF-16 units outside ASCII, which {@linkcode asciiJsonLine} escapes. */
const NON_ASCII = /[\u0080-\uffff]/g;
const HAS_NON_ASCII = /[\u0080-\uffff]/;

function escapeUnit(c: string): string {
  return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
}

/**
 * `json` (text of `JSON.stringify`) with every character outside ASCII written as a `\uXXXX`
 * escape: the same value for `JSON.parse`, and a line {@linkcode readLines} decodes without
 * UTF-8 decoding (which took most of the time of reading the GitHub events back).
 *
 * @example
 * ```ts
 * import { asciiJsonLine } from "./lines.ts";
 * if (asciiJsonLine(JSON.stringify({ a: "é" })) !== '{"a":"\\u00e9"}') throw new Error();
 * ```
 */
export function asciiJsonLine(json: string): string {
  return HAS_NON_ASCII.test(json) ? json.replace(NON_ASCII, escapeUnit) : json;
}

/**
 * Yields the non-empty lines of text file `path` of `storage` (UTF-8, a leading byte order mark
 * dropped, invalid bytes as U+FFFD), reading it in 64 KiB chunks. A chunk of ASCII only (as
 * {@linkcode asciiJsonLine} writes) is taken as it is, without UTF-8 decoding.
 */
export async function* readLines(storage: WorkingStorage, path: string): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  let first = true;
  /** Whether the decoder may hold the start of a character cut at the last chunk's end. */
  let cut = false;
  for await (const chunk of storage.readChunks(path, { chunkBytes: CHUNK_SIZE })) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    // the decoder copies a character cut at the chunk's end: the reused buffer may change
    const decoded = !cut && isAscii(bytes) ? ASCII.decode(bytes) : decoder.write(bytes);
    cut = chunk.length > 0 && chunk[chunk.length - 1] >= 0x80;
    let text = rest + decoded;
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
