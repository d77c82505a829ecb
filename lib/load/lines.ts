/**
 * Streaming line reader for job files, and the ASCII form of JSON lines that it reads fastest.
 *
 * @module
 */
import { Buffer, isAscii } from "node:buffer";
import { StringDecoder } from "node:string_decoder";
import type { WorkingStorage } from "../storage/storage.ts";
import { PieceLines } from "../formats/_pieces.ts";

/**
 * Bytes read and decoded at a time. Text of 64 KiB is a young-generation string: one of 4 MiB
 * went to V8's large-object space, fresh memory every time (normalize of the GitHub events took
 * 30% longer, with 100 MiB more peak memory).
 */
const CHUNK_SIZE = 64 * 1024;

/** Decodes chunks of ASCII only (its fast path), never across chunks. */
const ASCII = new TextDecoder();

/** A run of UTF-16 units outside ASCII, which {@linkcode asciiJsonLine} escapes. */
const NON_ASCII = /[\u0080-\uffff]+/g;
const HAS_NON_ASCII = /[\u0080-\uffff]/;

/** The `\uXXXX` escapes of the UTF-16 units met so far, by unit. */
const ESCAPES: string[] = [];

function escapeRun(run: string): string {
  let escaped = "";
  for (let i = 0; i < run.length; i++) {
    const unit = run.charCodeAt(i);
    escaped += ESCAPES[unit] ??= "\\u" + unit.toString(16).padStart(4, "0");
  }
  return escaped;
}

/**
 * `json` (text of `JSON.stringify`) with every character outside ASCII written as a `\uXXXX`
 * escape: the same value for `JSON.parse`, and a line {@linkcode readLines} decodes without
 * UTF-8 decoding (which took most of the time of reading the GitHub events back). Escaping a run
 * of such characters at a time, from a table, takes half the time of one call per character on
 * French and Japanese text, a quarter on a long value; `replace` returns a flat string, which a
 * line built by concatenation would not be (the writer then flattened each, at a cost in
 * garbage collection that undid the gain).
 *
 * @example
 * ```ts
 * import { asciiJsonLine } from "./lines.ts";
 * if (asciiJsonLine(JSON.stringify({ a: "é" })) !== '{"a":"\\u00e9"}') throw new Error();
 * ```
 */
export function asciiJsonLine(json: string): string {
  return HAS_NON_ASCII.test(json) ? json.replace(NON_ASCII, escapeRun) : json;
}

/**
 * Yields the non-empty lines of text file `path` of `storage` (UTF-8, a leading byte order mark
 * dropped, invalid bytes as U+FFFD), reading it in 64 KiB chunks. A chunk of ASCII only (as
 * {@linkcode asciiJsonLine} writes) is taken as it is, without UTF-8 decoding. A line longer than
 * a chunk is joined once, when it ends ({@linkcode PieceLines}).
 */
export async function* readLines(storage: WorkingStorage, path: string): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  const lines = new PieceLines();
  let first = true;
  /** Whether the decoder may hold the start of a character cut at the last chunk's end. */
  let cut = false;
  const text = (decoded: string): string => {
    if (first && decoded.length > 0) {
      first = false;
      if (decoded.charCodeAt(0) === 0xfeff) return decoded.slice(1);
    }
    return decoded;
  };
  for await (const chunk of storage.readChunks(path, { chunkBytes: CHUNK_SIZE })) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    // the decoder copies a character cut at the chunk's end: the reused buffer may change
    const decoded = text(!cut && isAscii(bytes) ? ASCII.decode(bytes) : decoder.write(bytes));
    cut = chunk.length > 0 && chunk[chunk.length - 1] >= 0x80;
    for (const line of lines.push(decoded)) if (line !== "") yield line;
  }
  const last = lines.end() + text(decoder.end());
  if (last !== "") yield last;
}
