/**
 * Paging by page number (dlt's `page_number`).
 *
 * @module
 */
import type { PageResponse, Paginator, RequestSpec } from "../types.ts";
import { chooseTarget, putValue, type Target } from "./_paths.ts";
import { PageRange } from "./_range.ts";

/** Options of {@linkcode PageNumberPaginator}. */
export interface PageNumberPaginatorOptions {
  /**
   * The number of the API's first page: with 1, a total of 3 pages means pages 1 to 3.
   * @default {0}
   */
  basePage?: number;
  /** The page to start from; `basePage` when not given. */
  page?: number;
  /**
   * The query parameter for the page number (unless `pageBodyPath` is given).
   * @default {"page"}
   */
  pageParam?: string;
  /**
   * Path of the total number of pages in the response; `null` when there is none.
   * @default {"total"}
   */
  totalPath?: string | null;
  /** Pagination stops before this page number. */
  maximumPage?: number;
  /**
   * Whether a page without items ends pagination.
   * @default {true}
   */
  stopAfterEmptyPage?: boolean;
  /** Path of a boolean in the response that says whether more pages follow. */
  hasMorePath?: string;
  /** Path in the JSON request body for the page number, instead of a query parameter. */
  pageBodyPath?: string;
}

/**
 * Asks for page after page; stops after the last of the total pages, at an empty page, when
 * `hasMorePath` says no, or before `maximumPage`.
 *
 * @example Pages counted from 1
 * ```ts
 * import assert from "node:assert/strict";
 * import { PageNumberPaginator } from "./page_number.ts";
 * const paginator = new PageNumberPaginator({ basePage: 1, totalPath: "total_pages" });
 * const request = {
 *   url: new URL("https://api.example.com/items"),
 *   method: "GET",
 *   headers: new Headers(),
 * };
 * paginator.initRequest(request);
 * assert.equal(request.url.search, "?page=1");
 * const body = { total_pages: 2 };
 * paginator.updateState({ response: new Response(), body, items: [1], request });
 * paginator.updateRequest(request);
 * assert.equal(request.url.search, "?page=2");
 * paginator.updateState({ response: new Response(), body, items: [2], request });
 * assert.equal(paginator.hasNextPage, false);
 * ```
 */
export class PageNumberPaginator implements Paginator {
  /** dlt's name of this paginator. */
  readonly type = "page_number";
  readonly #options: PageNumberPaginatorOptions;
  readonly #range: PageRange;
  readonly #target: Target;

  /** Checks `options`; clashing options are a RangeError. */
  constructor(options: PageNumberPaginatorOptions = {}) {
    const basePage = options.basePage ?? 0;
    this.#options = options;
    this.#range = new PageRange({
      owner: "PageNumberPaginator",
      counted: "pages",
      start: options.page ?? basePage,
      step: 1,
      base: basePage,
      maximumOption: "maximumPage",
      maximum: options.maximumPage,
      totalPath: options.totalPath === undefined ? "total" : options.totalPath,
      stopAfterEmptyPage: options.stopAfterEmptyPage ?? true,
      hasMorePath: options.hasMorePath,
    });
    this.#target = chooseTarget(
      ["pageParam", options.pageParam],
      ["pageBodyPath", options.pageBodyPath],
      "page",
    );
  }

  /** Whether another page is to be fetched. */
  get hasNextPage(): boolean {
    return this.#range.hasNextPage;
  }

  /** A paginator with the same options, at the first page. */
  fresh(): PageNumberPaginator {
    return new PageNumberPaginator(this.#options);
  }

  /** Puts the first page number into `request`. */
  initRequest(request: RequestSpec): void {
    this.updateRequest(request);
  }

  /** Reads the total and moves on to the next page number. */
  updateState(page: PageResponse): void {
    this.#range.update(page);
  }

  /** Puts the current page number into `request`. */
  updateRequest(request: RequestSpec): void {
    putValue(request, this.#target, this.#range.value);
  }
}
