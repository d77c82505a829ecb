/**
 * The package imported by URL, as a user's one-file pipeline in a folder without `deno.json`
 * imports it: the repository is served over HTTP on 127.0.0.1, and a child process run with
 * `--no-config` loads a local REST API into DuckDB through `mod.ts`, `sources/rest_api.ts` and
 * the duckdb destination from that URL, then reads the rows back. Every `deno.json` export and
 * every `sources/` module is imported the same way. The import map does not apply there, so a
 * bare specifier anywhere in their module graph fails this test.
 */
import assert from "node:assert/strict";
import { extname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type LocalServer, serve, tempDir } from "./_helpers.ts";

const REPO = fileURLToPath(new URL("../", import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  ".ts": "application/typescript; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
};

/** Serves the repository's files, as a static host (or raw.githubusercontent.com) would. */
function serveRepository(): LocalServer {
  return serve(async (url) => {
    const path = resolve(REPO, `.${decodeURIComponent(url.pathname)}`);
    const type = CONTENT_TYPES[extname(path)];
    if (relative(REPO, path).startsWith("..") || type === undefined) {
      return new Response("not found", { status: 404 });
    }
    try {
      return new Response(await Deno.readFile(path), { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

/** An API of `count` items, `pageSize` a page, each page linking to the next in `next`. */
function serveItems(count: number, pageSize: number): LocalServer & { items: unknown[] } {
  const items = Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    name: `item ${i + 1}`,
    tags: Array.from({ length: i % 3 }, (_, t) => `tag-${t}`),
  }));
  const server = serve((url) => {
    if (url.pathname !== "/items") return new Response("not found", { status: 404 });
    const page = Number(url.searchParams.get("page") ?? "1");
    const data = items.slice((page - 1) * pageSize, page * pageSize);
    const next = page * pageSize < count ? `/items?page=${page + 1}` : null;
    return Response.json({ data, next });
  });
  return Object.assign(server, { items });
}

/** The pipeline a user writes, importing the package from `base`. */
function userPipeline(base: string): string {
  return `
import { pipeline } from "${base}/mod.ts";
import { duckdb } from "${base}/destinations/duckdb/mod.ts";
import { restApiSource } from "${base}/sources/rest_api.ts";

const [apiUrl, dir, modules] = Deno.args;
const loaded = [];
for (const path of JSON.parse(modules)) {
  const module = await import(new URL(path, "${base}/").href);
  loaded.push([path, Object.keys(module).length]);
}

const source = restApiSource({
  client: { baseUrl: apiUrl, paginator: { type: "json_link", next_url_path: "next" } },
  resources: [
    { name: "items", primaryKey: "id", endpoint: { path: "items", data_selector: "data" } },
  ],
});
const p = pipeline({
  pipelineName: "url_import",
  destination: duckdb({ path: dir + "/url_import.duckdb" }),
  datasetName: "url_data",
  pipelinesDir: dir + "/pipelines",
});
const info = await p.run(source);
console.log(info);
const items = await p.dataset().table("items").select("id", "name").orderBy("id").rows();
const tags = await p.dataset().query(
  "SELECT i.id, t.value FROM items__tags t JOIN items i ON t._dlt_parent_id = i._dlt_id " +
    "ORDER BY i.id, t._dlt_list_idx",
);
console.log(JSON.stringify({ loaded, items, tags }));
`;
}

/** Every `deno.json` export and every `sources/` module, relative to the repository. */
async function publishedModules(): Promise<string[]> {
  const { exports } = JSON.parse(await Deno.readTextFile(join(REPO, "deno.json")));
  const modules = new Set<string>(Object.values(exports as Record<string, string>));
  for await (const entry of Deno.readDir(join(REPO, "sources"))) {
    if (entry.isFile && entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) {
      modules.add(`./sources/${entry.name}`);
    }
  }
  return [...modules].sort();
}

/** Deno's npm cache, which the child shares so that npm packages are not downloaded again. */
async function npmCache(): Promise<string> {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
  }).output();
  return JSON.parse(new TextDecoder().decode(stdout)).npmCache;
}

Deno.test("a one-file pipeline imports the package by URL, with no deno.json", async () => {
  await using repository = serveRepository();
  await using api = serveItems(7, 3);
  const dir = await tempDir("url_import");
  const script = join(dir, "pipeline.ts");
  await Deno.writeTextFile(script, userPipeline(repository.url));
  const modules = await publishedModules();
  // a fresh DENO_DIR caches the served modules apart (and away) from other runs; its npm folder
  // is Deno's own npm cache, so the child runs offline
  const denoDir = join(dir, "deno_dir");
  await Deno.mkdir(denoDir);
  const npm = await npmCache();
  await Deno.symlink(npm, join(denoDir, "npm"));

  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-config",
      "--no-lock",
      `--allow-import=127.0.0.1:${repository.port}`,
      `--allow-net=127.0.0.1:${api.port}`,
      `--allow-read=${dir},${npm}`,
      `--allow-write=${dir}`,
      "--allow-env",
      "--allow-sys=cpus",
      script,
      api.url,
      dir,
      JSON.stringify(modules),
    ],
    cwd: dir,
    env: { DENO_DIR: denoDir, HOME: dir, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  assert.ok(output.success, `the pipeline failed:\n${stderr}\n${stdout}`);
  // the modules came from the server, not from the local files
  for (const path of ["/mod.ts", "/sources/rest_api.ts", "/destinations/duckdb/mod.ts"]) {
    assert.ok(repository.requests.includes(path), `${path} was not requested`);
  }
  assert.doesNotMatch(stderr, /Warning/, stderr);

  const lines = stdout.trimEnd().split("\n");
  const result = JSON.parse(lines.at(-1)!);
  assert.deepEqual(result.loaded.map(([path]: [string]) => path), modules);
  for (const [path, exported] of result.loaded) assert.ok(exported > 0, `${path} exports nothing`);
  const served = api.items as { id: number; name: string; tags: string[] }[];
  assert.deepEqual(result.items, served.map(({ id, name }) => ({ id, name })));
  assert.deepEqual(
    result.tags,
    served.flatMap(({ id, tags }) => tags.map((value) => ({ id, value }))),
  );
  assert.deepEqual(api.requests, ["/items", "/items?page=2", "/items?page=3"]);
  // console.log(info) printed the load summary
  assert.match(stdout, /^Pipeline url_import load step completed in /m);
  const rows = served.length + result.tags.length;
  assert.match(stdout, new RegExp(`Rows loaded: ${rows} into 2 table\\(s\\)`));
});
