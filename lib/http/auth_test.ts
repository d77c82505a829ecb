import assert from "node:assert/strict";
import { ConfigError, DltError } from "../errors.ts";
import { redact } from "../redact.ts";
import {
  ApiKeyAuth,
  AuthError,
  BearerTokenAuth,
  HttpBasicAuth,
  OAuth2ClientCredentials,
  type OAuth2ClientCredentialsOptions,
} from "./auth.ts";
import type { Auth, AuthContext, RequestSpec } from "./types.ts";

const context: AuthContext = { fetch };

function request(url = "https://api.example.com/items?page=2", headers?: HeadersInit): RequestSpec {
  return { url: new URL(url), method: "GET", headers: new Headers(headers) };
}

function headersOf(spec: RequestSpec): [string, string][] {
  return [...spec.headers];
}

/** Authenticates `spec` twice, as a retry would, and returns it. */
async function authenticated(auth: Auth, spec = request()): Promise<RequestSpec> {
  await auth.authenticate(spec, context);
  await auth.authenticate(spec, context);
  return spec;
}

Deno.test("BearerTokenAuth sets exactly the Authorization header", async () => {
  const spec = await authenticated(new BearerTokenAuth({ token: "bearer-secret-1" }));
  assert.deepEqual(headersOf(spec), [["authorization", "Bearer bearer-secret-1"]]);
  assert.equal(spec.url.href, "https://api.example.com/items?page=2");
  assert.equal(redact("sent bearer-secret-1"), "sent ***");
});

Deno.test("ApiKeyAuth puts the key in a header, by default Authorization", async () => {
  let spec = await authenticated(new ApiKeyAuth({ apiKey: "key-secret-1" }));
  assert.deepEqual(headersOf(spec), [["authorization", "key-secret-1"]]);
  spec = await authenticated(new ApiKeyAuth({ name: "X-Api-Key", apiKey: "key-secret-1" }));
  assert.deepEqual(headersOf(spec), [["x-api-key", "key-secret-1"]]);
  assert.equal(spec.url.href, "https://api.example.com/items?page=2");
  assert.equal(redact("key-secret-1"), "***");
});

Deno.test("ApiKeyAuth puts the key in the query (location query or param)", async () => {
  for (const location of ["query", "param"] as const) {
    const auth = new ApiKeyAuth({ name: "api_key", apiKey: "key/secret 2", location });
    const spec = await authenticated(auth);
    assert.deepEqual(headersOf(spec), []);
    assert.equal(spec.url.searchParams.get("page"), "2");
    assert.deepEqual(spec.url.searchParams.getAll("api_key"), ["key/secret 2"]);
    assert.equal(redact(spec.url.href).includes("secret"), false);
  }
});

Deno.test("ApiKeyAuth adds the key to the cookies, replacing one of the same name", async () => {
  const auth = new ApiKeyAuth({ name: "session", apiKey: "cookie-secret", location: "cookie" });
  let spec = await authenticated(auth);
  assert.deepEqual(headersOf(spec), [["cookie", "session=cookie-secret"]]);
  spec = await authenticated(auth, request(undefined, { Cookie: "theme=dark; session=old" }));
  assert.deepEqual(headersOf(spec), [["cookie", "theme=dark; session=cookie-secret"]]);
  assert.equal(spec.url.href, "https://api.example.com/items?page=2");
});

Deno.test("HttpBasicAuth encodes user:password as UTF-8 base64", async () => {
  let spec = await authenticated(new HttpBasicAuth({ username: "user", password: "s3same" }));
  assert.deepEqual(headersOf(spec), [["authorization", `Basic ${btoa("user:s3same")}`]]);
  const auth = new HttpBasicAuth({ username: "jürgen", password: "pässwörd€" });
  spec = await authenticated(auth);
  const encoded = spec.headers.get("Authorization")!.slice("Basic ".length);
  const bytes = Uint8Array.from(atob(encoded), (char) => char.charCodeAt(0));
  assert.equal(new TextDecoder().decode(bytes), "jürgen:pässwörd€");
  assert.equal(redact(`password pässwörd€, header Basic ${encoded}`), "password ***, header ***");
});

