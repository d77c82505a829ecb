/**
 * Gzip-compressed files read transparently: {@linkcode gunzip} for a file known to be gzip (dlt
 * opens a file whose name ends in `.gz` so), {@linkcode maybeGunzip} for one told by its first
 * bytes. The one gunzip of the filesystem source and the filesystem destination.
 *
 * @module
 */
import { DltError } from "../errors.ts";
import { FileFormatError, reasonOf } from "./format_error.ts";

/**
 * The bytes of the gzip stream `stream`, decompressed as they are read. A corrupt or truncated
 * stream is a {@linkcode FileFormatError} naming `fileName`; an error of `stream` itself (a file
 * that cannot be read) passes through as it is.
 *
 * @example
 * ```ts
 * import { gunzip } from "./decompress.ts";
 * const packed = new Blob(["a,b\n1,2\n"]).stream().pipeThrough(new CompressionStream("gzip"));
 * const text = await new Response(gunzip(packed, "t.csv.gz")).text();
 * if (text !== "a,b\n1,2\n") throw new Error(text);
 * ```
 */
export function gunzip(
  stream: ReadableStream<Uint8Array>,
  fileName: string,
): ReadableStream<Uint8Array> {
  // the DOM types let it take only bytes of an `ArrayBuffer`; it takes any `Uint8Array`
  const inflate = new DecompressionStream("gzip") as unknown as TransformStream<
    Uint8Array,
    Uint8Array
  >;
  const reader = stream.pipeThrough(inflate).getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        controller.error(
          error instanceof DltError ? error : new FileFormatError(
            fileName,
            `it is not valid gzip (${reasonOf(error)})`,
            { cause: error },
          ),
        );
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** The first two bytes of every gzip stream. */
const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * The bytes of `stream` decompressed as {@linkcode gunzip} does when they are gzip (told by their
 * first bytes, not the file's name), else as they are: dlt wrote compressed files without `.gz`
 * before its storage version 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maybeGunzip } from "./decompress.ts";
 * const text = async (s: ReadableStream<Uint8Array>) =>
 *   await new Response(await maybeGunzip(s, "t.jsonl")).text();
 * const plain = () => new Blob(["hello"]).stream();
 * assert.equal(await text(plain()), "hello");
 * assert.equal(await text(plain().pipeThrough(new CompressionStream("gzip"))), "hello");
 * ```
 */
export async function maybeGunzip(
  stream: ReadableStream<Uint8Array>,
  fileName: string,
): Promise<ReadableStream<Uint8Array>> {
  const reader = stream.getReader();
  // the first chunks, until the magic bytes can be told
  const head: Uint8Array[] = [];
  let length = 0;
  while (length < GZIP_MAGIC.length) {
    const { done, value } = await reader.read();
    if (done) break;
    head.push(value);
    length += value.length;
  }
  const byteAt = (index: number) => {
    for (const chunk of head) {
      if (index < chunk.length) return chunk[index];
      index -= chunk.length;
    }
    return undefined;
  };
  const rejoined = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of head) controller.enqueue(chunk);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return GZIP_MAGIC.every((byte, i) => byteAt(i) === byte) ? gunzip(rejoined, fileName) : rejoined;
}
