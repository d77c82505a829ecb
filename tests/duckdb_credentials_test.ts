/**
 * The credentials forms of dlt's duckdb destination (`duckdb({ credentials })`,
 * `DESTINATION__DUCKDB__CREDENTIALS`): `:pipeline:`, `:memory:`, `duckdb:///` URLs, paths, and
 * MotherDuck refused without creating anything or showing its token; and the options of
 * `duckdb()` read like every other options object.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError, DestinationError, pipeline, PipelineStepFailed, resource } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
import {
  type DuckDbCredentials,
  resolveDuckDbSettings,
} from "../destinations/duckdb/_credentials.ts";
import { nativeInstancesStarted } from "../destinations/duckdb/_native_instances.ts";
import { wasmDatabasesStarted } from "../destinations/duckdb/_database.ts";
import { redact } from "../lib/redact.ts";
import { tempDir } from "./_helpers.ts";
import { nativeQuery } from "./_native_duckdb.ts";
import { isolatedTest } from "./_isolated.ts";

const ROWS = [{ id: 1, name: "ada" }, { id: 2, name: "grace" }];

function items() {
  return resource(ROWS, { name: "items" });
}

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(join(dir, prefix))) {
    const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory) files.push(...await filesUnder(dir, relative));
    else files.push(relative);
  }
  return files.sort();
}

/** Runs `fn` with `name` set in the environment, then removes it. */
async function withEnv(name: string, value: string, fn: () => Promise<void>): Promise<void> {
  Deno.env.set(name, value);
  try {
    await fn();
  } finally {
    Deno.env.delete(name);
  }
}

Deno.test('credentials ":pipeline:" put the database in the pipeline\'s working folder', async () => {
  const dir = await tempDir("pipeline_credentials");
  const p = pipeline({
    pipelineName: "in_folder",
    destination: duckdb({ credentials: ":pipeline:" }),
    pipelinesDir: join(dir, "pipelines"),
  });
  const info = await p.run(items());
  const expected = join(dir, "pipelines", "in_folder", "in_folder.duckdb");
  assert.equal(info.destinationLocation, expected);
  assert.deepEqual(
    await nativeQuery(
      expected,
      "SELECT id::INT AS id, name FROM in_folder_dataset.items ORDER BY id",
    ),
    ROWS,
  );
});

Deno.test('credentials ":memory:" keep the data in memory between the pipeline\'s clients', async () => {
  const dir = await tempDir("memory_credentials");
  const destination = duckdb({ credentials: ":memory:" });
  const p = pipeline({ pipelineName: "in_memory", destination, pipelinesDir: dir });
  const info = await p.run(items());
  assert.equal(info.destinationLocation, ":memory:");
  assert.deepEqual(
    await p.dataset().table("items").orderBy("id").select("id", "name").rows(),
    ROWS,
  );
  // a second run adds to the same database, and its state is in there too
  await p.run(resource([{ id: 3, name: "hopper" }], { name: "items" }));
  assert.equal(await p.dataset().table("items").count(), 3);
  // another destination object has a database of its own
  const other = pipeline({
    pipelineName: "in_memory",
    destination: duckdb({ credentials: ":memory:" }),
    pipelinesDir: join(dir, "other"),
  });
  await other.run(resource([{ id: 9 }], { name: "items" }));
  assert.equal(await other.dataset().table("items").count(), 1);
  assert.ok(!(await filesUnder(dir)).some((file) => file.endsWith(".duckdb")), "no file");
});

