/**
 * Thrift's compact protocol, read into a generic tree and written back: enough to edit a
 * Parquet footer (`FileMetaData`) without a schema of it. Field ids and wire types are kept, so
 * what is not edited is written back as it was read.
 *
 * @module
 */

/** Compact-protocol wire types. */
export const T = {
  stop: 0,
  true: 1,
  false: 2,
  byte: 3,
  i16: 4,
  i32: 5,
  i64: 6,
  double: 7,
  binary: 8,
  list: 9,
  set: 10,
  map: 11,
  struct: 12,
} as const;

/** A value as read: its wire type decides which. */
export type ThriftValue =
  | boolean
  | number
  | bigint
  | Uint8Array
  | ThriftList
  | ThriftMap
  | ThriftStruct;

/** A list or set: its element type and elements. */
export interface ThriftList {
  kind: "list";
  elementType: number;
  items: ThriftValue[];
}

/** A map: its key and value types and entries. */
export interface ThriftMap {
  kind: "map";
  keyType: number;
  valueType: number;
  entries: [ThriftValue, ThriftValue][];
}

/** One field of a struct. `type` is the wire type (`T.true` for any boolean). */
export interface ThriftField {
  id: number;
  type: number;
  value: ThriftValue;
}

/** A struct: its fields in the order they were read. */
export interface ThriftStruct {
  kind: "struct";
  fields: ThriftField[];
}

/** Reads one struct from `bytes`; throws a `RangeError` on bytes that are not one. */
export function readStruct(bytes: Uint8Array): ThriftStruct {
  return new Reader(bytes).struct();
}

/** Writes `struct` in the compact protocol. */
export function writeStruct(struct: ThriftStruct): Uint8Array {
  const writer = new Writer();
  writer.struct(struct);
  return writer.bytes();
}

/** The value of field `id` of `struct`, if it has it. */
export function field(struct: ThriftStruct, id: number): ThriftValue | undefined {
  return struct.fields.find((f) => f.id === id)?.value;
}

class Reader {
  #bytes: Uint8Array;
  #pos = 0;
  #depth = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  #byte(): number {
    if (this.#pos >= this.#bytes.length) throw new RangeError("Thrift data ends early");
    return this.#bytes[this.#pos++];
  }

