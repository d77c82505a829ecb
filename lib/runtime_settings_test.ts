import assert from "node:assert/strict";
import { join } from "node:path";
import {
  readExtractDataWriter,
  readExtractSettings,
  readRuntimeSettings,
} from "./runtime_settings.ts";
import { ConfigError } from "./errors.ts";
import { type LogRecord, onLog, setLogLevel } from "./log.ts";

// the warnings are checked through onLog; the console stays quiet
setLogLevel("ERROR");

// config files are cached per path for the process: every test writes into fresh folders
const temp = Deno.makeTempDirSync({ prefix: "dlt_runtime_settings_test_" });
globalThis.addEventListener("unload", () => Deno.removeSync(temp, { recursive: true }));
let dirCount = 0;

/** A fresh folder holding config.toml `text`. */
function configDir(text: string): string {
  const dir = join(temp, String(dirCount++));
  Deno.mkdirSync(dir);
  Deno.writeTextFileSync(join(dir, "config.toml"), text);
  return dir;
}

/** An environment lookup over `variables`. */
function fakeEnv(variables: Record<string, string> = {}) {
  return (name: string) => variables[name];
}

/** The warnings logged while `fn` runs. */
function warnings(fn: () => unknown): string[] {
  const seen: LogRecord[] = [];
  const stop = onLog((record) => seen.push(record));
  try {
    fn();
  } finally {
    stop();
  }
  return seen.filter((r) => r.level === "WARNING").map((r) => r.message);
}

Deno.test("nothing configured: no settings, no warnings", () => {
  const logged = warnings(() => {
    const settings = readRuntimeSettings({ env: fakeEnv(), configDirs: [configDir("")] });
    assert.deepEqual(settings, {
      extract: {},
      normalize: { workers: undefined, dataWriter: {} },
      load: { workers: undefined },
      logLevel: undefined,
    });
  });
  assert.deepEqual(logged, []);
});

Deno.test("environment variables as dlt names them", () => {
  const env = fakeEnv({
    NORMALIZE__WORKERS: "3",
    DATA_WRITER__BUFFER_MAX_ITEMS: "100",
    DATA_WRITER__FILE_MAX_ITEMS: "1000",
    NORMALIZE__DATA_WRITER__FILE_MAX_ITEMS: "500",
    NORMALIZE__DATA_WRITER__FILE_MAX_BYTES: " 1000000 ",
    RUNTIME__LOG_LEVEL: "info",
  });
  const settings = readRuntimeSettings({ env, configDirs: [] });
  assert.equal(settings.normalize.workers, 3);
  // normalize's own section wins over [data_writer]
  assert.deepEqual(settings.normalize.dataWriter, {
    bufferMaxItems: 100,
    fileMaxItems: 500,
    fileMaxBytes: 1_000_000,
  });
  assert.equal(settings.logLevel, "INFO");
  // extract reads [data_writer], not [normalize.data_writer]
  assert.deepEqual(readExtractDataWriter("github", { env, configDirs: [] }), {
    bufferMaxItems: 100,
    fileMaxItems: 1000,
  });
});

Deno.test("config.toml sections, per stage and per source, and under the pipeline's name", () => {
  const dir = configDir(`
[normalize]
workers = 4

[normalize.data_writer]
file_max_bytes = 2000000

[data_writer]
file_max_items = 7
buffer_max_items = 3

[sources.data_writer]
file_max_items = 20

[sources.github.data_writer]
file_max_items = 30

[my_pipeline.normalize]
workers = 5
`);
  const options = { env: fakeEnv(), configDirs: [dir] };
  const settings = readRuntimeSettings(options);
  assert.equal(settings.normalize.workers, 4);
  assert.deepEqual(settings.normalize.dataWriter, {
    bufferMaxItems: 3,
    fileMaxItems: 7,
    fileMaxBytes: 2_000_000,
  });
  assert.deepEqual(readExtractDataWriter("github", options), {
    bufferMaxItems: 3,
    fileMaxItems: 30,
  });
  assert.deepEqual(readExtractDataWriter("zendesk", options), {
    bufferMaxItems: 3,
    fileMaxItems: 20,
  });
  // the pipeline's own section comes first
  const scoped = readRuntimeSettings({ ...options, pipelineName: "my_pipeline" });
  assert.equal(scoped.normalize.workers, 5);
  assert.equal(readRuntimeSettings({ ...options, pipelineName: "other" }).normalize.workers, 4);
});

