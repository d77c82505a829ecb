/**
 * Paging by the `Link` response header of RFC 8288 (dlt's `header_link`), as GitHub does.
 *
 * @module
 */
import type { PageResponse, Paginator, RequestSpec } from "../types.ts";

/** Options of {@linkcode HeaderLinkPaginator}. */
export interface HeaderLinkPaginatorOptions {
  /**
   * The relation type (`rel`) of the link to the next page.
   * @default {"next"}
   */
  linksNextKey?: string;
}

/**
 * Follows the `Link` header's link whose `rel` includes `linksNextKey`, until there is none. A
 * relative link is resolved against the request's URL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HeaderLinkPaginator } from "./header_link.ts";
 * const paginator = new HeaderLinkPaginator();
 * const request = {
 *   url: new URL("https://api.example.com/items"),
 *   method: "GET",
 *   headers: new Headers(),
 * };
 * paginator.initRequest(request);
 * const response = new Response(null, {
 *   headers: { link: '</items?page=2>; rel="next", </items?page=9>; rel="last"' },
 * });
 * paginator.updateState({ response, body: [], items: [], request });
 * paginator.updateRequest(request);
 * assert.equal(request.url.href, "https://api.example.com/items?page=2");
 * ```
 */
export class HeaderLinkPaginator implements Paginator {
  /** dlt's name of this paginator. */
  readonly type = "header_link";
  readonly #options: HeaderLinkPaginatorOptions;
  #hasNextPage = true;
  #next: string | undefined;

  /** Keeps `options`. */
  constructor(options: HeaderLinkPaginatorOptions = {}) {
    this.#options = options;
  }

  /** Whether another page is to be fetched. */
  get hasNextPage(): boolean {
    return this.#hasNextPage;
  }

  /** A paginator with the same options that has read no page yet. */
  fresh(): HeaderLinkPaginator {
    return new HeaderLinkPaginator(this.#options);
  }

  /** Leaves the first request as it is. */
  initRequest(_request: RequestSpec): void {}

  /** Reads the next page's URL from the `Link` header. */
  updateState({ response, request }: PageResponse): void {
    const header = response.headers.get("link") ?? "";
    const target = findLink(header, this.#options.linksNextKey ?? "next");
    this.#next = target === undefined ? undefined : new URL(target, request.url).href;
    this.#hasNextPage = this.#next !== undefined;
  }

  /** Points `request` at the next page's URL. */
  updateRequest(request: RequestSpec): void {
    if (this.#next !== undefined) request.url = new URL(this.#next);
  }
}

// A link is `<target>` and `;`-separated parameters, whose values may be quoted strings; links are
// separated by commas. Targets and quoted values may hold commas and semicolons.
const VALUE = String.raw`(?:"(?:[^"\\]|\\.)*"|[^;,]*)`;
const LINK_PATTERN = new RegExp(
  String.raw`<([^>]*)>((?:\s*;\s*[^\s;,=]+(?:\s*=\s*${VALUE})?)*)`,
  "g",
);
const PARAM_PATTERN = new RegExp(String.raw`;\s*([^\s;,=]+)(?:\s*=\s*(${VALUE}))?`, "g");

/** The target of the first link in a `Link` header whose `rel` includes `relation`. */
function findLink(header: string, relation: string): string | undefined {
  const wanted = relation.toLowerCase();
  for (const [, target, params] of header.matchAll(LINK_PATTERN)) {
    for (const [, name, value = ""] of params.matchAll(PARAM_PATTERN)) {
      if (name.toLowerCase() !== "rel") continue;
      if (unquote(value).toLowerCase().split(/\s+/).includes(wanted)) return target.trim();
    }
  }
  return undefined;
}

function unquote(value: string): string {
  const text = value.trim();
  return text.startsWith('"') ? text.slice(1, -1).replace(/\\(.)/g, "$1") : text;
}
