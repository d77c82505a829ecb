/**
 * Results of native DuckDB (`@duckdb/node-api`) as Arrow tables shaped as DuckDB-WASM returns
 * them, so that `arrowRows` of `_values.ts` turns the rows of both drivers into the same values.
 *
 * node-api has no Arrow export (the C API's Arrow functions are not bound, and DuckDB's `arrow`
 * extension is not built in), so the vectors are built here from the values node-api reads out
 * of each result chunk, with the Arrow types DuckDB's own Arrow export gives (the ones
 * DuckDB-WASM returns): integers of their width; HUGEINT as Decimal(38, 0) and DECIMAL(p, s) as
 * a 128-bit Decimal(p, s), whose values are the unscaled integers; DATE in days; TIME, TIMETZ
 * and TIMESTAMP in microseconds (TIMESTAMPTZ with time zone `UTC`, TIMESTAMP_S/_MS/_NS in their
 * unit); INTERVAL as MONTH_DAY_NANO; VARCHAR, JSON and UUID as Utf8; BLOB and BIT as Binary
 * (BIT in DuckDB's bytes); ENUM as a dictionary; LIST, ARRAY, STRUCT, MAP and UNION as their
 * Arrow counterparts (sparse union); UHUGEINT and BIGNUM as DuckDB's opaque extension types
 * (16 little-endian bytes, and DuckDB's BIGNUM bytes).
 *
 * @module
 */
import {
  Binary,
  Bool,
  type Data,
  type DataType,
  DateDay,
  Decimal,
  Dictionary,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  Interval,
  IntervalUnit,
  List,
  makeData,
  makeVector,
  Map_,
  Null,
  RecordBatch,
  Schema,
  SparseUnion,
  Struct,
  Table,
  TimeMicrosecond,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
} from "../../lib/deps/apache_arrow.ts";
import {
  type DuckDBArrayType,
  type DuckDBArrayValue,
  type DuckDBBitValue,
  type DuckDBBlobValue,
  type DuckDBDataChunk,
  type DuckDBDateValue,
  type DuckDBDecimalType,
  type DuckDBDecimalValue,
  type DuckDBEnumType,
  type DuckDBIntervalValue,
  type DuckDBListType,
  type DuckDBListValue,
  type DuckDBMapType,
  type DuckDBMapValue,
  DuckDBMaterializedResult,
  type DuckDBResult,
  type DuckDBStructType,
  type DuckDBStructValue,
  type DuckDBTimestampMillisecondsValue,
  type DuckDBTimestampNanosecondsValue,
  type DuckDBTimestampSecondsValue,
  type DuckDBTimestampTZValue,
  type DuckDBTimestampValue,
  type DuckDBTimeTZValue,
  type DuckDBTimeValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBUnionType,
  type DuckDBUnionValue,
  type DuckDBUUIDValue,
  type DuckDBValue,
} from "../../lib/deps/duckdb_node.ts";

/** Collects the values of one column and makes Arrow data of them. */
interface ColumnBuilder {
  /** The Arrow type of the data. */
  readonly type: DataType;
  /** Field metadata (DuckDB's extension type names), if any. */
  readonly metadata?: Map<string, string>;
  /** Adds a value; `null` is SQL NULL. */
  add(value: DuckDBValue): void;
  /** The Arrow data of the values added. */
  finish(): Data;
}

/**
 * The rows of `result` as an Arrow table: one record batch, one field per result column (in
 * order, duplicate names kept), with the types the module doc lists.
 */
export async function resultTable(result: DuckDBResult): Promise<Table> {
  const names = result.columnNames();
  const builders = result.columnTypes().map(builderFor);
  let length = 0;
  const chunks = result instanceof DuckDBMaterializedResult
    ? materializedChunks(result)
    : await result.fetchAllChunks();
  for (const chunk of chunks) {
    length += chunk.rowCount;
    addChunk(chunk, builders);
  }
  const fields = builders.map((builder, i) =>
    new Field(names[i], builder.type, true, builder.metadata)
  );
  const schema = new Schema(fields);
  const data = makeData({
    type: new Struct(fields),
    length,
    nullCount: 0,
    children: builders.map((builder) => builder.finish()),
  });
  return new Table(schema, new RecordBatch(schema, data));
}

/**
 * The chunks of a materialized result, read at once: no call to DuckDB's thread for each, whose
 * answer would wait for the JavaScript thread's next turn (every 10 ms while extract runs).
 */
