import assert from "node:assert/strict";
import { join } from "node:path";
import { MissingConfigError } from "../../lib/config.ts";
import { ConfigError } from "../../lib/errors.ts";
import { redact } from "../../lib/redact.ts";
import {
  describePostgres,
  readPostgresCredentials,
  resolvePostgresCredentials,
} from "./_credentials.ts";

/** Config lookups that see only `variables` and the config folders `configDirs`. */
function configOf(variables: Record<string, string>, configDirs: string[] = []) {
  return { env: (name: string) => variables[name], configDirs, pipelineName: "chess" };
}

Deno.test("a URL gives every field, percent-decoded", () => {
  assert.deepEqual(
    readPostgresCredentials(
      "postgres://l%C3%B6ader:p%2Fw%3Fd@[::1]:6543/my%20db?sslmode=verify-full&connect_timeout=3",
    ),
    {
      username: "löader",
      password: "p/w?d",
      host: "::1",
      port: 6543,
      database: "my db",
      sslmode: "verify-full",
      connectTimeout: 3,
    },
  );
  assert.deepEqual(
    readPostgresCredentials("postgresql://h/d?sslmode=verify-ca&sslrootcert=%2Fetc%2Fca.pem"),
    { host: "h", database: "d", sslmode: "verify-ca", sslrootcert: "/etc/ca.pem" },
  );
  assert.deepEqual(readPostgresCredentials("postgresql://h/d?application_name=nightly%20load"), {
    host: "h",
    database: "d",
    applicationName: "nightly load",
  });
  // what a URL leaves out comes from config or defaults
  assert.deepEqual(readPostgresCredentials("postgresql://db.example.com"), {
    host: "db.example.com",
  });
});