isolatedTest(
  import.meta.url,
  "duckdb:/// URLs name a relative path and duckdb://// an absolute one",
  async () => {
    const dir = await tempDir("url_credentials");
    const cwd = Deno.cwd();
    Deno.chdir(dir);
    try {
      await withEnv(
        "DESTINATION__DUCKDB__CREDENTIALS",
        "duckdb:///relative/by_url.duckdb",
        async () => {
          await Deno.mkdir("relative");
          const p = pipeline({ pipelineName: "by_url", pipelinesDir: "pipelines" });
          const info = await p.run(items());
          assert.equal(info.destinationLocation, join(dir, "relative", "by_url.duckdb"));
        },
      );
    } finally {
      Deno.chdir(cwd);
    }
    const absolute = join(dir, "absolute.duckdb");
    const p = pipeline({
      pipelineName: "by_absolute_url",
      destination: duckdb({ credentials: `duckdb:///${absolute}` }),
      pipelinesDir: join(dir, "pipelines"),
    });
    assert.ok(absolute.startsWith("/"), "duckdb:/// and the absolute path make four slashes");
    await p.run(items());
    assert.deepEqual(
      await nativeQuery(absolute, "SELECT count(*)::INT AS n FROM by_absolute_url_dataset.items"),
      [{ n: 2 }],
    );
    assert.deepEqual(
      await nativeQuery(
        join(dir, "relative", "by_url.duckdb"),
        "SELECT count(*)::INT AS n FROM by_url_dataset.items",
      ),
      [{ n: 2 }],
    );
  },
);

Deno.test("credentials given as a plain path work like the path option", async () => {
  const dir = await tempDir("path_credentials");
  const path = join(dir, "plain.duckdb");
  const p = pipeline({
    pipelineName: "plain",
    destination: duckdb({ credentials: path }),
    pipelinesDir: join(dir, "pipelines"),
  });
  assert.equal((await p.run(items())).destinationLocation, path);
  assert.equal(await p.dataset().table("items").count(), 2);
});

isolatedTest(
  import.meta.url,
  "MotherDuck is refused without creating a file or showing the token",
  async () => {
    const token = "md_secret_token_1234567890";
    const dir = await tempDir("motherduck");
    const given = () => duckdb({ credentials: `md:my_db?motherduck_token=${token}` });
    assert.throws(given, (error: Error) => {
      assert.ok(error instanceof DestinationError);
      assert.match(error.message, /MotherDuck is not supported yet/);
      assert.ok(!error.message.includes(token) && !String(error.stack).includes(token));
      return true;
    });
    assert.equal(redact(`token ${token}`), "token ***", "the token is registered as a secret");
    // from config: the run fails before anything is loaded
    const cwd = Deno.cwd();
    Deno.chdir(dir);
    try {
      await withEnv(
        "DESTINATION__DUCKDB__CREDENTIALS",
        `motherduck:other_db?motherduck_token=${token}x`,
        async () => {
          const p = pipeline({ pipelineName: "md", pipelinesDir: "pipelines" });
          const error = await p.run(items()).then(() => undefined, (error: Error) => error);
          assert.ok(error !== undefined, "the run fails");
          assert.match(error.message, /MotherDuck is not supported yet/);
          assert.ok(!`${error.message} ${error.stack}`.includes(token));
        },
      );
    } finally {
      Deno.chdir(cwd);
    }
    const files = await filesUnder(dir);
    assert.ok(!files.some((file) => /duckdb|md:|motherduck|token/.test(file)), files.join(", "));
  },
);

Deno.test("duckdb() reads its options like every options object", () => {
  assert.throws(() => duckdb({ create_indexes: true } as never), {
    name: "RangeError",
    message: /Option "create_indexes" is not supported by duckdb\(\): it creates no unique indexes/,
  });
  assert.throws(() => duckdb({ memory_limit: "1GB" } as never), {
    name: "RangeError",
    message: /Unknown option "memory_limit" for duckdb\(\): write "memoryLimit"/,
  });
  assert.throws(() => duckdb({ credential: "x.duckdb" } as never), {
    name: "RangeError",
    message: /Unknown option "credential" for duckdb\(\) \(did you mean "credentials"\?\)/,
  });
  assert.throws(() => duckdb({ path: "a.duckdb", credentials: "b.duckdb" }), {
    name: "RangeError",
    message: /Options "path" and "credentials" of duckdb\(\) both name the database; give one/,
  });
  assert.throws(() => duckdb({ credentials: 5 } as never), {
    name: "TypeError",
    message:
      /Option "credentials" of duckdb\(\) must be a non-empty string or a credentials object .*; got 5/,
  });
  assert.throws(() => duckdb({ lockTimeoutMs: -1 }), { name: "RangeError" });
  const inFolder = duckdb({ credentials: ":pipeline:" });
  assert.throws(() => inFolder.location!({ pipelineName: "p", datasetName: "d" }), {
    name: "DestinationError",
    message: /":pipeline:" need the working folder of pipeline "p"/,
  });
  assert.throws(() => duckdb({ credentials: "duckdb:///x.duckdb?memory_limit=1GB" }), {
    name: "DestinationError",
    message: /options in the URL are not supported/,
  });
});

