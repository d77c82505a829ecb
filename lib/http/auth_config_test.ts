import assert from "node:assert/strict";
import { ConfigError } from "../errors.ts";
import { BearerTokenAuth, OAuth2ClientCredentials } from "./auth.ts";
import { type AuthSpec, createAuth } from "./auth_config.ts";
import type { Auth, AuthContext } from "./types.ts";

/** The header `name` of a request after `auth` authenticated it, with `context`. */
async function headerAfter(
  auth: Auth | undefined,
  name = "Authorization",
  context: AuthContext = { fetch },
) {
  assert.ok(auth);
  const spec = {
    url: new URL("https://api.example.com/items"),
    method: "GET",
    headers: new Headers(),
  };
  await auth.authenticate(spec, context);
  return spec.headers.get(name);
}

Deno.test("createAuth builds each kind from camelCase and snake_case specs", async () => {
  assert.equal(await headerAfter(createAuth({ type: "bearer", token: "t-1234" })), "Bearer t-1234");
  assert.equal(await headerAfter(createAuth({ token: "t-5678" })), "Bearer t-5678");
  assert.equal(
    await headerAfter(createAuth({ type: "api_key", name: "X-Key", apiKey: "k-1234" }), "X-Key"),
    "k-1234",
  );
  assert.equal(await headerAfter(createAuth({ type: "api_key", api_key: "k-5678" })), "k-5678");
  const query = createAuth({ type: "api_key", name: "key", api_key: "k-9", location: "query" });
  const spec = {
    url: new URL("https://api.example.com/items"),
    method: "GET",
    headers: new Headers(),
  };
  await query!.authenticate(spec, { fetch });
  assert.equal(spec.url.searchParams.get("key"), "k-9");
  assert.equal(
    await headerAfter(createAuth({ type: "http_basic", username: "user", password: "0pen-up" })),
    `Basic ${btoa("user:0pen-up")}`,
  );
});

Deno.test("createAuth builds OAuth2 client credentials from either spelling alike", async () => {
  // a stand-in for the token endpoint, recording the forms posted to it
  const forms: string[] = [];
  const tokenEndpoint: typeof fetch = (_url, init) => {
    forms.push(String(init?.body));
    return Promise.resolve(Response.json({ access_token: "from-spec" }));
  };
  const specs: AuthSpec[] = [
    {
      type: "oauth2_client_credentials",
      accessTokenUrl: "https://auth.example.com/token",
      clientId: "client-1",
      clientSecret: "client-secret-Zq9",
      accessTokenRequestData: { audience: "a" },
      defaultTokenExpiration: 60,
    },
    {
      type: "oauth2_client_credentials",
      access_token_url: "https://auth.example.com/token",
      client_id: "client-1",
      client_secret: "client-secret-Zq9",
      access_token_request_data: { audience: "a" },
      default_token_expiration: 60,
    },
  ];
  for (const spec of specs) {
    const auth = createAuth(spec);
    assert.ok(auth instanceof OAuth2ClientCredentials);
    const header = await headerAfter(auth, "Authorization", { fetch: tokenEndpoint });
    assert.equal(header, "Bearer from-spec");
  }
  assert.equal(forms.length, 2);
  assert.equal(forms[0], forms[1]);
  assert.equal(new URLSearchParams(forms[1]).get("audience"), "a");
});

Deno.test("createAuth returns an authenticator as is and undefined as undefined", () => {
  const auth: Auth = { authenticate() {} };
  assert.equal(createAuth(auth), auth);
  const bearer = new BearerTokenAuth({ token: "as-is-token" });
  assert.equal(createAuth(bearer), bearer);
  assert.equal(createAuth(undefined), undefined);
});

Deno.test("createAuth rejects unknown types and options, listing the valid ones", () => {
  const bad = (spec: unknown) => () => createAuth(spec as AuthSpec);
  assert.throws(
    bad({ type: "oauth2", token: "x" }),
    new RangeError(
      'Unknown auth type "oauth2"; valid types: bearer, api_key, http_basic, oauth2_client_credentials',
    ),
  );
  assert.throws(
    bad({ type: "api_key", apikey: "x" }),
    new RangeError(
      'Unknown option "apikey" for auth of type "api_key" (did you mean "apiKey"?); valid ' +
        "options: name, apiKey, location (or in snake_case)",
    ),
  );
  assert.throws(
    bad({ token: "x", username: "u" }),
    new RangeError('Unknown option "username" for auth of type "bearer"; valid options: token'),
  );
  assert.throws(
    bad({ type: "oauth2_client_credentials", client_id: "a", clientId: "b" }),
    new RangeError(
      'Option "clientId" for auth of type "oauth2_client_credentials" is given twice, ' +
        'as "clientId" and as "client_id"',
    ),
  );
  assert.throws(bad(null), new TypeError("Auth must be an object or an authenticator, got null"));
  assert.throws(bad(["t"]), TypeError);
  assert.throws(bad({}), new ConfigError("BearerTokenAuth: token is missing"));
  assert.throws(
    bad({ type: "http_basic", username: "u", password: 1234 }),
    new ConfigError("HttpBasicAuth: password must be a string, got number"),
  );
});

Deno.test("a token given in place of an auth spec is refused without being shown", () => {
  assert.throws(
    () => createAuth("ghp_token_given_as_auth" as unknown as AuthSpec),
    new TypeError("Auth must be an object or an authenticator, got a string"),
  );
});
