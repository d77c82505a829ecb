/**
 * A DuckDB-WASM runtime that keeps database files durable on a real disk.
 *
 * DuckDB-WASM calls back into JavaScript for every file operation through
 * `globalThis.DUCKDB_RUNTIME`. With the package's own `NODE_RUNTIME`, data committed by one process
 * is gone in the next (duckdb/duckdb-wasm issues #2170, #2182, #2004). {@linkcode DURABLE_RUNTIME}
 * replaces its file functions and keeps the rest (glob, UDFs, creating directories):
 *
 * - `openFile` honours the create, truncate and `FILE_FLAGS_NULL_IF_NOT_EXISTS` flags against the
 *   real disk, keeps one descriptor per file and returns the 24-byte `OpenedFile` struct.
 * - `readFile`/`writeFile` loop until every byte is done; a database file that ends before the
 *   bytes DuckDB reads is an error (DuckDB-WASM would retry the read forever).
 * - A write to a database header block is surrounded by `fsync` (the blocks it points to are on
 *   disk before it, and it is on disk before the write-ahead log goes); closing a file syncs it.
 * - `moveFile` and `truncateFile` act on the disk; `removeDirectory` removes the contents too, as
 *   DuckDB expects when it drops its temporary directory.
 * - DuckDB's `RemoveFile` never reaches JavaScript. The last step of a checkpoint is a
 *   `FileExists` check on the write-ahead log it just closed; when the database header was written
 *   after the log's last write, that check deletes the log.
 * - A write below the size a write-ahead log had when it was opened throws instead of silently
 *   corrupting it: DuckDB-WASM writes a log from offset 0 where DuckDB expects appends.
 * - Spilled buffers (`duckdb_temp_*` files in the temporary directory) are never synced. A
 *   `duckdb_temp_block-*.block` file, which holds one spilled buffer, is unlinked when DuckDB opens
 *   it to read it back or to size it: both are followed by a `RemoveFile` that never reaches
 *   JavaScript, and a file left behind made DuckDB count it again later (see
 *   {@linkcode hasDanglingFiles}).
 *
 * State is kept per wasm instance, so several databases can be open in one process. The package
 * version is pinned: these functions lean on DuckDB-WASM internals and `_database_test.ts` must
 * pass again on every upgrade.
 *
 * @module
 */
import * as fs from "node:fs";
import {
  callSRet,
  type DuckDBModule,
  type DuckDBRuntime,
  NODE_RUNTIME,
} from "../../lib/deps/duckdb_wasm.ts";

/** The part of the emscripten module the runtime uses. */
interface WasmModule {
  readonly HEAPU8: Uint8Array;
  readonly HEAPF64: Float64Array;
  _malloc(size: number): number;
  ccall(name: string, returnType: null, argTypes: string[], args: unknown[]): void;
}

/** DuckDB's `FileOpenFlags` bits (only the low byte reaches the runtime). */
const FLAG_WRITE = 1 << 1;
const FLAG_DIRECT_IO = 1 << 2;
const FLAG_CREATE = 1 << 3;
const FLAG_CREATE_NEW = 1 << 4;
const FLAG_NULL_IF_NOT_EXISTS = 1 << 7;

/** The three 4 KiB header blocks at the start of a DuckDB database file. */
const HEADER_END = 3 * 4096;

/** A file the wasm side holds open. */
interface OpenFile {
  path: string;
  fd: number;
  writable: boolean;
  /** Opened with direct IO, which only the database files are. */
  database: boolean;
  /** Size of a write-ahead log when it was opened: writing below it would corrupt the log. */
  protectedBytes: number;
  /** Written since the last `fsync`. */
  dirty: boolean;
  /** A file of spilled buffers: never synced. */
  temporary: boolean;
}

/** What the runtime tracks for one wasm instance. */
interface InstanceState {
  /** Open files by DuckDB's file id. */
  files: Map<number, OpenFile>;
  /** Ticks on every write, to order log writes and header writes. */
  clock: number;
  /** Clock of the last write to each write-ahead log. */
  logWrites: Map<string, number>;
  /** Clock of the last header write to each database file. */
  headerWrites: Map<string, number>;
  /** Write-ahead logs closed since they were last written. */
  closedLogs: Set<string>;
}

