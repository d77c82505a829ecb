/**
 * The `pg` driver and `pg-copy-streams` (COPY … FROM STDIN as a writable stream), pinned. Neither
 * ships types: `destinations/postgres/_driver.ts` declares the slice of their API it uses.
 *
 * Every npm package that the published modules use is imported through one module of `lib/deps/`,
 * the one place that names its version: a module imported by URL (or from JSR) gets no import map,
 * so it needs full `npm:` specifiers, and `deno lint` (`no-import-prefix`) flags an inline `npm:`
 * import anywhere else.
 *
 * @module
 */
export { default as pg } from "npm:pg@8.23.1";
export { from as copyFrom, to as copyTo } from "npm:pg-copy-streams@7.0.0";
