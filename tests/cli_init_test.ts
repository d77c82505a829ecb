/**
 * `dlt init` writes pipelines that really run (a REST API on 127.0.0.1, a new source's sample
 * rows) and never overwrites files without `--force`; `dlt deploy` writes a GitHub Actions
 * workflow; `dlt schema` prints a schema file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { attach, setLogLevel } from "../mod.ts";
import { parse as parseYaml } from "../lib/deps/yaml.ts";
import { cli, denoProcess } from "./_cli.ts";
import { tempDir } from "./_helpers.ts";

setLogLevel("ERROR");

/** A GitHub Actions workflow, as far as the tests read it. */
interface Workflow {
  on: { schedule?: { cron: string }[]; workflow_dispatch?: null; push?: null };
  jobs: {
    run_pipeline: {
      "runs-on": string;
      steps: { name: string; uses?: string; run?: string; env?: Record<string, string> }[];
    };
  };
}

const MOD_URL = new URL("../mod.ts", import.meta.url).href;

/** The Deno cache of this process, so a subprocess with another HOME stays offline. */
async function denoDir(): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output();
  return JSON.parse(new TextDecoder().decode(output.stdout)).denoDir;
}

/** Runs `deno <args>` in `cwd` with `env`, HOME being `cwd`. */
async function deno(cwd: string, args: string[], env: Record<string, string> = {}) {
  return denoProcess(args, {
    cwd,
    env: { HOME: cwd, DENO_DIR: await denoDir(), NO_COLOR: "1", ...env },
  });
}

const read = (path: string | URL) => Deno.readTextFile(path);

Deno.test("init rest_api duckdb writes a pipeline that loads a REST API", async () => {
  const dir = await tempDir("init_rest");
  const result = await cli(["init", "rest_api", "duckdb", "--import-url", MOD_URL], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Verified source rest_api was added/);
  assert.deepEqual(result.stdout.trim().split("\n"), [
    "rest_api_pipeline.ts",
    ".dlt/config.toml",
    ".dlt/secrets.toml",
    ".gitignore",
    "deno.json",
  ]);
  assert.match(await read(join(dir, ".dlt/config.toml")), /\[sources\.rest_api\]\nbase_url = /);
  assert.equal(await read(join(dir, ".gitignore")), ".dlt/secrets.toml\n");
  const denoJson = JSON.parse(await read(join(dir, "deno.json")));
  assert.equal(denoJson.imports["@denodlt/dlt"], MOD_URL);
  assert.equal(
    denoJson.imports["@denodlt/dlt/sources/rest_api"],
    new URL("../sources/rest_api.ts", import.meta.url).href,
  );

  // a PokéAPI on 127.0.0.1: two pages of pokemon, one of berries
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const url = new URL(request.url);
    const page = (results: unknown[], next: string | null) => Response.json({ next, results });
    if (url.pathname === "/pokemon" && url.searchParams.get("offset") === null) {
      return page(
        [{ name: "bulbasaur" }, { name: "ivysaur" }],
        `${url.origin}/pokemon?offset=2&limit=100`,
      );
    }
    if (url.pathname === "/pokemon") return page([{ name: "venusaur" }], null);
    if (url.pathname === "/berry") return page([{ name: "cheri" }], null);
    return new Response("not found", { status: 404 });
  });
  try {
    const run = await deno(dir, ["run", "-A", "rest_api_pipeline.ts"], {
      SOURCES__REST_API__BASE_URL: `http://127.0.0.1:${server.addr.port}/`,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /rest_api/);
  } finally {
    await server.shutdown();
  }
  const p = attach({ pipelineName: "rest_api", pipelinesDir: join(dir, ".dlt", "pipelines") });
  assert.equal(await p.dataset().table("pokemon").count(), 3);
  assert.equal(await p.dataset().table("berry").count(), 1);
});