const states = new WeakMap<WasmModule, InstanceState>();

function stateOf(mod: WasmModule): InstanceState {
  let state = states.get(mod);
  if (state === undefined) {
    state = {
      files: new Map(),
      clock: 0,
      logWrites: new Map(),
      headerWrites: new Map(),
      closedLogs: new Set(),
    };
    states.set(mod, state);
  }
  return state;
}

const LOG_SUFFIX = ".wal";
/** Start of the names of the files DuckDB spills buffers to. */
const TEMPORARY_PREFIX = "duckdb_temp_";
/** Name of a file that holds one spilled buffer (one of another size than a block). */
const BLOCK_FILE = /^duckdb_temp_block-\d+\.block$/;

/** The last part of `path`. */
function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

const decoder = new TextDecoder();

function readString(mod: WasmModule, pointer: number, length: number): string {
  return decoder.decode(mod.HEAPU8.subarray(pointer, pointer + length));
}

/**
 * Raises a C++ exception carrying `message` in DuckDB, which turns it into a query error. With the
 * `eh` build it unwinds through the calling JavaScript frame; the `throw` is never reached.
 */
function fail(mod: WasmModule, message: string): never {
  mod.ccall("duckdb_web_fail_with", null, ["string"], [message]);
  throw new Error(message);
}