Deno.test('credentials may come first, as in dlt\'s duckdb("x.duckdb")', async () => {
  const dir = await tempDir("positional_credentials");
  const path = join(dir, "positional.duckdb");
  const p = pipeline({
    pipelineName: "positional",
    destination: duckdb(path),
    pipelinesDir: join(dir, "pipelines"),
  });
  assert.equal((await p.run(items())).destinationLocation, path);
  assert.deepEqual(
    await nativeQuery(path, "SELECT count(*)::INT AS n FROM positional_dataset.items"),
    [{ n: 2 }],
  );
  // re-opened by name, the pipeline recreates it from what it stored
  const again = pipeline({ pipelineName: "positional", pipelinesDir: join(dir, "pipelines") });
  assert.equal((await again.run(items())).destinationLocation, path);
  assert.equal(await again.dataset().table("items").count(), 4);
  // every form of credentials, and options after them
  const withOptions = duckdb(`duckdb:///${join(dir, "url.duckdb")}`, { memoryLimit: "64MB" });
  assert.equal(
    withOptions.location!({ pipelineName: "p", datasetName: "d" }),
    join(dir, "url.duckdb"),
  );
  assert.deepEqual(withOptions.factoryOptions, {
    credentials: `duckdb:///${join(dir, "url.duckdb")}`,
    memoryLimit: "64MB",
  });
  assert.equal(duckdb(":memory:").location!({ pipelineName: "p", datasetName: "d" }), ":memory:");
  assert.throws(() => duckdb("md:db?motherduck_token=abc123"), {
    name: "DestinationError",
    message: /MotherDuck is not supported yet/,
  });
  assert.throws(() => duckdb("a.duckdb", { path: "b.duckdb" } as never), {
    name: "RangeError",
    message:
      /duckdb\(\) was given the credentials first and the option "path": both say where to connect; give one/,
  });
  assert.throws(() => duckdb("a.duckdb", { create_indexes: true } as never), {
    name: "RangeError",
    message: /Option "create_indexes" is not supported by duckdb\(\)/,
  });
  assert.throws(() => duckdb("a.duckdb", "b" as never), {
    name: "TypeError",
    message: /Options for duckdb\(\) after the credentials must be an object, got "b"/,
  });
  assert.throws(() => duckdb(5 as never), {
    name: "TypeError",
    message: /^duckdb\(\) takes the credentials \(a string\) or an options object; got 5$/,
  });
  assert.throws(() => (duckdb as (...args: unknown[]) => unknown)({}, {}), {
    name: "TypeError",
    message: /duckdb\(\) takes the credentials and then the options, or the options alone/,
  });
  assert.throws(() => (duckdb as (...args: unknown[]) => unknown)("a", {}, {}), {
    name: "TypeError",
    message: /duckdb\(\) takes at most two arguments/,
  });
});

