/**
 * JSON lines (UTF-8, one JSON value a line, LF or CRLF line ends) read as dlt's `read_jsonl`
 * reads them, streaming, in chunks; or counted. Empty (or blank) lines are skipped; integers
 * beyond 2^53 come back as `bigint`. The filesystem source and the filesystem destination both
 * read JSON lines here.
 *
 * @module
 */
import { parseJson } from "../json.ts";
import { checkOptions, integer, type OptionSpec } from "../options.ts";
import { FileFormatError, reasonOf } from "./format_error.ts";
import { PieceLines, textPieces } from "./_pieces.ts";

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
  let values: unknown[] = [];
  for await (const { lines, first } of lineBatches(stream, fileName)) {
    for (let i = 0; i < lines.length; i++) {
      const source = lines[i];
      if (isBlank(source)) continue;
      try {
        values.push(parseJson(source));
      } catch (error) {
        throw new FileFormatError(fileName, `it is not JSON (${reasonOf(error)})`, {
          line: first + i,
          cause: error,
        });
      }
      if (values.length >= chunkSize) {
        yield values;
        values = [];
      }
    }
  }
  if (values.length > 0) yield values;
}

/**
 * The number of values of the JSON lines of `stream`: its lines that are not blank, counted
 * without being parsed. Bytes that are not UTF-8 are a {@linkcode FileFormatError} naming
 * `fileName` and the line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countJsonlValues } from "./jsonl_reader.ts";
 * const lines = new Blob(['{"id": 1}\n\n{"id": 2}\r\n{"id": 3}']).stream();
 * assert.equal(await countJsonlValues(lines, "items.jsonl"), 3);
 * ```
 */
export async function countJsonlValues(
  stream: ReadableStream<Uint8Array>,
  fileName: string,
): Promise<number> {
  let count = 0;
  for await (const { lines } of lineBatches(stream, fileName)) {
    for (const line of lines) if (!isBlank(line)) count++;
  }
  return count;
}

/** Whether `line` holds nothing but whitespace (a line without a value). */
function isBlank(line: string): boolean {
  return line.length === 0 || line.trim().length === 0;
}

/** The lines of one piece of a file. */
interface LineBatch {
  /** Its complete lines, without their line ends (LF or CRLF); blank ones too. */
  lines: string[];
  /** The line number (from 1) of the first. */
  first: number;
}

/**
 * Yields the lines of the UTF-8 text of `stream`, a batch per piece of the file; a last line
 * without a line end is a line too.
 */
async function* lineBatches(
  stream: ReadableStream<Uint8Array>,
  fileName: string,
): AsyncGenerator<LineBatch> {
  const pieceLines = new PieceLines();
  let line = 1;
  for await (const piece of textPieces(stream, fileName, "utf-8", () => line)) {
    const lines = pieceLines.push(piece).map(withoutCr);
    if (lines.length === 0) continue;
    yield { lines, first: line };
    line += lines.length;
  }
  const last = pieceLines.end();
  if (last !== "") yield { lines: [withoutCr(last)], first: line };
}

/** `text` without the CR of a CRLF line end. */
function withoutCr(text: string): string {
  return text.charCodeAt(text.length - 1) === CR ? text.slice(0, -1) : text;
}

const CR = 13;
