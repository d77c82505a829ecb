/**
 * When and how long the REST client waits before trying a request again: exponential backoff
 * with jitter, or what the server asks for in `Retry-After`.
 *
 * @module
 */

/** Retry settings of a {@linkcode RESTClient}. */
export interface RetryOptions {
  /** Attempts per request, the first included; `1` disables retries. @default {5} */
  maxAttempts?: number;
  /** Wait before the first retry; doubled for each next one. @default {1000} */
  baseDelayMs?: number;
  /** Longest wait, for backoff and for `Retry-After`. @default {60000} */
  maxDelayMs?: number;
  /** Statuses worth retrying. @default {429 and 500–599, as dlt} */
  statuses?: readonly number[];
}

const RETRY_STATUSES: readonly number[] = [429, ...Array.from({ length: 100 }, (_, i) => 500 + i)];

/** {@linkcode RetryOptions} with every default filled in. */
export type RetryPolicy = Required<RetryOptions>;

/** The retry policy of `options`, defaults filled in. */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const policy = {
    maxAttempts: options.maxAttempts ?? 5,
    baseDelayMs: options.baseDelayMs ?? 1000,
    maxDelayMs: options.maxDelayMs ?? 60_000,
    statuses: options.statuses ?? RETRY_STATUSES,
  };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`retry.maxAttempts must be an integer ≥ 1, got ${policy.maxAttempts}`);
  }
  return policy;
}

/**
 * How long to wait before attempt `attempt + 1` (attempts count from 1): the response's
 * `Retry-After` (seconds or an HTTP date) when there is one, else `baseDelayMs · 2^(attempt-1)`
 * with full jitter in its upper half; never more than `maxDelayMs`.
 *
 * @example
 * ```ts
 * import { retryDelay, retryPolicy } from "./retry.ts";
 * const wait = retryDelay(retryPolicy(), 1, new Headers({ "retry-after": "2" }));
 * if (wait !== 2000) throw new Error(String(wait));
 * ```
 */
export function retryDelay(
  policy: RetryPolicy,
  attempt: number,
  headers?: Headers,
  now: number = Date.now(),
): number {
  const asked = retryAfterMs(headers?.get("retry-after") ?? null, now);
  if (asked !== undefined) return Math.min(asked, policy.maxDelayMs);
  const backoff = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return backoff / 2 + Math.random() * backoff / 2;
}

function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", abort, { once: true });
  });
}
