/**
 * Paging by a cursor in a response header (dlt's `header_cursor`).
 *
 * @module
 */
import type { PageResponse, Paginator, RequestSpec } from "../types.ts";

/** Options of {@linkcode HeaderCursorPaginator}. */
export interface HeaderCursorPaginatorOptions {
  /**
   * The response header that holds the next page's cursor.
   * @default {"next"}
   */
  cursorKey?: string;
  /**
   * The query parameter that sends the cursor.
   * @default {"cursor"}
   */
  cursorParam?: string;
}

/**
 * Sends the cursor found in the response header `cursorKey` as query parameter `cursorParam`,
 * until the header is missing or empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HeaderCursorPaginator } from "./header_cursor.ts";
 * const paginator = new HeaderCursorPaginator({ cursorKey: "X-Next-Cursor" });
 * const request = {
 *   url: new URL("https://api.example.com/items"),
 *   method: "GET",
 *   headers: new Headers(),
 * };
 * paginator.initRequest(request);
 * const response = new Response(null, { headers: { "x-next-cursor": "abc" } });
 * paginator.updateState({ response, body: [], items: [], request });
 * paginator.updateRequest(request);
 * assert.equal(request.url.search, "?cursor=abc");
 * ```
 */
export class HeaderCursorPaginator implements Paginator {
  /** dlt's name of this paginator. */
  readonly type = "header_cursor";
  readonly #options: HeaderCursorPaginatorOptions;
  #hasNextPage = true;
  #cursor: string | undefined;

  /** Keeps `options`. */
  constructor(options: HeaderCursorPaginatorOptions = {}) {
    this.#options = options;
  }

  /** Whether another page is to be fetched. */
  get hasNextPage(): boolean {
    return this.#hasNextPage;
  }

  /** A paginator with the same options that has read no page yet. */
  fresh(): HeaderCursorPaginator {
    return new HeaderCursorPaginator(this.#options);
  }

  /** Leaves the first request as it is. */
  initRequest(_request: RequestSpec): void {}

  /** Reads the cursor from the response header. */
  updateState({ response }: PageResponse): void {
    this.#cursor = response.headers.get(this.#options.cursorKey ?? "next") || undefined;
    this.#hasNextPage = this.#cursor !== undefined;
  }

  /** Puts the cursor into `request` as a query parameter. */
  updateRequest(request: RequestSpec): void {
    if (this.#cursor !== undefined) {
      request.url.searchParams.set(this.#options.cursorParam ?? "cursor", this.#cursor);
    }
  }
}
