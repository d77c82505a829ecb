/**
 * Date and time SQL on loaded `TIMESTAMP WITH TIME ZONE` columns: DuckDB-WASM has no ICU here,
 * and the destination's macros make the function forms give what native DuckDB gives on the same
 * file with `SET TimeZone = 'UTC'`; the file keeps its column types and no trace of the macros;
 * what cannot work (casts, operators, other zones) fails with advice.
 */
import assert from "node:assert/strict";
import { DestinationError, type Pipeline, resource } from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";
import { nativeQuery, openNativeReader } from "./_native_duckdb.ts";

const EVENTS = [
  {
    id: 1,
    actor: "ada",
    created_at: "2024-03-05T23:30:00.123456Z",
    naive: "2024-03-05T23:30:00.123456Z",
    started: "2024-03-04T21:27:00Z",
    precise: "2024-03-05T23:30:00.123456789Z",
    day: "2024-03-05",
  },
  {
    id: 2,
    actor: "ada",
    created_at: "2024-03-05T01:00:00+02:00",
    naive: "2024-12-31T23:59:59.999999Z",
    started: "2023-11-01T00:00:00Z",
    precise: "2024-12-31T23:59:59.999999999Z",
    day: "2024-12-31",
  },
  {
    id: 3,
    actor: "grace",
    created_at: "1969-07-20T20:17:40Z",
    naive: "1969-07-20T20:17:40Z",
    started: "1969-07-20T20:19:10Z",
    precise: "1969-07-20T20:17:40Z",
    day: "1969-07-20",
  },
  {
    id: 4,
    actor: "grace",
    created_at: "2024-12-31T23:59:59.999999Z",
    naive: null,
    started: null,
    precise: null,
    day: null,
  },
];

/** Loads the events; `created_at` is a `TIMESTAMP WITH TIME ZONE`, the others are not. */
async function loaded(name: string): Promise<{ p: Pipeline; dbPath: string }> {
  const { p, dbPath } = await tempPipeline(name, undefined, "wasm");
  await p.run(resource(EVENTS, {
    name: "events",
    columns: {
      naive: { dataType: "timestamp", timezone: false },
      started: { dataType: "timestamp", timezone: false },
      precise: { dataType: "timestamp", timezone: false, precision: 9 },
      day: { dataType: "date" },
    },
  }));
  return { p, dbPath };
}

/** Expressions over `events`, each compared with native DuckDB. */
const EXPRESSIONS = [
  // on the TIMESTAMP WITH TIME ZONE column
  ...["year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond"].map(
    (part) => `date_trunc('${part}', created_at)`,
  ),
  "datetrunc('day', created_at)",
  ...["year", "month", "day", "hour", "minute", "second", "microsecond", "epoch", "dow", "doy"]
    .map((part) => `date_part('${part}', created_at)`),
  "datepart('isoyear', created_at)",
  "date_part(['year', 'month', 'hour'], created_at)",
  "extract(year FROM created_at)",
  "extract(epoch FROM created_at)",
  "EXTRACT(DOW FROM created_at)",
  "strftime(created_at, '%Y-%m-%d')",
  "strftime(created_at, '%Y-%m-%dT%H:%M:%S.%f %z')",
  "strftime(created_at, '%j %a %b %c')",
  ...[
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "millisecond",
    "microsecond",
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
    "nanosecond",
    "timezone",
    "timezone_hour",
    "timezone_minute",
  ].map((fn) => `${fn}(created_at)`),
  "created_at AT TIME ZONE 'UTC'",
  "timezone('UTC', created_at)",
  "naive AT TIME ZONE 'UTC'",
  "date_diff('day', created_at, TIMESTAMPTZ '2025-01-01 00:00:00+00')",
  "datediff('hour', TIMESTAMPTZ '2020-02-29 12:00:00+00', created_at)",
  "date_sub('month', created_at, TIMESTAMPTZ '2025-01-01 00:00:00+00')",
  "date_diff('minute', created_at, naive)",
  "datesub('day', created_at, TIMESTAMPTZ '2025-01-01 00:00:00+00')",
  "age(created_at, TIMESTAMPTZ '2000-01-01 00:00:00+00')",
  "age(created_at)",
  "age(naive)",
  "time_bucket(INTERVAL 1 DAY, created_at)",
  "time_bucket(INTERVAL 6 HOURS, created_at, TIMESTAMPTZ '2000-01-01 03:00:00+00')",
  "make_timestamptz(epoch_us(created_at))",
  "make_timestamptz(2024, 1, 2, 3, 4, 5.5)",
  "created_at::TIMESTAMP::DATE",
  "strftime(date_trunc('day', created_at), '%Y-%m-%d')",
  // other types go to DuckDB's own functions as before
  "date_trunc('day', naive)",
  "date_trunc('hour', naive - started)",
  "date_part('hour', naive - started)",
  "extract(epoch FROM naive - started)",
  "date_part(['year', 'hour'], naive - started)",
  "date_part('hour', INTERVAL '26 hours')",
  "year(day)",
  "date_trunc('month', day)",
  "strftime(day, '%Y/%m/%d')",
  "nanosecond(precise)",
  "date_trunc('microsecond', precise)",
  "date_diff('day', day, naive)",
  "date_part('second', TIME '12:34:56')",
];

