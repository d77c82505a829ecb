/**
 * The pipeline's log: levels as in dlt (`runtime.log_level` in `.dlt/config.toml` or
 * `RUNTIME__LOG_LEVEL`, default `WARNING`), written to the console and to listeners. Every
 * message is redacted before anyone sees it.
 *
 * @module
 */
import { findConfig } from "./config.ts";
import { redact } from "./redact.ts";

/** Log levels, least severe first. */
export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";

/** One log message. */
export interface LogRecord {
  /** How severe it is. */
  level: LogLevel;
  /** The message, redacted. */
  message: string;
}

const LEVELS: readonly LogLevel[] = ["DEBUG", "INFO", "WARNING", "ERROR"];
const listeners = new Set<(record: LogRecord) => void>();
let threshold: LogLevel | undefined;

function configuredLevel(): LogLevel {
  let value: unknown;
  try {
    value = findConfig("runtime.log_level");
  } catch {
    // an unreadable config file is reported where config is needed, not by the logger
  }
  const level = String(value ?? "WARNING").toUpperCase();
  return (LEVELS as readonly string[]).includes(level) ? level as LogLevel : "WARNING";
}

/** Sets the level below which messages are not written to the console. */
export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

/**
 * Calls `listener` with every message of every level (listeners see what the console
 * threshold hides). Returns a function that removes the listener.
 *
 * @example
 * ```ts
 * import { log, onLog } from "./log.ts";
 * const seen: string[] = [];
 * const stop = onLog((record) => seen.push(record.message));
 * log.info("hello");
 * stop();
 * if (seen[0] !== "hello") throw new Error("unexpected");
 * ```
 */
export function onLog(listener: (record: LogRecord) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const consoleWriteHooks = new Set<() => void>();

/**
 * Calls `hook` right before a message is written to the console, so a live display on the
 * terminal (the progress bar) can make way. Returns a function that removes the hook.
 */
export function onConsoleWrite(hook: () => void): () => void {
  consoleWriteHooks.add(hook);
  return () => consoleWriteHooks.delete(hook);
}

function write(level: LogLevel, message: string): void {
  const record = { level, message: redact(message) };
  for (const listener of listeners) listener(record);
  threshold ??= configuredLevel();
  if (LEVELS.indexOf(level) < LEVELS.indexOf(threshold)) return;
  const line = `[dlt ${level}] ${record.message}`;
  for (const hook of consoleWriteHooks) hook();
  if (level === "ERROR") console.error(line);
  else if (level === "WARNING") console.warn(line);
  else console.log(line);
}

/** Writes a message at a level. */
export const log = {
  /** Details for debugging. */
  debug: (message: string): void => write("DEBUG", message),
  /** Progress worth knowing. */
  info: (message: string): void => write("INFO", message),
  /** Something went wrong but the pipeline goes on (e.g. a pagination loop was cut). */
  warn: (message: string): void => write("WARNING", message),
  /** Something failed. */
  error: (message: string): void => write("ERROR", message),
};
