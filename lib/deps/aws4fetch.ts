/**
 * The `aws4fetch` package, pinned: AWS Signature Version 4 for `fetch` requests, on Web Crypto,
 * so the S3 file system runs wherever `fetch` does (Deno, browsers, edge runtimes) without the
 * AWS SDK.
 *
 * Every npm package that the published modules use is imported through one module of `lib/deps/`,
 * the one place that names its version: a module imported by URL (or from JSR) gets no import map,
 * so it needs full `npm:` specifiers, and `deno lint` (`no-import-prefix`) flags an inline `npm:`
 * import anywhere else.
 *
 * @module
 */
export { AwsClient } from "npm:aws4fetch@1.0.20";
