/**
 * Date and time functions on `TIMESTAMP WITH TIME ZONE` columns in DuckDB-WASM, which has no ICU
 * extension here: DuckDB's time zone aware functions (`date_trunc`, `date_part`/`extract`,
 * `strftime`, `year()`, `AT TIME ZONE`, …) live in ICU, so on a `TIMESTAMPTZ` they fail.
 *
 * {@linkcode TimestampFunctions} creates TEMP macros named like those functions. A macro in
 * the `temp` schema shadows a built-in function; its body calls the built-in as
 * `system.main.<name>`. Each macro has typed overloads, chosen by DuckDB's implicit cast costs:
 * - a `TIMESTAMPTZ` argument is cast to `TIMESTAMP`, its UTC time (without ICU DuckDB's time zone
 *   is UTC), and where the built-in returns a `TIMESTAMPTZ` the result is cast back;
 * - `DATE` and `TIMESTAMP` arguments go to the built-in unchanged (else DuckDB would cast them to
 *   `TIMESTAMPTZ`, the cheaper implicit cast);
 * - any other argument (`INTERVAL`, `TIME`, `TIMESTAMP_NS`, …) too, by an untyped overload.
 * The results equal native DuckDB's on the same data with `SET TimeZone = 'UTC'`
 * (`tests/duckdb_timestamp_functions_test.ts` compares them).
 *
 * TEMP macros belong to the connection and are never stored: the database file keeps its
 * `TIMESTAMPTZ` columns and no trace of these. A cast cannot be shadowed: `CAST(ts AS DATE)`
 * fails, and {@linkcode explainTimestampError} says what to write instead.
 *
 * @module
 */
import { DestinationError } from "../../lib/errors.ts";

/** A built-in function to shadow, by its parameters. */
interface Shadowed {
  /** Function names (aliases share the definition). */
  names: string[];
  /** Parameter lists, one per arity. */
  params: string[][];
  /** The parameters that take a time value. */
  times: string[];
  /** Wraps the built-in's result for `TIMESTAMPTZ` arguments. */
  result?: (call: string) => string;
}

const backToTimestamptz = (call: string) => `CAST(${call} AS TIMESTAMPTZ)`;

/** Functions of one time value (DuckDB's date part functions and their kin). */
const ONE_VALUE = [
  "year",
  "month",
  "day",
  "hour",
  "minute",
  "second",
  "millisecond",
  "microsecond",
  "nanosecond",
  "quarter",
  "week",
  "weekofyear",
  "yearweek",
  "dayofweek",
  "dayofyear",
  "dayofmonth",
  "isodow",
  "isoyear",
  "weekday",
  "decade",
  "century",
  "millennium",
  "era",
  "epoch",
  "julian",
  "last_day",
  "monthname",
  "dayname",
  "timezone_hour",
  "timezone_minute",
];

const SHADOWED: Shadowed[] = [
  {
    names: ["date_trunc", "datetrunc"],
    params: [["part", "value"]],
    times: ["value"],
    result: backToTimestamptz,
  },
  { names: ["date_part", "datepart"], params: [["part", "value"]], times: ["value"] },
  { names: ["strftime"], params: [["value", "format"]], times: ["value"] },
  ...ONE_VALUE.map((name) => ({ names: [name], params: [["value"]], times: ["value"] })),
  {
    names: ["date_diff", "datediff", "date_sub", "datesub"],
    params: [["part", "start_value", "end_value"]],
    times: ["start_value", "end_value"],
  },
  {
    names: ["age"],
    params: [["value"], ["end_value", "start_value"]],
    times: ["value", "end_value", "start_value"],
  },
  {
    names: ["time_bucket"],
    params: [["width", "value"], ["width", "value", "origin"]],
    times: ["value", "origin"],
    result: backToTimestamptz,
  },
];

/** Zone names of UTC, upper case: the only zone that `AT TIME ZONE` takes without ICU. */
const UTC_NAMES = ["UTC", "ETC/UTC", "GMT", "ETC/GMT", "UCT", "UNIVERSAL", "ZULU"];

