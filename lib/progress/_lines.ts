/**
 * What the progress display says about a step: the live lines of the bar, the periodic line of
 * the log, and the summary line written when a step ends. Pure functions of a
 * {@linkcode StepTally} and the time.
 *
 * @module
 */
import type { Segment } from "./_ansi.ts";
import type { EndedStep, StepTally } from "./_steps.ts";
import { counted, formatCount, formatDuration, formatRate } from "./_format.ts";

/** Resources or tables the bar lists by name; the rest are counted on one more line. */
export const BAR_NAMES = 4;

/** Resources or tables a log line lists by name. */
export const LOG_NAMES = 10;

/** The noun of what a step's names are. */
function nameNoun(tally: StepTally): string {
  return tally.unit === "items" ? "resource" : "table";
}

/** `200,000 items from 2 resources` or `350,000 rows into 4 tables of 2 packages`. */
function totals(tally: StepTally, byName: [string, number][]): string {
  const total = byName.reduce((sum, [, count]) => sum + count, 0);
  const names = counted(byName.length, nameNoun(tally));
  if (tally.unit === "items") return `${counted(total, "item")} from ${names}`;
  const packages = tally.packages > 1 ? ` of ${counted(tally.packages, "package")}` : "";
  return `${counted(total, "row")} into ${names}${packages}`;
}

function total(byName: [string, number][]): number {
  return byName.reduce((sum, [, count]) => sum + count, 0);
}

/**
 * The line that stays when a step ends:
 * `extract: 200,000 items from 2 resources in 3.2 s (62,500/s)`, `sync: done in 0.1 s`,
 * `load: failed after 1.2 s (10 rows into 1 table): <error>`.
 */
export function summaryLine(ended: EndedStep): Segment[] {
  const { tally, durationMs, error, unfinished } = ended;
  const head: Segment = [`${tally.step}:`, error === undefined ? "done" : "failed"];
  const took = formatDuration(durationMs);
  if (!tally.counted) {
    if (error !== undefined) return [head, [` failed after ${took}: ${error}`]];
    return [head, [unfinished ? ` not finished after ${took}` : ` done in ${took}`]];
  }
  const byName = tally.byName();
  const rate = formatRate(total(byName), durationMs);
  if (error !== undefined) {
    return [head, [` failed after ${took} (${totals(tally, byName)}): ${error}`]];
  }
  return [
    head,
    [` ${totals(tally, byName)} in ${took}${rate === undefined ? "" : ` (${rate})`}`],
    ...(unfinished ? [[", not finished"] as Segment] : []),
  ];
}

/**
 * The live lines of the bar for the running step at `now`: a header with the step, the time
 * it has taken, its total and rate; then the largest resources or tables with their counts and
 * rates, names cut so that a line fits `width`.
 */
export function barLines(tally: StepTally, now: number, width: number): Segment[][] {
  const elapsed = now - tally.startedAt;
  const header: Segment[] = [[tally.step, "step"], ["  "], [formatDuration(elapsed), "quiet"]];
  if (!tally.counted) return [header];
  const byName = tally.byName();
  const sum = total(byName);
  header.push(["  "], [formatCount(sum), "count"], [` ${tally.unit}`]);
  const rate = formatRate(sum, elapsed);
  if (rate !== undefined) header.push(["  "], [rate, "quiet"]);
  if (tally.packages > 1) header.push(["  "], [`${tally.packages} packages`, "quiet"]);

  const shown = byName.slice(0, BAR_NAMES);
  const counts = shown.map(([, count]) => formatCount(count));
  const countWidth = Math.max(...counts.map((c) => c.length));
  const longest = Math.max(...shown.map(([name]) => [...name].length));
  // the name gives way first: two spaces, the count and a rate of ~12 columns must fit
  const nameWidth = Math.min(longest, Math.max(width - countWidth - 18, 6));
  const rates = shown.map(([, count]) => formatRate(count, elapsed));
  const rateWidth = Math.max(...rates.map((r) => r?.length ?? 0));
  const lines = shown.map(([name], i): Segment[] => {
    const chars = [...name];
    const label = chars.length > nameWidth
      ? chars.slice(0, nameWidth - 1).join("") + "…"
      : name.padEnd(nameWidth + name.length - chars.length);
    const line: Segment[] = [[`  ${label}  `], [counts[i].padStart(countWidth), "count"]];
    const rate = rates[i];
    if (rate !== undefined) line.push(["  "], [rate.padStart(rateWidth), "quiet"]);
    return line;
  });
  const more = byName.length - shown.length;
  if (more > 0) lines.push([[`  … ${counted(more, `more ${nameNoun(tally)}`)}`, "quiet"]]);
  return [header, ...lines];
}

/**
 * The log's periodic line for the running step at `now`:
 * `extract: 2.0 s | 120,000 items from 2 resources | 60,000/s | users 100,000, orders 20,000`.
 */
export function logLine(tally: StepTally, now: number): string {
  const elapsed = now - tally.startedAt;
  const parts = [`${tally.step}: ${formatDuration(elapsed)}`];
  if (tally.counted) {
    const byName = tally.byName();
    parts.push(totals(tally, byName));
    const rate = formatRate(total(byName), elapsed);
    if (rate !== undefined) parts.push(rate);
    const named = byName.slice(0, LOG_NAMES).map(([name, count]) =>
      `${name} ${formatCount(count)}`
    );
    const more = byName.length - LOG_NAMES;
    parts.push(named.join(", ") + (more > 0 ? ` and ${more} more` : ""));
  }
  return parts.join(" | ");
}