async function wasmValues(p: Pipeline, expression: string) {
  return await p.dataset().query(
    `SELECT typeof(${expression}) AS type, (${expression})::VARCHAR AS value FROM events ORDER BY id`,
  );
}

Deno.test("date and time functions on TIMESTAMPTZ columns give native DuckDB's results", async () => {
  const { p, dbPath } = await loaded("tz_functions");
  const dataset = p.datasetName;
  await using client = await p.sqlClient();
  await using reader = await openNativeReader(dbPath, { setup: ["SET TimeZone = 'UTC'"] });
  for (const expression of EXPRESSIONS) {
    const sql =
      `SELECT typeof(${expression}) AS type, (${expression})::VARCHAR AS value FROM events ORDER BY id`;
    const wasm = await client.query(sql).catch((error: Error) => ({ error: error.message }));
    const native = await reader.query(sql.replace("FROM events", `FROM ${dataset}.events`));
    assert.deepEqual(wasm, native, expression);
  }
});

Deno.test("the seed's leaderboard query works through dataset() and sqlClient()", async () => {
  const { p, dbPath } = await loaded("tz_leaderboard");
  const sql = `SELECT actor, date_trunc('day', created_at) AS event_date, count(*)::INT AS events
    FROM events GROUP BY ALL ORDER BY event_date, events DESC, actor`;
  const rows = await p.dataset().query(sql);
  assert.deepEqual(rows, [
    { actor: "grace", event_date: new Date("1969-07-20T00:00:00Z"), events: 1 },
    { actor: "ada", event_date: new Date("2024-03-04T00:00:00Z"), events: 1 },
    { actor: "ada", event_date: new Date("2024-03-05T00:00:00Z"), events: 1 },
    { actor: "grace", event_date: new Date("2024-12-31T00:00:00Z"), events: 1 },
  ]);
  await using client = await p.sqlClient();
  assert.deepEqual(await client.query(sql), rows);
  const native = await nativeQuery(
    dbPath,
    sql.replace("FROM events", `FROM ${p.datasetName}.events`).replace(
      "AS event_date",
      "::VARCHAR AS event_date",
    ),
    { setup: ["SET TimeZone = 'UTC'"] },
  );
  assert.deepEqual(
    native.map((row) => row.event_date),
    [
      "1969-07-20 00:00:00+00",
      "2024-03-04 00:00:00+00",
      "2024-03-05 00:00:00+00",
      "2024-12-31 00:00:00+00",
    ],
  );
  const today = { type: "DATE", value: new Date().toISOString().slice(0, 10) };
  assert.deepEqual(await wasmValues(p, "current_date"), Array(4).fill(today));
  assert.deepEqual(await wasmValues(p, "today()"), Array(4).fill(today));
});

