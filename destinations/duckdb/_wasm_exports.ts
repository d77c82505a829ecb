/**
 * Drops the exports of a wasm binary that nothing in this process looks up, before the binary is
 * compiled.
 *
 * DuckDB-WASM's module exports all its 75,011 symbols, 96% of them mangled C++ names (`_Z…`, and
 * their `orig$_Z…` twins): 7.4 MB of its 34 MB. V8 decodes every export at compile time and makes
 * a function object for each one at instantiation, and the emscripten linker then gives each one
 * a global and a function table slot. Only a side module (a DuckDB extension) would look the C++
 * names up, and none is loaded (`openInstance` turns extension loading off).
 *
 * The binary is rewritten in place, as faulting in the pages of a 34 MB copy costs more than the
 * rewrite saves: the exports kept move to the front of the export section, and the sections after
 * it move up.
 *
 * @module
 */

/** The id of the export section in the wasm binary format. */
const EXPORT_SECTION = 7;

/** The size of the preamble (`\0asm` and the version) before the first section. */
const PREAMBLE = 8;

/** `_Z`, with which mangled C++ names start, and `orig$`, which their twins add before it. */
const MANGLED = new TextEncoder().encode("_Z");
const TWIN = new TextEncoder().encode("orig$");

/** Whether `bytes` has `prefix` at `at`, within `end`. */
function hasPrefix(bytes: Uint8Array, at: number, end: number, prefix: Uint8Array): boolean {
  if (at + prefix.length > end) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[at + i] !== prefix[i]) return false;
  }
  return true;
}

/** Whether the `length` bytes of `bytes` at `at` are a mangled C++ name or its `orig$` twin. */
function isMangledName(bytes: Uint8Array, at: number, length: number): boolean {
  const end = at + length;
  return hasPrefix(bytes, at, end, MANGLED) ||
    (hasPrefix(bytes, at, end, TWIN) && hasPrefix(bytes, at + TWIN.length, end, MANGLED));
}

/** Reads unsigned LEB128 numbers from `bytes`, advancing `at`. */
class Reader {
  at: number;
  constructor(readonly bytes: Uint8Array, at: number) {
    this.at = at;
  }
  leb(): number {
    let value = 0;
    let scale = 1;
    let byte;
    do {
      byte = this.bytes[this.at++];
      value += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte & 0x80);
    return value;
  }
}

/** Writes `value` at `at` in its shortest LEB128 encoding; returns where it ends. */
function writeLeb(bytes: Uint8Array, at: number, value: number): number {
  do {
    const low = value & 0x7f;
    value = Math.floor(value / 128);
    bytes[at++] = value > 0 ? low | 0x80 : low;
  } while (value > 0);
  return at;
}

/** The number of bytes the shortest LEB128 encoding of `value` takes. */
function lebWidth(value: number): number {
  let width = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    width++;
  }
  return width;
}

/**
 * Removes the exports with mangled C++ names from the wasm binary `bytes`, in place, and returns
 * the binary: a view of `bytes`, shorter by what was removed. A binary without such exports, or
 * without an export section, is returned as it is.
 */
export function dropMangledExports(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const reader = new Reader(bytes, PREAMBLE);
  while (reader.at < bytes.length) {
    const sectionStart = reader.at;
    const id = bytes[reader.at++];
    const size = reader.leb();
    const end = reader.at + size;
    if (id === EXPORT_SECTION) {
      const at = compactExports(bytes, sectionStart, reader, end);
      if (at === end) return bytes;
      // the sections after it move up, within pages already in memory
      bytes.copyWithin(at, end);
      return bytes.subarray(0, bytes.length - (end - at));
    }
    reader.at = end;
  }
  return bytes;
}

/**
 * Rewrites the export section from `sectionStart` to `end` with the exports kept at its front;
 * `reader` is at its export count. Returns where the rewritten section ends.
 */
function compactExports(bytes: Uint8Array, sectionStart: number, reader: Reader, end: number) {
  const count = reader.leb();
  const kept: [start: number, end: number][] = [];
  for (let i = 0; i < count; i++) {
    const entryStart = reader.at;
    const nameLength = reader.leb();
    const mangled = isMangledName(bytes, reader.at, nameLength);
    reader.at += nameLength + 1; // the name and the export's kind
    reader.leb(); // the index of what is exported
    if (!mangled) kept.push([entryStart, reader.at]);
  }
  if (kept.length === count) return end;
  const entriesSize = kept.reduce((sum, [start, stop]) => sum + stop - start, 0);
  const bodySize = lebWidth(kept.length) + entriesSize;
  // The new header is no longer than the old one, so each entry moves towards the front.
  let at = sectionStart;
  bytes[at++] = EXPORT_SECTION;
  at = writeLeb(bytes, at, bodySize);
  at = writeLeb(bytes, at, kept.length);
  for (const [start, stop] of kept) {
    bytes.copyWithin(at, start, stop);
    at += stop - start;
  }
  return at;
}
