/**
 * The postgres destination's connection against a real server: every type copied from a CSV job
 * file (read back as the server's own text by a plain `pg` client), COPY errors, lost
 * connections, connection failures that name the server without the password, and closed
 * connections kept idle for the next.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeCsvField } from "../lib/normalize/csv.ts";
import { BigIntValue, BinaryValue } from "../lib/normalize/typed_json.ts";
import type { LoadJob } from "../lib/destination.ts";
import type { ColumnSchema, DataType, TableSchema } from "../lib/schema/schema.ts";
import { quoteIdentifier } from "../lib/load/sql.ts";
import { DestinationError } from "../lib/errors.ts";
import { PostgresConnection } from "../destinations/postgres/_connection.ts";
import type { PostgresCredentials } from "../destinations/postgres/_credentials.ts";
import { IDLE_MS } from "../destinations/postgres/_idle_connections.ts";
import { postgresColumnType } from "../destinations/postgres/_dialect.ts";
import { adminQuery, postgresTest } from "./_postgres.ts";
import { tempDir } from "./_helpers.ts";

/** A CSV job file with a header row, its fields encoded as the normalizer encodes them. */
async function writeJob(
  table: TableSchema,
  rows: Record<string, unknown>[],
): Promise<LoadJob> {
  const columns = Object.keys(table.columns);
  const field = (value: unknown, dataType: DataType | undefined) =>
    value === null || value === undefined ? "" : encodeCsvField(value, dataType);
  const lines = [
    columns.map((name) => encodeCsvField(name, "text")).join(","),
    ...rows.map((row) =>
      columns.map((name) => field(row[name], table.columns[name].dataType)).join(",")
    ),
  ];
  const path = join(await tempDir("pg_copy"), `${table.name}.1.csv`);
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return { path, table: table.name, format: "csv", columns, rows: rows.length, longestLine: 0 };
}