Deno.test("HttpBasicAuth accepts an empty password, but not a missing one", async () => {
  const spec = await authenticated(new HttpBasicAuth({ username: "sk_live_key", password: "" }));
  assert.equal(spec.headers.get("Authorization"), `Basic ${btoa("sk_live_key:")}`);
  assert.throws(
    () => new HttpBasicAuth({ username: "u" } as { username: string; password: string }),
    (e: unknown) => e instanceof ConfigError && e.message === "HttpBasicAuth: password is missing",
  );
});

Deno.test("missing, empty or malformed credentials are ConfigErrors naming the option", () => {
  const cases: [() => unknown, string][] = [
    [() => new BearerTokenAuth({ token: "" }), "BearerTokenAuth: token is empty"],
    [
      () => new BearerTokenAuth({} as { token: string }),
      "BearerTokenAuth: token is missing",
    ],
    [
      () => new BearerTokenAuth({ token: 42 as unknown as string }),
      "BearerTokenAuth: token must be a string, got number",
    ],
    [() => new ApiKeyAuth({ apiKey: "" }), "ApiKeyAuth: apiKey is empty"],
    [() => new HttpBasicAuth({ username: "", password: "p" }), "HttpBasicAuth: username is empty"],
    [
      () => new OAuth2ClientCredentials({ ...oauthOptions("https://a.example/t"), clientId: "" }),
      "OAuth2ClientCredentials: clientId is empty",
    ],
    [
      () =>
        new OAuth2ClientCredentials({ ...oauthOptions("https://a.example/t"), clientSecret: "" }),
      "OAuth2ClientCredentials: clientSecret is empty",
    ],
    [
      () => new OAuth2ClientCredentials({ ...oauthOptions(""), accessTokenUrl: "" }),
      "OAuth2ClientCredentials: accessTokenUrl is empty",
    ],
    [
      () => new OAuth2ClientCredentials(oauthOptions("/token")),
      'OAuth2ClientCredentials: accessTokenUrl "/token" is not an absolute URL',
    ],
  ];
  for (const [create, message] of cases) {
    assert.throws(create, (e: unknown) => e instanceof ConfigError && e.message === message);
  }
  // a relative token URL is shown without its query, which may hold a credential
  assert.throws(
    () => new OAuth2ClientCredentials(oauthOptions("/token?api_key=query-key-77#top")),
    new ConfigError('OAuth2ClientCredentials: accessTokenUrl "/token" is not an absolute URL'),
  );
});

Deno.test("bad settings are RangeErrors listing the valid values", () => {
  assert.throws(
    () => new ApiKeyAuth({ apiKey: "k", location: "body" as "header" }),
    new RangeError(
      'ApiKeyAuth: unknown location "body"; valid locations: header, query, param, cookie',
    ),
  );
  assert.throws(() => new ApiKeyAuth({ apiKey: "k", name: "" }), RangeError);
  assert.throws(
    () =>
      new OAuth2ClientCredentials({
        ...oauthOptions("https://a.example/t"),
        clientAuth: "x" as "body",
      }),
    /unknown clientAuth "x"; valid values: body, basic/,
  );
  assert.throws(
    () =>
      new OAuth2ClientCredentials({
        ...oauthOptions("https://a.example/t"),
        defaultTokenExpiration: 0,
      }),
    /defaultTokenExpiration must be a number of seconds > 0, got 0/,
  );
});

// OAuth2 against a local token endpoint

const CLIENT_SECRET = "client-secret-Zq9";

function oauthOptions(
  url: string,
  extra: Partial<OAuth2ClientCredentialsOptions> = {},
): OAuth2ClientCredentialsOptions {
  return { accessTokenUrl: url, clientId: "client-1", clientSecret: CLIENT_SECRET, ...extra };
}