Deno.test("init of a new source writes a template that loads its sample rows", async () => {
  const dir = await tempDir("init_new");
  const result = await cli(["init", "my_api", "duckdb"], {
    cwd: dir,
    env: { DLT_IMPORT_URL: MOD_URL },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /A new source my_api was created from the template/);
  assert.match(await read(join(dir, ".dlt/config.toml")), /\[sources\.my_api\]\npages = 2/);
  const run = await deno(dir, ["run", "-A", "my_api_pipeline.ts"], {
    SOURCES__MY_API__PAGES: "3",
  });
  assert.equal(run.code, 0, run.stderr);
  const p = attach({ pipelineName: "my_api", pipelinesDir: join(dir, ".dlt", "pipelines") });
  assert.equal(await p.dataset().table("items").count(), 6);
});

Deno.test("init writes the keys each source and destination reads; the pipelines run or type-check", async () => {
  const cases: [string, string, RegExp, RegExp][] = [
    [
      "github",
      "postgres",
      /\[sources\.github\]\nrepository = /,
      /\[destination\.postgres\]\ncredentials = "postgresql:/,
    ],
    [
      "sql_database",
      "filesystem",
      /\[destination\.filesystem\]\nbucket_url = "output"/,
      /\[sources\.sql_database\][^[]*credentials = "postgresql:/,
    ],
    ["filesystem", "dummy", /\[sources\.filesystem\]\nbucket_url = "data"/, /^# secrets/],
  ];
  const dirs: Record<string, string> = {};
  for (const [source, destination, config, secrets] of cases) {
    const dir = dirs[source] = await tempDir(`init_${source}`);
    const result = await cli(["init", source, destination, "--import-url", MOD_URL], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(await read(join(dir, ".dlt/config.toml")), config, source);
    assert.match(await read(join(dir, ".dlt/secrets.toml")), secrets, source);
  }
  // one type-check of both pipelines (each of them would check the package again)
  const check = await deno(dirs.github, [
    "check",
    "github_pipeline.ts",
    join(dirs.filesystem, "filesystem_pipeline.ts"),
  ]);
  assert.equal(check.code, 0, check.stderr);
  // sql_database from a SQLite file into the filesystem destination's "output" folder
  const dir = dirs.sql_database;
  const db = new DatabaseSync(join(dir, "shop.db"));
  db.exec("CREATE TABLE orders (id INTEGER PRIMARY KEY, amount TEXT)");
  db.exec("INSERT INTO orders VALUES (1, '9.50'), (2, '12.00')");
  db.close();
  const run = await deno(dir, ["run", "-A", "sql_database_pipeline.ts"], {
    SOURCES__SQL_DATABASE__CREDENTIALS: `sqlite:///${join(dir, "shop.db")}`,
  });
  assert.equal(run.code, 0, run.stderr);
  const written = await Array.fromAsync(Deno.readDir(join(dir, "output", "sql_database_data")));
  assert.ok(written.some((e) => e.name === "orders"), written.map((e) => e.name).join());
});

Deno.test("init imports this package from JSR; --list-sources, --list-destinations", async () => {
  // the published import: this package's version from JSR, with its subpaths
  const dir = await tempDir("init_jsr");
  assert.equal((await cli(["init", "github", "duckdb"], { cwd: dir })).code, 0);
  const version = JSON.parse(await read(new URL("../deno.json", import.meta.url))).version;
  assert.deepEqual(JSON.parse(await read(join(dir, "deno.json"))).imports, {
    "@denodlt/dlt": `jsr:@denodlt/dlt@^${version}`,
    "@denodlt/dlt/": `jsr:@denodlt/dlt@^${version}/`,
  });
  // the subpaths the templates import are exports of the package
  const exports = JSON.parse(await read(new URL("../deno.json", import.meta.url))).exports;
  for (
    const subpath of [
      "sources/rest_api",
      "sources/github",
      "sources/sql_database",
      "sources/filesystem",
    ]
  ) {
    assert.equal(exports[`./${subpath}`], `./${subpath}.ts`);
  }

  const sources = await cli(["init", "--list-sources"]);
  assert.deepEqual(
    sources.stdout.trim().split("\n").map((l) => l.split(":")[0]),
    ["rest_api", "github", "sql_database", "filesystem"],
  );
  assert.deepEqual((await cli(["init", "--list-destinations"])).stdout.trim().split("\n").sort(), [
    "duckdb",
    "dummy",
    "filesystem",
    "postgres",
  ]);
  const badDestination = await cli(["init", "github", "bigquery"]);
  assert.equal(badDestination.code, 2);
  assert.match(badDestination.stderr, /Unknown destination "bigquery"; use one of "duckdb"/);
  assert.equal((await cli(["init", "my-api", "duckdb"])).code, 2);
});

Deno.test("init never overwrites a file without --force, and writes nothing then", async () => {
  const dir = await tempDir("init_exists");
  await Deno.mkdir(join(dir, ".dlt"));
  await Deno.writeTextFile(join(dir, ".dlt/config.toml"), "keep = 1\n");
  await Deno.writeTextFile(join(dir, "deno.json"), "{}\n");
  await Deno.writeTextFile(join(dir, ".gitignore"), "node_modules");
  const refused = await cli(["init", "rest_api", "duckdb"], { cwd: dir });
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /These files exist: "\.dlt\/config\.toml", "deno\.json"; nothing was written \(pass --force/,
  );
  assert.equal(await read(join(dir, ".dlt/config.toml")), "keep = 1\n");
  assert.equal(await read(join(dir, "deno.json")), "{}\n");
  assert.equal(await read(join(dir, ".gitignore")), "node_modules");
  await assert.rejects(Deno.stat(join(dir, "rest_api_pipeline.ts")), Deno.errors.NotFound);
  await assert.rejects(Deno.stat(join(dir, ".dlt/secrets.toml")), Deno.errors.NotFound);

  for (let i = 0; i < 2; i++) {
    const forced = await cli(["init", "rest_api", "duckdb", "--force"], { cwd: dir });
    assert.equal(forced.code, 0, forced.stderr);
  }
  assert.match(await read(join(dir, ".dlt/config.toml")), /base_url/);
  assert.equal(await read(join(dir, ".gitignore")), "node_modules\n.dlt/secrets.toml\n");
});

Deno.test("deploy writes a GitHub Actions workflow with the schedule and the secrets", async () => {
  const dir = await tempDir("deploy");
  await Deno.mkdir(join(dir, "pipelines"));
  await Deno.writeTextFile(join(dir, "pipelines/github_pipeline.ts"), "console.log(1);\n");
  await Deno.mkdir(join(dir, ".dlt"));
  await Deno.writeTextFile(
    join(dir, ".dlt/secrets.toml"),
    `[sources.github]\ntoken = "ghp_secret_value"\n\n[destination.postgres.credentials]\npassword = "pw_secret"\nhost = "db"\n`,
  );
  const args = [
    "deploy",
    "pipelines/github_pipeline.ts",
    "github-action",
    "--schedule",
    "*/30 * * * *",
  ];
  const result = await cli(args, { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  const path = join(dir, ".github/workflows/run_github_pipeline.yml");
  assert.equal(result.stdout.trim(), ".github/workflows/run_github_pipeline.yml");
  assert.match(result.stderr, /SOURCES__GITHUB__TOKEN/);
  const text = await read(path);
  assert.doesNotMatch(text, /ghp_secret_value|pw_secret/);
  const workflow = parseYaml(text) as Workflow;
  assert.deepEqual(workflow.on.schedule, [{ cron: "*/30 * * * *" }]);
  assert.ok("workflow_dispatch" in workflow.on);
  assert.ok(!("push" in workflow.on));
  const steps = workflow.jobs.run_pipeline.steps;
  assert.equal(workflow.jobs.run_pipeline["runs-on"], "ubuntu-latest");
  assert.equal(steps[0].uses, "actions/checkout@v4");
  assert.equal(steps[1].uses, "actions/setup-node@v4");
  assert.equal(
    steps[2].run,
    "npx -y deno@2.9.6 run --allow-net --allow-env --allow-read --allow-write --allow-sys pipelines/github_pipeline.ts",
  );
  assert.deepEqual(steps[2].env, {
    SOURCES__GITHUB__TOKEN: "${{ secrets.SOURCES__GITHUB__TOKEN }}",
    DESTINATION__POSTGRES__CREDENTIALS__PASSWORD:
      "${{ secrets.DESTINATION__POSTGRES__CREDENTIALS__PASSWORD }}",
    DESTINATION__POSTGRES__CREDENTIALS__HOST:
      "${{ secrets.DESTINATION__POSTGRES__CREDENTIALS__HOST }}",
  });

  const again = await cli(args, { cwd: dir });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /Workflow ".+run_github_pipeline.yml" exists; nothing was written/);
  const forced = await cli([...args, "--force", "--run-on-push", "--no-run-manually"], {
    cwd: dir,
  });
  assert.equal(forced.code, 0, forced.stderr);
  const on = (parseYaml(await read(path)) as Workflow).on;
  assert.ok("push" in on && !("workflow_dispatch" in on));

  for (const cron of ["* * * *", "61 * * * *", "* 24 * * *", "*/0 * * * *", "x * * * *"]) {
    const bad = await cli([
      "deploy",
      "pipelines/github_pipeline.ts",
      "github-action",
      "--schedule",
      cron,
    ], { cwd: dir });
    assert.equal(bad.code, 2, cron);
    assert.match(bad.stderr, /Invalid --schedule/, cron);
  }
  for (const cron of ["0 6 * * 1-5", "15,45 */2 1 jan-jun sun", "0 0 * * 7"]) {
    const ok = await cli([
      "deploy",
      "pipelines/github_pipeline.ts",
      "github-action",
      "--schedule",
      cron,
      "--force",
    ], { cwd: dir });
    assert.equal(ok.code, 0, `${cron}: ${ok.stderr}`);
  }
  const missing = await cli(["deploy", "nope.ts", "github-action", "--schedule", "0 0 * * *"], {
    cwd: dir,
  });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Pipeline file ".+nope.ts" does not exist/);
  const method = await cli(["deploy", "nope.ts", "airflow", "--schedule", "0 0 * * *"], {
    cwd: dir,
  });
  assert.equal(method.code, 2);
});

Deno.test("schema prints a schema file as YAML or JSON", async () => {
  const dir = await tempDir("schema_file");
  await Deno.writeTextFile(
    join(dir, "shop.schema.yaml"),
    `name: shop
version: 2
tables:
  items:
    write_disposition: merge
    columns:
      id:
        data_type: bigint
        primary_key: true
      price:
        data_type: decimal
        precision: 10
        scale: 2
`,
  );
  const json = await cli(["schema", "shop.schema.yaml", "--format", "json"], { cwd: dir });
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout);
  assert.equal(doc.name, "shop");
  assert.equal(doc.version, 2);
  assert.deepEqual(doc.tables.items.columns.id, {
    name: "id",
    data_type: "bigint",
    primary_key: true,
  });
  assert.equal(doc.tables.items.write_disposition, "merge");

  await Deno.writeTextFile(join(dir, "shop.schema.json"), json.stdout);
  const yaml = await cli(["schema", join(dir, "shop.schema.json")]);
  assert.equal(yaml.code, 0, yaml.stderr);
  assert.deepEqual(parseYaml(yaml.stdout), doc);

  await Deno.writeTextFile(
    join(dir, "bad.schema.yaml"),
    "name: bad\ntables:\n  t:\n    columns:\n      c:\n        data_type: float\n",
  );
  const bad = await cli(["schema", "bad.schema.yaml"], { cwd: dir });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /table "t".*column "c"|column "c"/);
  const missing = await cli(["schema", "nope.yaml"], { cwd: dir });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Schema file ".+nope.yaml" does not exist/);
  assert.equal((await cli(["schema", "a", "b"])).code, 2);
});
