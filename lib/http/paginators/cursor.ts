/**
 * Paging by a cursor in the response body (dlt's `cursor`).
 *
 * @module
 */
import { DltError } from "../../errors.ts";
import { valueAtPath } from "../../json_path.ts";
import { describeValue } from "../../options.ts";
import type { PageResponse, Paginator, RequestSpec } from "../types.ts";
import {
  chooseTarget,
  compilePath,
  type NamedPath,
  putValue,
  readHasMore,
  type Target,
} from "./_paths.ts";

/** Options of {@linkcode JsonResponseCursorPaginator}. */
export interface JsonResponseCursorPaginatorOptions {
  /**
   * Path of the next page's cursor in the response body.
   * @default {"cursors.next"}
   */
  cursorPath?: string;
  /**
   * The query parameter that sends the cursor, unless `cursorBodyPath` is given.
   * @default {"cursor"}
   */
  cursorParam?: string;
  /** Path in the JSON request body for the cursor, instead of a query parameter. */
  cursorBodyPath?: string;
  /** Path of a boolean in the response that says whether more pages follow. */
  hasMorePath?: string;
  /**
   * Whether a page without items ends pagination.
   * @default {false}
   */
  stopAfterEmptyPage?: boolean;
}

/**
 * Sends the cursor found in the body at `cursorPath` with the next request, until the cursor is
 * missing, `null` or empty, `hasMorePath` says no, or (with `stopAfterEmptyPage`) a page is empty.
 *
 * @example A cursor as query parameter
 * ```ts
 * import assert from "node:assert/strict";
 * import { JsonResponseCursorPaginator } from "./cursor.ts";
 * const paginator = new JsonResponseCursorPaginator({
 *   cursorPath: "response_metadata.next_cursor",
 *   cursorParam: "cursor",
 * });
 * const request = {
 *   url: new URL("https://api.example.com/items"),
 *   method: "GET",
 *   headers: new Headers(),
 * };
 * paginator.initRequest(request);
 * const body = { response_metadata: { next_cursor: "dXNlcjpVMDYxTkZUVDI=" } };
 * paginator.updateState({ response: new Response(), body, items: [1], request });
 * paginator.updateRequest(request);
 * assert.equal(request.url.searchParams.get("cursor"), "dXNlcjpVMDYxTkZUVDI=");
 * ```
 */
export class JsonResponseCursorPaginator implements Paginator {
  /** dlt's name of this paginator. */
  readonly type = "cursor";
  readonly #options: JsonResponseCursorPaginatorOptions;
  readonly #cursorPath: NamedPath;
  readonly #hasMorePath: NamedPath | undefined;
  readonly #target: Target;
  #hasNextPage = true;
  #cursor: string | number | undefined;

  /** Checks `options`; malformed paths and clashing options are a RangeError. */
  constructor(options: JsonResponseCursorPaginatorOptions = {}) {
    this.#options = options;
    this.#cursorPath = compilePath("cursorPath", options.cursorPath ?? "cursors.next");
    this.#hasMorePath = options.hasMorePath === undefined
      ? undefined
      : compilePath("hasMorePath", options.hasMorePath);
    this.#target = chooseTarget(
      ["cursorParam", options.cursorParam],
      ["cursorBodyPath", options.cursorBodyPath],
      "cursor",
    );
  }

  /** Whether another page is to be fetched. */
  get hasNextPage(): boolean {
    return this.#hasNextPage;
  }

  /** A paginator with the same options that has read no page yet. */
  fresh(): JsonResponseCursorPaginator {
    return new JsonResponseCursorPaginator(this.#options);
  }

  /** Leaves the first request as it is. */
  initRequest(_request: RequestSpec): void {}

  /**
   * Reads the cursor; a cursor that is neither a string nor a number, or none where
   * `hasMorePath` says there are more pages, is a DltError.
   */
  updateState({ body, items }: PageResponse): void {
    this.#cursor = readCursor(this.#cursorPath, body);
    const hasMore = this.#hasMorePath === undefined
      ? undefined
      : readHasMore("JsonResponseCursorPaginator", this.#hasMorePath, body);
    if (hasMore === true && this.#cursor === undefined) {
      // the API says there is more but gives no way to get it: stopping would lose data quietly
      throw new DltError(
        `JsonResponseCursorPaginator: "${
          this.#hasMorePath!.text
        }" says there are more pages, but there is no cursor at "${this.#cursorPath.text}"`,
      );
    }
    this.#hasNextPage = this.#cursor !== undefined &&
      !(this.#options.stopAfterEmptyPage && items.length === 0) && hasMore !== false;
  }

  /** Puts the cursor into `request`. */
  updateRequest(request: RequestSpec): void {
    if (this.#cursor !== undefined) putValue(request, this.#target, this.#cursor);
  }
}

/** The cursor at `cursorPath` in `body`; `undefined` for none (`null`, `""`, `0`, `false`). */
function readCursor(cursorPath: NamedPath, body: unknown): string | number | undefined {
  const cursor = valueAtPath(body, cursorPath.path);
  if (!cursor) return undefined;
  if (typeof cursor === "string" || typeof cursor === "number") return cursor;
  throw new DltError(
    `JsonResponseCursorPaginator expected a cursor at "${cursorPath.text}" in the response, found ${
      describeValue(cursor)
    }`,
  );
}

/** dlt's other name of {@linkcode JsonResponseCursorPaginator}. */
export const CursorPaginator = JsonResponseCursorPaginator;
/** Options of {@linkcode CursorPaginator}. */
export type CursorPaginatorOptions = JsonResponseCursorPaginatorOptions;
