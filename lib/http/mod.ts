/**
 * The REST client, its paginators and its authenticators, as dlt keeps them in
 * `dlt.sources.helpers.rest_client`: {@linkcode RESTClient} sends requests to one API with
 * retries and timeouts, and pages through an endpoint with a {@linkcode Paginator}; an
 * {@linkcode Auth} adds credentials. {@linkcode createPaginator} and {@linkcode createAuth} build
 * both from a dlt-style configuration, as the `rest_api` source does.
 *
 * @example Paging through an endpoint that links to its next page
 * ```ts
 * import assert from "node:assert/strict";
 * import { JsonLinkPaginator, RESTClient } from "./mod.ts";
 *
 * const pages = [
 *   { items: [{ id: 1 }, { id: 2 }], next: "/items?page=2" },
 *   { items: [{ id: 3 }], next: null },
 * ];
 * await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
 *   const page = Number(new URL(req.url).searchParams.get("page") ?? 1);
 *   return Response.json(pages[page - 1]);
 * });
 *
 * const client = new RESTClient({
 *   baseUrl: `http://127.0.0.1:${server.addr.port}`,
 *   paginator: new JsonLinkPaginator({ nextUrlPath: "next" }),
 *   dataSelector: "items",
 * });
 * const ids: unknown[] = [];
 * for await (const page of client.paginate<{ id: number }>("/items")) {
 *   ids.push(...page.map((item) => item.id));
 * }
 * assert.deepEqual(ids, [1, 2, 3]);
 * ```
 *
 * @module
 */
export {
  type Page,
  type PaginateOptions,
  type QueryValue,
  type RequestOptions,
  type ResponseContext,
  type ResponseHook,
  RESTClient,
  type RESTClientOptions,
} from "./client.ts";
export type { RetryOptions } from "./retry.ts";
export { HttpError, type HttpErrorDetails, ResponseFormatError } from "./errors.ts";
export type { Auth, AuthContext, PageResponse, Paginator, RequestSpec } from "./types.ts";
export {
  ApiKeyAuth,
  type ApiKeyAuthOptions,
  type ApiKeyLocation,
  AuthError,
  BearerTokenAuth,
  type BearerTokenAuthOptions,
  HttpBasicAuth,
  type HttpBasicAuthOptions,
  type OAuth2ClientAuth,
  OAuth2ClientCredentials,
  type OAuth2ClientCredentialsOptions,
} from "./auth.ts";
export {
  type ApiKeyAuthSpec,
  type AuthSpec,
  type BearerAuthSpec,
  createAuth,
  type HttpBasicAuthSpec,
  type OAuth2ClientCredentialsSpec,
} from "./auth_config.ts";
export {
  AutoPaginator,
  createPaginator,
  CursorPaginator,
  type CursorPaginatorOptions,
  HeaderCursorPaginator,
  type HeaderCursorPaginatorOptions,
  HeaderLinkPaginator,
  type HeaderLinkPaginatorOptions,
  JsonLinkPaginator,
  type JsonLinkPaginatorOptions,
  JsonResponseCursorPaginator,
  type JsonResponseCursorPaginatorOptions,
  OffsetPaginator,
  type OffsetPaginatorOptions,
  PageNumberPaginator,
  type PageNumberPaginatorOptions,
  type PaginatorConfig,
  type PaginatorSpec,
  type PaginatorType,
  SinglePagePaginator,
} from "./paginators/mod.ts";
