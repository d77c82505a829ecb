/**
 * Arrow IPC streams of record batches that every Arrow reader accepts, for `parquet-wasm`
 * (arrow-rs), from apache-arrow's stream writer with one of its flaws mended.
 *
 * apache-arrow 17 writes the values of a Boolean column that is NULL in every row of a batch as an
 * empty buffer (apache/arrow-js#68), where the Arrow format wants one bit per row whatever the
 * NULLs: arrow-rs rejects the batch ("Need at least 1 bytes for bitmap in buffers[0] in array of
 * type Boolean, but got 0"), and so do pyarrow and Arrow C++. apache-arrow 21 writes zeros of the
 * column's length (apache/arrow-js#392); {@linkcode ipcStream} does the same while it writes, and
 * leaves apache-arrow as it was afterwards. The other types are written whole when all NULL.
 *
 * @module
 */
import {
  type Bool,
  type Data,
  makeData,
  type RecordBatch,
  RecordBatchStreamWriter,
  VectorAssembler,
} from "../deps/apache_arrow.ts";

/** apache-arrow's own assembler of a Boolean column's buffers. */
const visitBool = VectorAssembler.prototype.visitBool;

/**
 * The values of Boolean column `data` added to the assembled buffers: as apache-arrow does, but
 * one bit per row (zeros) when every row is NULL.
 */
function visitBoolValues(this: VectorAssembler, data: Data<Bool>): VectorAssembler {
  if (data.length === 0 || data.nullCount < data.length) return visitBool.call(this, data);
  // the validity bits and the NULL count are added already, from `data`
  const zeros = makeData({
    type: data.type,
    length: data.length,
    nullCount: 0,
    data: new Uint8Array((data.length + 7) >> 3),
  });
  return visitBool.call(this, zeros);
}

/** `batch` as an Arrow IPC stream (its schema and the batch). */
export function ipcStream(batch: RecordBatch): Uint8Array {
  const prototype = VectorAssembler.prototype;
  // the writer assembles the batch synchronously: nothing else writes meanwhile
  prototype.visitBool = visitBoolValues;
  try {
    return RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);
  } finally {
    prototype.visitBool = visitBool;
  }
}
