/**
 * The credentials forms of dlt's duckdb destination (`duckdb({ credentials })`,
 * `DESTINATION__DUCKDB__CREDENTIALS`): `:pipeline:`, `:memory:`, `duckdb:///` URLs, paths, and
 * MotherDuck refused without creating anything or showing its token; and the options of
 * `duckdb()` read like every other options object.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DestinationError, pipeline, PipelineStepFailed, resource } from "../mod.ts";
import { duckdb } from "../destinations/duckdb/mod.ts";
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
    message: /Option "credentials" of duckdb\(\) must be a non-empty string; got 5/,
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
