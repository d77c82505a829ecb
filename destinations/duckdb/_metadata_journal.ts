/**
 * A journal of the metadata blocks that a DuckDB database file's checkpoint in use needs, so
 * that a checkpoint cut short cannot leave a file that no longer opens. Both drivers keep it.
 *
 * A checkpoint writes its data to free blocks, then rewrites every metadata block in place
 * (DuckDB's `MetadataManager::Flush`), then the database header that makes it current. The header
 * in use points into those metadata blocks. A process killed while it rewrites one, or a power
 * cut then, can leave it neither old nor new (seen after kills in
 * `tests/merge_killed_load_test.ts`, with both drivers). Its checksum no longer matches, and
 * DuckDB refuses the whole file ("Corrupt database file: computed checksum … does not match
 * stored checksum in block at location …"), although its write-ahead log still holds every
 * change the checkpoint was folding in.
 *
 * So, before any statement runs on an open file, {@linkcode MetadataJournal} makes sure that
 * `<path>.journal` holds the file's headers and a copy of each metadata block as of the
 * checkpoint in use: written to `<path>.journal.new`, synced, and renamed over the old
 * journal. Opening the file ({@linkcode restoreMetadata}) puts the copies back when the headers
 * are still the journal's (a checkpoint began and never wrote its header), and removes a journal
 * whose checkpoint was superseded. A clean close removes it.
 *
 * It relies on DuckDB's storage format as `_file_check.ts` reads it: three 4 KiB headers (compared
 * whole: a checkpoint that completes writes a new one), then blocks of the size the current header
 * gives. The metadata blocks are those DuckDB lists in `pragma_metadata_info`
 * ({@linkcode metadataBlocksQuery}).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { quoteLiteral } from "../../lib/load/sql.ts";
import { log } from "../../lib/log.ts";
import { fsyncDirectory } from "./_database_file.ts";
import { BLOCKS_START, headerBlockSize } from "./_file_check.ts";

/** The journal next to a database file: `<path>.journal`. */
export const JOURNAL_SUFFIX = ".journal";
/** A journal being written; it replaces the journal once complete. */
const NEW_SUFFIX = ".new";

/** The magic bytes a journal starts with (its format's version is the last one). */
const MAGIC = new TextEncoder().encode("DLTMETA1");
/** Size of the SHA-256 digest that ends a journal. */
const DIGEST_SIZE = 32;

/** What a journal holds. */
interface Journal {
  /** The file's headers (its first {@linkcode BLOCKS_START} bytes) when it was written. */
  headers: Uint8Array;
  blockSize: number;
  /** The metadata blocks: their ids, and their bytes as the headers knew them. */
  blocks: { id: number; bytes: Uint8Array }[];
}

/** The query that lists the metadata blocks of the attached database `catalog`, one per row. */
export function metadataBlocksQuery(catalog: string): string {
  return `SELECT block_id FROM pragma_metadata_info(${quoteLiteral(catalog)})`;
}

/**
 * Before DuckDB opens the database file `path`: puts back the metadata blocks of its journal when
 * the file's headers are still those the journal was written for (a checkpoint was cut short;
 * only blocks that differ are written, then synced, with a warning), and removes the journal.
 * A journal that is not whole (not written by this module, or damaged) is removed with a warning.
 *
 * @example
 * ```ts
 * import { restoreMetadata } from "./_metadata_journal.ts";
 * restoreMetadata("/no/such/folder/pipeline.duckdb"); // no journal: nothing to do
 * ```
 */
