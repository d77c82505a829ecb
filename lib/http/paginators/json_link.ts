/**
 * Paging by a next-page URL in the response body (dlt's `json_link`).
 *
 * @module
 */
import { DltError } from "../../errors.ts";
import { valueAtPath } from "../../json_path.ts";
import { describeValue } from "../../options.ts";
import type { PageResponse, Paginator, RequestSpec } from "../types.ts";
import { compilePath, type NamedPath } from "./_paths.ts";

/** Options of {@linkcode JsonLinkPaginator}. */
export interface JsonLinkPaginatorOptions {
  /**
   * Path of the next page's URL in the response body.
   * @default {"next"}
   */
  nextUrlPath?: string;
}

/**
 * Follows the URL found in the body at `nextUrlPath` until it is missing, `null` or empty. A
 * relative URL is resolved against the request's; the next URL replaces the request's URL, query
 * included.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JsonLinkPaginator } from "./json_link.ts";
 * const paginator = new JsonLinkPaginator({ nextUrlPath: "paging.next" });
 * const request = {
 *   url: new URL("https://api.example.com/items?limit=10"),
 *   method: "GET",
 *   headers: new Headers(),
 * };
 * paginator.initRequest(request);
 * const body = { paging: { next: "/items?page=2" } };
 * paginator.updateState({ response: new Response(), body, items: [1], request });
 * paginator.updateRequest(request);
 * assert.equal(request.url.href, "https://api.example.com/items?page=2");
 * ```
 */
export class JsonLinkPaginator implements Paginator {
  /** dlt's name of this paginator. */
  readonly type = "json_link";
  readonly #options: JsonLinkPaginatorOptions;
  readonly #path: NamedPath;
  #hasNextPage = true;
  #next: string | undefined;

  /** Checks `options`; a malformed path is a RangeError. */
  constructor(options: JsonLinkPaginatorOptions = {}) {
    this.#options = options;
    this.#path = compilePath("nextUrlPath", options.nextUrlPath ?? "next");
  }

  /** Whether another page is to be fetched. */
  get hasNextPage(): boolean {
    return this.#hasNextPage;
  }

  /** A paginator with the same options that has read no page yet. */
  fresh(): JsonLinkPaginator {
    return new JsonLinkPaginator(this.#options);
  }

  /** Leaves the first request as it is. */
  initRequest(_request: RequestSpec): void {}

  /** Reads the next page's URL; a value that is not a string is a DltError. */
  updateState({ body, request }: PageResponse): void {
    const next = valueAtPath(body, this.#path.path);
    if (next !== undefined && next !== null && typeof next !== "string") {
      throw new DltError(
        `JsonLinkPaginator expected a URL at "${this.#path.text}" in the response, found ${
          describeValue(next)
        }`,
      );
    }
    this.#next = next ? new URL(next, request.url).href : undefined;
    this.#hasNextPage = this.#next !== undefined;
  }

  /** Points `request` at the next page's URL. */
  updateRequest(request: RequestSpec): void {
    if (this.#next !== undefined) request.url = new URL(this.#next);
  }
}
