/**
 * Authenticators from configuration: {@linkcode createAuth} builds one from the `auth` of a
 * rest_api config, a type and options in dlt's shapes ({@linkcode AuthSpec}).
 *
 * @module
 */
import { describeValue, isPlainObject, readOptions } from "../options.ts";
import {
  ApiKeyAuth,
  type ApiKeyAuthOptions,
  BearerTokenAuth,
  type BearerTokenAuthOptions,
  HttpBasicAuth,
  type HttpBasicAuthOptions,
  type OAuth2ClientAuth,
  OAuth2ClientCredentials,
  type OAuth2ClientCredentialsOptions,
} from "./auth.ts";
import type { Auth } from "./types.ts";

/** The `auth` of a rest_api config for a bearer token; `type` may be left out. */
export type BearerAuthSpec = { type?: "bearer" } & BearerTokenAuthOptions;

/** The `auth` of a rest_api config for an API key; `api_key` may stand for `apiKey`. */
export type ApiKeyAuthSpec =
  & { type: "api_key"; api_key?: string }
  & Partial<ApiKeyAuthOptions>;

/** The `auth` of a rest_api config for HTTP basic auth. */
export type HttpBasicAuthSpec = { type: "http_basic" } & HttpBasicAuthOptions;

/**
 * The `auth` of a rest_api config for OAuth2 client credentials; every option may also be given
 * in snake case, as in dlt (`access_token_url`, `client_id`, …).
 */
export type OAuth2ClientCredentialsSpec =
  & {
    type: "oauth2_client_credentials";
    access_token_url?: string;
    client_id?: string;
    client_secret?: string;
    access_token_request_data?: Record<string, string | number | boolean>;
    default_token_expiration?: number;
    client_auth?: OAuth2ClientAuth;
  }
  & Partial<Omit<OAuth2ClientCredentialsOptions, "now">>;

/** The `auth` of a rest_api config, in dlt's shapes. */
export type AuthSpec =
  | BearerAuthSpec
  | ApiKeyAuthSpec
  | HttpBasicAuthSpec
  | OAuth2ClientCredentialsSpec;

/** How {@linkcode createAuth} builds one type of authenticator. */
interface AuthType {
  /** The options, in camelCase; their snake_case spellings are accepted too. */
  options: readonly string[];
  create(options: Record<string, unknown>): Auth;
}

const AUTH_TYPES: Record<string, AuthType> = {
  bearer: {
    options: ["token"],
    create: (options) => new BearerTokenAuth(options as unknown as BearerTokenAuthOptions),
  },
  api_key: {
    options: ["name", "apiKey", "location"],
    create: (options) => new ApiKeyAuth(options as unknown as ApiKeyAuthOptions),
  },
  http_basic: {
    options: ["username", "password"],
    create: (options) => new HttpBasicAuth(options as unknown as HttpBasicAuthOptions),
  },
  oauth2_client_credentials: {
    options: [
      "accessTokenUrl",
      "clientId",
      "clientSecret",
      "accessTokenRequestData",
      "defaultTokenExpiration",
      "scope",
      "clientAuth",
    ],
    create: (options) =>
      new OAuth2ClientCredentials(options as unknown as OAuth2ClientCredentialsOptions),
  },
};

/**
 * Builds an authenticator from the `auth` of a rest_api config: `bearer` (the type when none is
 * given), `api_key`, `http_basic` or `oauth2_client_credentials`, with options in camelCase or
 * snake_case. An authenticator is returned as is, `undefined` as `undefined`. An unknown type or
 * option is a `RangeError` that lists the valid ones; a missing credential a `ConfigError`;
 * anything but an object or an authenticator a `TypeError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createAuth } from "./auth_config.ts";
 *
 * const auth = createAuth({ type: "api_key", name: "X-Api-Key", api_key: "example-key" });
 * const request = { url: new URL("https://api.example.com/x"), method: "GET", headers: new Headers() };
 * await auth?.authenticate(request, { fetch });
 * assert.equal(request.headers.get("X-Api-Key"), "example-key");
 * ```
 */
export function createAuth(spec: AuthSpec | Auth | undefined): Auth | undefined {
  if (spec === undefined || isAuthenticator(spec)) return spec;
  if (!isPlainObject(spec)) {
    // a string here is likely a token given in place of { token }: its text is not shown
    const got = typeof spec === "string" ? "a string" : describeValue(spec);
    throw new TypeError(`Auth must be an object or an authenticator, got ${got}`);
  }
  const { type = "bearer", ...given } = spec;
  const kind = typeof type === "string" && Object.hasOwn(AUTH_TYPES, type)
    ? AUTH_TYPES[type]
    : undefined;
  if (kind === undefined) {
    throw new RangeError(
      `Unknown auth type ${describeValue(type)}; valid types: ${
        Object.keys(AUTH_TYPES).join(", ")
      }`,
    );
  }
  return kind.create(readOptions(given, kind.options, `auth of type "${type}"`));
}

/** Whether `value` is an authenticator already: an object with an `authenticate` method. */
function isAuthenticator(value: unknown): value is Auth {
  return typeof value === "object" && value !== null &&
    typeof (value as Partial<Auth>).authenticate === "function";
}