Deno.test("precedence is dlt's: the environment over files, the pipeline's section over both", () => {
  const dir = configDir(`
[normalize.data_writer]
file_max_items = 50
`);
  const env = fakeEnv({ DATA_WRITER__FILE_MAX_ITEMS: "9" });
  // dlt asks each provider for every candidate key before the next provider
  const settings = readRuntimeSettings({ env, configDirs: [dir] });
  assert.equal(settings.normalize.dataWriter.fileMaxItems, 9);
  // but a key under the pipeline's name wins over the environment without it
  const scoped = configDir(`
[p.normalize]
workers = 6
`);
  const scopedSettings = readRuntimeSettings({
    env: fakeEnv({ NORMALIZE__WORKERS: "2" }),
    configDirs: [scoped],
    pipelineName: "p",
  });
  assert.equal(scopedSettings.normalize.workers, 6);
});

Deno.test("a bad value is a ConfigError naming the key and where it was found", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [
      { NORMALIZE__WORKERS: "0" },
      /^Config value "normalize\.workers" \(from NORMALIZE__WORKERS\) must be an integer ≥ 1, such as 2; got "0"$/,
    ],
    [
      { NORMALIZE__WORKERS: "two" },
      /"normalize\.workers" \(from NORMALIZE__WORKERS\) .*; got "two"$/,
    ],
    [{ LOAD__WORKERS: "2.5" }, /"load\.workers" \(from LOAD__WORKERS\) .*; got "2\.5"$/],
    [{ EXTRACT__WORKERS: "-1" }, /"extract\.workers" \(from EXTRACT__WORKERS\) .*; got "-1"$/],
    [
      { EXTRACT__MAX_PARALLEL_ITEMS: "0" },
      /^Config value "extract\.max_parallel_items" \(from EXTRACT__MAX_PARALLEL_ITEMS\) must be an integer ≥ 1, such as 2; got "0"$/,
    ],
    [
      { EXTRACT__NEXT_ITEM_MODE: "lifo" },
      /^Config value "extract\.next_item_mode" \(from EXTRACT__NEXT_ITEM_MODE\) must be "round_robin" or "fifo"; got "lifo"$/,
    ],
    [
      { NORMALIZE__DATA_WRITER__FILE_MAX_BYTES: "1e6" },
      /"data_writer\.file_max_bytes" \(from NORMALIZE__DATA_WRITER__FILE_MAX_BYTES\) .*; got "1e6"$/,
    ],
    [
      { RUNTIME__LOG_LEVEL: "VERBOSE" },
      /^Config value "runtime\.log_level" \(from RUNTIME__LOG_LEVEL\) must be one of "DEBUG", "INFO", "WARNING", "ERROR"; got "VERBOSE"$/,
    ],
  ];
  for (const [variables, message] of cases) {
    assert.throws(
      () => readRuntimeSettings({ env: fakeEnv(variables), configDirs: [] }),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
      JSON.stringify(variables),
    );
  }
  const dir = configDir(`
[data_writer]
buffer_max_items = 0
`);
  const path = join(dir, "config.toml");
  assert.throws(
    () => readExtractDataWriter("github", { env: fakeEnv(), configDirs: [dir] }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.message ===
        `Config value "data_writer.buffer_max_items" (from data_writer.buffer_max_items in ${path}) must be an integer ≥ 1, such as 2; got 0`,
  );
  const text = configDir(`
[normalize]
workers = "3"
`);
  // text that is an integer is taken, as dlt coerces it
  assert.equal(
    readRuntimeSettings({ env: fakeEnv(), configDirs: [text] }).normalize.workers,
    3,
  );
  const float = configDir(`
[normalize]
workers = 1.5
`);
  assert.throws(
    () => readRuntimeSettings({ env: fakeEnv(), configDirs: [float] }),
    /"normalize\.workers" \(from normalize\.workers in .*config\.toml\) must be an integer ≥ 1, such as 2; got 1\.5$/,
  );
});

