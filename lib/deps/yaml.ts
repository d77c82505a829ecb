/**
 * The `yaml` package, pinned.
 *
 * Every npm package that the published modules use is imported through one module of `lib/deps/`,
 * the one place that names its version: a module imported by URL (or from JSR) gets no import map,
 * so it needs full `npm:` specifiers, and `deno lint` (`no-import-prefix`) flags an inline `npm:`
 * import anywhere else.
 *
 * @module
 */
export { parse, stringify } from "npm:yaml@2.9.1";
