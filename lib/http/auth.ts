/**
 * The authenticators of the REST client, after dlt's `rest_client.auth`: a bearer token, an API
 * key (header, query parameter or cookie), HTTP basic auth and OAuth2 client credentials.
 * `auth_config.ts` builds them from the `auth` of a rest_api config.
 *
 * Every secret an authenticator holds (and every access token it fetches) is registered with
 * `registerSecret`, so it is redacted from every error and log line. Authenticating the same
 * request twice (as retries do) leaves it as authenticating it once.
 *
 * @module
 */
import { ConfigError, DltError, type DltErrorOptions } from "../errors.ts";
import { parseJson } from "../json.ts";
import { describeValue, isPlainObject } from "../options.ts";
import { redactUrl, registerSecret } from "../redact.ts";
import { bodyExcerpt } from "./errors.ts";
import type { Auth, AuthContext, RequestSpec } from "./types.ts";

/** A token endpoint refused credentials or answered with something that is not a token. */
export class AuthError extends DltError {
  /** The HTTP status of the token endpoint's answer; `undefined` when there was none. */
  readonly status: number | undefined;

  /** Creates the error; `status` is the token endpoint's HTTP status, when it answered. */
  constructor(message: string, status?: number, options: DltErrorOptions = {}) {
    super(message, options);
    this.status = status;
  }
}

/** Options of {@linkcode BearerTokenAuth}. */
export interface BearerTokenAuthOptions {
  /** The token sent as `Authorization: Bearer <token>`. */
  token: string;
}

/**
 * Sends a token as `Authorization: Bearer <token>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BearerTokenAuth } from "./auth.ts";
 *
 * const auth = new BearerTokenAuth({ token: "example-token" });
 * const request = { url: new URL("https://api.example.com/x"), method: "GET", headers: new Headers() };
 * auth.authenticate(request);
 * assert.equal(request.headers.get("Authorization"), "Bearer example-token");
 * ```
 */
export class BearerTokenAuth implements Auth {
  readonly #token: string;

  /** Checks and registers the token; an empty one is a `ConfigError`. */
  constructor(options: BearerTokenAuthOptions) {
    this.#token = credential("BearerTokenAuth", "token", options.token);
    registerSecret(this.#token);
  }

  /** Sets the `Authorization` header. */
  authenticate(request: RequestSpec): void {
    request.headers.set("Authorization", `Bearer ${this.#token}`);
  }
}

/** Where {@linkcode ApiKeyAuth} puts the key; `param` is dlt's other name for `query`. */
export type ApiKeyLocation = "header" | "query" | "param" | "cookie";

const API_KEY_LOCATIONS: readonly ApiKeyLocation[] = ["header", "query", "param", "cookie"];

/** Options of {@linkcode ApiKeyAuth}. */
export interface ApiKeyAuthOptions {
  /**
   * The name of the header, query parameter or cookie.
   * @default {"Authorization"}
   */
  name?: string;
  /** The key, sent as is (no prefix). */
  apiKey: string;
  /**
   * Where the key goes: a header, a query parameter or a cookie (appended to any `Cookie` header).
   * @default {"header"}
   */
  location?: ApiKeyLocation;
}

/**
 * Sends an API key in a header, a query parameter or a cookie.
 *
 * @example A key in the query
 * ```ts
 * import assert from "node:assert/strict";
 * import { ApiKeyAuth } from "./auth.ts";
 *
 * const auth = new ApiKeyAuth({ name: "api_key", apiKey: "example-key", location: "query" });
 * const request = { url: new URL("https://api.example.com/x"), method: "GET", headers: new Headers() };
 * auth.authenticate(request);
 * assert.equal(request.url.href, "https://api.example.com/x?api_key=example-key");
 * ```
 */
export class ApiKeyAuth implements Auth {
  readonly #name: string;
  readonly #apiKey: string;
  readonly #location: ApiKeyLocation;