Deno.test("unknown keys are warned about once, naming them and the keys the section takes", () => {
  const dir = configDir(`
[normalize]
worker = 2

[normalize.data_writer]
file_max_item = 10

[load]
workers = 4
raise_on_failed_jobs = false

[runtime]
log_level = "WARNING"
dlthub_telemetry = false

[sources.data_writer]
buffer_max_item = 1
max_items = 2

[sources.github]
token_name = "not a data writer key: sources are not checked"
`);
  const path = join(dir, "config.toml");
  const options = { env: fakeEnv(), configDirs: [dir] };
  const first = warnings(() => readRuntimeSettings(options));
  assert.deepEqual(
    first.sort(),
    [
      `Config key "normalize.data_writer.file_max_item" in ${path} is unknown and ignored; [normalize.data_writer] takes "buffer_max_items", "file_max_items", "file_max_bytes", "disable_compression"`,
      `Config key "normalize.worker" in ${path} is unknown and ignored; [normalize] takes "workers", "data_writer"`,
      `Config keys "sources.data_writer.buffer_max_item", "sources.data_writer.max_items" in ${path} are unknown and ignored; [sources.data_writer] takes "buffer_max_items", "file_max_items", "file_max_bytes"`,
      `Config keys that have no effect, in ${path}: "load.raise_on_failed_jobs" (a failed load always raises)`,
      `Config keys that have no effect, in ${path}: "runtime.dlthub_telemetry" (this port does not read it)`,
      `Config value "load.workers" (from load.workers in ${path}) has no effect: a load commits one table chain at a time, in one transaction where the destination has them`,
    ].sort(),
  );
  // once per process: the next run is quiet
  assert.deepEqual(warnings(() => readRuntimeSettings(options)), []);
});

Deno.test("keys under the pipeline's name and of a source's data writer are checked too", () => {
  const dir = configDir(`
[p.extract]
workers = 3
next_item_mode = "fifo"
worker = 1

[sources.github.data_writer]
file_max_itemz = 5
`);
  const path = join(dir, "config.toml");
  const options = { env: fakeEnv(), configDirs: [dir], pipelineName: "p" };
  const logged = warnings(() => {
    assert.deepEqual(readRuntimeSettings(options).extract, { workers: 3, nextItemMode: "fifo" });
    assert.deepEqual(readExtractDataWriter("github", options), {});
  });
  assert.deepEqual(logged, [
    `Config key "p.extract.worker" in ${path} is unknown and ignored; [p.extract] takes "max_parallel_items", "workers", "next_item_mode"`,
    `Config key "sources.github.data_writer.file_max_itemz" in ${path} is unknown and ignored; [sources.github.data_writer] takes "buffer_max_items", "file_max_items", "file_max_bytes"`,
  ]);
});

Deno.test("extract settings: a source's own section wins over [sources.extract] and [extract]", () => {
  const dir = configDir(`
[extract]
max_parallel_items = 10
workers = 2
next_item_mode = "round_robin"

[sources.extract]
workers = 3

[sources.zendesk.extract]
next_item_mode = "fifo"
futures_poll_interval = 0.1
max_paralel_items = 4
`);
  const path = join(dir, "config.toml");
  const options = { env: fakeEnv(), configDirs: [dir] };
  const logged = warnings(() => {
    assert.deepEqual(readExtractSettings("zendesk", options), {
      maxParallelItems: 10,
      workers: 3,
      nextItemMode: "fifo",
    });
    assert.deepEqual(readExtractSettings("github", options), {
      maxParallelItems: 10,
      workers: 3,
      nextItemMode: "round_robin",
    });
  });
  assert.deepEqual(logged, [
    `Config key "sources.zendesk.extract.max_paralel_items" in ${path} is unknown and ignored; [sources.zendesk.extract] takes "max_parallel_items", "workers", "next_item_mode"`,
    `Config keys that have no effect, in ${path}: "sources.zendesk.extract.futures_poll_interval" (extract awaits its items instead of polling for them)`,
  ]);
  // environment variables, dlt's names: the source's first
  const env = fakeEnv({
    EXTRACT__NEXT_ITEM_MODE: "fifo",
    SOURCES__SHOP__EXTRACT__NEXT_ITEM_MODE: " round_robin ",
    EXTRACT__MAX_PARALLEL_ITEMS: "1",
  });
  assert.deepEqual(readExtractSettings("shop", { env, configDirs: [] }), {
    maxParallelItems: 1,
    nextItemMode: "round_robin",
  });
  assert.throws(
    () =>
      readExtractSettings("shop", {
        env: fakeEnv({ SOURCES__SHOP__EXTRACT__NEXT_ITEM_MODE: "roundrobin" }),
        configDirs: [],
      }),
    (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(
        error.message,
        'Config value "extract.next_item_mode" (from SOURCES__SHOP__EXTRACT__NEXT_ITEM_MODE) must be "round_robin" or "fifo"; got "roundrobin"',
      );
      return true;
    },
  );
});
