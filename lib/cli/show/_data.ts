/**
 * What the pipeline page's JSON endpoints return, read from the pipeline's working folder (its
 * settings, schemas, state and trace, read afresh on every request, so the page shows a run made
 * meanwhile by another process) and from its destination (row counts, loads, rows). Nothing
 * here writes.
 *
 * @module
 */
import type { Pipeline } from "../../pipeline.ts";
import { type PipelineSettings, readPipelineSettings } from "../../pipeline_settings.ts";
import { redact, redactUrl } from "../../redact.ts";
import { SchemaStorage } from "../../schema/schema_storage.ts";
import type { ColumnSchema, StoredSchema, TableSchema } from "../../schema/schema.ts";
import { readLocalState } from "../../state.ts";
import { DenoStorage } from "../../storage/deno_storage.ts";
import type { WorkingStorage } from "../../storage/storage.ts";
import { readTrace } from "../../trace.ts";
import { SharedClient } from "./_shared_client.ts";
import { displayValue, jsonSafe } from "./_values.ts";

/** Rows of a preview page when the request says none. */
export const DEFAULT_PAGE_ROWS = 50;

/** The most rows one preview page may ask for. */
export const MAX_PAGE_ROWS = 500;

/** The most loads listed, newest first. */
const MAX_LOADS = 200;

/** A request the page cannot answer: its HTTP status and the message shown. */
export class PageRequestError extends Error {
  /** The HTTP status. */
  readonly status: number;

  /** Creates the error. */
  constructor(status: number, message: string) {
    super(message);
    this.name = "PageRequestError";
    this.status = status;
  }
}

/** A table in the tree of the page. */
export interface TableNode {
  /** The table. */
  name: string;
  /** Its schema. */
  schema: string;
  /** Its resource (root tables). */
  resource: string | null;
  /** Its write disposition (root tables). */
  writeDisposition: string | null;
  /** Number of columns in the schema. */
  columnCount: number;
  /** Rows in the destination; `null` when it does not have the table. */
  rowCount: number | null;
  /** Its nested tables. */
  children: TableNode[];
}

/** The working folder's files and the destination of one pipeline. */
export class PageData {
  readonly #pipeline: Pipeline;
  readonly #storage: WorkingStorage;
  readonly #client: SharedClient;

  /** The data of `pipeline`; {@linkcode PageData.close} closes its destination client. */
  constructor(pipeline: Pipeline) {
    this.#pipeline = pipeline;
    this.#storage = new DenoStorage(pipeline.workingDir);
    this.#client = new SharedClient(pipeline, () => this.settings()?.baseDir);
  }

  /** Closes the destination client (after the requests under way). */
  close(): Promise<void> {
    return this.#client.close();
  }

