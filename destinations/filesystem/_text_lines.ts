/**
 * Lines of text that arrives in chunks: how JSONL table files are read.
 *
 * @module
 */

/**
 * The non-empty lines of the text in `chunks` (split anywhere), without their line breaks (`\n`
 * or `\r\n`); a last line without a line break is a line too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { textLines } from "./_text_lines.ts";
 * const lines = await Array.fromAsync(textLines(['{"a":1}\n{"a"', ':2}\r\n\n{"a":3}']));
 * assert.deepEqual(lines, ['{"a":1}', '{"a":2}', '{"a":3}']);
 * ```
 */
export async function* textLines(
  chunks: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of chunks) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const line of lines) {
      const text = line.endsWith("\r") ? line.slice(0, -1) : line;
      if (text !== "") yield text;
    }
  }
  if (rest.endsWith("\r")) rest = rest.slice(0, -1);
  if (rest !== "") yield rest;
}
