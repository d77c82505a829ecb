/**
 * Looks at a DuckDB database file and its write-ahead log before DuckDB-WASM opens them, reading
 * only, because DuckDB-WASM does not fail cleanly on every damaged file: it retries forever a
 * read past the end of a file cut short (`_runtime.ts` now fails such a read instead), and tries
 * to fetch an extension (hanging without network) for an SQLite file.
 *
 * The layout checked is DuckDB's storage format (version 64, DuckDB 0.10 to 1.4): three 4 KiB
 * headers, each starting with a checksum of the rest of its 4 KiB, then the blocks.
 * - The main header holds the magic bytes `DUCK` at byte 8, the storage version (a little-endian
 *   u64) and four u64 flags (bit 0 of the first: encrypted).
 * - Two database headers at 4096 and 8192 hold, as u64s, the iteration (the higher one is
 *   current), the metadata and free-list pointers (a block id in the low 56 bits), the block
 *   count, the block size and the vector size; the blocks start at 12288.
 *
 * A write-ahead log starts with an unchecksummed version entry; each entry after it is a u64
 * size, a u64 checksum and that many bytes, which start with the entry's type (field 100, a
 * LEB128 value). A transaction's entries end with a flush entry (type 100): its commit.
 *
 * @module
 */
import * as fs from "node:fs";
import { DestinationError } from "../../lib/errors.ts";

/** Size of each of DuckDB's three file headers. */
const HEADER_SIZE = 4096;
/** Where the blocks start, after the three headers. */
export const BLOCKS_START = 3 * HEADER_SIZE;
/** Storage versions the pinned DuckDB-WASM (DuckDB 1.4.3) reads. */
const VERSIONS = { lowest: 64, highest: 67 };
/** DuckDB-WASM's compiled vector size (0 in a header means this default). */
const VECTOR_SIZE = 2048;
const BLOCK_SIZES = { smallest: 16384, largest: 262144 };
/** A block pointer that points nowhere. */
const INVALID_POINTER = 0xffffffffffffffffn;
/** A header's block size when it says 0 (files of DuckDB before 1.2). */
const DEFAULT_BLOCK_SIZE = 262144;

/** What {@linkcode checkDatabaseFile} found. */
export type DatabaseFileState = "missing" | "empty" | "database";

/** The state of a database file; a file DuckDB-WASM must not open is a `DestinationError`. */
export function checkDatabaseFile(path: string): DatabaseFileState {
  let fd: number;
  try {
    fd = fs.openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw error;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return "empty";
    const head = new Uint8Array(Math.min(size, BLOCKS_START));
    fs.readSync(fd, head, 0, head.length, 0);
    const problem = headerProblem(head, size);
    if (problem !== undefined) {
      throw new DestinationError(
        `Cannot open DuckDB database "${path}": ${problem}; the file was left as it is`,
      );
    }
    return "database";
  } finally {
    fs.closeSync(fd);
  }
}

