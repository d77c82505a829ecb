/**
 * Which DuckDB engine a duckdb destination uses. The default, `"auto"`, is native DuckDB when the
 * process may use FFI (`--allow-ffi`, `-A`) and the native library loads on this platform, as
 * dlt's duckdb destination is native DuckDB; else DuckDB-WASM, which needs no permission beyond
 * reading and writing the files.
 *
 * @module
 */
import { findConfig } from "../../lib/config.ts";
import type { DuckDbDriverEngine } from "./_driver.ts";

/** What `duckdb({ engine })` and `destination.duckdb.engine` accept. */
export const ENGINE_CHOICES = ["auto", "wasm", "native"] as const;

/** An engine choice of {@linkcode ENGINE_CHOICES}. */
export type DuckDbEngineChoice = typeof ENGINE_CHOICES[number];

/** The engine picked for a destination, and whether it was picked for the user (`"auto"`). */
export interface EnginePick {
  /** The driver to open databases with. */
  engine: DuckDbDriverEngine;
  /** Picked by `"auto"`: when native DuckDB does not load, DuckDB-WASM is used instead. */
  auto: boolean;
}

/**
 * The engine for `given` (the option), else `destination.duckdb.engine` from config
 * (`DESTINATION__DUCKDB__ENGINE`), else `"auto"`.
 *
 * @throws {RangeError} The configured engine is none of {@linkcode ENGINE_CHOICES}.
 */
export function pickEngine(given: DuckDbEngineChoice | undefined): EnginePick {
  const choice = given ?? configuredEngine() ?? "auto";
  if (choice !== "auto") return { engine: choice, auto: false };
  return { engine: ffiGranted() ? "native" : "wasm", auto: true };
}

/** `destination.duckdb.engine` from config, checked. */
function configuredEngine(): DuckDbEngineChoice | undefined {
  const value = findConfig("destination.duckdb.engine");
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" && (ENGINE_CHOICES as readonly string[]).includes(value)) {
    return value as DuckDbEngineChoice;
  }
  throw new RangeError(
    `Config "destination.duckdb.engine" is ${JSON.stringify(value)}: give one of "auto", ` +
      `"wasm" or "native"`,
  );
}

/** Whether this process may use FFI, without asking the user (a prompt counts as no). */
function ffiGranted(): boolean {
  const permissions = (globalThis as { Deno?: typeof Deno }).Deno?.permissions;
  if (permissions?.querySync === undefined) return false;
  try {
    return permissions.querySync({ name: "ffi" }).state === "granted";
  } catch {
    return false;
  }
}
