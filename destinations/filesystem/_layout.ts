/**
 * dlt's file layout of the filesystem destination: where in a dataset's folder each job file of
 * a table goes, from a template of placeholders (`{table_name}/{load_id}.{file_id}.{ext}` by
 * default), as dlt's `path_utils.py` reads it.
 *
 * Date and time placeholders (`{YYYY}`, `{MM}`, `{timestamp}`, …) take the time of the load
 * package (its load id), in UTC, as dlt does without `current_datetime`: a package resumed later
 * writes its files to the same paths.
 *
 * @module
 */

/** dlt's default layout. */
export const DEFAULT_LAYOUT = "{table_name}/{load_id}.{file_id}.{ext}";

/** dlt's date and time placeholders (pendulum's format tokens), lowercased in paths as dlt does. */
const DATETIME_PLACEHOLDERS = [
  "YYYY",
  "YY",
  "Y",
  "MMMM",
  "MMM",
  "MM",
  "M",
  "DD",
  "D",
  "HH",
  "H",
  "mm",
  "m",
  "dddd",
  "ddd",
  "dd",
  "d",
  "ss",
  "s",
  "SSSS",
  "SSS",
  "SS",
  "S",
  "Q",
] as const;

/** Every placeholder a layout may use besides the extra ones, as dlt's `STANDARD_PLACEHOLDERS`. */
export const STANDARD_PLACEHOLDERS: readonly string[] = [
  "schema_name",
  "table_name",
  "load_id",
  "file_id",
  "ext",
  "curr_date",
  "timestamp",
  "timestamp_ms",
  "load_package_timestamp",
  "load_package_timestamp_ms",
  ...DATETIME_PLACEHOLDERS,
];

/** Placeholders that may come before `{table_name}` (dlt's `SUPPORTED_TABLE_NAME_PREFIX_PLACEHOLDERS`). */
const TABLE_PREFIX_PLACEHOLDERS = ["schema_name"];

/** Placeholders every layout needs here: files of different loads and jobs never share a path. */
const REQUIRED_PLACEHOLDERS = ["table_name", "load_id", "file_id"];

/** The names of the placeholders of `layout`, in order (`{name}`). */
function placeholdersOf(layout: string): string[] {
  return [...layout.matchAll(/\{(.*?)\}/g)].map((match) => match[1]);
}

/**
 * Checks `layout` as dlt does, and what this destination needs besides: every placeholder is a
 * standard one or one of `extra`; `{table_name}` comes with only `{schema_name}` before it, and
 * is followed by a separator that table names do not contain (`/`, `.`, `-`), so the files of a
 * table can be told from those of its nested tables; `{load_id}` and `{file_id}` are there, so no
 * file overwrites another. A layout that breaks a rule is a `RangeError` naming `where` (the
 * option or config key it came from) and the rule; an unknown placeholder's lists the known ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkLayout } from "./_layout.ts";
 * checkLayout("{schema_name}/{table_name}/{YYYY}/{MM}/{load_id}.{file_id}.{ext}", [], "layout");
 * assert.throws(() => checkLayout("{table_name}/{day}/{load_id}.{file_id}.{ext}", [], "layout"), /"day"/);
 * assert.throws(() => checkLayout("{table_name}_{load_id}.{file_id}", [], "layout"), /separator/);
 * ```
 */