export function restoreMetadata(path: string): void {
  const journalPath = path + JOURNAL_SUFFIX;
  fs.rmSync(journalPath + NEW_SUFFIX, { force: true });
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(journalPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const journal = parseJournal(bytes);
  if (journal === undefined) {
    log.warn(`Journal "${journalPath}" is not whole: it was removed, the database left as it is`);
  } else if (fs.existsSync(path)) {
    const restored = putBack(path, journal);
    if (restored > 0) {
      log.warn(
        `DuckDB database "${path}": a checkpoint was cut short while it rewrote ${restored} ` +
          `metadata block(s); they were put back from "${journalPath}", and the write-ahead log ` +
          `replays what the checkpoint was folding in`,
      );
    }
  }
  fs.rmSync(journalPath);
  fsyncDirectory(path);
}

/** Writes back the journal's blocks that differ in the file, when its headers match; how many. */
function putBack(path: string, journal: Journal): number {
  const fd = fs.openSync(path, "r+");
  try {
    if (!equalBytes(readHeaders(fd), journal.headers)) return 0;
    const current = new Uint8Array(journal.blockSize);
    let restored = 0;
    for (const { id, bytes } of journal.blocks) {
      const at = blockOffset(id, journal.blockSize);
      const read = fs.readSync(fd, current, 0, current.length, at);
      if (read === current.length && equalBytes(current, bytes)) continue;
      fs.writeSync(fd, bytes, 0, bytes.length, at);
      restored++;
    }
    if (restored > 0) fs.fsyncSync(fd);
    return restored;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The journal of one open database file (see the module doc). Call {@linkcode stale} before
 * every statement, {@linkcode write} when it says so, and {@linkcode close} when the database
 * closes.
 */
export class MetadataJournal {
  readonly #path: string;
  /** The database file, open for reading. */
  #fd: number | undefined;
  /** The headers the journal on disk was written for. */
  #headers: Uint8Array | undefined;

  /** The journal of the database file `path`, which must exist. */
  constructor(path: string) {
    this.#path = path;
    this.#fd = fs.openSync(path, "r");
  }

  /** Whether a checkpoint (or the open) changed the headers since the journal was written. */
  stale(): boolean {
    if (this.#fd === undefined) return false;
    return this.#headers === undefined || !equalBytes(readHeaders(this.#fd), this.#headers);
  }

  /**
   * Writes the journal for the current checkpoint: `blockIds` are its metadata blocks, as DuckDB
   * lists them in `pragma_metadata_info`. Durable before it returns. A checkpoint without any (a
   * new database) needs none: its journal is removed.
   */
  write(blockIds: readonly number[]): void {
    const fd = this.#fd;
    if (fd === undefined) return;
    const headers = readHeaders(fd);
    const journalPath = this.#path + JOURNAL_SUFFIX;
    if (blockIds.length === 0) {
      // a new database: its header points to no metadata, so there is nothing to put back
      fs.rmSync(journalPath, { force: true });
      this.#headers = headers;
      return;
    }
    if (headers.length < BLOCKS_START) {
      throw new Error(`"${this.#path}" has metadata blocks but no whole headers`);
    }
    const blockSize = headerBlockSize(
      new DataView(headers.buffer, headers.byteOffset, headers.byteLength),
    );
    const head = new Uint8Array(MAGIC.length + BLOCKS_START + 16 + 8 * blockIds.length);
    const view = new DataView(head.buffer);
    head.set(MAGIC);
    head.set(headers, MAGIC.length);
    let at = MAGIC.length + BLOCKS_START;
    view.setBigUint64(at, BigInt(blockSize), true);
    view.setBigUint64(at + 8, BigInt(blockIds.length), true);
    at += 16;
    for (const id of blockIds) {
      view.setBigUint64(at, BigInt(id), true);
      at += 8;
    }
    const out = fs.openSync(journalPath + NEW_SUFFIX, "w");
    try {
      const hash = createHash("sha256").update(head);
      fs.writeSync(out, head);
      // a block at a time: a large database has thousands
      const block = new Uint8Array(blockSize);
      for (const id of blockIds) {
        if (fs.readSync(fd, block, 0, blockSize, blockOffset(id, blockSize)) !== blockSize) {
          throw new Error(`Metadata block ${id} of "${this.#path}" is past the end of the file`);
        }
        hash.update(block);
        fs.writeSync(out, block);
      }
      fs.writeSync(out, hash.digest());
      fs.fsyncSync(out);
    } finally {
      fs.closeSync(out);
    }
    fs.renameSync(journalPath + NEW_SUFFIX, journalPath);
    fsyncDirectory(journalPath);
    this.#headers = headers;
  }

  /**
   * Stops keeping the journal. After a clean close (its last checkpoint done, the file closed)
   * the journal is removed; else it stays for the next open to use.
   */
  close(clean: boolean): void {
    if (this.#fd === undefined) return;
    fs.closeSync(this.#fd);
    this.#fd = undefined;
    if (clean) fs.rmSync(this.#path + JOURNAL_SUFFIX, { force: true });
  }
}

/** The three headers of the open file `fd` (fewer bytes while it is shorter). */
function readHeaders(fd: number): Uint8Array {
  const headers = new Uint8Array(BLOCKS_START);
  const read = fs.readSync(fd, headers, 0, BLOCKS_START, 0);
  return headers.subarray(0, read);
}

/** Where block `id` starts in a file of `blockSize` blocks. */
function blockOffset(id: number, blockSize: number): number {
  return BLOCKS_START + id * blockSize;
}

/** The journal in `bytes`, or `undefined` when it is not one whole journal. */
function parseJournal(bytes: Uint8Array): Journal | undefined {
  const fixed = MAGIC.length + BLOCKS_START + 16;
  if (bytes.length < fixed + DIGEST_SIZE || !equalBytes(bytes.subarray(0, MAGIC.length), MAGIC)) {
    return undefined;
  }
  const body = bytes.subarray(0, bytes.length - DIGEST_SIZE);
  const digest = createHash("sha256").update(body).digest();
  if (!equalBytes(digest, bytes.subarray(body.length))) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const blockSize = Number(view.getBigUint64(fixed - 16, true));
  const count = Number(view.getBigUint64(fixed - 8, true));
  if (body.length !== fixed + count * (8 + blockSize)) return undefined;
  const dataStart = fixed + 8 * count;
  const blocks = Array.from({ length: count }, (_, i) => ({
    id: Number(view.getBigUint64(fixed + 8 * i, true)),
    bytes: body.subarray(dataStart + i * blockSize, dataStart + (i + 1) * blockSize),
  }));
  return { headers: body.subarray(MAGIC.length, MAGIC.length + BLOCKS_START), blockSize, blocks };
}

/** Whether `a` and `b` hold the same bytes. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
