/**
 * Numbers, durations and rates as the progress display writes them: `200,000`, `3.2 s`,
 * `62,500/s`. Deterministic (no locale), so tests and logs read the same everywhere.
 *
 * @module
 */

/** `n` rounded to an integer with `,` between thousands: `1234567` → `1,234,567`. */
export function formatCount(n: number): string {
  const whole = Math.round(n);
  const digits = String(Math.abs(whole)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return whole < 0 ? `-${digits}` : digits;
}

/**
 * `ms` for people: `0.4 s`, `3.2 s`, `2 min 05 s`, `1 h 02 min`. Tenths of a second under a
 * minute, whole seconds under an hour, whole minutes above.
 */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const wholeSeconds = Math.round(seconds);
  if (wholeSeconds < 3600) {
    return `${Math.floor(wholeSeconds / 60)} min ${pad2(wholeSeconds % 60)} s`;
  }
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${pad2(minutes % 60)} min`;
}

/**
 * `count` per second over `ms`: `62,500/s`, with one decimal below 10 (`2.5/s`); `undefined`
 * when no time has passed, where a rate means nothing.
 */
export function formatRate(count: number, ms: number): string | undefined {
  if (!(ms > 0)) return undefined;
  const rate = count / (ms / 1000);
  return rate < 10 && rate !== Math.trunc(rate) ? `${rate.toFixed(1)}/s` : `${formatCount(rate)}/s`;
}

/** `count` and `noun`, plural unless it is one: `1 resource`, `2 resources`. */
export function counted(count: number, noun: string): string {
  return `${formatCount(count)} ${count === 1 ? noun : `${noun}s`}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}