Deno.test("the file keeps TIMESTAMPTZ columns and no trace of the macros", async () => {
  const { p, dbPath } = await loaded("tz_no_trace");
  assert.equal((await wasmValues(p, "year(created_at)")).length, 4);
  await using client = await p.sqlClient();
  await client.query(
    "SELECT date_trunc('day', created_at), created_at AT TIME ZONE 'UTC' FROM events",
  );
  await client.close();
  assert.deepEqual(
    await nativeQuery(
      dbPath,
      `SELECT data_type FROM information_schema.columns
       WHERE table_schema = '${p.datasetName}' AND table_name = 'events' AND column_name = 'created_at'`,
    ),
    [{ data_type: "TIMESTAMP WITH TIME ZONE" }],
  );
  assert.deepEqual(
    await nativeQuery(
      dbPath,
      `SELECT count(*)::INT AS n FROM duckdb_functions()
       WHERE NOT internal AND function_type LIKE '%macro'`,
    ),
    [{ n: 0 }],
  );
});

Deno.test("a stored view that calls the functions works when the database is opened again", async () => {
  const { p, dbPath } = await loaded("tz_view");
  const client = await p.sqlClient();
  await client.execute(
    "CREATE VIEW daily AS SELECT date_trunc('day', created_at) AS d, count(*)::INT AS n " +
      "FROM events GROUP BY ALL",
  );
  await client.close();
  // a new database instance, whose first query names no function: it fails for want of a macro
  // and is run again with every macro created
  const rows = await p.dataset().query<{ d: Date; n: number }>("SELECT * FROM daily ORDER BY d");
  assert.deepEqual(rows.map((row) => row.d.toISOString().slice(0, 10)), [
    "1969-07-20",
    "2024-03-04",
    "2024-03-05",
    "2024-12-31",
  ]);
  assert.equal(
    (await nativeQuery(dbPath, `SELECT count(*)::INT AS n FROM ${p.datasetName}.daily`))[0].n,
    4,
  );
});

Deno.test("what cannot work without ICU fails with advice", async () => {
  const { p } = await loaded("tz_advice");
  const failure = (sql: string) =>
    p.dataset().query(sql).then(() => assert.fail(`${sql} worked`), (error: Error) => error);
  const cast = await failure("SELECT CAST(created_at AS DATE) AS d FROM events");
  assert.ok(cast instanceof DestinationError);
  assert.match(
    cast.message,
    /Unimplemented type for cast \(TIMESTAMP WITH TIME ZONE -> DATE\).*write created_at::TIMESTAMP::DATE \(the UTC date\) instead of CAST\(created_at AS DATE\)/,
  );
  assert.match(
    (await failure("SELECT created_at::DATE FROM events")).message,
    /write created_at::TIMESTAMP::DATE/,
  );
  assert.match(
    (await failure("SELECT created_at + INTERVAL 1 DAY FROM events")).message,
    /compute on value::TIMESTAMP \(its UTC time\), e\.g\. value::TIMESTAMP \+ INTERVAL 1 DAY/,
  );
  assert.match(
    (await failure("SELECT created_at AT TIME ZONE 'Europe/Berlin' FROM events")).message,
    /Time zone "Europe\/Berlin" needs the ICU extension, which DuckDB-WASM lacks here; only "UTC" works/,
  );
  // the date the advice names is the UTC date
  assert.deepEqual(
    (await p.dataset().query<{ d: Date }>(
      "SELECT created_at::TIMESTAMP::DATE AS d FROM events WHERE id = 2",
    ))[0].d,
    new Date("2024-03-04T00:00:00Z"),
  );
});
