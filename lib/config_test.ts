import assert from "node:assert/strict";
import { join } from "node:path";
import {
  activatePipeline,
  config,
  ConfigValue,
  findConfig,
  MissingConfigError,
  resolveConfig,
  resolveConfigSpec,
  secret,
} from "./config.ts";
import { ConfigError, DltError } from "./errors.ts";
import { redact } from "./redact.ts";

// config files are cached per path for the process: every test writes into fresh folders
const temp = Deno.makeTempDirSync({ prefix: "dlt_config_test_" });
globalThis.addEventListener("unload", () => Deno.removeSync(temp, { recursive: true }));
let dirCount = 0;

/** A fresh folder holding `files` (name → TOML text). */
function configDir(files: Record<string, string> = {}): string {
  const dir = join(temp, String(dirCount++));
  Deno.mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) Deno.writeTextFileSync(join(dir, name), text);
  return dir;
}

/**
 * A test of lookups outside any pipeline: a pipeline another test module of the same isolate made
 * stays active (as in dlt), and would add its section to every lookup.
 */
function test(name: string, fn: () => void | Promise<void>): void {
  Deno.test(name, () => {
    activatePipeline(undefined);
    return fn();
  });
}

/** An environment lookup over `variables`. */
function fakeEnv(variables: Record<string, string> = {}) {
  return (name: string) => variables[name];
}

function missingError(fn: () => unknown): MissingConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof MissingConfigError) return error;
    throw error;
  }
  throw new Error("expected a MissingConfigError");
}

test("a field is looked up in its sections, then in fewer and fewer, then at the top", () => {
  const dir = configDir();
  const { tried } = missingError(() =>
    resolveConfigSpec({ token: secret() }, {
      sections: ["sources", "github", "events"],
      env: fakeEnv(),
      configDirs: [dir],
    })
  );
  const secrets = join(dir, "secrets.toml");
  assert.deepEqual(tried.token, [
    "SOURCES__GITHUB__EVENTS__TOKEN",
    "SOURCES__GITHUB__TOKEN",
    "SOURCES__TOKEN",
    "TOKEN",
    `sources.github.events.token in ${secrets}`,
    `sources.github.token in ${secrets}`,
    `sources.token in ${secrets}`,
    `token in ${secrets}`,
  ]);

  const options = { sections: ["sources", "github", "events"], configDirs: [dir] };
  const env = fakeEnv({
    TOKEN: "top",
    SOURCES__TOKEN: "sources",
    SOURCES__GITHUB__TOKEN: "github",
  });
  assert.equal(resolveConfigSpec({ token: config() }, { ...options, env }).token, "github");
  const files = configDir({
    "config.toml": '[sources]\nrepo = "sources"\n[sources.github.events]\nrepo = "events"\n',
  });
  const resolved = resolveConfigSpec({ repo: config() }, {
    ...options,
    env: fakeEnv(),
    configDirs: [files],
  });
  assert.equal(resolved.repo, "events");
});

test("camelCase fields are looked up in snake_case, as dlt's keys are", () => {
  const env = fakeEnv({ SOURCES__GITHUB__PAGE_SIZE: "5", API_KEY: "key" });
  const resolved = resolveConfigSpec(
    { pageSize: config<number>({ type: "integer" }), APIKey: config() },
    { sections: ["sources", "github"], env, configDirs: [] },
  );
  assert.deepEqual(resolved, { pageSize: 5, APIKey: "key" });
});

test("keys under the pipeline name come first, in every provider", () => {
  const dir = configDir({ "config.toml": '[my_pipeline.sources]\nrepo = "pipeline"\n' });
  const env = fakeEnv({ SOURCES__GITHUB__REPO: "env", REPO: "top" });
  const options = { sections: ["sources", "github"], env, configDirs: [dir] };
  assert.equal(
    resolveConfigSpec({ repo: config() }, { ...options, pipelineName: "my_pipeline" }).repo,
    "pipeline",
  );
  assert.equal(resolveConfigSpec({ repo: config() }, options).repo, "env");

  const { tried } = missingError(() =>
    resolveConfigSpec({ repo: config() }, {
      sections: ["sources"],
      pipelineName: "p",
      env: fakeEnv(),
      configDirs: [dir],
    })
  );
  const secrets = join(dir, "secrets.toml");
  const configToml = join(dir, "config.toml");
  assert.deepEqual(tried.repo, [
    "P__SOURCES__REPO",
    "P__REPO",
    `p.sources.repo in ${secrets}`,
    `p.repo in ${secrets}`,
    `p.sources.repo in ${configToml}`,
    `p.repo in ${configToml}`,
    "SOURCES__REPO",
    "REPO",
    `sources.repo in ${secrets}`,
    `repo in ${secrets}`,
    `sources.repo in ${configToml}`,
    `repo in ${configToml}`,
  ]);
});