/** What is wrong with a database file of `size` bytes that starts with `head`, if anything. */
function headerProblem(head: Uint8Array, size: number): string | undefined {
  const kind = otherKind(head);
  if (kind !== undefined) return `it is ${kind}, not a DuckDB database`;
  const cutShort = `it has ${size} bytes, fewer than the ${BLOCKS_START} bytes of DuckDB's ` +
    "headers (it was cut short)";
  if (size < 12) return cutShort;
  if (new TextDecoder().decode(head.subarray(8, 12)) !== "DUCK") {
    return 'it is not a DuckDB database file (no "DUCK" at byte 8)';
  }
  if (size < BLOCKS_START) return cutShort;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const u64 = (offset: number) => view.getBigUint64(offset, true);
  if (!checksumMatches(view, 0)) return "its main header is damaged (its checksum does not match)";
  const version = Number(u64(12));
  if (version < VERSIONS.lowest || version > VERSIONS.highest) {
    return `its storage version ${version} is ${
      version < VERSIONS.lowest ? "older" : "newer"
    } than this DuckDB-WASM (DuckDB 1.4) reads (${VERSIONS.lowest} to ${VERSIONS.highest})`;
  }
  if ((u64(16) & 1n) !== 0n) return "it is encrypted, which DuckDB-WASM here cannot read";
  for (const at of [HEADER_SIZE, 2 * HEADER_SIZE]) {
    if (!checksumMatches(view, at)) {
      return `its database header at byte ${at} is damaged (its checksum does not match)`;
    }
  }
  const current = currentHeader(view);
  const blockCount = u64(current + 32);
  const blockSize = headerBlockSize(view);
  const vectorSize = Number(u64(current + 48)) || VECTOR_SIZE;
  if (vectorSize !== VECTOR_SIZE) {
    return `its vector size is ${vectorSize}, where DuckDB-WASM's is ${VECTOR_SIZE}`;
  }
  const powerOfTwo = (blockSize & (blockSize - 1)) === 0;
  if (!powerOfTwo || blockSize < BLOCK_SIZES.smallest || blockSize > BLOCK_SIZES.largest) {
    return `its block size ${blockSize} is not one DuckDB uses`;
  }
  // The blocks the header points to were written before it. Blocks past them may be missing:
  // the count includes free blocks never written.
  const pointers = { metadata: u64(current + 16), "free list": u64(current + 24) };
  for (const [what, pointer] of Object.entries(pointers)) {
    if (pointer === INVALID_POINTER) continue;
    const block = BigInt.asUintN(56, pointer);
    const end = BigInt(BLOCKS_START) + (block + 1n) * BigInt(blockSize);
    if (block >= blockCount || BigInt(size) < end) {
      return `it has ${size} bytes, but its ${what} is in block ${block} of ${blockCount}, which ends ` +
        `at byte ${end}: it was cut short`;
    }
  }
  return undefined;
}

/** Where the current database header (the one of the higher iteration) of `head` starts. */
function currentHeader(head: DataView): number {
  const iteration = (at: number) => head.getBigUint64(at + 8, true);
  return iteration(HEADER_SIZE) > iteration(2 * HEADER_SIZE) ? HEADER_SIZE : 2 * HEADER_SIZE;
}

/**
 * The block size the current database header gives, in `head`: a file's first
 * {@linkcode BLOCKS_START} bytes.
 */
export function headerBlockSize(head: DataView): number {
  return Number(head.getBigUint64(currentHeader(head) + 40, true)) || DEFAULT_BLOCK_SIZE;
}

/** What a file is that is known not to be a DuckDB database, by its first bytes. */
function otherKind(head: Uint8Array): string | undefined {
  const text = new TextDecoder("latin1").decode(head.subarray(0, 16));
  if (text.startsWith("SQLite format 3\0")) return "an SQLite database";
  if (text.startsWith("PAR1")) return "a Parquet file";
  return undefined;
}

const CHECKSUM_SEED = 5381n;
const CHECKSUM_MULTIPLIER = 0xbf58476d1ce4e5b9n;

/**
 * DuckDB's checksum of `size` bytes at `offset` (a multiple of 8): the seed XOR each
 * little-endian u64 times a constant, modulo 2^64.
 */
function checksum(view: DataView, offset: number, size: number): bigint {
  let result = CHECKSUM_SEED;
  for (let at = offset; at < offset + size; at += 8) {
    result ^= BigInt.asUintN(64, view.getBigUint64(at, true) * CHECKSUM_MULTIPLIER);
  }
  return result;
}

/** Whether the 4 KiB header at `offset` has the checksum it stores in its first 8 bytes. */
function checksumMatches(view: DataView, offset: number): boolean {
  return view.getBigUint64(offset, true) === checksum(view, offset + 8, HEADER_SIZE - 8);
}

