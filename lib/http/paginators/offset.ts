/**
 * Paging by offset and limit (dlt's `offset`).
 *
 * @module
 */
import { describeValue } from "../../options.ts";
import type { PageResponse, Paginator, RequestSpec } from "../types.ts";
import { chooseTarget, putValue, type Target } from "./_paths.ts";
import { PageRange } from "./_range.ts";

/** Options of {@linkcode OffsetPaginator}. */
export interface OffsetPaginatorOptions {
  /** How many items to ask for per page, a positive integer. */
  limit: number;
  /**
   * The offset of the first page.
   * @default {0}
   */
  offset?: number;
  /**
   * The query parameter for the offset (unless `offsetBodyPath` is given).
   * @default {"offset"}
   */
  offsetParam?: string;
  /**
   * The query parameter for the limit (unless `limitBodyPath` is given).
   * @default {"limit"}
   */
  limitParam?: string;
  /**
   * Path of the total number of items in the response; `null` when there is none.
   * @default {"total"}
   */
  totalPath?: string | null;
  /** Pagination stops before an offset this large. */
  maximumOffset?: number;
  /**
   * Whether a page without items ends pagination.
   * @default {true}
   */
  stopAfterEmptyPage?: boolean;
  /** Path of a boolean in the response that says whether more pages follow. */
  hasMorePath?: string;
  /** Path in the JSON request body for the offset, instead of a query parameter. */
  offsetBodyPath?: string;
  /** Path in the JSON request body for the limit, instead of a query parameter. */
  limitBodyPath?: string;
}

/**
 * Asks for `limit` items at a growing offset; stops when the offset reaches the total, a page
 * is empty, `hasMorePath` says no, or `maximumOffset` is reached.
 *
 * @example Offset and limit as query parameters
 * ```ts
 * import assert from "node:assert/strict";
 * import { OffsetPaginator } from "./offset.ts";
 * const paginator = new OffsetPaginator({ limit: 50 });
 * const request = {
 *   url: new URL("https://api.example.com/items"),
 *   method: "GET",
 *   headers: new Headers(),
 * };
 * paginator.initRequest(request);
 * assert.equal(request.url.search, "?offset=0&limit=50");
 * paginator.updateState({ response: new Response(), body: { total: 120 }, items: [1], request });
 * paginator.updateRequest(request);
 * assert.equal(request.url.search, "?offset=50&limit=50");
 * ```
 */
export class OffsetPaginator implements Paginator {
  /** dlt's name of this paginator. */
  readonly type = "offset";
  readonly #options: OffsetPaginatorOptions;
  readonly #range: PageRange;
  readonly #offsetTarget: Target;
  readonly #limitTarget: Target;

  /** Checks `options`; a missing or invalid `limit` is a RangeError, as are clashing options. */
  constructor(options: OffsetPaginatorOptions) {
    const { limit } = options;
    if (!Number.isInteger(limit) || limit <= 0) {
      throw new RangeError(
        `OffsetPaginator needs "limit", a positive integer; got ${describeValue(limit)}`,
      );
    }
    this.#options = options;
    this.#range = new PageRange({
      owner: "OffsetPaginator",
      counted: "items",
      start: options.offset ?? 0,
      step: limit,
      base: 0,
      maximumOption: "maximumOffset",
      maximum: options.maximumOffset,
      totalPath: options.totalPath === undefined ? "total" : options.totalPath,
      stopAfterEmptyPage: options.stopAfterEmptyPage ?? true,
      hasMorePath: options.hasMorePath,
    });
    this.#offsetTarget = chooseTarget(
      ["offsetParam", options.offsetParam],
      ["offsetBodyPath", options.offsetBodyPath],
      "offset",
    );
    this.#limitTarget = chooseTarget(
      ["limitParam", options.limitParam],
      ["limitBodyPath", options.limitBodyPath],
      "limit",
    );
  }

  /** Whether another page is to be fetched. */
  get hasNextPage(): boolean {
    return this.#range.hasNextPage;
  }

  /** A paginator with the same options, at the first offset. */
  fresh(): OffsetPaginator {
    return new OffsetPaginator(this.#options);
  }

  /** Puts the first offset and the limit into `request`. */
  initRequest(request: RequestSpec): void {
    this.updateRequest(request);
  }

  /** Reads the total and moves the offset on by the limit. */
  updateState(page: PageResponse): void {
    this.#range.update(page);
  }

  /** Puts the current offset and the limit into `request`. */
  updateRequest(request: RequestSpec): void {
    putValue(request, this.#offsetTarget, this.#range.value);
    putValue(request, this.#limitTarget, this.#options.limit);
  }
}