/** `value` if the zone `zone` is UTC, else an error that says so. */
function ifUtc(zone: string, value: string): string {
  const names = UTC_NAMES.map((name) => `'${name}'`).join(", ");
  return `CASE WHEN upper(${zone}) IN (${names}) THEN ${value} ELSE error('Time zone "' || ` +
    `${zone} || '" needs the ICU extension, which DuckDB-WASM lacks here; only "UTC" works') END`;
}

/** The overloads of the macro for `name`, as SQL. */
function overloads(name: string, shadowed: Shadowed): string[] {
  const builtin = (args: string[]) => `system.main.${name}(${args.join(", ")})`;
  return shadowed.params.flatMap((params) => {
    const typed = (type: string) =>
      params.map((param) => shadowed.times.includes(param) ? `${param} ${type}` : param);
    const zoned = params.map((param) =>
      shadowed.times.includes(param) ? `CAST(${param} AS TIMESTAMP)` : param
    );
    const result = shadowed.result ?? ((call: string) => call);
    return [
      `(${typed("TIMESTAMPTZ").join(", ")}) AS ${result(builtin(zoned))}`,
      ...PASSED_ON.map((type) => `(${typed(type).join(", ")}) AS ${builtin(params)}`),
      `(${params.join(", ")}) AS ${builtin(params)}`,
    ];
  });
}

/**
 * Types passed on unchanged by overloads of their own: without them DuckDB would cast a `DATE`
 * or `TIMESTAMP` to `TIMESTAMPTZ` and a `TIMESTAMP_NS` to `TIMESTAMP` (losing nanoseconds),
 * implicit casts it prefers to an untyped parameter.
 */
const PASSED_ON = ["DATE", "TIMESTAMP", "TIMESTAMP_NS"];

function macro(name: string, definitions: string[]): [string, string] {
  return [name, `CREATE OR REPLACE TEMP MACRO ${name}${definitions.join(",\n  ")}`];
}

/** The statement that creates each macro, by name. */
const MACROS = new Map<string, string>([
  ...SHADOWED.flatMap((shadowed) =>
    shadowed.names.map((name) => macro(name, overloads(name, shadowed)))
  ),
  // `timezone(value)` is a date part; `timezone(zone, value)` is `value AT TIME ZONE zone`
  macro("timezone", [
    ...overloads("timezone", { names: [], params: [["value"]], times: ["value"] }),
    `(zone, value TIMESTAMPTZ) AS ${ifUtc("zone", "CAST(value AS TIMESTAMP)")}`,
    `(zone, value TIMESTAMP) AS ${ifUtc("zone", "CAST(value AS TIMESTAMPTZ)")}`,
    "(zone, value) AS system.main.timezone(zone, value)",
  ]),
  // functions that only ICU has
  macro("make_timestamptz", [
    "(micros) AS CAST(make_timestamp(micros) AS TIMESTAMPTZ)",
    "(y, mo, d, h, mi, s) AS CAST(make_timestamp(y, mo, d, h, mi, s) AS TIMESTAMPTZ)",
    `(y, mo, d, h, mi, s, zone) AS ${
      ifUtc("zone", "CAST(make_timestamp(y, mo, d, h, mi, s) AS TIMESTAMPTZ)")
    }`,
  ]),
  macro("current_date", ["() AS CAST(CAST(now() AS TIMESTAMP) AS DATE)"]),
  macro("today", ["() AS CAST(CAST(now() AS TIMESTAMP) AS DATE)"]),
]);

/** Names in SQL text that call a macro (a function name and its parenthesis, or a keyword). */
const CALLS = new RegExp(
  `\\b(?:(${
    [...MACROS.keys(), "extract"].join("|")
  })\\s*\\(|(current_date)\\b|(at)\\s+time\\s+zone\\b)`,
  "gi",
);

/** Functions DuckDB turns other syntax into. */
const REWRITTEN: Record<string, string> = { extract: "date_part", at: "timezone" };

