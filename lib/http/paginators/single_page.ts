/**
 * The paginator of endpoints that answer with everything at once (dlt's `single_page`).
 *
 * @module
 */
import type { PageResponse, Paginator, RequestSpec } from "../types.ts";

/**
 * Fetches one page and stops.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SinglePagePaginator } from "./single_page.ts";
 * const paginator = new SinglePagePaginator();
 * const request = {
 *   url: new URL("https://api.example.com/items"),
 *   method: "GET",
 *   headers: new Headers(),
 * };
 * paginator.initRequest(request);
 * paginator.updateState({ response: new Response(), body: [1, 2], items: [1, 2], request });
 * assert.equal(paginator.hasNextPage, false);
 * ```
 */
export class SinglePagePaginator implements Paginator {
  /** dlt's name of this paginator. */
  readonly type = "single_page";
  #hasNextPage = true;

  /** True until the page has been read. */
  get hasNextPage(): boolean {
    return this.#hasNextPage;
  }

  /** A paginator that has not read its page yet. */
  fresh(): SinglePagePaginator {
    return new SinglePagePaginator();
  }

  /** Leaves the request as it is. */
  initRequest(_request: RequestSpec): void {}

  /** Ends pagination. */
  updateState(_page: PageResponse): void {
    this.#hasNextPage = false;
  }

  /** Leaves the request as it is. */
  updateRequest(_request: RequestSpec): void {}
}