/** `table` created in `dataset` with the dialect's types. */
async function createTable(
  connection: PostgresConnection,
  dataset: string,
  table: TableSchema,
): Promise<string> {
  const into = `${quoteIdentifier(dataset)}.${quoteIdentifier(table.name)}`;
  const columns = Object.values(table.columns).map((c) =>
    `${quoteIdentifier(c.name)} ${postgresColumnType(c)}`
  );
  await connection.run(
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(dataset)}; CREATE TABLE ${into} (${
      columns.join(", ")
    })`,
  );
  return into;
}

function tableOf(name: string, columns: ColumnSchema[]): TableSchema {
  return { name, columns: Object.fromEntries(columns.map((c) => [c.name, c])) };
}

/** Every data type, with the values each row holds and the server's text of them. */
const TYPED = tableOf("typed", [
  { name: "id", dataType: "bigint" },
  { name: "txt", dataType: "text" },
  { name: "small", dataType: "bigint", precision: 16 },
  { name: "dbl", dataType: "double" },
  { name: "flag", dataType: "bool" },
  { name: "at", dataType: "timestamp" },
  { name: "naive", dataType: "timestamp", timezone: false },
  { name: "day", dataType: "date" },
  { name: "amount", dataType: "decimal" },
  { name: "price", dataType: "decimal", precision: 10, scale: 2 },
  { name: "bytes", dataType: "binary" },
  { name: "doc", dataType: "json" },
]);

const base64 = (bytes: number[]) => new BinaryValue(btoa(String.fromCharCode(...bytes)));

const ROWS: Record<string, unknown>[] = [
  {
    id: 1,
    txt: 'quote " comma , newline \n return \r\n tab \t unicode é 中文 🎉',
    small: -32768,
    dbl: 1.5e300,
    flag: true,
    at: "2024-03-05T23:30:00.123456+02:00",
    naive: "2024-03-05T23:30:00+02:00",
    day: "2024-02-29",
    amount: "12345678901234567890.123456789",
    price: "-12.5",
    bytes: base64([0, 1, 127, 128, 255]),
    doc: { a: [1, 'x"y', null], "ü": { nested: true } },
  },
  {
    id: new BigIntValue("9223372036854775807"),
    txt: "",
    small: 32767,
    dbl: NaN,
    flag: false,
    at: "2024-03-05 23:30Z",
    naive: "2024-03-05T23:30:00.5",
    day: "0001-01-01",
    amount: "1e5",
    price: "0.01",
    bytes: base64([]),
    doc: [],
  },
  {
    id: new BigIntValue("-9223372036854775808"),
    txt: null,
    small: null,
    dbl: -Infinity,
    flag: null,
    at: "2024-03-05T23:30:00.123456789z",
    naive: null,
    day: null,
    amount: null,
    price: null,
    bytes: null,
    doc: "a string",
  },
  { id: 4, dbl: Infinity, at: "1999-12-31T23:59:59-0130" },
];

/** The server's text of each row, by column (`::text`). */
const EXPECTED: Record<string, string | null>[] = [
  {
    id: "1",
    txt: 'quote " comma , newline \n return \r\n tab \t unicode é 中文 🎉',
    small: "-32768",
    dbl: "1.5e+300",
    flag: "true",
    at: "2024-03-05 21:30:00.123456+00",
    naive: "2024-03-05 21:30:00",
    day: "2024-02-29",
    amount: "12345678901234567890.123456789",
    price: "-12.50",
    bytes: "\\x00017f80ff",
    doc: '{"a": [1, "x\\"y", null], "ü": {"nested": true}}',
  },
  {
    id: "9223372036854775807",
    txt: "",
    small: "32767",
    dbl: "NaN",
    flag: "false",
    at: "2024-03-05 23:30:00+00",
    naive: "2024-03-05 23:30:00.5",
    day: "0001-01-01",
    amount: "100000.000000000",
    price: "0.01",
    bytes: "\\x",
    doc: "[]",
  },
  {
    id: "-9223372036854775808",
    txt: null,
    small: null,
    dbl: "-Infinity",
    flag: null,
    at: "2024-03-05 23:30:00.123457+00",
    naive: null,
    day: null,
    amount: null,
    price: null,
    bytes: null,
    doc: '"a string"',
  },
  {
    id: "4",
    txt: null,
    small: null,
    dbl: "Infinity",
    flag: null,
    at: "2000-01-01 01:29:59+00",
    naive: null,
    day: null,
    amount: null,
    price: null,
    bytes: null,
    doc: null,
  },
];

/** Every column of `table` as the server's text, rows in id order. */
function selectText(into: string, table: TableSchema): string {
  const columns = Object.keys(table.columns).map((name) =>
    `${quoteIdentifier(name)}::text AS ${quoteIdentifier(name)}`
  );
  return `SELECT ${columns.join(", ")} FROM ${into} ORDER BY ctid`;
}

postgresTest(
  "copyJob loads every data type from a CSV job file",
  async ({ credentials, dataset }) => {
    const connection = await PostgresConnection.open(credentials, dataset);
    try {
      const into = await createTable(connection, dataset, TYPED);
      const job = await writeJob(TYPED, ROWS);
      await connection.run("BEGIN");
      await connection.copyJob(job, TYPED, into);
      await connection.run("COMMIT");
      assert.deepEqual(await adminQuery(selectText(into, TYPED)), EXPECTED);
      // no temporary table is left for the next job
      assert.deepEqual(
        await connection.query("SELECT count(*) AS n FROM pg_tables WHERE tablename = '_dlt_copy'"),
        [{ n: 0 }],
      );
    } finally {
      await connection.close();
    }
  },
);

postgresTest(
  "query converts values as the DuckDB destination returns them",
  async ({ credentials, dataset }) => {
    const connection = await PostgresConnection.open(credentials, dataset);
    try {
      const into = await createTable(connection, dataset, TYPED);
      await connection.copyJob(await writeJob(TYPED, ROWS), TYPED, into);
      // unqualified names resolve in the dataset
      const rows = await connection.query("SELECT * FROM typed ORDER BY ctid");
      assert.deepEqual(rows[0], {
        id: 1,
        txt: ROWS[0].txt,
        small: -32768,
        dbl: 1.5e300,
        flag: true,
        at: new Date("2024-03-05T21:30:00.123Z"),
        naive: new Date("2024-03-05T21:30:00Z"),
        day: new Date("2024-02-29T00:00:00Z"),
        amount: "12345678901234567890.123456789",
        price: -12.5,
        bytes: new Uint8Array([0, 1, 127, 128, 255]),
        doc: '{"a": [1, "x\\"y", null], "ü": {"nested": true}}',
      });
      assert.equal(rows[1].id, 9223372036854775807n);
      assert.ok(Number.isNaN(rows[1].dbl));
      assert.equal(rows[1].amount, 100000);
      assert.deepEqual(rows[1].day, new Date("0001-01-01T00:00:00Z"));
      assert.equal(rows[2].id, -9223372036854775808n);
      assert.equal(rows[2].dbl, -Infinity);
    } finally {
      await connection.close();
    }
  },
);

postgresTest(
  "a value COPY cannot read rejects with the line and column",
  async ({ credentials, dataset }) => {
    const table = tableOf("bad", [
      { name: "id", dataType: "bigint" },
      { name: "name", dataType: "text", precision: 3 },
    ]);
    const connection = await PostgresConnection.open(credentials, dataset);
    try {
      const into = await createTable(connection, dataset, table);
      const cases: [Record<string, unknown>[], RegExp][] = [
        [
          [{ id: 1, name: "abc" }, { id: "x1", name: "ok" }],
          /invalid input syntax for type bigint: "x1"[^]*line 3, column id/,
        ],
        [
          [{ id: 1, name: "abcd" }],
          /value too long for type character varying\(3\)[^]*line 2, column name/,
        ],
        [[{ id: 1, name: "a\0b" }], /invalid byte sequence for encoding "UTF8": 0x00/],
      ];
      for (const [rows, message] of cases) {
        const job = await writeJob(table, rows);
        await connection.run("BEGIN");
        const started = Date.now();
        await assert.rejects(connection.copyJob(job, table, into), (error: Error) => {
          assert.ok(error instanceof DestinationError, String(error));
          assert.match(error.message, message);
          assert.equal(error.transient, false);
          return true;
        });
        assert.ok(Date.now() - started < 5000, "the COPY error took too long");
        await connection.run("ROLLBACK");
      }
      // a missing file fails the COPY, and the connection keeps working
      await connection.run("BEGIN");
      await assert.rejects(
        connection.copyJob(
          { ...await writeJob(table, []), path: "/nonexistent/bad.csv" },
          table,
          into,
        ),
        { name: "DestinationError", message: /ENOENT|no such file/ },
      );
      await connection.run("ROLLBACK");
      assert.deepEqual(await connection.query(`SELECT count(*)::int AS n FROM ${into}`), [{
        n: 0,
      }]);
    } finally {
      await connection.close();
    }
  },
);

postgresTest("a binary column with bad base64 fails the job", async ({ credentials, dataset }) => {
  const table = tableOf("blobs", [{ name: "b", dataType: "binary" }]);
  const connection = await PostgresConnection.open(credentials, dataset);
  try {
    const into = await createTable(connection, dataset, table);
    const job = await writeJob(table, [{ b: new BinaryValue("not base64!") }]);
    await connection.run("BEGIN");
    await assert.rejects(connection.copyJob(job, table, into), {
      name: "DestinationError",
      message: /base64/,
    });
    await connection.run("ROLLBACK");
  } finally {
    await connection.close();
  }
});

postgresTest(
  "a connection ended by the server fails the next statement as transient",
  async ({ credentials, dataset }) => {
    const connection = await PostgresConnection.open(credentials, dataset);
    try {
      const [{ pid }] = await connection.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      await adminQuery("SELECT pg_terminate_backend($1)", [pid]);
      await assert.rejects(connection.query("SELECT 1"), (error: Error) => {
        assert.ok(error instanceof DestinationError);
        assert.equal(error.transient, true);
        assert.match(
          error.message,
          /^Lost the connection to Postgres at 127\.0\.0\.1:\d+, database "dlt_test" as user "dlt_test"/,
        );
        return true;
      });
    } finally {
      await connection.close();
    }
  },
);

postgresTest(
  "connection failures name the server, never the password",
  async ({ credentials, dataset }) => {
    const where = (c: typeof credentials) =>
      `Cannot connect to Postgres at ${c.host}:${c.port}, database "${c.database}" as user "${c.username}"`;
    const attempt = async (
      changed: Partial<typeof credentials>,
      reason: RegExp,
      transient: boolean,
    ) => {
      const wrong = { ...credentials, ...changed };
      const started = Date.now();
      await assert.rejects(PostgresConnection.open(wrong, dataset), (error: Error) => {
        assert.ok(error instanceof DestinationError, String(error));
        assert.ok(error.message.startsWith(where(wrong)), error.message);
        assert.match(error.message, reason);
        assert.equal(error.transient, transient, error.message);
        for (const secret of [credentials.password, "wrong-password-123"]) {
          assert.ok(!error.message.includes(secret), error.message);
          assert.ok(!String(error.stack).includes(secret));
        }
        return true;
      });
      return Date.now() - started;
    };
    await attempt({ password: "wrong-password-123" }, /password authentication failed/, false);
    await attempt(
      { database: "no_such_database" },
      /database "no_such_database" does not exist/,
      false,
    );
    // a port nothing listens on
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    await attempt({ port }, /connection refused/, true);
    await attempt({ host: "no-such-host.invalid" }, /host "no-such-host\.invalid" not found/, true);
    // a server that accepts and never answers: the connect timeout ends the wait
    const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepted: Deno.Conn[] = [];
    const accepting = (async () => {
      for await (const conn of silent) accepted.push(conn);
    })();
    try {
      const waited = await attempt(
        { port: (silent.addr as Deno.NetAddr).port, connectTimeout: 0.5 },
        /no answer within 0\.5 s \(connect_timeout\)/,
        true,
      );
      assert.ok(waited < 3000, `waited ${waited} ms`);
    } finally {
      silent.close();
      await accepting.catch(() => {});
      for (const conn of accepted) conn.close();
    }
  },
);

postgresTest(
  "a user without privileges gets a permission error",
  async ({ credentials, dataset }) => {
    const role = `${dataset}_reader`;
    const password = crypto.randomUUID();
    await adminQuery(`CREATE ROLE "${role}" LOGIN PASSWORD '${password}'`);
    try {
      await adminQuery(`REVOKE CREATE ON DATABASE "${credentials.database}" FROM PUBLIC`);
      const connection = await PostgresConnection.open(
        { ...credentials, username: role, password },
        dataset,
      );
      try {
        await assert.rejects(connection.run(`CREATE SCHEMA "${dataset}"`), (error: Error) => {
          assert.ok(error instanceof DestinationError);
          assert.match(error.message, /permission denied for database/);
          assert.equal(error.transient, false);
          assert.ok(!error.message.includes(password));
          return true;
        });
      } finally {
        await connection.close();
      }
    } finally {
      await adminQuery(`DROP ROLE "${role}"`);
    }
  },
);

postgresTest(
  "sslmode: SSL when the server offers it, certificates checked by verify-*",
  async ({ credentials, dataset }) => {
    const [{ ssl }] = await adminQuery("SELECT current_setting('ssl') AS ssl");
    // the server's self-signed certificate, which postgres_server.sh names in the URL
    const certificate = credentials.sslrootcert;
    const encrypted = async (changed: Partial<typeof credentials>) => {
      const connection = await PostgresConnection.open(
        { ...credentials, sslrootcert: undefined, ...changed },
        dataset,
      );
      try {
        const [row] = await connection.query<{ ssl: boolean }>(
          "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        );
        return row.ssl;
      } finally {
        await connection.close();
      }
    };
    assert.equal(await encrypted({ sslmode: "disable" }), false);
    // prefer (the default) and allow fall back to no SSL when the server has none
    for (const sslmode of [undefined, "prefer", "allow"] as const) {
      assert.equal(await encrypted({ sslmode }), ssl === "on", String(sslmode));
    }
    if (ssl !== "on" || certificate === undefined) {
      console.warn("The test server has no SSL (no openssl, or no sslrootcert in its URL)");
      return;
    }
    assert.equal(await encrypted({ sslmode: "require" }), true);
    // the server's certificate is self-signed: trusted only through sslrootcert
    for (const sslmode of ["verify-ca", "verify-full"] as const) {
      const untrusted = { ...credentials, sslmode, sslrootcert: undefined };
      await assert.rejects(PostgresConnection.open(untrusted, dataset), {
        name: "DestinationError",
        message: /Cannot connect to Postgres at .*: self-signed certificate/,
      });
      assert.equal(await encrypted({ sslmode, sslrootcert: certificate }), true);
    }
    await assert.rejects(
      PostgresConnection.open(
        { ...credentials, sslmode: "verify-full", sslrootcert: "/nonexistent/root.crt" },
        dataset,
      ),
      {
        name: "DestinationError",
        message: /Cannot read the certificates of sslrootcert "\/nonexistent\/root\.crt"/,
      },
    );
  },
);

/** `credentials` of a connection no other test shares (its own application name). */
function ownConnection(credentials: PostgresCredentials): PostgresCredentials {
  return { ...credentials, applicationName: `dlt_idle_${crypto.randomUUID().slice(0, 8)}` };
}

/** The server process of `connection`. */
async function backendPid(connection: PostgresConnection): Promise<number> {
  const [{ pid }] = await connection.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  return pid;
}

postgresTest(
  "a closed connection serves the next one to the same database, its session reset",
  async ({ credentials, dataset }) => {
    const own = ownConnection(credentials);
    const first = await PostgresConnection.open(own, dataset);
    const pid = await backendPid(first);
    await first.run("SET TimeZone = 'Europe/Paris'; CREATE TEMPORARY TABLE scratch (x int)");
    await first.close();
    const next = await PostgresConnection.open(own, `${dataset}_other`);
    try {
      assert.equal(await backendPid(next), pid);
      const [settings] = await next.query<Record<string, string>>(
        "SELECT current_setting('TimeZone') AS tz, current_setting('search_path') AS path, " +
          "to_regclass('pg_temp.scratch')::text AS scratch",
      );
      assert.deepEqual(settings, {
        tz: "UTC",
        path: `${dataset}_other, public`,
        scratch: null,
      });
      // other credentials never get it
      const other = await PostgresConnection.open(ownConnection(credentials), dataset);
      try {
        assert.notEqual(await backendPid(other), pid);
      } finally {
        await other.close();
      }
    } finally {
      await next.close();
    }
  },
);

postgresTest(
  "a connection closed inside a transaction is ended: its work is rolled back, never reused",
  async ({ credentials, dataset }) => {
    const own = ownConnection(credentials);
    const first = await PostgresConnection.open(own, dataset);
    const table = tableOf("kept", [{ name: "id", dataType: "bigint" }]);
    const into = await createTable(first, dataset, table);
    const pid = await backendPid(first);
    await first.run(`BEGIN; INSERT INTO ${into} VALUES (1)`);
    await first.close();
    const next = await PostgresConnection.open(own, dataset);
    try {
      assert.notEqual(await backendPid(next), pid);
      assert.deepEqual(await next.query(`SELECT count(*)::int AS n FROM ${into}`), [{ n: 0 }]);
    } finally {
      await next.close();
    }
    const [gone] = await adminQuery("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1", [
      pid,
    ]);
    assert.equal(gone.n, "0");
  },
);

postgresTest(
  "an idle connection the server ended is replaced by a new one",
  async ({ credentials, dataset }) => {
    const own = ownConnection(credentials);
    const first = await PostgresConnection.open(own, dataset);
    const pid = await backendPid(first);
    await first.close();
    await adminQuery("SELECT pg_terminate_backend($1)", [pid]);
    const next = await PostgresConnection.open(own, dataset);
    try {
      assert.notEqual(await backendPid(next), pid);
      assert.deepEqual(await next.query("SELECT 1 AS one"), [{ one: 1 }]);
    } finally {
      await next.close();
    }
  },
);

postgresTest(
  "an idle connection does not keep the process alive",
  async ({ url, dataset }) => {
    const script = [
      `import { postgres } from ${
        JSON.stringify(new URL("../destinations/postgres/mod.ts", import.meta.url).href)
      };`,
      `const client = await postgres({ credentials: Deno.env.get("URL") }).client({ pipelineName: "p", datasetName: ${
        JSON.stringify(dataset)
      } });`,
      `await client.sql.query("SELECT 1");`,
      `await client.close();`,
    ].join("\n");
    // well before the idle connection would be ended
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-check", "-"],
      env: { URL: url },
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
      signal: AbortSignal.timeout(IDLE_MS / 2),
    }).spawn();
    const writer = output.stdin.getWriter();
    await writer.write(new TextEncoder().encode(script));
    await writer.close();
    const { code, signal, stderr } = await output.output();
    assert.equal(signal, null, "the process was still running");
    assert.equal(code, 0, new TextDecoder().decode(stderr));
  },
);
