/**
 * The package's version, as `deno.json` has it (a test keeps them equal): `dlt --version`, and
 * the JSR version `dlt init` imports.
 *
 * @module
 */

/** The version of `@denodlt/dlt`. */
export const VERSION = "0.1.0";