Deno.test("memoryLimit takes DuckDB's sizes, checked when the destination is made", async () => {
  for (const memoryLimit of ["lots", "100", "1,5GB", "512 MiBs", "-1", "1KB", "15MB"]) {
    assert.throws(() => duckdb({ memoryLimit }), {
      name: "RangeError",
      message: new RegExp(
        `^Option "memoryLimit" of duckdb\\(\\) must be a size such as "512MB", "1GB" or "1\\.5GiB" \\(a number and one of the units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB\\), at least 16MB; got "${memoryLimit}"$`,
      ),
    });
  }
  assert.throws(() => duckdb({ memoryLimit: 512 as never }), {
    name: "TypeError",
    message: /Option "memoryLimit" of duckdb\(\) must be a size such as "512MB"/,
  });
  for (const memoryLimit of ["512MB", "1GB", "1.5GiB", "2 gb", ".5GB", "16MB", "100000000 bytes"]) {
    duckdb({ memoryLimit });
  }
  // the limit reaches DuckDB
  const dir = await tempDir("memory_limit");
  const p = pipeline({
    pipelineName: "limited",
    destination: duckdb({ path: join(dir, "limited.duckdb"), memoryLimit: "1.5GiB" }),
    pipelinesDir: join(dir, "pipelines"),
  });
  await p.run(items());
  assert.deepEqual(
    await p.dataset().query("SELECT current_setting('memory_limit') AS m"),
    [{ m: "1.5 GiB" }],
  );
});

isolatedTest(
  import.meta.url,
  "MotherDuck inside a duckdb:/// URL is refused too, creating nothing",
  async () => {
    const token = "md_url_secret_0987654321";
    const dir = await tempDir("motherduck_url");
    const cwd = Deno.cwd();
    Deno.chdir(dir);
    try {
      for (
        const credentials of ["duckdb:///md:foo", `duckdb:///md:foo?motherduck_token=${token}`]
      ) {
        assert.throws(() => duckdb({ credentials }), (error: Error) => {
          assert.ok(error instanceof DestinationError);
          assert.match(error.message, /MotherDuck is not supported yet/);
          assert.ok(!`${error.message} ${error.stack}`.includes(token));
          return true;
        });
      }
      assert.equal(redact(token), "***");
      await withEnv("DESTINATION__DUCKDB__CREDENTIALS", "duckdb:///motherduck:bar", async () => {
        const p = pipeline({ pipelineName: "md_url", pipelinesDir: "pipelines" });
        const error = await p.run(items()).then(() => undefined, (error: Error) => error);
        assert.match(String(error?.message), /MotherDuck is not supported yet/);
      });
    } finally {
      Deno.chdir(cwd);
    }
    const files = await filesUnder(dir);
    assert.ok(!files.some((file) => /duckdb|md:|motherduck/.test(file)), files.join(", "));
  },
);

Deno.test("a database file in a folder that does not exist fails before anything is extracted", async () => {
  const dir = await tempDir("missing_folder");
  const path = join(dir, "data", "re.duckdb");
  let extracted = 0;
  const counted = resource(function* () {
    extracted++;
    yield* ROWS;
  }, { name: "items" });
  const p = pipeline({
    pipelineName: "missing_folder",
    destination: duckdb({ path }),
    pipelinesDir: join(dir, "pipelines"),
  });
  const error = await p.run(counted).then(() => undefined, (error: Error) => error);
  assert.ok(error instanceof PipelineStepFailed, String(error));
  assert.equal(error.step, "sync");
  assert.ok(error.cause instanceof DestinationError);
  assert.equal(
    error.cause.message,
    `Cannot open DuckDB database "${path}": the folder "${
      join(dir, "data")
    }" does not exist (create the folder, or give another path)`,
  );
  assert.equal(extracted, 0);
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
  assert.equal(await Deno.stat(join(dir, "data")).then(() => true, () => false), false);
  // reading fails the same way, and so does a parent that is a file
  const reading = await p.dataset().table("items").rows().then(() => undefined, (e: Error) => e);
  assert.ok(reading instanceof DestinationError);
  assert.match(reading.message, /the folder ".*\/data" does not exist/);
  await Deno.writeTextFile(join(dir, "data"), "not a folder");
  const underFile = await p.run(counted).then(() => undefined, (e: Error) => e);
  assert.match(String(underFile?.message), /"[^"]*\/data" is not a folder/);
  // once the folder exists, the same pipeline loads
  await Deno.remove(join(dir, "data"));
  await Deno.mkdir(join(dir, "data"));
  await p.run(counted);
  assert.equal(await p.dataset().table("items").count(), 2);
});

/** The three settings the tests below give, as the open shows them. */
const SETTINGS_SHOWN = `SELECT current_setting('preserve_insertion_order') AS global,
  current_setting('enable_progress_bar') AS pragma, current_setting('errors_as_json') AS local`;

