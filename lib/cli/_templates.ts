/**
 * The pipelines `dlt init` writes: one runnable file per source (`rest_api`, `github`,
 * `sql_database`, `filesystem`, or a new source's template for any other name, as dlt), and the
 * config and secrets each source and destination reads, as TOML to fill in.
 *
 * @module
 */

/** What `dlt init` writes for one source. */
export interface SourceTemplate {
  /** One line for `--list-sources`. */
  description: string;
  /** The package subpaths the pipeline imports besides the main module (`sources/rest_api`). */
  imports: string[];
  /** The pipeline file for source `name` loading into `destination`. */
  code(name: string, destination: string): string;
  /** Lines of `.dlt/config.toml` for source `name`. */
  config(name: string): string;
  /** Lines of `.dlt/secrets.toml` for source `name` (empty when it needs none). */
  secrets(name: string): string;
}

/** The header of every pipeline file. */
function header(name: string, destination: string, what: string): string {
  return `/**
 * ${what}, loaded into ${destination}. Written by \`dlt init ${name} ${destination}\`.
 *
 * Config is read from .dlt/config.toml, secrets from .dlt/secrets.toml (never commit it), or
 * from environment variables (SOURCES__${name.toUpperCase()}__…, DESTINATION__…).
 * Run it with: deno run -A ${name}_pipeline.ts
 */
`;
}

function pipelineCall(name: string, destination: string): string {
  return `const p = pipeline({
  pipelineName: "${name}",
  destination: "${destination}",
  datasetName: "${name}_data",
});`;
}

/** The verified sources `dlt init` knows, by name. */
export const SOURCE_TEMPLATES: Record<string, SourceTemplate> = {
  rest_api: {
    description: "Any REST API, declared as data: endpoints, pagination, incremental loading",
    imports: ["sources/rest_api"],
    code: (name, destination) =>
      `${header(name, destination, "Pokémon and berries from the PokéAPI (a REST API)")}
import { config, pipeline, resolveConfigSpec } from "@denodlt/dlt";
import { restApiSource } from "@denodlt/dlt/sources/rest_api";

// [sources.${name}] base_url in .dlt/config.toml, or SOURCES__${name.toUpperCase()}__BASE_URL
const { baseUrl } = resolveConfigSpec({ baseUrl: config() }, { sections: ["sources", "${name}"] });

const pokemon = restApiSource({
  client: {
    baseUrl,
    // the API answers { "next": <url of the next page>, "results": [...] }
    paginator: { type: "json_link", nextUrlPath: "next" },
  },
  resourceDefaults: {
    primaryKey: "name",
    writeDisposition: "merge",
    endpoint: { params: { limit: 100 }, dataSelector: "results" },
  },
  resources: ["pokemon", "berry"],
}, { name: "${name}" });

${pipelineCall(name, destination)}
const info = await p.run(pokemon);
console.log(info.toString());
`,
    config: (name) => `[sources.${name}]\nbase_url = "https://pokeapi.co/api/v2/"\n`,
    secrets: () => "",
  },
  github: {
    description: "A GitHub repository's events, issues and comments",
    imports: ["sources/github"],
    code: (name, destination) =>
      `${header(name, destination, "A GitHub repository's events, issues and comments")}
import { pipeline } from "@denodlt/dlt";
import { githubSource } from "@denodlt/dlt/sources/github";

// the repository and token come from [sources.github] in .dlt/config.toml and .dlt/secrets.toml
${pipelineCall(name, destination)}
const info = await p.run(githubSource());
console.log(info.toString());
`,
    config: () => `[sources.github]\nrepository = "dlt-hub/dlt"\n`,
    secrets: () =>
      `[sources.github]\n# a token raises GitHub's rate limit (60 requests an hour without one)\ntoken = ""\n`,
  },
  sql_database: {
    description: "The tables of a SQL database (Postgres, SQLite)",
    imports: ["sources/sql_database"],
    code: (name, destination) =>
      `${header(name, destination, "The tables of a SQL database")}
import { pipeline } from "@denodlt/dlt";
import { sqlDatabase } from "@denodlt/dlt/sources/sql_database";

// the database URL comes from [sources.sql_database] credentials in .dlt/secrets.toml
const database = await sqlDatabase(); // every table; or sqlDatabase({ tableNames: ["..."] })
${pipelineCall(name, destination)}
const info = await p.run(database);
console.log(info.toString());
`,
    config: () => "",
    secrets: () =>
      `[sources.sql_database]\n# a postgresql:// or sqlite:/// URL\ncredentials = "postgresql://loader:<password>@localhost:5432/source_db"\n`,
  },
  filesystem: {
    description: "Files of a folder or bucket (local, s3://), read as CSV rows",
    imports: ["sources/filesystem"],
    code: (name, destination) =>
      `${header(name, destination, "The rows of the CSV files of a folder or bucket")}
import { incremental, pipeline } from "@denodlt/dlt";
import { filesystem, readCsv } from "@denodlt/dlt/sources/filesystem";

// bucket_url and file_glob come from [sources.filesystem] in .dlt/config.toml
const rows = filesystem({ incremental: incremental("modification_date") })
  .pipe(readCsv())
  .withName("csv_rows");
${pipelineCall(name, destination)}
const info = await p.run(rows);
console.log(info.toString());
`,
    config: () => `[sources.filesystem]\nbucket_url = "data"\nfile_glob = "**/*.csv"\n`,
    secrets: () =>
      `# for an s3:// bucket:\n# [sources.filesystem.credentials]\n# aws_access_key_id = ""\n# aws_secret_access_key = ""\n`,
  },
};