interface TokenRequest {
  method: string;
  contentType: string | null;
  authorization: string | null;
  form: Record<string, string>;
}

/**
 * A token endpoint on 127.0.0.1 that records its requests and answers with `answer(n)` for the
 * n-th (from 1).
 */
function tokenServer(answer: (n: number) => Response | Promise<Response>) {
  const requests: TokenRequest[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    requests.push({
      method: req.method,
      contentType: req.headers.get("Content-Type"),
      authorization: req.headers.get("Authorization"),
      form: Object.fromEntries(new URLSearchParams(await req.text())),
    });
    return answer(requests.length);
  });
  const url = `http://127.0.0.1:${server.addr.port}/oauth/token`;
  return { server, url, requests };
}

Deno.test("OAuth2 posts the client credentials form and sends the token as bearer", async () => {
  const { server, url, requests } = tokenServer((n) =>
    Response.json({ access_token: `access-token-${n}`, token_type: "bearer", expires_in: 3600 })
  );
  try {
    const auth = new OAuth2ClientCredentials(oauthOptions(url, {
      scope: ["read", "write"],
      accessTokenRequestData: { audience: "https://api.example.com", retries: 3 },
    }));
    const spec = await authenticated(auth);
    assert.deepEqual(headersOf(spec), [["authorization", "Bearer access-token-1"]]);
    assert.equal(requests.length, 1);
    assert.equal(requests[0].method, "POST");
    assert.equal(requests[0].contentType, "application/x-www-form-urlencoded;charset=UTF-8");
    assert.equal(requests[0].authorization, null);
    assert.deepEqual(requests[0].form, {
      grant_type: "client_credentials",
      client_id: "client-1",
      client_secret: CLIENT_SECRET,
      scope: "read write",
      audience: "https://api.example.com",
      retries: "3",
    });
    assert.equal(redact(`got access-token-1 for ${CLIENT_SECRET}`), "got *** for ***");
  } finally {
    await server.shutdown();
  }
});

Deno.test("OAuth2 with clientAuth basic sends the client in a Basic header", async () => {
  const { server, url, requests } = tokenServer(() =>
    Response.json({ access_token: "access-basic" })
  );
  try {
    const auth = new OAuth2ClientCredentials(oauthOptions(url, {
      clientAuth: "basic",
      accessTokenRequestData: { grant_type: "urn:example:custom" },
    }));
    await authenticated(auth);
    assert.equal(requests[0].authorization, `Basic ${btoa(`client-1:${CLIENT_SECRET}`)}`);
    assert.deepEqual(requests[0].form, { grant_type: "urn:example:custom" });
  } finally {
    await server.shutdown();
  }
});

Deno.test("OAuth2 keeps the token until expires_in less the margin, then fetches another", async () => {
  const { server, url, requests } = tokenServer((n) =>
    Response.json({ access_token: `expiring-${n}`, expires_in: n === 1 ? "100" : 7200 })
  );
  try {
    let clock = 1_000_000;
    const auth = new OAuth2ClientCredentials(oauthOptions(url, { now: () => clock }));
    const spec = request();
    for (let i = 0; i < 3; i++) await auth.authenticate(spec, context);
    assert.equal(requests.length, 1);
    // 100 s less a tenth of it
    clock += 89_999;
    await auth.authenticate(spec, context);
    assert.equal(spec.headers.get("Authorization"), "Bearer expiring-1");
    clock += 1;
    await auth.authenticate(spec, context);
    assert.equal(spec.headers.get("Authorization"), "Bearer expiring-2");
    assert.equal(requests.length, 2);
    // 7200 s less the 30 s cap of the margin
    clock += 7_169_999;
    await auth.authenticate(spec, context);
    assert.equal(requests.length, 2);
    clock += 1;
    await auth.authenticate(spec, context);
    assert.equal(requests.length, 3);
  } finally {
    await server.shutdown();
  }
});