  /** Checks and registers the key; an empty key is a `ConfigError`, a bad location a `RangeError`. */
  constructor(options: ApiKeyAuthOptions) {
    const { name = "Authorization", location = "header" } = options;
    if (typeof name !== "string" || name === "") {
      throw new RangeError(
        `ApiKeyAuth: name must be a non-empty string, got ${describeValue(name)}`,
      );
    }
    if (!API_KEY_LOCATIONS.includes(location)) {
      throw new RangeError(
        `ApiKeyAuth: unknown location ${describeValue(location)}; valid locations: ${
          API_KEY_LOCATIONS.join(", ")
        }`,
      );
    }
    this.#name = name;
    this.#apiKey = credential("ApiKeyAuth", "apiKey", options.apiKey);
    this.#location = location;
    registerSecret(this.#apiKey);
    // in a query the key is form-encoded (a space becomes "+"), which registerSecret does not cover
    if (location === "query" || location === "param") {
      registerSecret(
        new URLSearchParams({ [name]: this.#apiKey }).toString().slice(name.length + 1),
      );
    }
  }

  /** Sets the header, the query parameter or the cookie, replacing one of the same name. */
  authenticate(request: RequestSpec): void {
    switch (this.#location) {
      case "header":
        request.headers.set(this.#name, this.#apiKey);
        break;
      case "query":
      case "param":
        request.url.searchParams.set(this.#name, this.#apiKey);
        break;
      case "cookie": {
        const others = (request.headers.get("Cookie") ?? "").split(";")
          .map((pair) => pair.trim())
          .filter((pair) => pair !== "" && pair.split("=", 1)[0].trim() !== this.#name);
        request.headers.set("Cookie", [...others, `${this.#name}=${this.#apiKey}`].join("; "));
      }
    }
  }
}

/** Options of {@linkcode HttpBasicAuth}. */
export interface HttpBasicAuthOptions {
  /** The user name; must not be empty. */
  username: string;
  /** The password; may be empty (some APIs take a key as the user name and no password). */
  password: string;
}

/**
 * Sends `Authorization: Basic <base64 of username:password>` (UTF-8 encoded).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HttpBasicAuth } from "./auth.ts";
 *
 * const auth = new HttpBasicAuth({ username: "aladdin", password: "opensesame" });
 * const request = { url: new URL("https://api.example.com/x"), method: "GET", headers: new Headers() };
 * auth.authenticate(request);
 * assert.equal(request.headers.get("Authorization"), "Basic YWxhZGRpbjpvcGVuc2VzYW1l");
 * ```
 */
export class HttpBasicAuth implements Auth {
  readonly #header: string;

  /**
   * Checks the credentials and registers the password and the encoded header; an empty user name
   * or a missing password is a `ConfigError`.
   */
  constructor(options: HttpBasicAuthOptions) {
    const username = credential("HttpBasicAuth", "username", options.username);
    const password = credential("HttpBasicAuth", "password", options.password, true);
    registerSecret(password);
    this.#header = basicCredentials(username, password);
    registerSecret(this.#header);
  }

  /** Sets the `Authorization` header. */
  authenticate(request: RequestSpec): void {
    request.headers.set("Authorization", this.#header);
  }
}

/** How {@linkcode OAuth2ClientCredentials} presents the client id and secret. */
export type OAuth2ClientAuth = "body" | "basic";

/** Options of {@linkcode OAuth2ClientCredentials}. */
export interface OAuth2ClientCredentialsOptions {
  /** The token endpoint. */
  accessTokenUrl: string | URL;
  /** The client id. */
  clientId: string;
  /** The client secret. */
  clientSecret: string;
  /**
   * More form fields of the token request (e.g. `audience`); they override the default ones,
   * `grant_type` included.
   * @default {{}}
   */
  accessTokenRequestData?: Record<string, string | number | boolean>;
  /**
   * The lifetime of a token, in seconds, when the token endpoint does not say (`expires_in`).
   * @default {3600}
   */
  defaultTokenExpiration?: number;
  /** The scope asked for, sent as the `scope` form field (a list is joined with spaces). */
  scope?: string | readonly string[];
  /**
   * Where the client id and secret go: form fields `client_id` and `client_secret` (as dlt does),
   * or an `Authorization: Basic` header (RFC 6749, section 2.3.1).
   * @default {"body"}
   */
  clientAuth?: OAuth2ClientAuth;
  /**
   * The clock, in milliseconds since the epoch; tests inject one.
   * @default {Date.now}
   */
  now?: () => number;
}

/** How much earlier than it says a token is taken for expired: at most this, in milliseconds. */
const MAX_EXPIRY_MARGIN_MS = 30_000;

/** Keys of `accessTokenRequestData` whose values are registered as secrets. */
const SECRET_FIELD = /secret|password|token|key|assertion/i;

/** A token request under way, and the signal that may abort it. */
interface PendingToken {
  promise: Promise<string>;
  signal: AbortSignal | undefined;
}

/**
 * OAuth2 client credentials grant: POSTs `grant_type=client_credentials` to the token endpoint
 * and sends the access token as `Authorization: Bearer <token>`.
 *
 * The token is kept until it expires (`expires_in`, else `defaultTokenExpiration`), less a margin
 * of a tenth of its lifetime but at most 30 s, counted from when the token was asked for.
 * Requests authenticated while a token is being fetched wait for that one token request; if
 * another request's signal aborts it, a waiting request asks again. {@linkcode refresh} drops the
 * token, so a request answered 401 is retried with a new one. A failed token request is an
 * {@linkcode AuthError} (transient for 408, 429, 5xx and network errors) that names the endpoint
 * and the status, never the client secret.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OAuth2ClientCredentials } from "./auth.ts";
 *
 * const auth = new OAuth2ClientCredentials({
 *   accessTokenUrl: "https://auth.example.com/token",
 *   clientId: "example-client",
 *   clientSecret: "example-secret",
 * });
 * // a stand-in for the token endpoint
 * const fetch = () => Promise.resolve(Response.json({ access_token: "example-access", expires_in: 600 }));
 * const request = { url: new URL("https://api.example.com/x"), method: "GET", headers: new Headers() };
 * await auth.authenticate(request, { fetch });
 * assert.equal(request.headers.get("Authorization"), "Bearer example-access");
 * ```
 */
export class OAuth2ClientCredentials implements Auth {
  readonly #url: URL;
  readonly #clientId: string;
  readonly #clientSecret: string;
  /** `Authorization: Basic` of the client id and secret, when `clientAuth` is `basic`. */
  readonly #clientHeader: string | undefined;
  readonly #requestData: Record<string, string>;
  readonly #defaultExpirationS: number;
  readonly #scope: string | undefined;
  readonly #now: () => number;
  #token: string | undefined;
  #expiresAt = 0;
  #pending: PendingToken | undefined;

  /**
   * Checks and registers the credentials; a missing one is a `ConfigError`, a bad setting a
   * `RangeError` or `TypeError`.
   */
  constructor(options: OAuth2ClientCredentialsOptions) {
    const owner = "OAuth2ClientCredentials";
    this.#clientId = credential(owner, "clientId", options.clientId);
    this.#clientSecret = credential(owner, "clientSecret", options.clientSecret);
    registerSecret(this.#clientSecret);
    const url = options.accessTokenUrl instanceof URL
      ? options.accessTokenUrl.href
      : credential(owner, "accessTokenUrl", options.accessTokenUrl);
    if (!URL.canParse(url)) {
      // shown without its query, which may hold a credential
      const shown = url.replace(/[?#].*/s, "");
      throw new ConfigError(`${owner}: accessTokenUrl "${shown}" is not an absolute URL`);
    }
    this.#url = new URL(url);
    this.#requestData = formFields(options.accessTokenRequestData);
    const { defaultTokenExpiration = 3600, clientAuth = "body", scope } = options;
    if (typeof defaultTokenExpiration !== "number" || !(defaultTokenExpiration > 0)) {
      throw new RangeError(
        `${owner}: defaultTokenExpiration must be a number of seconds > 0, got ${
          describeValue(defaultTokenExpiration)
        }`,
      );
    }
    this.#defaultExpirationS = defaultTokenExpiration;
    if (clientAuth !== "body" && clientAuth !== "basic") {
      throw new RangeError(
        `${owner}: unknown clientAuth ${describeValue(clientAuth)}; valid values: body, basic`,
      );
    }
    if (clientAuth === "basic") {
      this.#clientHeader = basicCredentials(this.#clientId, this.#clientSecret);
      registerSecret(this.#clientHeader);
    }
    this.#scope = typeof scope === "string" || scope === undefined ? scope : scope.join(" ");
    this.#now = options.now ?? Date.now;
  }

  /** Sets `Authorization: Bearer <token>`, fetching a token first when none is valid. */
  async authenticate(request: RequestSpec, context: AuthContext): Promise<void> {
    request.headers.set("Authorization", `Bearer ${await this.#accessToken(context)}`);
  }

  /** Drops the token, so the next request fetches a new one; returns `true`. */
  refresh(): boolean {
    this.#token = undefined;
    return true;
  }

  async #accessToken(context: AuthContext): Promise<string> {
    for (;;) {
      context.signal?.throwIfAborted();
      if (this.#token !== undefined && this.#now() < this.#expiresAt) return this.#token;
      const pending = this.#pending ?? this.#startTokenRequest(context);
      try {
        return await untilAborted(pending.promise, context.signal);
      } catch (error) {
        // another request's signal aborted the shared token request: this one asks again
        if (pending.signal?.aborted && !context.signal?.aborted) continue;
        throw error;
      }
    }
  }

  #startTokenRequest(context: AuthContext): PendingToken {
    const promise: Promise<string> = this.#requestToken(context).finally(() => {
      if (this.#pending?.promise === promise) this.#pending = undefined;
    });
    this.#pending = { promise, signal: context.signal };
    return this.#pending;
  }

  async #requestToken({ fetch, signal }: AuthContext): Promise<string> {
    const shown = `"${redactUrl(this.#url)}"`;
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    const headers = new Headers({ Accept: "application/json" });
    if (this.#clientHeader === undefined) {
      form.set("client_id", this.#clientId);
      form.set("client_secret", this.#clientSecret);
    } else {
      headers.set("Authorization", this.#clientHeader);
    }
    if (this.#scope !== undefined) form.set("scope", this.#scope);
    for (const [name, value] of Object.entries(this.#requestData)) form.set(name, value);

    const askedAt = this.#now();
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.#url, { method: "POST", headers, body: form, signal });
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw error;
      // the network error may quote the URL as given, with its user, password and query
      const why = reason(error).replaceAll(this.#url.href, redactUrl(this.#url));
      throw new AuthError(`Token request to ${shown} failed: ${why}`, undefined, {
        cause: error,
        transient: true,
      });
    }
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
    if (!response.ok) {
      const transient = response.status === 408 || response.status === 429 ||
        response.status >= 500;
      const excerpt = bodyExcerpt(text);
      throw new AuthError(
        `Token request to ${shown} failed: ${status}${excerpt ? `: ${excerpt}` : ""}`,
        response.status,
        { transient },
      );
    }
    let body: unknown;
    try {
      body = parseJson(text);
    } catch (error) {
      const type = response.headers.get("Content-Type") ?? "no content type";
      throw new AuthError(
        `Token response of ${shown} is not JSON (${status}, ${type})`,
        response.status,
        { cause: error },
      );
    }
    const fields: Record<string, unknown> = isPlainObject(body) ? body : {};
    const token = fields.access_token;
    if (typeof token !== "string" || token === "") {
      const keys = isPlainObject(body)
        ? `keys: ${Object.keys(body).join(", ") || "none"}`
        : "not an object";
      throw new AuthError(
        `Token response of ${shown} has no "access_token" (${status}; ${keys})`,
        response.status,
      );
    }
    registerSecret(token);
    const lifetimeMs = this.#expiresInS(fields.expires_in) * 1000;
    this.#token = token;
    this.#expiresAt = askedAt + lifetimeMs - Math.min(MAX_EXPIRY_MARGIN_MS, lifetimeMs / 10);
    return token;
  }

  /** `expires_in` of a token response (a number, or a numeric string), else the default. */
  #expiresInS(value: unknown): number {
    const seconds = typeof value === "number" || typeof value === "string" ? Number(value) : NaN;
    return Number.isFinite(seconds) && seconds > 0 ? seconds : this.#defaultExpirationS;
  }
}

/** `value` checked as a credential named `option` of `owner`; empty only when `allowEmpty`. */
function credential(owner: string, option: string, value: unknown, allowEmpty = false): string {
  if (value === undefined || value === null) {
    throw new ConfigError(`${owner}: ${option} is missing`);
  }
  if (typeof value !== "string") {
    throw new ConfigError(`${owner}: ${option} must be a string, got ${typeof value}`);
  }
  if (value === "" && !allowEmpty) throw new ConfigError(`${owner}: ${option} is empty`);
  return value;
}

/** The form fields of `data` as strings; values of secret-looking fields are registered. */
function formFields(data: unknown): Record<string, string> {
  if (data === undefined) return {};
  if (!isPlainObject(data)) {
    throw new TypeError(
      `OAuth2ClientCredentials: accessTokenRequestData must be an object, got ${
        describeValue(data)
      }`,
    );
  }
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(data)) {
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      throw new TypeError(
        `OAuth2ClientCredentials: accessTokenRequestData "${name}" must be a string, number or boolean`,
      );
    }
    fields[name] = String(value);
    if (SECRET_FIELD.test(name)) registerSecret(fields[name]);
  }
  return fields;
}

/** `Basic <base64 of username:password>`, the text UTF-8 encoded. */
function basicCredentials(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  return `Basic ${btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(""))}`;
}

/** `promise`, or a rejection with the reason of `signal` as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