export function materializedChunks(result: DuckDBMaterializedResult): DuckDBDataChunk[] {
  const chunks: DuckDBDataChunk[] = [];
  for (let i = 0; i < result.chunkCount; i++) chunks.push(result.getChunk(i));
  return chunks;
}

function addChunk(chunk: DuckDBDataChunk, builders: readonly ColumnBuilder[]): void {
  const rows = chunk.rowCount;
  builders.forEach((builder, column) => {
    const vector = chunk.getColumnVector(column);
    for (let row = 0; row < rows; row++) builder.add(vector.getItem(row));
  });
}

/** A growing bitmap: the validity of values (1 for a value, 0 for NULL), or booleans. */
class Validity {
  #bits = new Uint8Array(64);
  #length = 0;
  #nulls = 0;

  push(valid: boolean): void {
    if (this.#length >> 3 >= this.#bits.length) {
      this.#bits = grow(this.#bits, this.#bits.length * 2);
    }
    if (valid) this.#bits[this.#length >> 3] |= 1 << (this.#length & 7);
    else this.#nulls++;
    this.#length++;
  }

  /** The bits pushed, packed. */
  bitmap(): Uint8Array {
    return this.#bits.slice(0, (this.#length + 7) >> 3);
  }

  /** `makeData`'s length, null count and (when there are nulls) bitmap. */
  props(): { length: number; nullCount: number; nullBitmap?: Uint8Array } {
    const length = this.#length;
    if (this.#nulls === 0) return { length, nullCount: 0 };
    return { length, nullCount: this.#nulls, nullBitmap: this.bitmap() };
  }
}

type TypedArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/**
 * A fixed-width column: `stride` elements of `ArrayType` per value, written by `write` (NULLs
 * stay zero).
 */
function fixed<V>(
  type: DataType,
  ArrayType: { new (length: number): TypedArray },
  stride: number,
  write: (target: TypedArray, offset: number, value: V) => void,
  metadata?: Map<string, string>,
): ColumnBuilder {
  let data = new ArrayType(1024 * stride);
  let length = 0;
  const validity = new Validity();
  return {
    type,
    metadata,
    add(value) {
      if ((length + 1) * stride > data.length) data = grow(data, data.length * 2);
      if (value !== null) write(data, length * stride, value as V);
      length++;
      validity.push(value !== null);
    },
    finish() {
      return makeData(
        { type, data: data.slice(0, length * stride), ...validity.props() } as Parameters<
          typeof makeData
        >[0],
      );
    },
  };
}

/** A copy of `array` with room for `length` elements. */
function grow<A extends TypedArray>(array: A, length: number): A {
  const grown = new (array.constructor as { new (length: number): A })(length);
  grown.set(array as never);
  return grown;
}

/** A column of one JS number or bigint per value, as `read` gives it. */
function scalar<V>(
  type: DataType,
  ArrayType: { new (length: number): TypedArray },
  read: (value: V) => number | bigint = (value) => value as number | bigint,
): ColumnBuilder {
  return fixed<V>(type, ArrayType, 1, (target, offset, value) => {
    target[offset] = read(value);
  });
}

/**
 * A column of 128-bit decimals (Arrow's layout: two's complement, little-endian), written as two
 * 64-bit halves; Arrow reads the buffer as the 32-bit words of its decimal values.
 */
function decimals<V>(type: Decimal, unscaled: (value: V) => bigint): ColumnBuilder {
  return fixed<V>(type, BigInt64Array, 2, (target, offset, value) => {
    const integer = unscaled(value);
    target[offset] = BigInt.asIntN(64, integer);
    target[offset + 1] = integer >> 64n;
  });
}

/** DuckDB's Arrow metadata for a type that Arrow has no counterpart of. */
function opaque(typeName: string): Map<string, string> {
  return new Map([
    ["ARROW:extension:metadata", JSON.stringify({ type_name: typeName, vendor_name: "DuckDB" })],
    ["ARROW:extension:name", "arrow.opaque"],
  ]);
}

/** A column of variable-length values (Utf8 or Binary), each as bytes. */
function variable<V>(
  type: Utf8 | Binary,
  bytes: (value: V) => Uint8Array | string,
  metadata?: Map<string, string>,
): ColumnBuilder {
  const encoder = new TextEncoder();
  let data = new Uint8Array(1024);
  let end = 0;
  const offsets: number[] = [0];
  const validity = new Validity();
  const reserve = (size: number) => {
    if (end + size <= data.length) return;
    const grown = new Uint8Array(Math.max(data.length * 2, end + size));
    grown.set(data.subarray(0, end));
    data = grown;
  };
  return {
    type,
    metadata,
    add(value) {
      if (value !== null) {
        const item = bytes(value as V);
        if (typeof item === "string") {
          // UTF-8 needs at most 3 bytes per UTF-16 unit
          reserve(item.length * 3);
          end += encoder.encodeInto(item, data.subarray(end)).written;
        } else {
          reserve(item.length);
          data.set(item, end);
          end += item.length;
        }
      }
      offsets.push(end);
      validity.push(value !== null);
    },
    finish() {
      return makeData(
        {
          type,
          data: data.slice(0, end),
          valueOffsets: Int32Array.from(offsets),
          ...validity.props(),
        } as Parameters<typeof makeData>[0],
      );
    },
  };
}

/**
 * DuckDB's bytes of a BIGNUM: a 3-byte header (bit 23 set for a value ≥ 0, the low bits its byte
 * count) and the magnitude in big-endian bytes, header and magnitude inverted for a negative
 * value.
 */
function bignumBytes(value: bigint): Uint8Array {
  const negative = value < 0n;
  let magnitude = negative ? -value : value;
  const digits: number[] = [];
  do {
    digits.unshift(Number(magnitude & 0xffn));
    magnitude >>= 8n;
  } while (magnitude > 0n);
  const header = (1 << 23) | digits.length;
  const bytes = Uint8Array.of(header >> 16, (header >> 8) & 0xff, header & 0xff, ...digits);
  return negative ? bytes.map((byte) => ~byte & 0xff) : bytes;
}

/** BOOLEAN: Arrow packs the values as bits. */
function booleans(): ColumnBuilder {
  const values = new Validity();
  const validity = new Validity();
  return {
    type: new Bool(),
    add(value) {
      values.push(value === true);
      validity.push(value !== null);
    },
    finish() {
      return makeData({ type: new Bool(), data: values.bitmap(), ...validity.props() });
    },
  };
}

/** A column of lists: the offsets of each value's items in one child column. */
function list(itemType: DuckDBType): ColumnBuilder {
  const child = builderFor(itemType);
  const type = new List(new Field("l", child.type, true, child.metadata));
  const offsets: number[] = [0];
  const validity = new Validity();
  let items = 0;
  return {
    type,
    add(value) {
      if (value !== null) {
        for (const item of (value as DuckDBListValue).items) child.add(item);
        items += (value as DuckDBListValue).items.length;
      }
      offsets.push(items);
      validity.push(value !== null);
    },
    finish() {
      return makeData({
        type,
        valueOffsets: Int32Array.from(offsets),
        child: child.finish(),
        ...validity.props(),
      });
    },
  };
}

/** ARRAY: a fixed number of items per value (NULL items for a NULL array). */
function array(arrayType: DuckDBArrayType): ColumnBuilder {
  const child = builderFor(arrayType.valueType);
  const type = new FixedSizeList(
    arrayType.length,
    new Field("l", child.type, true, child.metadata),
  );
  const validity = new Validity();
  return {
    type,
    add(value) {
      const items = value === null
        ? new Array<null>(arrayType.length).fill(null)
        : (value as DuckDBArrayValue).items;
      for (const item of items) child.add(item);
      validity.push(value !== null);
    },
    finish() {
      return makeData({ type, child: child.finish(), ...validity.props() });
    },
  };
}

/** Child columns by name, one value each per row (NULLs for a NULL struct). */
function struct(names: readonly string[], types: readonly DuckDBType[]): ColumnBuilder {
  const children = types.map(builderFor);
  const fields = children.map((child, i) => new Field(names[i], child.type, true, child.metadata));
  const type = new Struct(fields);
  const validity = new Validity();
  return {
    type,
    add(value) {
      const entries = value === null ? undefined : (value as DuckDBStructValue).entries;
      names.forEach((name, i) => children[i].add(entries?.[name] ?? null));
      validity.push(value !== null);
    },
    finish() {
      return makeData({
        type,
        children: children.map((child) => child.finish()),
        ...validity.props(),
      });
    },
  };
}

/** MAP: a list of `{ key, value }` entries. */
function map(mapType: DuckDBMapType): ColumnBuilder {
  const keys = builderFor(mapType.keyType);
  const values = builderFor(mapType.valueType);
  const entryType = new Struct([
    new Field("key", keys.type, false, keys.metadata),
    new Field("value", values.type, true, values.metadata),
  ]);
  const type = new Map_(new Field("entries", entryType, false));
  const offsets: number[] = [0];
  const validity = new Validity();
  let entries = 0;
  return {
    type,
    add(value) {
      if (value !== null) {
        for (const entry of (value as DuckDBMapValue).entries) {
          keys.add(entry.key);
          values.add(entry.value);
        }
        entries += (value as DuckDBMapValue).entries.length;
      }
      offsets.push(entries);
      validity.push(value !== null);
    },
    finish() {
      const child = makeData({
        type: entryType,
        length: entries,
        nullCount: 0,
        children: [keys.finish(), values.finish()],
      });
      return makeData({
        type,
        valueOffsets: Int32Array.from(offsets),
        child,
        ...validity.props(),
      });
    },
  };
}

/** ENUM: indices into a dictionary of the enum's values. */
function enumeration(enumType: DuckDBEnumType): ColumnBuilder {
  const indexType = enumType.internalTypeId === DuckDBTypeId.UTINYINT
    ? new Uint8()
    : enumType.internalTypeId === DuckDBTypeId.USMALLINT
    ? new Uint16()
    : new Uint32();
  const type = new Dictionary(new Utf8(), indexType);
  const indices = scalar<string>(
    indexType,
    indexType.ArrayType,
    (value) => enumType.indexForValue(value),
  );
  const dictionary = variable<string>(new Utf8(), (value) => value);
  for (const value of enumType.values) dictionary.add(value);
  return {
    type,
    add: (value) => indices.add(value),
    finish() {
      const data = indices.finish();
      return makeData(
        {
          type,
          data: data.values,
          nullBitmap: data.nullBitmap,
          nullCount: data.nullCount,
          length: data.length,
          dictionary: makeVector(dictionary.finish()),
        } as Parameters<typeof makeData>[0],
      );
    },
  };
}

/** UNION: a sparse union, every member a full-length child (NULL where another member is). */
function union(unionType: DuckDBUnionType): ColumnBuilder {
  const members = unionType.memberTypes.map(builderFor);
  const memberIds = members.map((_, i) => i);
  const type = new SparseUnion(
    memberIds,
    members.map((member, i) =>
      new Field(unionType.memberTags[i], member.type, true, member.metadata)
    ),
  );
  const typeIds: number[] = [];
  return {
    type,
    add(value) {
      const selected = value === null
        ? 0
        : unionType.memberIndexForTag((value as DuckDBUnionValue).tag);
      typeIds.push(selected);
      members.forEach((member, i) =>
        member.add(i === selected && value !== null ? (value as DuckDBUnionValue).value : null)
      );
    },
    finish() {
      return makeData({
        type,
        typeIds: Int8Array.from(typeIds),
        children: members.map((member) => member.finish()),
      });
    },
  };
}

/** NULL literals (DuckDB types them INTEGER in results; this is for whatever slips through). */
function nulls(): ColumnBuilder {
  let length = 0;
  return {
    type: new Null(),
    add() {
      length++;
    },
    finish: () => makeData({ type: new Null(), length }),
  };
}

/** The builder of a column of DuckDB `type`. */
function builderFor(type: DuckDBType): ColumnBuilder {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return booleans();
    case DuckDBTypeId.TINYINT:
      return scalar(new Int8(), Int8Array);
    case DuckDBTypeId.SMALLINT:
      return scalar(new Int16(), Int16Array);
    case DuckDBTypeId.INTEGER:
      return scalar(new Int32(), Int32Array);
    case DuckDBTypeId.BIGINT:
      return scalar(new Int64(), BigInt64Array);
    case DuckDBTypeId.UTINYINT:
      return scalar(new Uint8(), Uint8Array);
    case DuckDBTypeId.USMALLINT:
      return scalar(new Uint16(), Uint16Array);
    case DuckDBTypeId.UINTEGER:
      return scalar(new Uint32(), Uint32Array);
    case DuckDBTypeId.UBIGINT:
      return scalar(new Uint64(), BigUint64Array);
    case DuckDBTypeId.FLOAT:
      return scalar(new Float32(), Float32Array);
    case DuckDBTypeId.DOUBLE:
      return scalar(new Float64(), Float64Array);
    case DuckDBTypeId.HUGEINT:
      return decimals<bigint>(new Decimal(0, 38, 128), (value) => value);
    case DuckDBTypeId.UHUGEINT:
      return fixed<bigint>(
        new FixedSizeBinary(16),
        Uint8Array,
        16,
        (target, offset, value) => {
          for (let i = 0; i < 16; i++) {
            target[offset + i] = Number((value >> BigInt(8 * i)) & 0xffn);
          }
        },
        opaque("uhugeint"),
      );
    case DuckDBTypeId.DECIMAL: {
      const { width, scale } = type as DuckDBDecimalType;
      return decimals<DuckDBDecimalValue>(new Decimal(scale, width, 128), (value) => value.value);
    }
    case DuckDBTypeId.DATE:
      return scalar<DuckDBDateValue>(new DateDay(), Int32Array, (value) => value.days);
    case DuckDBTypeId.TIME:
      return scalar<DuckDBTimeValue>(new TimeMicrosecond(), BigInt64Array, (value) => value.micros);
    case DuckDBTypeId.TIME_TZ:
      // the time of day as written, its offset dropped (as DuckDB's Arrow export does)
      return scalar<DuckDBTimeTZValue>(
        new TimeMicrosecond(),
        BigInt64Array,
        (value) => value.micros,
      );
    case DuckDBTypeId.TIMESTAMP:
      return scalar<DuckDBTimestampValue>(
        new TimestampMicrosecond(),
        BigInt64Array,
        (value) => value.micros,
      );
    case DuckDBTypeId.TIMESTAMP_TZ:
      return scalar<DuckDBTimestampTZValue>(
        new TimestampMicrosecond("UTC"),
        BigInt64Array,
        (value) => value.micros,
      );
    case DuckDBTypeId.TIMESTAMP_S:
      return scalar<DuckDBTimestampSecondsValue>(
        new TimestampSecond(),
        BigInt64Array,
        (value) => value.seconds,
      );
    case DuckDBTypeId.TIMESTAMP_MS:
      return scalar<DuckDBTimestampMillisecondsValue>(
        new TimestampMillisecond(),
        BigInt64Array,
        (value) => value.millis,
      );
    case DuckDBTypeId.TIMESTAMP_NS:
      return scalar<DuckDBTimestampNanosecondsValue>(
        new TimestampNanosecond(),
        BigInt64Array,
        (value) => value.nanos,
      );
    case DuckDBTypeId.INTERVAL:
      // Arrow's layout: months and days as int32, nanoseconds as int64
      return fixed<DuckDBIntervalValue>(
        new Interval(IntervalUnit.MONTH_DAY_NANO),
        Int32Array,
        4,
        (target, offset, value) => {
          const nanos = BigInt.asUintN(64, value.micros * 1000n);
          target[offset] = value.months;
          target[offset + 1] = value.days;
          target[offset + 2] = Number(nanos & 0xffffffffn);
          target[offset + 3] = Number(nanos >> 32n);
        },
      );
    case DuckDBTypeId.VARCHAR:
      return variable<string>(new Utf8(), (value) => value);
    case DuckDBTypeId.UUID:
      return variable<DuckDBUUIDValue>(new Utf8(), (value) => value.toString());
    case DuckDBTypeId.BLOB:
      return variable<DuckDBBlobValue>(new Binary(), (value) => value.bytes);
    case DuckDBTypeId.BIT:
      return variable<DuckDBBitValue>(new Binary(), (value) => value.data);
    case DuckDBTypeId.BIGNUM:
      return variable<bigint>(new Binary(), bignumBytes, opaque("bignum"));
    case DuckDBTypeId.ENUM:
      return enumeration(type as DuckDBEnumType);
    case DuckDBTypeId.LIST:
      return list((type as DuckDBListType).valueType);
    case DuckDBTypeId.ARRAY:
      return array(type as DuckDBArrayType);
    case DuckDBTypeId.STRUCT:
      return struct((type as DuckDBStructType).entryNames, (type as DuckDBStructType).entryTypes);
    case DuckDBTypeId.MAP:
      return map(type as DuckDBMapType);
    case DuckDBTypeId.UNION:
      return union(type as DuckDBUnionType);
    case DuckDBTypeId.SQLNULL:
      return nulls();
    default:
      throw new TypeError(`Cannot read DuckDB values of type ${type} into Arrow`);
  }
}