Deno.test("OAuth2 uses defaultTokenExpiration when the endpoint gives no expires_in", async () => {
  const { server, url, requests } = tokenServer((n) => Response.json({ access_token: `d-${n}` }));
  try {
    let clock = 0;
    const auth = new OAuth2ClientCredentials(
      oauthOptions(url, { now: () => clock, defaultTokenExpiration: 60 }),
    );
    await auth.authenticate(request(), context);
    clock = 53_999;
    await auth.authenticate(request(), context);
    assert.equal(requests.length, 1);
    clock = 54_000;
    await auth.authenticate(request(), context);
    assert.equal(requests.length, 2);
  } finally {
    await server.shutdown();
  }
});

Deno.test("OAuth2 refresh drops the token: the next request fetches a new one", async () => {
  const { server, url, requests } = tokenServer((n) => Response.json({ access_token: `r-${n}` }));
  try {
    const auth = new OAuth2ClientCredentials(oauthOptions(url));
    const spec = await authenticated(auth);
    assert.equal(spec.headers.get("Authorization"), "Bearer r-1");
    assert.equal(auth.refresh(), true);
    await authenticated(auth, spec);
    assert.equal(spec.headers.get("Authorization"), "Bearer r-2");
    assert.equal(requests.length, 2);
  } finally {
    await server.shutdown();
  }
});

Deno.test("concurrent OAuth2 requests share one token request", async () => {
  const { server, url, requests } = tokenServer((n) =>
    Response.json({ access_token: `shared-${n}` })
  );
  try {
    const auth = new OAuth2ClientCredentials(oauthOptions(url));
    const specs = Array.from({ length: 5 }, () => request());
    // all five start before the token endpoint can answer
    await Promise.all(specs.map((spec) => auth.authenticate(spec, context)));
    assert.equal(requests.length, 1);
    for (const spec of specs) assert.equal(spec.headers.get("Authorization"), "Bearer shared-1");
  } finally {
    await server.shutdown();
  }
});

Deno.test("an OAuth2 request aborted by its signal leaves the others to fetch a token", async () => {
  const { promise: received, resolve: onReceived } = Promise.withResolvers<void>();
  const { promise: release, resolve } = Promise.withResolvers<void>();
  const { server, url, requests } = tokenServer(async (n) => {
    onReceived();
    if (n === 1) await release;
    return Response.json({ access_token: `survivor-${n}` });
  });
  try {
    const auth = new OAuth2ClientCredentials(oauthOptions(url));
    const controller = new AbortController();
    const first = auth.authenticate(request(), { fetch, signal: controller.signal });
    const secondSpec = request();
    const second = auth.authenticate(secondSpec, { fetch, signal: new AbortController().signal });
    await received;
    controller.abort(new Error("first request cancelled"));
    await assert.rejects(first, /first request cancelled/);
    await second;
    assert.equal(secondSpec.headers.get("Authorization"), "Bearer survivor-2");
    assert.equal(requests.length, 2);
  } finally {
    resolve();
    await server.shutdown();
  }
});