  /** The settings of the last run; `undefined` when it never ran. */
  settings(): PipelineSettings | undefined {
    return readPipelineSettings(this.#storage);
  }

  async #schemas(): Promise<StoredSchema[]> {
    const schemas = new SchemaStorage(this.#storage);
    await schemas.reload();
    return [...schemas.all.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Whether the destination may hold the pipeline's data: not before its first load (a DuckDB
   * file is not created by merely looking).
   */
  async #mayHaveData(): Promise<boolean> {
    if (this.settings() === undefined) return false;
    const destination = await this.#pipeline.destination();
    if (destination.hasStoredData === undefined) return true;
    return await destination.hasStoredData({
      pipelineName: this.#pipeline.pipelineName,
      datasetName: this.#pipeline.datasetName,
      workingDir: this.#pipeline.workingDir,
      baseDir: this.settings()?.baseDir,
    });
  }

  /** Name, dataset, destination (type and location, no credentials), working folder, schemas. */
  async overview(): Promise<unknown> {
    const settings = this.settings();
    const state = await readLocalState(this.#storage);
    const location = settings?.destination.location;
    return {
      pipelineName: this.#pipeline.pipelineName,
      datasetName: this.#pipeline.datasetName,
      destination: {
        type: settings?.destination.type ?? (await this.#pipeline.destination()).name,
        location: location === undefined ? null : shownLocation(location),
      },
      workingDir: this.#pipeline.workingDir,
      hasRun: settings !== undefined,
      stateVersion: state?.version ?? null,
      schemas: (await this.#schemas()).map((s) => ({
        name: s.name,
        version: s.version,
        versionHash: s.versionHash,
        tables: Object.keys(s.tables).filter((t) => !t.startsWith("_dlt_")).length,
      })),
    };
  }

  /** The data tables of every schema as a tree of parents and nested tables, with row counts. */
  async tables(): Promise<{ tables: TableNode[]; countError: string | null }> {
    let counts: Record<string, number> = {};
    let countError: string | null = null;
    try {
      if (await this.#mayHaveData()) counts = await this.#client.use((d) => d.rowCounts());
    } catch (error) {
      countError = messageOf(error);
    }
    const roots: TableNode[] = [];
    for (const schema of await this.#schemas()) {
      const nodes = new Map<string, TableNode>();
      const tables = Object.values(schema.tables).filter((t) => !t.name.startsWith("_dlt_"));
      for (const table of tables) {
        nodes.set(table.name, {
          name: table.name,
          schema: schema.name,
          resource: table.resource ?? null,
          writeDisposition: table.writeDisposition ?? null,
          columnCount: Object.keys(table.columns).length,
          rowCount: counts[table.name] ?? null,
          children: [],
        });
      }
      for (const table of tables) {
        const node = nodes.get(table.name)!;
        const parent = table.parent === undefined ? undefined : nodes.get(table.parent);
        (parent?.children ?? roots).push(node);
      }
    }
    return { tables: roots, countError };
  }

  async #table(name: string): Promise<{ schema: StoredSchema; table: TableSchema }> {
    for (const schema of await this.#schemas()) {
      const table = schema.tables[name];
      if (table !== undefined) return { schema, table };
    }
    throw new PageRequestError(404, `The pipeline's schemas have no table "${name}"`);
  }

  /** A table's columns with their types and hints. */
  async table(name: string): Promise<unknown> {
    const { schema, table } = await this.#table(name);
    return {
      name: table.name,
      schema: schema.name,
      parent: table.parent ?? null,
      resource: table.resource ?? null,
      writeDisposition: table.writeDisposition ?? null,
      mergeStrategy: table.mergeStrategy ?? null,
      columns: Object.values(table.columns).map(columnInfo),
    };
  }

  /** A page of the rows of table `name`, each value as text (`null` for NULL). */
  async rows(name: string, offset: number, limit: number): Promise<unknown> {
    const { table } = await this.#table(name);
    if (!(await this.#mayHaveData())) {
      throw new PageRequestError(404, `Table "${name}" has not been loaded yet`);
    }
    const { rows, total } = await this.#client.use(async (dataset) => {
      const relation = dataset.table(name);
      const total = await relation.count();
      const rows = await relation.offset(offset).limit(limit).rows();
      return { rows, total };
    });
    const columns = Object.values(table.columns).filter((c) => c.dataType !== undefined)
      .map((c) => c.name);
    for (const row of rows) {
      for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
    }
    return {
      table: name,
      offset,
      limit,
      total,
      columns,
      rows: rows.map((row) => columns.map((c) => displayValue(row[c]))),
    };
  }

  /** The loads recorded in `_dlt_loads`, newest first. */
  async loads(): Promise<unknown> {
    if (!(await this.#mayHaveData())) return { loads: [] };
    const rows = await this.#client.use((d) => d.table("_dlt_loads").orderBy("load_id").rows());
    return {
      loads: rows.reverse().slice(0, MAX_LOADS).map((row) => ({
        loadId: displayValue(row.load_id),
        schemaName: displayValue(row.schema_name),
        status: displayValue(row.status),
        insertedAt: displayValue(row.inserted_at),
        schemaVersionHash: displayValue(row.schema_version_hash),
      })),
    };
  }

  /** The pipeline state the working folder has (`null` before the first load). */
  async state(): Promise<unknown> {
    return { state: jsonSafe(await readLocalState(this.#storage) ?? null) };
  }

  /** The trace of the last run (`null` when none was written). */
  async trace(): Promise<unknown> {
    return { trace: jsonSafe(await readTrace(this.#storage) ?? null) };
  }
}

/** A column's type and hints, every field present (`null` when not set). */
function columnInfo(column: ColumnSchema): Record<string, unknown> {
  return {
    name: column.name,
    dataType: column.dataType ?? null,
    nullable: column.nullable ?? true,
    primaryKey: column.primaryKey ?? false,
    mergeKey: column.mergeKey ?? false,
    unique: column.unique ?? false,
    hardDelete: column.hardDelete ?? false,
    dedupSort: column.dedupSort ?? null,
    precision: column.precision ?? null,
    scale: column.scale ?? null,
    timezone: column.timezone ?? null,
    variant: column.variant ?? false,
  };
}

/** A destination location fit to show: a URL without user info and secret parameters. */
function shownLocation(location: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location) ? redactUrl(location) : redact(location);
}

/** The message of `error`, with no registered secret in it. */
export function messageOf(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}
