/**
 * Errors of the REST client. URLs in them are redacted; bodies are excerpted.
 *
 * @module
 */
import { DltError } from "../errors.ts";
import { redact, redactUrl } from "../redact.ts";

/** How much of a response body an error shows. */
const EXCERPT_LENGTH = 300;

/**
 * The first characters of a response body, on one line, for messages. Secrets are redacted
 * before the text is cut: a secret across the cut would leave its start in the excerpt.
 */
export function bodyExcerpt(text: string): string {
  const line = redact(text).replace(/\s+/g, " ").trim();
  return line.length > EXCERPT_LENGTH ? `${line.slice(0, EXCERPT_LENGTH)}…` : line;
}

/** Where a failed response came from. */
export interface HttpErrorDetails {
  /** HTTP method. */
  method: string;
  /** The URL requested (redacted before it is stored). */
  url: string | URL;
  /** The page of a pagination, counted from 1, when the request was one. */
  pageNumber?: number;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** The response body (only an excerpt is kept, secrets redacted). */
  body?: string;
  /** The error that caused this one. */
  cause?: unknown;
  /** Whether trying again later may succeed. @default {no status, 429 or 5xx} */
  transient?: boolean;
}

/**
 * A request failed: an error status (after retries for 429 and 5xx), a network error or a
 * timeout. `transient` tells whether trying again later may succeed.
 *
 * @example
 * ```ts
 * import { HttpError } from "./errors.ts";
 * const error = new HttpError("HTTP 404 Not Found", {
 *   method: "GET", url: "https://api.example.com/x?token=abc", status: 404, body: '{"message":"Not Found"}',
 * });
 * if (error.url !== "https://api.example.com/x?token=***") throw new Error(error.url);
 * ```
 */
export class HttpError extends DltError {
  /** HTTP status; `undefined` when no response arrived. */
  readonly status: number | undefined;
  /** HTTP method. */
  readonly method: string;
  /** The URL, with secrets removed. */
  readonly url: string;
  /** The page of a pagination, counted from 1, when the request was one. */
  readonly pageNumber: number | undefined;
  /** The start of the response body, secrets redacted. */
  readonly bodyExcerpt: string | undefined;

  /** Creates the error; `reason` says what went wrong, the details say where. */
  constructor(reason: string, details: HttpErrorDetails) {
    const url = redactUrl(details.url);
    const page = details.pageNumber === undefined ? "" : ` (page ${details.pageNumber})`;
    const excerpt = details.body === undefined || details.body === ""
      ? undefined
      : bodyExcerpt(details.body);
    const status = details.status;
    super(
      `${reason}: ${details.method} ${url}${page}${excerpt === undefined ? "" : ` — ${excerpt}`}`,
      {
        cause: details.cause,
        transient: details.transient ?? (status === undefined || status === 429 || status >= 500),
      },
    );
    this.status = status;
    this.method = details.method;
    this.url = url;
    this.pageNumber = details.pageNumber;
    this.bodyExcerpt = excerpt;
  }
}

/** A response arrived but its body is not what the client can use (not JSON, no list). */
export class ResponseFormatError extends HttpError {}