Deno.test("a failing token endpoint is an AuthError naming the URL and status, not the secret", async () => {
  const answers = [
    () => Response.json({ error: "server_error", echoed: CLIENT_SECRET }, { status: 500 }),
    () => new Response(`<html>login for ${CLIENT_SECRET}</html>`, { status: 401 }),
    () => new Response("<html>maintenance</html>", { headers: { "Content-Type": "text/html" } }),
    () => Response.json({ token_type: "bearer", expires_in: 3600 }),
    () => Response.json({ access_token: "" }),
    () => Response.json(["not", "an", "object"]),
  ];
  const { server, url } = tokenServer((n) => answers[n - 1]());
  const shownUrl = `"${url}"`;
  const expected: [RegExp, number, boolean][] = [
    [/^Token request to ".+" failed: HTTP 500 Internal Server Error: .*server_error/, 500, true],
    [/^Token request to ".+" failed: HTTP 401 Unauthorized: <html>login for \*\*\*/, 401, false],
    [/^Token response of ".+" is not JSON \(HTTP 200 OK, text\/html\)$/, 200, false],
    [
      /^Token response of ".+" has no "access_token" \(HTTP 200 OK; keys: token_type, expires_in\)$/,
      200,
      false,
    ],
    [/has no "access_token" \(HTTP 200 OK; keys: access_token\)$/, 200, false],
    [/has no "access_token" \(HTTP 200 OK; not an object\)$/, 200, false],
  ];
  try {
    for (const [pattern, status, transient] of expected) {
      const auth = new OAuth2ClientCredentials(oauthOptions(url));
      const spec = request();
      await assert.rejects(auth.authenticate(spec, context), (e: unknown) => {
        assert.ok(e instanceof AuthError && e instanceof DltError);
        assert.match(e.message, pattern);
        assert.ok(e.message.includes(shownUrl), e.message);
        assert.equal(e.message.includes(CLIENT_SECRET), false);
        assert.equal(e.status, status);
        assert.equal(e.transient, transient);
        return true;
      });
      assert.equal(spec.headers.has("Authorization"), false);
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("an unreachable token endpoint is a transient AuthError", async () => {
  const { server, url } = tokenServer(() => Response.json({}));
  await server.shutdown();
  const auth = new OAuth2ClientCredentials(oauthOptions(url));
  await assert.rejects(auth.authenticate(request(), context), (e: unknown) => {
    assert.ok(e instanceof AuthError);
    assert.match(e.message, /^Token request to "http:\/\/127\.0\.0\.1:\d+\/oauth\/token" failed: /);
    assert.equal(e.status, undefined);
    assert.equal(e.transient, true);
    return true;
  });
});

Deno.test("the token URL is shown without user, password or secret query values", async () => {
  const { server, url } = tokenServer(() => new Response("no", { status: 403 }));
  try {
    const withSecrets = url.replace("http://", "http://me:pw@") + "?client_secret=abc123&x=1";
    const auth = new OAuth2ClientCredentials(oauthOptions(withSecrets));
    await assert.rejects(auth.authenticate(request(), context), (e: unknown) => {
      assert.ok(e instanceof AuthError);
      assert.ok(e.message.includes(`"${url}?client_secret=***&x=1"`), e.message);
      return true;
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("a token endpoint's body is redacted before it is cut: no secret's start leaks", async () => {
  // whatever the excerpt's length, its cut falls inside one of the secrets
  const body = `${CLIENT_SECRET} `.repeat(100);
  const fetch = () => Promise.resolve(new Response(body, { status: 400 }));
  const auth = new OAuth2ClientCredentials(oauthOptions("https://auth.example.com/token"));
  await assert.rejects(auth.authenticate(request(), { fetch }), (e: unknown) => {
    assert.ok(e instanceof AuthError);
    assert.match(e.message, /failed: HTTP 400: \*\*\*[* ]*…$/);
    return true;
  });
});

Deno.test("a network error quoting the token URL shows it redacted", async () => {
  const url = "https://me:pw-55@auth.example.com/token?client_secret=query-secret-66";
  const fetch = (target: string | URL | Request) =>
    Promise.reject(new TypeError(`error sending request for url (${target})`));
  const auth = new OAuth2ClientCredentials(oauthOptions(url));
  await assert.rejects(auth.authenticate(request(), { fetch }), (e: unknown) => {
    assert.ok(e instanceof AuthError && e.transient);
    assert.equal(
      e.message,
      'Token request to "https://auth.example.com/token?client_secret=***" failed: ' +
        "error sending request for url (https://auth.example.com/token?client_secret=***)",
    );
    return true;
  });
});
