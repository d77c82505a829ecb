/**
 * JSON that keeps big integers: `JSON.parse` turns integers beyond 2^53 into the nearest double,
 * silently; {@linkcode parseJson} keeps them as `bigint`, which load exactly (as bigint when they
 * fit 64 bits, else as decimal or text).
 *
 * @module
 */

/** The reviver context of `JSON.parse` (ES2025 JSON.parse source text access). */
interface ReviverContext {
  source?: string;
}

type Reviver = (this: unknown, key: string, value: unknown, context?: ReviverContext) => unknown;

const INTEGER = /^-?\d+$/;

function keepBigIntegers(_key: string, value: unknown, context?: ReviverContext): unknown {
  if (typeof value !== "number" || Number.isSafeInteger(value)) return value;
  const source = context?.source;
  return source !== undefined && INTEGER.test(source) ? BigInt(source) : value;
}

/**
 * Parses JSON `text` like `JSON.parse`, except that integers too large for a JS number come back
 * as `bigint` instead of rounded.
 *
 * @example
 * ```ts
 * import { parseJson } from "./json.ts";
 * const block = parseJson('{"totalDifficulty": 50719297655545113494805}') as Record<string, unknown>;
 * if (block.totalDifficulty !== 50719297655545113494805n) throw new Error();
 * ```
 */
export function parseJson(text: string): unknown {
  // an integer beyond 2^53 has at least 16 digits; without such a run no value needs the reviver
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  return (JSON.parse as (text: string, reviver: Reviver) => unknown)(text, keepBigIntegers);
}