test("a declaration with a key is looked up only as that key", () => {
  const env = fakeEnv({ SOURCES__GITHUB__EVENTS__TOKEN: "in sections" });
  const { tried } = missingError(() =>
    resolveConfigSpec({ token: secret("sources.github.token") }, {
      sections: ["sources", "github", "events"],
      pipelineName: "p",
      env,
      configDirs: [],
    })
  );
  assert.deepEqual(tried.token, ["P__SOURCES__GITHUB__TOKEN", "SOURCES__GITHUB__TOKEN"]);
  const found = resolveConfigSpec({ token: secret("sources.github.events.token") }, {
    env,
    configDirs: [],
  });
  assert.equal(found.token, "in sections");
  assert.throws(() => config("sources..token"), TypeError);
});

test("environment variables are asked for every candidate before the files", () => {
  const dir = configDir({ "secrets.toml": '[sources.github]\ntoken = "from file"\n' });
  const resolved = resolveConfigSpec({ token: secret() }, {
    sections: ["sources", "github"],
    env: fakeEnv({ TOKEN: "from env" }),
    configDirs: [dir],
  });
  assert.equal(resolved.token, "from env");
});

test("secrets.toml before config.toml, the first folder before the next", () => {
  const local = configDir({
    "secrets.toml": 'shared = "local secrets"\n',
    "config.toml": 'shared = "local config"\nplain = "local config"\n',
  });
  const global = configDir({
    "secrets.toml": 'shared = "global secrets"\nplain = "global secrets"\n',
    "config.toml": 'plain = "global config"\nonly_global = "global config"\n',
  });
  const resolved = resolveConfigSpec(
    { shared: config(), plain: config(), onlyGlobal: config() },
    { env: fakeEnv(), configDirs: [local, global] },
  );
  // config values are read from secrets.toml too, and it comes first
  assert.deepEqual(resolved, {
    shared: "local secrets",
    plain: "global secrets",
    onlyGlobal: "global config",
  });
});

test("secrets are never read from config.toml: one there is an error", () => {
  const dir = configDir({ "config.toml": '[sources]\ntoken = "ghp_in_config_toml"\n' });
  assert.throws(
    () =>
      resolveConfigSpec({ token: secret() }, {
        sections: ["sources"],
        env: fakeEnv(),
        configDirs: [dir],
      }),
    (error: unknown) =>
      error instanceof ConfigError && !(error instanceof MissingConfigError) &&
      error.message.includes(`sources.token in ${join(dir, "config.toml")}`) &&
      error.message.includes("config.toml cannot hold secrets") &&
      !error.message.includes("ghp_in_config_toml"),
  );
  const { tried } = missingError(() =>
    resolveConfigSpec({ other: secret() }, { env: fakeEnv(), configDirs: [dir] })
  );
  assert.deepEqual(tried.other, ["OTHER", `other in ${join(dir, "secrets.toml")}`]);
});

test("text is converted to the declared type", () => {
  const env = fakeEnv({
    COUNT: " 42 ",
    RATIO: "1.5",
    ENABLED: "TRUE",
    DISABLED: "0",
    FILTERS: '{"state":"open","labels":["bug"]}',
    NAME: " spaced ",
  });
  const resolved = resolveConfigSpec({
    count: config<number>({ type: "integer" }),
    ratio: config<number>({ type: "number" }),
    enabled: config<boolean>({ type: "boolean" }),
    disabled: config({ default: true }),
    filters: config<{ state: string; labels: string[] }>({ type: "json" }),
    name: config(),
  }, { env, configDirs: [] });
  assert.deepEqual(resolved, {
    count: 42,
    ratio: 1.5,
    enabled: true,
    disabled: false,
    filters: { state: "open", labels: ["bug"] },
    name: " spaced ",
  });
  // @ts-expect-error: an integer is not a string, so the value type must be given
  config({ type: "integer" });
});

