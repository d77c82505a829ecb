import assert from "node:assert/strict";
import { redact } from "../../lib/redact.ts";
import { postgres } from "./mod.ts";
import { isolatedTest } from "../../tests/_isolated.ts";

const context = { pipelineName: "events", datasetName: "github" };

isolatedTest(
  import.meta.url,
  "postgres() takes dlt's positional credentials, or an options object",
  () => {
    const url = "postgresql://loader:factory-pass-1@db.example.com:5433/analytics";
    for (const destination of [postgres(url), postgres(url, {}), postgres({ credentials: url })]) {
      assert.equal(destination.name, "postgres");
      assert.equal(destination.capabilities.maxIdentifierLength, 63);
      assert.equal(
        destination.location!(context),
        "postgresql://loader@db.example.com:5433/analytics",
      );
      // what the pipeline stores in its working folder has no password
      assert.deepEqual(destination.factoryOptions, {
        credentials: {
          username: "loader",
          host: "db.example.com",
          port: 5433,
          database: "analytics",
        },
      });
      assert.ok(!JSON.stringify(destination.factoryOptions).includes("factory-pass-1"));
    }
    assert.equal(redact("factory-pass-1"), "***");
    const fields = postgres({
      credentials: { host: "h", database: "d", username: "u", password: "field-pass-2" },
    });
    assert.deepEqual(fields.factoryOptions, {
      credentials: { host: "h", database: "d", username: "u" },
    });
    // recreated from what was stored, it needs the password from config again
    const env = "DESTINATION__POSTGRES__CREDENTIALS__PASSWORD";
    Deno.env.set(env, "config-pass-3");
    try {
      assert.equal(postgres(fields.factoryOptions!).location!(context), "postgresql://u@h:5432/d");
    } finally {
      Deno.env.delete(env);
    }
  },
);

Deno.test("postgres() refuses bad arguments and dlt's options it lacks", () => {
  const cases: [() => unknown, string, RegExp][] = [
    [
      () => postgres({ create_indexes: false } as never),
      "RangeError",
      /"create_indexes" is not supported by postgres\(\): it creates no indexes/,
    ],
    [() => postgres({ csvFormat: {} } as never), "RangeError", /"csvFormat" is not supported/],
    [
      () => postgres({ credential: "x" } as never),
      "RangeError",
      /Unknown option "credential" for postgres\(\) \(did you mean "credentials"\?\)/,
    ],
    [
      () => postgres("postgresql://h/d", { credentials: "x" } as never),
      "RangeError",
      /given the credentials first and the option "credentials": both say where to connect/,
    ],
    [() => postgres("postgresql://h/d", "x" as never), "TypeError", /must be an object, got "x"/],
    [
      () => postgres({}, {} as never),
      "TypeError",
      /takes the credentials and then the options/,
    ],
    [() => postgres(5 as never), "TypeError", /got 5/],
    [
      () => postgres({ credentials: 5 as never }),
      "TypeError",
      /credentials of postgres\(\) must be an object, got 5/,
    ],
    [
      () => postgres("mysql://u:pw-in-url-4@h/d"),
      "ConfigError",
      /must start with "postgresql:\/\/"/,
    ],
  ];
  for (const [call, name, message] of cases) {
    assert.throws(call, (error: Error) => {
      assert.equal(error.name, name, String(error));
      assert.match(error.message, message);
      assert.ok(!error.message.includes("pw-in-url-4"));
      return true;
    });
  }
});

Deno.test("a client for a dataset name Postgres would cut is refused before connecting", async () => {
  const destination = postgres("postgresql://u:p@127.0.0.1:1/d");
  await assert.rejects(
    destination.client({ pipelineName: "p", datasetName: "d".repeat(64) }),
    {
      name: "DestinationError",
      message: /Dataset name "d{64}" cannot be a Postgres schema name: it has 64 bytes/,
    },
  );
});

Deno.test("missing credentials are a MissingConfigError when the pipeline connects", async () => {
  const destination = postgres();
  assert.deepEqual(destination.factoryOptions, {});
  await assert.rejects(
    destination.client({ pipelineName: "no_credentials_here", datasetName: "d" }),
    { name: "MissingConfigError", message: /DESTINATION__POSTGRES__CREDENTIALS__PASSWORD/ },
  );
});
