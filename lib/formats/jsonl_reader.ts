/**
 * JSON lines (UTF-8, one JSON value a line) read as dlt's `read_jsonl` reads them, streaming, in
 * chunks. Empty (or blank) lines are skipped; integers beyond 2^53 come back as `bigint`.
 *
 * @module
 */
import { parseJson } from "../json.ts";
import { checkOptions, integer, type OptionSpec } from "../options.ts";
import { FileFormatError, reasonOf } from "./format_error.ts";
import { pieces } from "./_pieces.ts";

/** Options of {@linkcode readJsonlChunks}. */
export interface JsonlReadOptions {
  /**
   * Values (lines) per chunk.
   * @default {1000}
   */
  chunkSize?: number;
}

const JSONL_SPEC: OptionSpec<JsonlReadOptions> = { chunkSize: integer({ min: 1 }) };

/**
 * `options` checked: an unknown option or a bad value is a `TypeError`/`RangeError` naming it
 * and `where`.
 */
export function checkJsonlOptions(options: unknown, where: string): JsonlReadOptions {
  return checkOptions(options, JSONL_SPEC, where, {
    snakeCase: "refuse",
    unsupported: { chunksize: 'write "chunkSize"' },
  });
}

/**
 * Reads the JSON lines of `stream` and yields their values in chunks of `chunkSize`. A line that
 * is not JSON, or bytes that are not UTF-8, are a {@linkcode FileFormatError} naming `fileName`
 * and the line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readJsonlChunks } from "./jsonl_reader.ts";
 * const lines = new Blob(['{"id": 1}\n\n{"id": 2, "tags": ["a"]}\n']).stream();
 * const chunks = await Array.fromAsync(readJsonlChunks(lines, "items.jsonl"));
 * assert.deepEqual(chunks, [[{ id: 1 }, { id: 2, tags: ["a"] }]]);
 * ```
 */
export async function* readJsonlChunks(
  stream: ReadableStream<Uint8Array>,
  fileName: string,
  options: JsonlReadOptions = {},
): AsyncGenerator<unknown[]> {
  const chunkSize = checkJsonlOptions(options, "readJsonlChunks()").chunkSize ?? 1000;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let pending = "";
  let line = 1;
  let values: unknown[] = [];
  const read = pieces(stream);
  for (;;) {
    const { done, value } = await read.next();
    let text: string;
    try {
      text = pending + (done ? decoder.decode() : decoder.decode(value, { stream: true }));
    } catch (error) {
      throw new FileFormatError(
        fileName,
        `it is not valid UTF-8 at or after this line (${reasonOf(error)})`,
        { line, cause: error },
      );
    }
    let start = 0;
    for (;;) {
      let end = text.indexOf("\n", start);
      if (end === -1) {
        if (!done || start >= text.length) break;
        end = text.length;
      }
      const source = text.slice(start, end);
      start = end + 1;
      if (source.trim() !== "") {
        try {
          values.push(parseJson(source));
        } catch (error) {
          throw new FileFormatError(fileName, `it is not JSON (${reasonOf(error)})`, {
            line,
            cause: error,
          });
        }
        if (values.length >= chunkSize) {
          yield values;
          values = [];
        }
      }
      line++;
    }
    pending = start < text.length ? text.slice(start) : "";
    if (done) break;
  }
  if (values.length > 0) yield values;
}
