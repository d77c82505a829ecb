/**
 * A paginator that picks the right one from the first response (dlt's `auto`).
 *
 * @module
 */
import { log } from "../../log.ts";
import { isPlainObject } from "../../options.ts";
import type { PageResponse, Paginator, RequestSpec } from "../types.ts";
import { HeaderLinkPaginator } from "./header_link.ts";
import { JsonLinkPaginator } from "./json_link.ts";
import { SinglePagePaginator } from "./single_page.ts";

/**
 * Chooses a paginator from the first response, as dlt's detector does: a `Link` header with
 * `rel="next"` means {@linkcode HeaderLinkPaginator}; a URL under a body key named `next…`
 * (or under its `href`/`url` key) means {@linkcode JsonLinkPaginator}; else the response is a
 * single page. It logs its choice, then leaves everything to the chosen paginator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AutoPaginator } from "./auto.ts";
 * const paginator = new AutoPaginator();
 * const request = {
 *   url: new URL("https://api.example.com/items"),
 *   method: "GET",
 *   headers: new Headers(),
 * };
 * paginator.initRequest(request);
 * const body = { results: [1, 2], next: "https://api.example.com/items?page=2" };
 * paginator.updateState({ response: new Response(), body, items: body.results, request });
 * assert.equal(paginator.chosen?.type, "json_link");
 * paginator.updateRequest(request);
 * assert.equal(request.url.search, "?page=2");
 * ```
 */
export class AutoPaginator implements Paginator {
  /** dlt's name of this paginator. */
  readonly type = "auto";
  #chosen: Paginator | undefined;
  /** Endpoints (ids in the path left out) already warned about; shared with fresh copies. */
  readonly #warned: Set<string>;

  /** Creates a paginator that chooses on the first response. */
  constructor(warned: Set<string> = new Set()) {
    this.#warned = warned;
  }

  /** The paginator chosen from the first response; `undefined` before it. */
  get chosen(): Paginator | undefined {
    return this.#chosen;
  }

  /** Whether another page is to be fetched: true until the chosen paginator says otherwise. */
  get hasNextPage(): boolean {
    return this.#chosen?.hasNextPage ?? true;
  }

  /**
   * A paginator that has not chosen yet. It shares this one's warnings, so a child endpoint
   * requested once per parent item warns once.
   */
  fresh(): AutoPaginator {
    return new AutoPaginator(this.#warned);
  }

  /** Leaves the first request as it is. */
  initRequest(_request: RequestSpec): void {}

  /** Chooses a paginator from the first page; hands every page to it. */
  updateState(page: PageResponse): void {
    if (this.#chosen === undefined) this.#chosen = choose(page, this.#warned);
    else this.#chosen.updateState(page);
  }

  /** Lets the chosen paginator prepare the next request. */
  updateRequest(request: RequestSpec): void {
    this.#chosen?.updateRequest(request);
  }
}

/** The paginator for the endpoint of `page`, its state updated with `page`. */
function choose(page: PageResponse, warned: Set<string>): Paginator {
  const where = page.request.url.pathname;
  const byHeader = new HeaderLinkPaginator();
  byHeader.updateState(page);
  if (byHeader.hasNextPage) {
    log.info(`Detected paginator for ${where}: header_link (a Link header with rel="next")`);
    return byHeader;
  }
  const nextUrlPath = findNextUrlPath(page.body);
  if (nextUrlPath !== undefined) {
    log.info(`Detected paginator for ${where}: json_link with nextUrlPath "${nextUrlPath}"`);
    const byBody = new JsonLinkPaginator({ nextUrlPath });
    byBody.updateState(page);
    return byBody;
  }
  // dlt warns when a list came back without a sign of further pages: data may be missing;
  // once per endpoint shape, not once per request of a child resource
  const shape = `${page.request.url.host}${where.replace(/\/[^/]*\d[^/]*(?=\/|$)/g, "/{}")}`;
  const warn = page.items.length > 1 && !warned.has(shape);
  if (warn) warned.add(shape);
  const report = warn ? log.warn : log.info;
  report(`No paginator detected for ${where}: single_page; configure a paginator if it has more`);
  const single = new SinglePagePaginator();
  single.updateState(page);
  return single;
}

/**
 * The dotted path of the first key, depth first, whose name starts with `next` and whose value
 * (or the value of its sub-key starting with `href` or `url`) is a URL.
 */
function findNextUrlPath(value: unknown, prefix = ""): string | undefined {
  if (!isPlainObject(value)) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const path = prefix + key;
    if (key.toLowerCase().startsWith("next")) {
      if (isUrl(child)) return path;
      const urlKey = isPlainObject(child)
        ? Object.keys(child).find((sub) => /^(href|url)/i.test(sub) && isUrl(child[sub]))
        : undefined;
      if (urlKey !== undefined) return `${path}.${urlKey}`;
    }
    const found = findNextUrlPath(child, `${path}.`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Whether `value` is an absolute or a root-relative URL, as dlt's detector takes it. */
function isUrl(value: unknown): boolean {
  return typeof value === "string" && (value.startsWith("http") || value.startsWith("/"));
}