test("TOML values keep their types, which must match the declared one", () => {
  const dir = configDir({
    "config.toml": [
      "count = 3",
      "ratio = 2",
      "enabled = false",
      'as_text = "7"',
      "[filters]",
      'state = "closed"',
      "",
    ].join("\n"),
  });
  const options = { env: fakeEnv(), configDirs: [dir] };
  const resolved = resolveConfigSpec({
    count: config<number>({ type: "integer" }),
    ratio: config<number>({ type: "number" }),
    enabled: config<boolean>({ type: "boolean" }),
    asText: config<number>({ type: "integer" }),
    filters: config<Record<string, string>>({ type: "json" }),
  }, options);
  assert.deepEqual(resolved, {
    count: 3,
    ratio: 2,
    enabled: false,
    asText: 7,
    filters: { state: "closed" },
  });
  assert.throws(
    () => resolveConfigSpec({ count: config() }, options),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.message ===
        `Config value "count" in count in ${join(dir, "config.toml")} is not a string: 3`,
  );
  assert.throws(
    () => resolveConfigSpec({ ratio: config<boolean>({ type: "boolean" }) }, options),
    /Config value "ratio" in ratio in .*config\.toml is not a boolean: 2/,
  );
});

test("a value that does not convert names where it was found, and hides secrets", () => {
  const env = fakeEnv({ SOURCES__PAGE_SIZE: "4.5", FLAG: "yes", KEY: "not-a-number-secret" });
  const options = { sections: ["sources", "github"], env, configDirs: [] };
  assert.throws(
    () => resolveConfigSpec({ pageSize: config<number>({ type: "integer" }) }, options),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.message === 'Config value "pageSize" in SOURCES__PAGE_SIZE is not an integer: "4.5"',
  );
  assert.throws(
    () => resolveConfigSpec({ flag: config<boolean>({ type: "boolean" }) }, options),
    /Config value "flag" in FLAG is not a boolean: "yes"/,
  );
  assert.throws(
    () => resolveConfigSpec({ key: secret<number>({ type: "number" }) }, options),
    (error: unknown) =>
      error instanceof ConfigError && error.message === 'Secret "key" in KEY is not a number',
  );
  assert.throws(
    () => resolveConfigSpec({ blob: config<unknown>("key", { type: "json" }) }, options),
    /Config value "blob" in KEY is not JSON/,
  );
});

test("one error lists every missing value with every place tried", () => {
  const dir = configDir();
  const secrets = join(dir, "secrets.toml");
  const configToml = join(dir, "config.toml");
  const error = missingError(() =>
    resolveConfigSpec({
      token: secret(),
      repository: config(),
      perPage: config({ default: 100 }),
      since: config<string | undefined>({ default: undefined }),
      name: "github",
    }, { sections: ["sources", "github"], env: fakeEnv(), configDirs: [dir] })
  );
  assert.deepEqual(error.missing, ["token", "repository"]);
  assert.equal(
    error.message,
    [
      "Missing config values: token (secret), repository",
      "token (secret), looked up in this order:",
      "  SOURCES__GITHUB__TOKEN",
      "  SOURCES__TOKEN",
      "  TOKEN",
      `  sources.github.token in ${secrets}`,
      `  sources.token in ${secrets}`,
      `  token in ${secrets}`,
      "repository, looked up in this order:",
      "  SOURCES__GITHUB__REPOSITORY",
      "  SOURCES__REPOSITORY",
      "  REPOSITORY",
      `  sources.github.repository in ${secrets}`,
      `  sources.repository in ${secrets}`,
      `  repository in ${secrets}`,
      `  sources.github.repository in ${configToml}`,
      `  sources.repository in ${configToml}`,
      `  repository in ${configToml}`,
    ].join("\n"),
  );
  assert.deepEqual(error.triedKeys, [...error.tried.token, ...error.tried.repository]);
});