/** The template of a new source (a name that is not a verified source), as dlt's. */
export const NEW_SOURCE_TEMPLATE: SourceTemplate = {
  description: "A new source: a resource yielding sample rows, to replace with your own",
  imports: [],
  code: (name, destination) =>
    `${header(name, destination, `The "${name}" source: a template to fill in`)}
import { config, pipeline, resource, source } from "@denodlt/dlt";

// a resource yields rows (objects, or arrays of them as pages); replace the sample rows with
// requests to your API or database
const items = resource(async function* ({ config }) {
  const pages: number = config.pages;
  for (let page = 0; page < pages; page++) {
    yield [
      { id: page * 2 + 1, name: "first", updated_at: "2024-01-01T00:00:00Z" },
      { id: page * 2 + 2, name: "second", updated_at: "2024-01-02T00:00:00Z" },
    ];
  }
}, {
  name: "items",
  primaryKey: "id",
  writeDisposition: "merge",
  // [sources.${name}] pages in .dlt/config.toml, or SOURCES__${name.toUpperCase()}__PAGES
  config: { pages: config<number>({ default: 2 }) },
});

const ${camelCase(name)}Source = source([items], { name: "${name}" });

${pipelineCall(name, destination)}
const info = await p.run(${camelCase(name)}Source);
console.log(info.toString());
`,
  config: (name) => `[sources.${name}]\npages = 2\n`,
  secrets: (name) => `[sources.${name}]\n# api_key = ""\n`,
};

/** What each destination reads from config and secrets. */
export const DESTINATION_TEMPLATES: Record<string, { config: string; secrets: string }> = {
  duckdb: {
    config:
      `[destination.duckdb]\n# the database file (default: <pipeline name>.duckdb here)\n# credentials = "data.duckdb"\n`,
    secrets: "",
  },
  postgres: {
    config: "",
    secrets:
      `[destination.postgres]\ncredentials = "postgresql://loader:<password>@localhost:5432/dlt_data"\n`,
  },
  filesystem: {
    config: `[destination.filesystem]\nbucket_url = "output"\n`,
    secrets:
      `# for an s3:// bucket:\n# [destination.filesystem.credentials]\n# aws_access_key_id = ""\n# aws_secret_access_key = ""\n`,
  },
  dummy: { config: "", secrets: "" },
};

function camelCase(name: string): string {
  return name.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/_/g, "");
}