  #varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.#byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new RangeError("Thrift varint is too long");
    }
  }

  #zigzag(): bigint {
    const n = this.#varint();
    return (n >> 1n) ^ -(n & 1n);
  }

  #size(): number {
    const n = Number(this.#varint());
    if (n > this.#bytes.length) throw new RangeError("Thrift size exceeds the data");
    return n;
  }

  struct(): ThriftStruct {
    if (++this.#depth > 64) throw new RangeError("Thrift structs nest too deep");
    const fields: ThriftField[] = [];
    let last = 0;
    for (;;) {
      const header = this.#byte();
      const type = header & 0x0f;
      if (type === T.stop) break;
      const delta = header >> 4;
      const id = delta === 0 ? Number(this.#zigzag()) : last + delta;
      last = id;
      const value = type === T.true || type === T.false ? type === T.true : this.value(type);
      fields.push({ id, type: type === T.false ? T.true : type, value });
    }
    this.#depth--;
    return { kind: "struct", fields };
  }

  value(type: number): ThriftValue {
    switch (type) {
      case T.true:
      case T.false:
        // a boolean element of a list or map: one byte
        return this.#byte() === T.true;
      case T.byte: {
        const b = this.#byte();
        return b > 127 ? b - 256 : b;
      }
      case T.i16:
      case T.i32:
        return Number(this.#zigzag());
      case T.i64:
        return this.#zigzag();
      case T.double: {
        const view = new DataView(this.#bytes.buffer, this.#bytes.byteOffset + this.#pos, 8);
        this.#pos += 8;
        if (this.#pos > this.#bytes.length) throw new RangeError("Thrift data ends early");
        return view.getFloat64(0, true);
      }
      case T.binary: {
        const length = this.#size();
        const end = this.#pos + length;
        if (end > this.#bytes.length) throw new RangeError("Thrift data ends early");
        const out = this.#bytes.subarray(this.#pos, end);
        this.#pos = end;
        return out;
      }
      case T.list:
      case T.set: {
        const header = this.#byte();
        const count = header >> 4 === 15 ? this.#size() : header >> 4;
        const elementType = header & 0x0f;
        const items: ThriftValue[] = [];
        for (let i = 0; i < count; i++) items.push(this.value(elementType));
        return { kind: "list", elementType, items };
      }
      case T.map: {
        const count = this.#size();
        if (count === 0) return { kind: "map", keyType: 0, valueType: 0, entries: [] };
        const types = this.#byte();
        const keyType = types >> 4;
        const valueType = types & 0x0f;
        const entries: [ThriftValue, ThriftValue][] = [];
        for (let i = 0; i < count; i++) entries.push([this.value(keyType), this.value(valueType)]);
        return { kind: "map", keyType, valueType, entries };
      }
      case T.struct:
        return this.struct();
      default:
        throw new RangeError(`Unknown Thrift type ${type}`);
    }
  }
}

class Writer {
  #chunks: number[] = [];
  #parts: Uint8Array[] = [];

  bytes(): Uint8Array {
    this.#flush();
    const length = this.#parts.reduce((sum, part) => sum + part.length, 0);
    const out = new Uint8Array(length);
    let at = 0;
    for (const part of this.#parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  #flush(): void {
    if (this.#chunks.length > 0) this.#parts.push(Uint8Array.from(this.#chunks));
    this.#chunks = [];
  }

  #varint(n: bigint): void {
    while (n >= 0x80n) {
      this.#chunks.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.#chunks.push(Number(n));
  }

  #zigzag(n: bigint): void {
    this.#varint(BigInt.asUintN(64, (n << 1n) ^ (n >> 63n)));
  }

  struct(struct: ThriftStruct): void {
    let last = 0;
    for (const { id, type, value } of struct.fields) {
      const wire = type === T.true ? (value ? T.true : T.false) : type;
      if (id > last && id - last <= 15) {
        this.#chunks.push(((id - last) << 4) | wire);
      } else {
        this.#chunks.push(wire);
        this.#zigzag(BigInt(id));
      }
      last = id;
      if (type !== T.true) this.value(type, value);
    }
    this.#chunks.push(T.stop);
  }

  value(type: number, value: ThriftValue): void {
    switch (type) {
      case T.true:
      case T.false:
        this.#chunks.push(value ? T.true : T.false);
        return;
      case T.byte:
        this.#chunks.push((value as number) & 0xff);
        return;
      case T.i16:
      case T.i32:
        this.#zigzag(BigInt(value as number));
        return;
      case T.i64:
        this.#zigzag(value as bigint);
        return;
      case T.double: {
        const out = new Uint8Array(8);
        new DataView(out.buffer).setFloat64(0, value as number, true);
        this.#chunks.push(...out);
        return;
      }
      case T.binary: {
        const bytes = value as Uint8Array;
        this.#varint(BigInt(bytes.length));
        this.#flush();
        this.#parts.push(bytes);
        return;
      }
      case T.list:
      case T.set: {
        const list = value as ThriftList;
        const count = list.items.length;
        if (count < 15) {
          this.#chunks.push((count << 4) | list.elementType);
        } else {
          this.#chunks.push(0xf0 | list.elementType);
          this.#varint(BigInt(count));
        }
        for (const item of list.items) this.value(list.elementType, item);
        return;
      }
      case T.map: {
        const map = value as ThriftMap;
        this.#varint(BigInt(map.entries.length));
        if (map.entries.length === 0) return;
        this.#chunks.push((map.keyType << 4) | map.valueType);
        for (const [k, v] of map.entries) {
          this.value(map.keyType, k);
          this.value(map.valueType, v);
        }
        return;
      }
      case T.struct:
        this.struct(value as ThriftStruct);
        return;
      default:
        throw new RangeError(`Unknown Thrift type ${type}`);
    }
  }
}
