/**
 * A Parquet file's footer, and one row group cut out of the file as a Parquet file of its own:
 * the row group's bytes between a new header and a footer rewritten for them (offsets moved,
 * page indexes and bloom filters left out). Decoding that small file in memory reads one row
 * group with memory bounded by its size, without handing the decoder any I/O.
 *
 * Field ids are those of `parquet.thrift` (FileMetaData, RowGroup, ColumnChunk,
 * ColumnMetaData).
 *
 * @module
 */
import {
  field,
  readStruct,
  T,
  type ThriftField,
  type ThriftList,
  type ThriftStruct,
  writeStruct,
} from "./_thrift_compact.ts";

/** `PAR1`, which starts and ends every (unencrypted) Parquet file. */
export const MAGIC: Uint8Array = new TextEncoder().encode("PAR1");

/** Bytes at the end of the file: the footer's length (u32, little-endian) and `PAR1`. */
export const TAIL_BYTES = 8;

/** Where a row group's column chunks lie in the file. */
export interface RowGroupSpan {
  /** The first byte of its first column chunk. */
  start: number;
  /** The byte after its last column chunk. */
  end: number;
  /** Its rows. */
  numRows: number;
}

/** A parsed footer. */
export interface ParquetFooter {
  /** The `FileMetaData`, as read. */
  metadata: ThriftStruct;
  /** Its row groups, in order. */
  rowGroups: RowGroupSpan[];
}

/** The footer length the last {@linkcode TAIL_BYTES} of a file give; throws if they are no tail. */
export function footerLength(tail: Uint8Array): number {
  if (tail.length !== TAIL_BYTES || !MAGIC.every((b, i) => tail[4 + i] === b)) {
    const encrypted = new TextDecoder().decode(tail.subarray(4)) === "PARE";
    throw new RangeError(
      encrypted
        ? "it is an encrypted Parquet file, which cannot be read"
        : "it is not a Parquet file (it does not end with PAR1), or it is truncated",
    );
  }
  return new DataView(tail.buffer, tail.byteOffset, TAIL_BYTES).getUint32(0, true);
}

/** Parses footer `bytes` (the `FileMetaData`); throws a `RangeError` when they are not one. */
export function parseFooter(bytes: Uint8Array): ParquetFooter {
  const metadata = readStruct(bytes);
  const groups = field(metadata, 4) as ThriftList | undefined;
  const rowGroups = (groups?.items ?? []).map((group, index) =>
    spanOf(group as ThriftStruct, index)
  );
  return { metadata, rowGroups };
}

function spanOf(group: ThriftStruct, index: number): RowGroupSpan {
  let start = Infinity;
  let end = 0;
  for (const chunk of (field(group, 1) as ThriftList).items as ThriftStruct[]) {
    if (field(chunk, 1) !== undefined) {
      throw new RangeError(`row group ${index} keeps a column in another file, which is not read`);
    }
    const meta = field(chunk, 3) as ThriftStruct | undefined;
    if (meta === undefined) {
      throw new RangeError(`row group ${index} has a column without metadata`);
    }
    const first = chunkStart(meta);
    start = Math.min(start, first);
    end = Math.max(end, first + Number(field(meta, 7) as bigint));
  }
  return { start: start === Infinity ? 0 : start, end, numRows: Number(field(group, 3) as bigint) };
}

/** The first byte of a column chunk: its dictionary page, else its first data page. */
function chunkStart(meta: ThriftStruct): number {
  const data = Number(field(meta, 9) as bigint);
  const dictionary = field(meta, 11) as bigint | undefined;
  // some writers put 0 where there is no dictionary page
  return dictionary !== undefined && dictionary > 0n ? Math.min(data, Number(dictionary)) : data;
}

/**
 * Row group `index` of the file whose footer is `footer` as a Parquet file of its own, from
 * `bytes`, the file's bytes from the group's `start` to its `end`.
 */
export function rowGroupFile(footer: ParquetFooter, index: number, bytes: Uint8Array): Uint8Array {
  const span = footer.rowGroups[index];
  const shift = BigInt(MAGIC.length - span.start);
  const groups = field(footer.metadata, 4) as ThriftList;
  const group = moved(groups.items[index] as ThriftStruct, shift);
  const metadata: ThriftStruct = {
    kind: "struct",
    fields: footer.metadata.fields.map((f): ThriftField =>
      f.id === 3
        ? { ...f, value: BigInt(span.numRows) }
        : f.id === 4
        ? { ...f, value: { ...groups, items: [group] } }
        : f
    ),
  };
  const encoded = writeStruct(metadata);
  const out = new Uint8Array(MAGIC.length + bytes.length + encoded.length + TAIL_BYTES);
  out.set(MAGIC, 0);
  out.set(bytes, MAGIC.length);
  out.set(encoded, MAGIC.length + bytes.length);
  const tail = MAGIC.length + bytes.length + encoded.length;
  new DataView(out.buffer).setUint32(tail, encoded.length, true);
  out.set(MAGIC, tail + 4);
  return out;
}

/** `RowGroup` fields: 1 columns, 5 file_offset, 7 ordinal (only for decryption: left out). */
function moved(group: ThriftStruct, shift: bigint): ThriftStruct {
  const fields: ThriftField[] = [];
  for (const f of group.fields) {
    if (f.id === 7) continue;
    if (f.id === 1) {
      const columns = f.value as ThriftList;
      const items = (columns.items as ThriftStruct[]).map((chunk) => movedChunk(chunk, shift));
      fields.push({ ...f, value: { ...columns, items } });
    } else if (f.id === 5) {
      fields.push({ ...f, value: (f.value as bigint) + shift });
    } else {
      fields.push(f);
    }
  }
  return { kind: "struct", fields };
}

/**
 * `ColumnChunk` fields: 2 file_offset (moved when set), 3 meta_data; 4–7 the page index
 * offsets and lengths, left out (the index is not in the new file).
 */
function movedChunk(chunk: ThriftStruct, shift: bigint): ThriftStruct {
  const fields: ThriftField[] = [];
  for (const f of chunk.fields) {
    if (f.id >= 4 && f.id <= 7) continue;
    if (f.id === 2) {
      const offset = f.value as bigint;
      fields.push({ ...f, value: offset > 0n ? offset + shift : offset });
    } else if (f.id === 3) {
      fields.push({ ...f, value: movedMeta(f.value as ThriftStruct, shift) });
    } else {
      fields.push(f);
    }
  }
  return { kind: "struct", fields };
}

/**
 * `ColumnMetaData` fields: 9 data_page_offset, 10 index_page_offset, 11 dictionary_page_offset
 * (moved); 14 bloom_filter_offset, 15 bloom_filter_length (left out).
 */
function movedMeta(meta: ThriftStruct, shift: bigint): ThriftStruct {
  const fields: ThriftField[] = [];
  for (const f of meta.fields) {
    if (f.id === 14 || f.id === 15) continue;
    if ((f.id === 9 || f.id === 10 || f.id === 11) && f.type === T.i64) {
      const offset = f.value as bigint;
      fields.push({ ...f, value: f.id !== 9 && offset === 0n ? offset : offset + shift });
    } else {
      fields.push(f);
    }
  }
  return { kind: "struct", fields };
}