export function checkLayout(layout: string, extra: readonly string[], where: string): void {
  const known = [...STANDARD_PLACEHOLDERS, ...extra];
  const placeholders = placeholdersOf(layout);
  const unknown = placeholders.filter((name) => !known.includes(name));
  const problem = (text: string) => new RangeError(`Layout "${layout}" (${where}) ${text}`);
  if (unknown.length > 0) {
    throw problem(
      `has unknown placeholder${unknown.length === 1 ? "" : "s"} ${
        unknown.map((name) => `"${name}"`).join(", ")
      }; known placeholders: ${known.map((name) => `{${name}}`).join(", ")}`,
    );
  }
  const missing = REQUIRED_PLACEHOLDERS.filter((name) => !placeholders.includes(name));
  if (missing.length > 0) {
    throw problem(
      `lacks ${
        missing.map((name) => `{${name}}`).join(" and ")
      }: every file of a table needs a path of its own (dlt's default is "${DEFAULT_LAYOUT}")`,
    );
  }
  const before = placeholders.slice(0, placeholders.indexOf("table_name"))
    .filter((name) => !TABLE_PREFIX_PLACEHOLDERS.includes(name));
  if (before.length > 0) {
    throw problem(
      `has ${
        before.map((name) => `{${name}}`).join(", ")
      } before {table_name}: only {schema_name} may come before it, so that a table's files share one prefix`,
    );
  }
  const after = layout[layout.indexOf("{table_name}") + "{table_name}".length];
  if (after === undefined || /[A-Za-z0-9_{]/.test(after)) {
    throw problem(
      "needs a separator after {table_name} that table names do not contain (such as /, . or -), so a table's files are told from its nested tables'",
    );
  }
}

/**
 * The part of `layout` that all files of a table share, up to and including the separator after
 * `{table_name}`, with `schemaName` and `tableName` filled in (dlt's `get_table_prefix`). For
 * the default layout, `events/`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tablePrefix } from "./_layout.ts";
 * assert.equal(tablePrefix("{schema_name}/{table_name}.{load_id}.{file_id}", "gh", "events"), "gh/events.");
 * ```
 */
export function tablePrefix(layout: string, schemaName: string, tableName: string): string {
  const end = layout.indexOf("{table_name}") + "{table_name}".length + 1;
  return fill(layout.slice(0, end), { schema_name: schemaName, table_name: tableName });
}

/**
 * A pattern matching the paths `layout` gives the files of `tableName` (of `schemaName`), whose
 * first group is the load id: how a reader tells which load wrote a file. Load ids are numbers
 * (`1717171717.123456`); every other placeholder stays within one folder of the path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LAYOUT, loadIdPattern } from "./_layout.ts";
 * const pattern = loadIdPattern(DEFAULT_LAYOUT, "github", "events");
 * assert.equal(pattern.exec("events/1717171717.123456.3.jsonl.gz")?.[1], "1717171717.123456");
 * assert.equal(pattern.exec("events__payload/1717171717.123456.3.jsonl"), null);
 * ```
 */
export function loadIdPattern(layout: string, schemaName: string, tableName: string): RegExp {
  const known: Record<string, string> = {
    schema_name: escapeRegExp(schemaName),
    table_name: escapeRegExp(tableName),
    load_id: "(\\d+(?:\\.\\d+)?)",
    ext: ".+",
  };
  const parts = layout.split(/(\{.*?\})/);
  const source = parts.map((part, i) =>
    i % 2 === 0 ? escapeRegExp(part) : known[part.slice(1, -1)] ?? "[^/]*?"
  ).join("");
  const ext = placeholdersOf(layout).includes("ext") ? "" : "\\..+";
  return new RegExp(`^${source}${ext}$`);
}

/** `text` with the characters that mean something in a regular expression escaped. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** What {@linkcode jobPath} fills a layout with. */
export interface JobPathValues {
  /** The schema (source) name. */
  schemaName: string;
  /** The table the file loads. */
  tableName: string;
  /** The load id of the package. */
  loadId: string;
  /** The job's file id in its package. */
  fileId: string;
  /** The file's extension, with `.gz` when compressed (`jsonl.gz`). */
  ext: string;
  /** The time of the package, for the date and time placeholders. */
  time: Date;
  /** Values of the extra placeholders. */
  extra?: Readonly<Record<string, string>>;
}

/**
 * The path of a job file relative to the dataset's folder: `layout` filled with `values`, with
 * `.{ext}` added when the layout has no `{ext}`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LAYOUT, jobPath } from "./_layout.ts";
 * const values = {
 *   schemaName: "github", tableName: "events", loadId: "1717171717.123456", fileId: "1",
 *   ext: "jsonl.gz", time: new Date("2024-05-31T16:08:37.123Z"),
 * };
 * assert.equal(jobPath(DEFAULT_LAYOUT, values), "events/1717171717.123456.1.jsonl.gz");
 * assert.equal(
 *   jobPath("{table_name}/{YYYY}/{MMM}/{DD}/{load_id}.{file_id}", values),
 *   "events/2024/may/31/1717171717.123456.1.jsonl.gz",
 * );
 * ```
 */
export function jobPath(layout: string, values: JobPathValues): string {
  const path = fill(layout, {
    ...values.extra,
    ...timeValues(values.time),
    schema_name: values.schemaName,
    table_name: values.tableName,
    load_id: values.loadId,
    file_id: values.fileId,
    ext: values.ext,
  });
  return placeholdersOf(layout).includes("ext") ? path : `${path}.${values.ext}`;
}

/** `template` with each `{name}` replaced by `values[name]` (every name is known: checked). */
function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(.*?)\}/g, (_, name: string) => values[name]);
}

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/** The date and time placeholders' values at `time` (UTC), as pendulum formats them, lowercased. */
function timeValues(time: Date): Record<string, string> {
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const year = time.getUTCFullYear();
  const month = time.getUTCMonth();
  const day = time.getUTCDate();
  const weekday = time.getUTCDay();
  const hours = time.getUTCHours();
  const minutes = time.getUTCMinutes();
  const seconds = time.getUTCSeconds();
  const fraction = pad(time.getUTCMilliseconds(), 3) + "0";
  const epochMs = time.getTime();
  const epochSeconds = String(Math.floor(epochMs / 1000));
  return {
    YYYY: pad(year, 4),
    YY: pad(year % 100),
    Y: String(year),
    MMMM: MONTHS[month],
    MMM: MONTHS[month].slice(0, 3),
    MM: pad(month + 1),
    M: String(month + 1),
    DD: pad(day),
    D: String(day),
    HH: pad(hours),
    H: String(hours),
    mm: pad(minutes),
    m: String(minutes),
    dddd: WEEKDAYS[weekday],
    ddd: WEEKDAYS[weekday].slice(0, 3),
    dd: WEEKDAYS[weekday].slice(0, 2),
    d: String(weekday),
    ss: pad(seconds),
    s: String(seconds),
    SSSS: fraction,
    SSS: fraction.slice(0, 3),
    SS: fraction.slice(0, 2),
    S: fraction.slice(0, 1),
    Q: String(Math.floor(month / 3) + 1),
    curr_date: `${pad(year, 4)}-${pad(month + 1)}-${pad(day)}`,
    timestamp: epochSeconds,
    timestamp_ms: String(epochMs),
    load_package_timestamp: epochSeconds,
    load_package_timestamp_ms: String(epochMs),
  };
}