Deno.test("a malformed URL is a ConfigError that hides its password", () => {
  const cases: [string, RegExp][] = [
    ["mysql://u:hunter22-secret@h/db", /must start with "postgresql:\/\/"/],
    ["u:hunter22-secret@h/db", /must start with "postgresql:\/\/"/],
    ["postgresql://u:hunter22-secret@h:99999/db", /not a valid URL \(check the port/],
    ["postgresql://u:hunter22-secret@h:0/db", /port number from 1 to 65535/],
    ["postgresql://u:hunter22-secret@h/db?sslmode=maybe", /"sslmode" .*must be one of "disable"/],
    [
      "postgresql://u:hunter22-secret@h/db?target_session_attrs=any",
      /parameter "target_session_attrs" is not supported/,
    ],
    ["postgresql://u:hunter22-secret@h/db?connect_timeout=0", /"connectTimeout" .*seconds > 0/],
    ["postgresql://u:hunter22-secret@h/a/b", /the path "\/a\/b" is not one database name/],
  ];
  for (const [url, message] of cases) {
    assert.throws(() => readPostgresCredentials(url), (error: Error) => {
      assert.ok(error instanceof ConfigError, `${url}: ${error}`);
      assert.match(error.message, message);
      assert.ok(!error.message.includes("hunter22-secret"), error.message);
      return true;
    });
  }
  // the password is a secret from now on, and nothing else is
  assert.equal(redact("pw hunter22-secret"), "pw ***");
  assert.throws(() => readPostgresCredentials("localhost"), /"localhost"/);
  assert.equal(redact("localhost"), "localhost");
});

Deno.test("an object takes camelCase fields and refuses dlt's snake_case and unknown ones", () => {
  assert.deepEqual(
    readPostgresCredentials({ host: "h", port: 5433, connectTimeout: 2.5, sslmode: "disable" }),
    { host: "h", port: 5433, connectTimeout: 2.5, sslmode: "disable" },
  );
  assert.throws(
    () => readPostgresCredentials({ connect_timeout: 5 }),
    { name: "RangeError", message: /write "connectTimeout"/ },
  );
  assert.throws(
    () => readPostgresCredentials({ drivername: "postgresql" }),
    { name: "RangeError", message: /"drivername" is not supported/ },
  );
  assert.throws(() => readPostgresCredentials({ port: "5432" }), TypeError);
  assert.throws(() => readPostgresCredentials(["u"]), TypeError);
  readPostgresCredentials({ password: "object-password-1" });
  assert.equal(redact("object-password-1"), "***");
});

Deno.test("credentials in code win; fields they lack come from config, then defaults", () => {
  const resolved = resolvePostgresCredentials(
    readPostgresCredentials("postgresql://loader@db/dwh"),
    configOf({
      DESTINATION__POSTGRES__CREDENTIALS__PASSWORD: "from-env-pass",
      DESTINATION__POSTGRES__CREDENTIALS__HOST: "ignored-host",
      DESTINATION__POSTGRES__CREDENTIALS__CONNECT_TIMEOUT: "7",
    }),
  );
  assert.deepEqual(resolved, {
    username: "loader",
    host: "db",
    database: "dwh",
    password: "from-env-pass",
    port: 5432,
    connectTimeout: 7,
  });
  assert.equal(redact("from-env-pass"), "***");
});

Deno.test("a configured URL, per-field variables, and the pipeline's section", () => {
  assert.deepEqual(
    resolvePostgresCredentials(
      undefined,
      configOf({
        DESTINATION__POSTGRES__CREDENTIALS: "postgresql://u:url-password@h:5999/d",
        // the pipeline's own section is looked up first, as in dlt
        CHESS__DESTINATION__POSTGRES__CREDENTIALS__SSLMODE: "require",
      }),
    ),
    {
      username: "u",
      password: "url-password",
      host: "h",
      port: 5999,
      database: "d",
      connectTimeout: 15,
      sslmode: "require",
    },
  );
  assert.deepEqual(
    resolvePostgresCredentials(
      undefined,
      configOf({
        DESTINATION__POSTGRES__CREDENTIALS__DATABASE: "d",
        DESTINATION__POSTGRES__CREDENTIALS__USERNAME: "u",
        DESTINATION__POSTGRES__CREDENTIALS__PASSWORD: "field-password",
        DESTINATION__POSTGRES__CREDENTIALS__HOST: "h",
        DESTINATION__POSTGRES__CREDENTIALS__PORT: "6000",
      }),
    ),
    {
      username: "u",
      password: "field-password",
      host: "h",
      port: 6000,
      database: "d",
      connectTimeout: 15,
    },
  );
});

Deno.test("a [destination.postgres.credentials] table in secrets.toml", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(dir, "secrets.toml"),
      `[destination.postgres.credentials]
database = "dlt_data"
username = "loader"
password = "toml-password-9"
host = "localhost"
port = 5433
connect_timeout = 4
`,
    );
    assert.deepEqual(resolvePostgresCredentials(undefined, configOf({}, [dir])), {
      database: "dlt_data",
      username: "loader",
      password: "toml-password-9",
      host: "localhost",
      port: 5433,
      connectTimeout: 4,
    });
    assert.equal(redact("toml-password-9"), "***");
    // an environment variable wins over the file, field by field
    const env = { DESTINATION__POSTGRES__CREDENTIALS__HOST: "db.internal" };
    assert.equal(resolvePostgresCredentials(undefined, configOf(env, [dir])).host, "db.internal");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("missing credentials list every key tried", () => {
  assert.throws(
    () => resolvePostgresCredentials(undefined, configOf({})),
    (error: Error) => {
      assert.ok(error instanceof MissingConfigError);
      assert.deepEqual(error.missing, ["database", "username", "password", "host"]);
      assert.match(error.message, /password \(secret\), looked up in this order:/);
      assert.ok(error.triedKeys.includes("DESTINATION__POSTGRES__CREDENTIALS__PASSWORD"));
      assert.ok(error.triedKeys.includes("CHESS__DESTINATION__POSTGRES__CREDENTIALS__HOST"));
      return true;
    },
  );
  // a URL without a password still needs one
  assert.throws(
    () => resolvePostgresCredentials(readPostgresCredentials("postgresql://u@h/d"), configOf({})),
    (error: Error) => error instanceof MissingConfigError && error.missing.join() === "password",
  );
});

Deno.test("a bad configured value is a ConfigError naming the key", () => {
  assert.throws(
    () =>
      resolvePostgresCredentials(
        undefined,
        configOf({
          DESTINATION__POSTGRES__CREDENTIALS: "postgresql://u:p4ss-word@h/d",
          DESTINATION__POSTGRES__CREDENTIALS__PORT: "fifty",
        }),
      ),
    // the URL has no port: the variable is read, and is not an integer
    { name: "ConfigError", message: /DESTINATION__POSTGRES__CREDENTIALS__PORT is not an integer/ },
  );
});

Deno.test("describePostgres shows where credentials connect, without the password", () => {
  const credentials = resolvePostgresCredentials(
    readPostgresCredentials("postgresql://u%40x:p4ssword-z@db:5433/d%2F1"),
    configOf({}),
  );
  assert.equal(describePostgres(credentials), "postgresql://u%40x@db:5433/d%2F1");
});
