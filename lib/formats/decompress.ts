/**
 * Gzip-compressed files read transparently, as dlt opens files whose name ends in `.gz`.
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