test("explicit values win; other fields pass through", () => {
  const env = fakeEnv({ TOKEN: "ghp_from_env_value", REPOSITORY: "env/repo" });
  const resolved = resolveConfigSpec(
    { token: secret(), repository: config(), name: "events", limit: 10 },
    {
      env,
      configDirs: [],
      explicit: { token: "ghp_explicit_value", repository: undefined, limit: 20 },
    },
  );
  assert.deepEqual(resolved, {
    token: "ghp_explicit_value",
    repository: "env/repo",
    name: "events",
    limit: 20,
  });
  assert.equal(redact("ghp_explicit_value"), "***");
});

test("resolved secrets are redacted from then on, every string inside them too", () => {
  const dir = configDir({
    "secrets.toml": '[credentials]\nuser = "loader_user_1"\npassword = "pw-9f8e7d"\n',
  });
  const env = fakeEnv({ API_TOKEN: "tok_4b3a2c1d" });
  assert.equal(redact("tok_4b3a2c1d pw-9f8e7d"), "tok_4b3a2c1d pw-9f8e7d");
  const resolved = resolveConfigSpec({
    apiToken: secret(),
    credentials: secret<Record<string, string>>({ type: "json" }),
    plain: config({ default: "not secret" }),
  }, { env, configDirs: [dir] });
  assert.equal(resolved.credentials.password, "pw-9f8e7d");
  assert.equal(redact("tok_4b3a2c1d loader_user_1:pw-9f8e7d"), "*** ***:***");
  assert.equal(new DltError("token tok_4b3a2c1d refused").message, "token *** refused");
  assert.equal(redact("not secret"), "not secret");
});

test("a TOML file that does not parse is an error naming the file", () => {
  const dir = configDir({ "secrets.toml": "[sources\ntoken = 1\n" });
  assert.throws(
    () => resolveConfigSpec({ token: secret() }, { env: fakeEnv(), configDirs: [dir] }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.message.startsWith(`Cannot read config file "${join(dir, "secrets.toml")}"`),
  );
  // the environment is asked first: a value there does not need the file
  const env = fakeEnv({ TOKEN: "t" });
  assert.equal(resolveConfigSpec({ token: config() }, { env, configDirs: [dir] }).token, "t");
});

test("a TOML syntax error names the file and line, never the text of the line", () => {
  const dir = configDir({
    "secrets.toml": '[sources.github]\ntoken = "ghp_supersecret123\nrepo = "x"\n',
  });
  const file = join(dir, "secrets.toml");
  assert.throws(
    () => resolveConfigSpec({ token: secret() }, { env: fakeEnv(), configDirs: [dir] }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError && error.cause === undefined);
      assert.ok(error.message.startsWith(`Cannot read config file "${file}": invalid TOML`));
      assert.match(error.message, /invalid TOML at line 2, column \d+$/);
      assert.ok(!error.message.includes("ghp_") && !error.message.includes("token"));
      return true;
    },
  );
  assert.equal(redact("ghp_supersecret123"), "ghp_supersecret123", "the secret was not registered");
});

test("findConfig and resolveConfig look up one key as it is", () => {
  const dir = configDir({ "config.toml": '[destination.duckdb]\ncredentials = "x.duckdb"\n' });
  const options = { env: fakeEnv(), configDirs: [dir], pipelineName: "p" };
  assert.equal(findConfig("destination.duckdb.credentials", options), "x.duckdb");
  assert.equal(findConfig("destination.duckdb.missing", options), undefined);
  const error = missingError(() => resolveConfig("runtime.level", options));
  assert.deepEqual(error.missing, ["runtime.level"]);
  assert.equal(error.triedKeys[0], "P__RUNTIME__LEVEL");
  assert.ok(error.message.startsWith("Missing config value: runtime.level\nruntime.level, looked"));
});

test("declarations say what they are", () => {
  const declared = secret("sources.github.token", { default: "" });
  assert.ok(declared instanceof ConfigValue);
  assert.deepEqual(
    [declared.key, declared.isSecret, declared.default, declared.optional, declared.type],
    ["sources.github.token", true, "", true, "string"],
  );
  const inferred = config({ default: { a: 1 } });
  assert.deepEqual([inferred.key, inferred.isSecret, inferred.optional], [undefined, false, true]);
  assert.equal(inferred.type, "json");
  assert.equal(config().optional, false);
});