/** What {@linkcode checkWriteAheadLog} found. */
export type WriteAheadLogState =
  | { kind: "missing" | "empty" | "whole" }
  /** Not a DuckDB log at all: DuckDB would ignore it. */
  | { kind: "foreign"; size: number }
  /**
   * Its last committed transaction ends at byte `valid` (0: it has none); what follows is a
   * transaction that never committed (a process stopped while writing it) or entries that stop
   * making sense.
   */
  | { kind: "torn"; size: number; valid: number };

/** Size and checksum in front of each entry after the version entry. */
const ENTRY_HEADER = 16;
/**
 * The first bytes of a flush entry, which commits the transaction whose entries precede it: the
 * type field's id (100, a little-endian u16) and the type (`WAL_FLUSH`, 100, one LEB128 byte).
 */
const FLUSH_ENTRY = [100, 0, 100];
/** Enough bytes for the longest version entry (with a database id and checkpoint iteration). */
const VERSION_ENTRY_MAX = 64;

/**
 * The log version and the size of the version entry at the start of `head` (fields written by
 * DuckDB's binary serializer: a u16 id, then a LEB128 value; 100 = type, which is 98 for the
 * version entry; 101 = version; optional 102 = database id, a list; optional 103 = checkpoint
 * iteration; 0xffff ends it). `"short"` when `head` ends inside it, `undefined` when it is none.
 */
function versionEntry(head: Uint8Array): { version: number; size: number } | "short" | undefined {
  let at = 0;
  let short = false;
  const u16 = (): number => {
    if (at + 2 > head.length) short = true;
    const value = head[at] | head[at + 1] << 8;
    at += 2;
    return value;
  };
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 63; shift += 7) {
      if (at >= head.length) short = true;
      const byte = head[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    return Number.NaN;
  };
  const entry = (): { version: number; size: number } | undefined => {
    if (u16() !== 100 || varint() !== 98 || u16() !== 101) return undefined;
    const version = varint();
    let id = u16();
    if (id === 102) {
      const count = varint();
      for (let i = 0; i < count && !short; i++) varint();
      id = u16();
    }
    if (id === 103) {
      varint();
      id = u16();
    }
    return id === 0xffff ? { version, size: at } : undefined;
  };
  const found = entry();
  // reading past the end yields undefined bytes, which no check accepts
  return short ? "short" : found;
}

/**
 * Walks the entries of the write-ahead log `path` by their sizes (reading 19 bytes per entry,
 * checking no checksums: DuckDB does that, and fails on a mismatch). A log is whole when it ends
 * with a commit (a flush entry); else it is torn after its last one.
 */
export function checkWriteAheadLog(path: string): WriteAheadLogState {
  let fd: number;
  try {
    fd = fs.openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    throw error;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return { kind: "empty" };
    const head = new Uint8Array(Math.min(size, VERSION_ENTRY_MAX));
    fs.readSync(fd, head, 0, head.length, 0);
    const version = versionEntry(head);
    // a log cut inside its version entry holds no transaction
    if (version === "short") return { kind: "torn", size, valid: 0 };
    if (version === undefined) return { kind: "foreign", size };
    // logs of other versions (1: no checksums; 3: encrypted) are left to DuckDB
    if (version.version !== 2) return { kind: "whole" };
    const bytes = new Uint8Array(ENTRY_HEADER + FLUSH_ENTRY.length);
    const header = new DataView(bytes.buffer);
    let at = version.size;
    // the end of the last committed transaction; 0 while there is none
    let valid = 0;
    while (at < size) {
      if (size - at < ENTRY_HEADER) break;
      fs.readSync(fd, bytes, 0, Math.min(bytes.length, size - at), at);
      const entry = header.getBigUint64(0, true);
      if (entry > BigInt(size - at - ENTRY_HEADER)) break;
      const flush = entry >= FLUSH_ENTRY.length &&
        FLUSH_ENTRY.every((byte, i) => bytes[ENTRY_HEADER + i] === byte);
      at += ENTRY_HEADER + Number(entry);
      if (flush) valid = at;
    }
    return valid === size || size === version.size
      ? { kind: "whole" }
      : { kind: "torn", size, valid };
  } finally {
    fs.closeSync(fd);
  }
}