/** Runs file-system calls, turning a thrown error into a DuckDB error that starts with `context`. */
function attempt<T>(mod: WasmModule, context: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    return fail(mod, `${context}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Asks the wasm side which disk path a file id stands for. */
function pathOf(mod: WasmModule, fileId: number): string {
  // Cache epoch 0 is never current, so the answer is always fresh.
  const [status, data, size] = callSRet(
    mod as unknown as DuckDBModule,
    "duckdb_web_fs_get_file_info_by_id",
    ["number", "number"],
    [fileId, 0],
  );
  const text = readString(mod, data, size);
  mod.ccall("duckdb_web_clear_response", null, [], []);
  if (status !== 0) fail(mod, text);
  const info = JSON.parse(text) as { dataUrl?: string | null; fileName: string };
  const url = info.dataUrl ?? info.fileName;
  return url.startsWith("file://") ? url.slice("file://".length) : url;
}

function fileOf(mod: WasmModule, fileId: number): OpenFile {
  return stateOf(mod).files.get(fileId) ?? fail(mod, `File ${fileId} is not open`);
}

function syncIfDirty(file: OpenFile): void {
  if (!file.dirty) return;
  fs.fsyncSync(file.fd);
  file.dirty = false;
}

function openFile(mod: WasmModule, fileId: number, flags: number): number {
  const state = stateOf(mod);
  const writable = (flags & FLAG_WRITE) !== 0;
  let file = state.files.get(fileId);
  if (file === undefined) {
    const path = pathOf(mod, fileId);
    const exists = fs.existsSync(path);
    if (!exists && (flags & FLAG_NULL_IF_NOT_EXISTS) !== 0) return 0;
    if (!exists && (flags & (FLAG_CREATE | FLAG_CREATE_NEW)) === 0) {
      fail(mod, `Cannot open "${path}": no such file`);
    }
    const mode = exists ? (writable ? "r+" : "r") : "w+";
    const fd = attempt(mod, `Cannot open "${path}"`, () => fs.openSync(path, mode));
    const size = attempt(mod, `Cannot open "${path}"`, () => fs.fstatSync(fd).size);
    file = {
      path,
      fd,
      writable: mode !== "r",
      database: false,
      protectedBytes: path.endsWith(LOG_SUFFIX) ? size : 0,
      dirty: false,
      temporary: baseName(path).startsWith(TEMPORARY_PREFIX),
    };
    state.files.set(fileId, file);
    // A log that is open again is no longer the one a checkpoint just closed.
    state.closedLogs.delete(path);
  } else if (writable && !file.writable) {
    // Opened for reading before: reopen read-write, keeping one descriptor per file.
    const { fd, path } = file;
    file.fd = attempt(mod, `Cannot open "${path}"`, () => {
      fs.closeSync(fd);
      // a spilled buffer's file was unlinked when it was read back; spilling it again makes it anew
      return fs.openSync(path, fs.existsSync(path) ? "r+" : "w+");
    });
    file.writable = true;
  }
  if (!file.writable && BLOCK_FILE.test(baseName(file.path))) {
    // DuckDB reads or sizes a spilled buffer only to remove it next, which never reaches here.
    const { path } = file;
    attempt(mod, `Cannot remove "${path}"`, () => fs.rmSync(path, { force: true }));
  }
  // DuckDB probes its database file without direct IO before opening it with direct IO.
  if ((flags & FLAG_DIRECT_IO) !== 0) file.database = true;
  const { fd, path } = file;
  const stat = attempt(mod, `Cannot open "${path}"`, () => fs.fstatSync(fd));
  // struct OpenedFile { double file_size; double file_buffer; double file_last_modification; }
  const opened = mod._malloc(3 * 8);
  const slot = opened >> 3;
  mod.HEAPF64[slot] = stat.size;
  mod.HEAPF64[slot + 1] = 0;
  mod.HEAPF64[slot + 2] = stat.mtimeMs / 1000;
  return opened;
}

function readFile(
  mod: WasmModule,
  fileId: number,
  buffer: number,
  bytes: number,
  location: number,
): number {
  const { fd, path, database } = fileOf(mod, fileId);
  const done = attempt(mod, `Cannot read "${path}"`, () => {
    let done = 0;
    while (done < bytes) {
      const n = fs.readSync(fd, mod.HEAPU8, buffer + done, bytes - done, location + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  });
  // DuckDB-WASM retries a short read of a database file forever
  if (database && done < bytes) {
    fail(
      mod,
      `Cannot read "${path}": it ends at byte ${location + done}, inside the ${bytes} bytes ` +
        `DuckDB reads at byte ${location} (the file was cut short)`,
    );
  }
  return done;
}

function writeFile(
  mod: WasmModule,
  fileId: number,
  buffer: number,
  bytes: number,
  location: number,
): number {
  const state = stateOf(mod);
  const file = fileOf(mod, fileId);
  if (location < file.protectedBytes) {
    fail(
      mod,
      `Refusing to overwrite write-ahead log "${file.path}" at offset ${location}: it held ` +
        `${file.protectedBytes} bytes when opened and DuckDB-WASM cannot append to it`,
    );
  }
  const header = file.database && location < HEADER_END;
  attempt(mod, `Cannot write "${file.path}"`, () => {
    // The blocks a header points to must be on disk before it.
    if (header) syncIfDirty(file);
    let done = 0;
    while (done < bytes) {
      done += fs.writeSync(file.fd, mod.HEAPU8, buffer + done, bytes - done, location + done);
    }
    file.dirty = !file.temporary;
    if (header) syncIfDirty(file);
  });
  state.clock++;
  if (header) {
    state.headerWrites.set(file.path, state.clock);
  } else if (file.path.endsWith(LOG_SUFFIX)) {
    state.logWrites.set(file.path, state.clock);
  }
  return bytes;
}

function truncateFile(mod: WasmModule, fileId: number, newSize: number): void {
  const file = fileOf(mod, fileId);
  attempt(mod, `Cannot truncate "${file.path}"`, () => fs.ftruncateSync(file.fd, newSize));
  file.protectedBytes = Math.min(file.protectedBytes, newSize);
  file.dirty = !file.temporary;
}

function syncFile(mod: WasmModule, fileId: number): void {
  const file = fileOf(mod, fileId);
  attempt(mod, `Cannot sync "${file.path}"`, () => syncIfDirty(file));
}

function closeFile(mod: WasmModule, fileId: number): void {
  const state = stateOf(mod);
  // Files whose opening answered "not found" are closed too.
  const file = state.files.get(fileId);
  if (file === undefined) return;
  state.files.delete(fileId);
  if (state.logWrites.has(file.path)) state.closedLogs.add(file.path);
  attempt(mod, `Cannot close "${file.path}"`, () => {
    syncIfDirty(file);
    fs.closeSync(file.fd);
  });
}

function getLastFileModificationTime(mod: WasmModule, fileId: number): number {
  const { fd, path } = fileOf(mod, fileId);
  return attempt(mod, `Cannot stat "${path}"`, () => fs.fstatSync(fd).mtimeMs / 1000);
}

function moveFile(
  mod: WasmModule,
  fromPointer: number,
  fromLength: number,
  toPointer: number,
  toLength: number,
): void {
  const from = readString(mod, fromPointer, fromLength);
  const to = readString(mod, toPointer, toLength);
  attempt(mod, `Cannot move "${from}" to "${to}"`, () => fs.renameSync(from, to));
  for (const file of stateOf(mod).files.values()) {
    if (file.path === from) file.path = to;
  }
}

/**
 * Reports whether a file exists. A write-ahead log closed after its database's header was written
 * past the log's last write has been checkpointed: DuckDB is about to remove it, which never
 * reaches JavaScript, so it is deleted here and reported missing.
 */
function checkFile(mod: WasmModule, pathPointer: number, pathLength: number): boolean {
  const path = readString(mod, pathPointer, pathLength);
  const state = stateOf(mod);
  const lastLogWrite = state.logWrites.get(path);
  if (state.closedLogs.has(path) && lastLogWrite !== undefined) {
    const database = path.slice(0, -LOG_SUFFIX.length);
    if ((state.headerWrites.get(database) ?? 0) > lastLogWrite) {
      state.closedLogs.delete(path);
      state.logWrites.delete(path);
      attempt(mod, `Cannot remove "${path}"`, () => fs.rmSync(path, { force: true }));
      return false;
    }
  }
  return attempt(mod, `Cannot check "${path}"`, () => fs.existsSync(path));
}

/** Removes a directory with its contents, as DuckDB's `RemoveDirectory` promises. */
function removeDirectory(mod: WasmModule, pathPointer: number, pathLength: number): void {
  const path = readString(mod, pathPointer, pathLength);
  attempt(mod, `Cannot remove "${path}"`, () => fs.rmSync(path, { recursive: true, force: true }));
}

/**
 * Reports that a directory cannot be listed: the wasm side exports no way to hand entries back.
 * Failing instead would abort the process when DuckDB lists its temporary directory on shutdown.
 */
function listDirectoryEntries(): boolean {
  return false;
}

/**
 * Whether `mod` holds files open only for reading. DuckDB-WASM's page buffer keeps every file
 * opened read-only (job files read by `read_csv`, spilled buffers read back) open after DuckDB
 * closes it, with its cached pages in the wasm heap and a descriptor here, until `dropFiles()` of
 * the bindings drops it. While it is kept, DuckDB sees a spilled buffer's file as still there:
 * when the buffer is freed, DuckDB subtracts its size from the temporary directory's size a
 * second time, so that size wraps below zero. Between statements none of these files is in use:
 * drop them when this says there are some.
 */
export function hasDanglingFiles(mod: object): boolean {
  const state = states.get(mod as WasmModule);
  if (state === undefined) return false;
  for (const file of state.files.values()) {
    if (!file.writable) return true;
  }
  return false;
}

/** How many files the runtime holds open for `mod`. */
export function openFileCount(mod: object): number {
  return states.get(mod as WasmModule)?.files.size ?? 0;
}

/**
 * Forgets what the runtime tracked for `mod`, closing any file still open, so that the instance
 * can open a database again after `reset()` as if new: the write-ahead log bookkeeping of an
 * earlier database must not decide about a later one's log.
 */
export function forgetInstanceFiles(mod: object): void {
  const state = states.get(mod as WasmModule);
  if (state === undefined) return;
  for (const file of state.files.values()) fs.closeSync(file.fd);
  states.delete(mod as WasmModule);
}

/**
 * The package's `NODE_RUNTIME` with durable file functions. Install it as
 * `globalThis.DUCKDB_RUNTIME` before instantiating a DuckDB-WASM module; every function takes the
 * module it serves as first argument.
 */
export const DURABLE_RUNTIME: DuckDBRuntime = {
  ...NODE_RUNTIME,
  openFile,
  readFile,
  writeFile,
  truncateFile,
  syncFile,
  closeFile,
  getLastFileModificationTime,
  moveFile,
  checkFile,
  removeDirectory,
  listDirectoryEntries,
} as unknown as DuckDBRuntime;