const ENGINES = ["wasm", "native"] as const;

Deno.test("the credentials' global config, pragmas and local config apply on each open, on both engines, and carry over to no other", async () => {
  for (const engine of ENGINES) {
    const dir = await tempDir(`settings_${engine}`);
    const pipelinesDir = join(dir, "pipelines");
    const p = pipeline({
      pipelineName: `settings_${engine}`,
      pipelinesDir,
      destination: duckdb({
        credentials: {
          database: join(dir, "set.duckdb"),
          globalConfig: { preserve_insertion_order: false },
          pragmas: ["enable_progress_bar"],
          localConfig: { errors_as_json: true },
        },
        engine,
      }),
    });
    await p.run(items());
    assert.deepEqual(await p.dataset().query(SETTINGS_SHOWN), [
      { global: false, pragma: true, local: true },
    ], engine);
    assert.equal(await p.dataset().table("items").count(), 2);
    // re-opened by name, the pipeline opens its database with the same settings
    const again = pipeline({ pipelineName: `settings_${engine}`, pipelinesDir });
    assert.deepEqual(await again.dataset().query(SETTINGS_SHOWN), [
      { global: false, pragma: true, local: true },
    ], engine);
    // another database of the process, without them, on an instance that may be a kept one
    const plain = pipeline({
      pipelineName: `plain_${engine}`,
      pipelinesDir,
      destination: duckdb({ credentials: join(dir, "plain.duckdb"), engine }),
    });
    await plain.run(items());
    assert.deepEqual(await plain.dataset().query(SETTINGS_SHOWN), [
      { global: true, pragma: false, local: false },
    ], engine);
  }
});

Deno.test("a setting, pragma or extension DuckDB refuses fails the open with a DestinationError naming it", async () => {
  for (const engine of ENGINES) {
    const dir = await tempDir(`refused_settings_${engine}`);
    const database = join(dir, "refused.duckdb");
    const refusals: [Record<string, unknown>, RegExp][] = [
      [
        { globalConfig: { no_such_setting: 1 } },
        /^DuckDB refused globalConfig\.no_such_setting of the duckdb credentials: .*"no_such_setting"/,
      ],
      [
        { localConfig: { preserve_insertion_order: "perhaps" } },
        /^DuckDB refused localConfig\.preserve_insertion_order of the duckdb credentials: .*'perhaps'/,
      ],
      [
        { pragmas: ["no_such_pragma"] },
        /^DuckDB refused pragmas "no_such_pragma" of the duckdb credentials: .*no_such_pragma/,
      ],
      // never installed: the destination only loads extensions (WASM here loads none)
      [
        { extensions: ["spatial"] },
        /^DuckDB refused extensions "spatial" of the duckdb credentials/,
      ],
    ];
    for (const [settings, message] of refusals) {
      const p = pipeline({
        pipelineName: "refused_settings",
        pipelinesDir: join(dir, "pipelines"),
        destination: duckdb({ credentials: { database, ...settings }, engine }),
      });
      const error = await p.run(items()).then(() => undefined, (error: Error) => error);
      assert.ok(error instanceof PipelineStepFailed, String(error));
      assert.ok(error.cause instanceof DestinationError, String(error.cause));
      assert.match(error.cause.message, message, engine);
    }
    // the refused opens released the file: the same database loads without them, with the
    // package the first refusal left (its file did not exist yet, so only the load opened it)
    const p = pipeline({
      pipelineName: "refused_settings",
      pipelinesDir: join(dir, "pipelines"),
      destination: duckdb({ credentials: database, engine }),
    });
    await p.run(items());
    assert.equal(await p.dataset().table("items").count(), 4);
  }
});

