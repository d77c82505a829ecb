/**
 * Row ids: random ids for root rows and deterministic ids for nested rows, 14 characters of
 * base64url (80 bits) as in dlt.
 *
 * @module
 */

import { createHash } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const POOL_SIZE = 16 * 1024;
let pool = new Uint8Array(0);
let poolOffset = POOL_SIZE;

/** Characters of a row id. */
export const ROW_ID_LENGTH = 14;

/** base64url of 10 bytes (14 characters, no padding). */
function encode80(bytes: ArrayLike<number>, offset: number): string {
  let out = "";
  for (let i = 0; i < 9; i += 3) {
    const n = (bytes[offset + i] << 16) | (bytes[offset + i + 1] << 8) | bytes[offset + i + 2];
    out += ALPHABET[n >>> 18] + ALPHABET[(n >>> 12) & 63] + ALPHABET[(n >>> 6) & 63] +
      ALPHABET[n & 63];
  }
  const last = bytes[offset + 9];
  return out + ALPHABET[last >>> 2] + ALPHABET[(last & 3) << 4];
}

/** A new random row id (80 random bits). */
export function randomRowId(): string {
  if (poolOffset + 10 > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_SIZE));
    poolOffset = 0;
  }
  const id = encode80(pool, poolOffset);
  poolOffset += 10;
  return id;
}

const ALPHABET_BYTES = new TextEncoder().encode(ALPHABET);

/**
 * Writes a new random row id ({@linkcode randomRowId}'s 14 ASCII characters) into `target` at
 * `at`, for writers that build lines as bytes.
 */
export function writeRandomRowId(target: Uint8Array, at: number): void {
  if (poolOffset + 10 > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_SIZE));
    poolOffset = 0;
  }
  const bytes = pool;
  const offset = poolOffset;
  poolOffset += 10;
  for (let i = 0; i < 9; i += 3) {
    const n = (bytes[offset + i] << 16) | (bytes[offset + i + 1] << 8) | bytes[offset + i + 2];
    target[at++] = ALPHABET_BYTES[n >>> 18];
    target[at++] = ALPHABET_BYTES[(n >>> 12) & 63];
    target[at++] = ALPHABET_BYTES[(n >>> 6) & 63];
    target[at++] = ALPHABET_BYTES[n & 63];
  }
  const last = bytes[offset + 9];
  target[at++] = ALPHABET_BYTES[last >>> 2];
  target[at] = ALPHABET_BYTES[(last & 3) << 4];
}

/** A row id that is a hash of `text`: the same content always gets the same id. */
export function contentRowId(text: string): string {
  return encode80(createHash("sha256").update(text).digest(), 0);
}

const hashBytes = new Uint8Array(10);

/**
 * The id of the `listIdx`-th nested row of `table` below the row `parentId`: the same inputs
 * always give the same id, so re-normalizing a package yields the same rows. Two independent
 * 53-bit string hashes (cyrb53-style multiply-xorshift mixing) supply the 80 bits.
 */
export function nestedRowId(parentId: string, table: string, listIdx: number): string {
  const key = `${parentId}_${table}_${listIdx}`;
  let h1 = 0xdeadbeef, h2 = 0x41c6ce57, h3 = 0x9e3779b9, h4 = 0x85ebca6b;
  for (let i = 0; i < key.length; i++) {
    const ch = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
    h3 = Math.imul(h3 ^ ch, 2246822507);
    h4 = Math.imul(h4 ^ ch, 3266489909);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h3 ^ (h3 >>> 13), 3266489909);
  h3 = Math.imul(h3 ^ (h3 >>> 16), 2246822507) ^ Math.imul(h4 ^ (h4 >>> 13), 3266489909);
  const words = [h1, h2, h3];
  for (let w = 0; w < 3; w++) {
    const word = words[w];
    const base = w * 4;
    if (base < 10) hashBytes[base] = word >>> 24;
    if (base + 1 < 10) hashBytes[base + 1] = (word >>> 16) & 255;
    if (base + 2 < 10) hashBytes[base + 2] = (word >>> 8) & 255;
    if (base + 3 < 10) hashBytes[base + 3] = word & 255;
  }
  return encode80(hashBytes, 0);
}
