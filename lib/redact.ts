/**
 * Keeps secrets out of messages: values resolved as secrets are registered here, and every
 * error, log line and URL shown to the user passes through {@linkcode redact}.
 *
 * @module
 */

/** What a redacted secret is replaced with. */
export const REDACTED = "***";

/** Secrets shorter than this are not registered: replacing them would garble every message. */
const MIN_SECRET_LENGTH = 4;

const secrets = new Set<string>();

/** Query parameters whose values are hidden in URLs shown to the user. */
const SECRET_PARAM = /(token|key|secret|password|passwd|signature|sig|auth|credential|session)/i;

/**
 * Registers `value` as a secret: from now on {@linkcode redact} replaces it (and its URL-encoded
 * form) with `***`.
 *
 * @example
 * ```ts
 * import { redact, registerSecret } from "./redact.ts";
 * registerSecret("ghp_example_token");
 * if (redact("token ghp_example_token refused") !== "token *** refused") throw new Error();
 * ```
 */
export function registerSecret(value: unknown): void {
  if (typeof value !== "string" || value.length < MIN_SECRET_LENGTH) return;
  secrets.add(value);
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secrets.add(encoded);
}

/** `text` with every registered secret replaced by `***`. */
export function redact(text: string): string {
  if (secrets.size === 0) return text;
  let result = text;
  for (const secret of secrets) {
    if (result.includes(secret)) result = result.replaceAll(secret, REDACTED);
  }
  return result;
}

/**
 * `error` fit to keep as the cause of another error: itself when it shows no registered secret,
 * else a plain `Error` of the same name whose message, stack and causes are redacted (e.g. a
 * network error quoting a URL with an API key in it).
 */
export function redactError(error: unknown): unknown {
  if (!(error instanceof Error) || secrets.size === 0) return error;
  const cause = "cause" in error ? redactError(error.cause) : undefined;
  const message = redact(error.message);
  const stack = error.stack === undefined ? undefined : redact(error.stack);
  if (message === error.message && stack === error.stack && cause === error.cause) return error;
  const copy = new Error(message, cause === undefined ? undefined : { cause });
  copy.name = error.name;
  copy.stack = stack;
  return copy;
}

/**
 * `url` fit to show: user and password removed, values of query parameters that look secret
 * (`token`, `api_key`, `client_secret`, …) replaced, and registered secrets redacted.
 *
 * @example
 * ```ts
 * import { redactUrl } from "./redact.ts";
 * const shown = redactUrl("https://me:pw@api.example.com/x?api_key=abc&page=2");
 * if (shown !== "https://api.example.com/x?api_key=***&page=2") throw new Error(shown);
 * ```
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // not a URL to the parser (e.g. a password with "/" in a connection string): still no user info
    return redact(String(url).replace(/\/\/[^\s@]*@/, "//"));
  }
  parsed.username = "";
  parsed.password = "";
  let query = "";
  if (parsed.search !== "") {
    query = "?" +
      [...parsed.searchParams].map(([name, value]) =>
        `${encodeURIComponent(name)}=${
          SECRET_PARAM.test(name) ? REDACTED : encodeURIComponent(value)
        }`
      ).join("&");
  }
  // `origin` is "null" for schemes such as postgresql:, so the parts are put together here
  const authority = parsed.href.startsWith(`${parsed.protocol}//`) ? `//${parsed.host}` : "";
  return redact(`${parsed.protocol}${authority}${parsed.pathname}${query}${parsed.hash}`);
}