/** The database slice {@linkcode TimestampFunctions} uses. */
export interface MacroTarget {
  /** Runs SQL for its effect. */
  run(sql: string): void;
}

/**
 * The macros of one connection, created as statements need them: one costs 1 to 3 ms to create,
 * all of them 60 to 200 ms (and finding out whether the database holds views costs 30 to 50 ms).
 * A view or macro stored in the database may call these functions without the statement naming
 * them: {@linkcode TimestampFunctions.createAll} is for a statement that failed so.
 */
export class TimestampFunctions {
  #target: MacroTarget;
  #created = new Set<string>();

  /** Creates the macros on `target`'s connection. */
  constructor(target: MacroTarget) {
    this.#target = target;
  }

  /** Creates the macros of the functions that `sql` calls, if not created yet. */
  prepare(sql: string): void {
    if (this.#created.size === MACROS.size) return;
    for (const match of sql.matchAll(CALLS)) {
      const name = (match[1] ?? match[2] ?? match[3]).toLowerCase();
      this.#create(REWRITTEN[name] ?? name);
    }
  }

  /** Creates every macro; returns whether any was missing. */
  createAll(): boolean {
    if (this.#created.size === MACROS.size) return false;
    for (const name of MACROS.keys()) this.#create(name);
    return true;
  }

  #create(name: string): void {
    if (this.#created.has(name)) return;
    this.#target.run(MACROS.get(name)!);
    this.#created.add(name);
  }
}

/** DuckDB's errors for a function that only ICU has. */
const ICU_FUNCTION = /required extension 'icu'|but it exists in the icu extension/;

/**
 * DuckDB's errors about what needs ICU on a `TIMESTAMPTZ`, with what to write instead (given the
 * column the error names, if any).
 */
const NEEDS_ICU: [pattern: RegExp, advice: (column: string) => string][] = [
  [
    /Unimplemented type for cast \(TIMESTAMP WITH TIME ZONE -> DATE\)/,
    (column) =>
      `write ${column}::TIMESTAMP::DATE (the UTC date) instead of CAST(${column} AS DATE) or ` +
      `${column}::DATE`,
  ],
  [
    /argument types '[+-]\(TIMESTAMP WITH TIME ZONE, (INTERVAL|TIMESTAMP WITH TIME ZONE)\)'/,
    (column) =>
      `compute on ${column}::TIMESTAMP (its UTC time), e.g. ${column}::TIMESTAMP + INTERVAL 1 DAY`,
  ],
  [
    ICU_FUNCTION,
    (column) =>
      `cast TIMESTAMP WITH TIME ZONE values to TIMESTAMP (their UTC time) first: ${column}::TIMESTAMP`,
  ],
];

/**
 * Whether a statement failed because it called a function that only ICU has, which a macro may
 * provide.
 */
export function callsIcuFunction(error: unknown): boolean {
  return ICU_FUNCTION.test(error instanceof Error ? error.message : String(error));
}

/**
 * `error` of a query with advice when DuckDB-WASM failed for want of ICU (a `DestinationError`
 * with `error` as its cause), else `error` itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { explainTimestampError } from "./_timestamp_functions.ts";
 * const error = new Error(
 *   "Conversion Error: Unimplemented type for cast (TIMESTAMP WITH TIME ZONE -> DATE) when " +
 *     "casting from source column created_at",
 * );
 * assert.match(
 *   (explainTimestampError(error) as Error).message,
 *   /write created_at::TIMESTAMP::DATE \(the UTC date\) instead of CAST\(created_at AS DATE\)/,
 * );
 * ```
 */
export function explainTimestampError(error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const advice = NEEDS_ICU.find(([pattern]) => pattern.test(message))?.[1];
  if (advice === undefined) return error;
  const column = /from source column "?([^"\s]+)"?/.exec(message)?.[1] ?? "value";
  return new DestinationError(
    `${message.split("\n")[0]} (DuckDB-WASM has no ICU extension here: ${advice(column)})`,
    { cause: error },
  );
}