Deno.test("the path option takes credentials without a database beside it, for their settings", async () => {
  const dir = await tempDir("path_and_settings");
  const path = join(dir, "beside.duckdb");
  const p = pipeline({
    pipelineName: "path_and_settings",
    pipelinesDir: join(dir, "pipelines"),
    destination: duckdb({ path, credentials: { localConfig: { errors_as_json: true } } }),
  });
  const info = await p.run(items());
  assert.equal(info.destinationLocation, path);
  assert.deepEqual(await p.dataset().query(SETTINGS_SHOWN), [
    { global: true, pragma: false, local: true },
  ]);
  // dlt's credentials fields given as options say where they go
  assert.throws(
    () => duckdb({ database: path, global_config: {} } as never),
    /Option "database" is not supported by duckdb\(\): it is a field of the credentials, as in dlt: duckdb\(\{ credentials: \{ database, … \} \}\)/,
  );
  assert.throws(
    () => duckdb({ path, global_config: {} } as never),
    /Option "global_config" is not supported by duckdb\(\): .*credentials: \{ database, globalConfig \}/,
  );
  assert.throws(
    () => duckdb({ path, credentials: { database: path } }),
    /Options "path" and "credentials" of duckdb\(\) both name the database; give one/,
  );
});

Deno.test("credentials objects are checked like options: dlt's spellings, managed settings and bad values named", () => {
  const refused: [unknown, RegExp][] = [
    [{ global_config: {} }, /Unknown option "global_config" .*write "globalConfig"/],
    [
      { database: "a.duckdb", path: "b" },
      /Unknown option "path" for the credentials of duckdb\(\)/,
    ],
    [{ readOnly: true }, /"readOnly" .* must be false: the destination loads into the file/],
    [{ globalConfig: { threads: 4 } }, /without "threads": the destination sets DuckDB's threads/],
    [
      { localConfig: { memory_limit: "1GB" } },
      /without "memory_limit": give duckdb\(\{ memoryLimit \}\)/,
    ],
    [{ globalConfig: { TimeZone: "Europe/Berlin" } }, /without "TimeZone": .* in UTC/],
    [{ globalConfig: { temp_directory: "/tmp" } }, /without "temp_directory"/],
    [{ globalConfig: { "bad name": 1 } }, /"bad name" is not a setting name/],
    [{ globalConfig: { preserve_insertion_order: null } }, /"preserve_insertion_order" is not one/],
    [{ localConfig: { checkpoint_threshold: Number.NaN } }, /"checkpoint_threshold" is not one/],
    [{ extensions: ["spatial; DROP"] }, /must be a list of extension names/],
    [{ extensions: "spatial" }, /must be a list of extension names/],
    [
      { pragmas: ["enable_progress_bar; SELECT 1"] },
      /must be a list of pragmas, one statement each/,
    ],
    [{ pragmas: ["threads = 8"] }, /without "threads": the destination sets DuckDB's threads/],
    [{ database: "md:chess" }, /MotherDuck is not supported yet/],
    [5, /Option "credentials" of duckdb\(\) must be a non-empty string or a credentials object/],
  ];
  for (const [credentials, message] of refused) {
    assert.throws(
      () => duckdb({ credentials: credentials as string }),
      (error: Error) => {
        assert.match(error.message, message);
        return true;
      },
    );
  }
});

Deno.test("the values of secret-named settings stay out of errors and of the pipeline's working folder", async () => {
  const secretValue = "not-a-bool-secret-6f1d2a";
  for (const engine of ENGINES) {
    const dir = await tempDir(`secret_setting_${engine}`);
    const p = pipeline({
      pipelineName: "secret_setting",
      pipelinesDir: join(dir, "pipelines"),
      destination: duckdb({
        credentials: {
          database: join(dir, "secret.duckdb"),
          // DuckDB quotes the value it cannot cast in its error
          globalConfig: { preserve_insertion_order: false, allow_persistent_secrets: secretValue },
        },
        engine,
      }),
    });
    assert.equal(redact(secretValue), "***");
    const error = await p.run(items()).then(() => undefined, (error: Error) => error);
    assert.ok(error instanceof PipelineStepFailed, String(error));
    assert.match(
      error.message,
      /DuckDB refused globalConfig\.allow_persistent_secrets of the duckdb credentials: .*'\*\*\*'/,
    );
    const cause = error.cause as Error;
    assert.ok(
      ![error.message, error.stack, cause.message, cause.stack, String(cause.cause)]
        .some((text) => String(text).includes(secretValue)),
    );
    const stored: string[] = [];
    for (const file of await filesUnder(join(dir, "pipelines"))) {
      const text = await Deno.readTextFile(join(dir, "pipelines", file)).catch(() => "");
      assert.ok(!text.includes(secretValue), file);
      if (text.includes("preserve_insertion_order")) stored.push(file);
    }
    // the other settings are stored, for the pipeline re-opened by name
    assert.ok(stored.length > 0, "the settings that are no secrets are stored");
  }
  // re-opened by name, the settings stored and those of config are merged by name
  const env = new Map([
    ["DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG", '{"s3_secret_access_key": "from-config"}'],
  ]);
  assert.deepEqual(
    resolveDuckDbSettings({ globalConfig: { preserve_insertion_order: false } }, {
      env: (name) => env.get(name),
      configDirs: [],
    }).globalConfig,
    { s3_secret_access_key: "from-config", preserve_insertion_order: false },
  );
});

Deno.test("an open with settings hands no instance on to the next open, an open without them does", async () => {
  for (const engine of ENGINES) {
    const dir = await tempDir(`settings_instances_${engine}`);
    const database = join(dir, "instances.duckdb");
    const started = engine === "native" ? nativeInstancesStarted : wasmDatabasesStarted;
    const run = (credentials: string | DuckDbCredentials) =>
      pipeline({
        pipelineName: "settings_instances",
        pipelinesDir: join(dir, "pipelines"),
        destination: duckdb({ credentials, engine }),
      }).run(items());
    await run(database);
    let before = started();
    await run(database);
    assert.equal(started(), before, `${engine}: a run without settings reuses what the last kept`);
    // only session settings: nothing DuckDB would show as left behind in the instance
    await run({
      database,
      pragmas: ["enable_progress_bar"],
      localConfig: { errors_as_json: true },
    });
    before = started();
    await run(database);
    assert.ok(started() > before, `${engine}: the open after one with settings starts anew`);
  }
});

Deno.test("two destinations with different settings cannot share an open database", async () => {
  const dir = await tempDir("settings_conflict");
  const database = join(dir, "shared.duckdb");
  const open = (globalConfig: Record<string, boolean | string>) =>
    pipeline({
      pipelineName: "settings_conflict",
      pipelinesDir: join(dir, "pipelines"),
      destination: duckdb({ credentials: { database, globalConfig } }),
    });
  const first = open({ preserve_insertion_order: false, checkpoint_threshold: "16MB" });
  await first.run(items());
  await using client = await first.sqlClient();
  const error = await open({ preserve_insertion_order: true }).dataset().table("items").count()
    .then(() => undefined, (error: Error) => error);
  assert.ok(error instanceof DestinationError, String(error));
  assert.match(
    error.message,
    /is open in this process with other extensions, global or local config/,
  );
  // the same settings share it, whatever their order
  const same = open({ checkpoint_threshold: "16MB", preserve_insertion_order: false });
  assert.equal(await same.dataset().table("items").count(), 2);
  assert.deepEqual(await client.query(SETTINGS_SHOWN), [{
    global: false,
    pragma: false,
    local: false,
  }]);
});

isolatedTest(
  import.meta.url,
  "a [destination.duckdb.credentials] table in config takes dlt's settings keys, each key also on its own",
  async () => {
    const dir = await tempDir("configured_settings");
    const database = join(dir, "configured.duckdb");
    // config files are read once per process: a fresh home folder has one not read yet
    await Deno.mkdir(join(dir, ".dlt"));
    await Deno.writeTextFile(
      join(dir, ".dlt", "config.toml"),
      `[destination.duckdb.credentials]
pragmas = ["enable_progress_bar"]

[destination.duckdb.credentials.global_config]
preserve_insertion_order = false
`,
    );
    const pipelinesDir = join(dir, "pipelines");
    await withEnv("HOME", dir, () =>
      // fields on their own, from the environment, beside the table
      withEnv("DESTINATION__DUCKDB__CREDENTIALS__DATABASE", database, () =>
        withEnv(
          "DESTINATION__DUCKDB__CREDENTIALS__LOCAL_CONFIG",
          '{"errors_as_json": true}',
          async () => {
            const p = pipeline({ pipelineName: "configured_settings", pipelinesDir });
            const info = await p.run(items());
            assert.equal(info.destinationLocation, database);
            assert.deepEqual(await p.dataset().query(SETTINGS_SHOWN), [
              { global: false, pragma: true, local: true },
            ]);
            // fields of credentials in code win over config; the others still come from it
            const inCode = pipeline({
              pipelineName: "configured_settings",
              pipelinesDir,
              destination: duckdb({ credentials: { database, pragmas: [] } }),
            });
            assert.deepEqual(await inCode.dataset().query(SETTINGS_SHOWN), [
              { global: false, pragma: false, local: true },
            ]);
          },
        )));
  },
);

isolatedTest(
  import.meta.url,
  "configured settings that cannot work fail the run before anything is extracted",
  async () => {
    const dir = await tempDir("configured_bad_settings");
    let extracted = 0;
    const counted = resource(function* () {
      extracted++;
      yield* ROWS;
    }, { name: "items" });
    const secret = "s3-secret-in-bad-json-91c3";
    await withEnv(
      "DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG",
      `{"s3_secret_access_key": "${secret}",}`,
      async () => {
        const p = pipeline({
          pipelineName: "configured_bad_settings",
          pipelinesDir: join(dir, "pipelines"),
          destination: duckdb({ path: join(dir, "bad.duckdb") }),
        });
        const error = await p.run(counted).then(() => undefined, (error: Error) => error);
        assert.ok(error instanceof PipelineStepFailed, String(error));
        assert.equal(error.step, "sync");
        assert.ok(error.cause instanceof ConfigError, String(error.cause));
        assert.equal(
          error.cause.message,
          "Config value DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG is not JSON (its text is not shown: it may hold a secret)",
        );
        assert.ok(!String(error.stack).includes(secret));
        assert.equal(extracted, 0);
        assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
      },
    );
  },
);

Deno.test("a configured credentials table with a key dlt's lacks, or a bad value, is a ConfigError", async () => {
  const cases: [string, RegExp][] = [
    [
      "globalConfig = { preserve_insertion_order = false }",
      /Unknown key "globalConfig" in destination\.duckdb\.credentials in .*: write "global_config"; valid keys: database, read_only/,
    ],
    [
      "read_only = true",
      /Config value destination\.duckdb\.credentials\.read_only in .* must be false/,
    ],
    [
      'pragmas = "enable_progress_bar"',
      /Config value destination\.duckdb\.credentials\.pragmas in .* is not JSON \(its text is not shown/,
    ],
    ["pragmas = [1]", /must be a list of pragmas/],
    ["global_config = { threads = 4 }", /without "threads"/],
  ];
  // every table is checked: the database in secrets.toml, a wrong key in config.toml
  const both = await tempDir("configured_tables");
  await Deno.writeTextFile(
    join(both, "secrets.toml"),
    '[destination.duckdb.credentials]\ndatabase = "x.duckdb"\n',
  );
  await Deno.writeTextFile(
    join(both, "config.toml"),
    '[destination.duckdb.credentials]\npragma = ["enable_progress_bar"]\n',
  );
  assert.throws(
    () => resolveDuckDbSettings(undefined, { configDirs: [both], env: () => undefined }),
    /Unknown key "pragma" in destination\.duckdb\.credentials in .*config\.toml; valid keys/,
  );
  for (const [line, message] of cases) {
    const dir = await tempDir("configured_table");
    await Deno.writeTextFile(
      join(dir, "config.toml"),
      `[destination.duckdb.credentials]\ndatabase = "x.duckdb"\n${line}\n`,
    );
    assert.throws(
      () => resolveDuckDbSettings(undefined, { configDirs: [dir], env: () => undefined }),
      (error: Error) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.match(error.message, message);
        return true;
      },
    );
  }
});
