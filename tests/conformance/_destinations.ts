/**
 * The destinations the conformance suite runs against, and {@linkcode conformanceTest}, which
 * registers one `Deno.test` per destination, named `[duckdb] …`, `[dummy] …`: `duckdb`
 * (DuckDB-WASM), `duckdb_native` (`duckdb({ engine: "native" })`), `postgres`, `filesystem` (a
 * local bucket; SQL through native DuckDB where FFI is granted, else tests that need SQL skip it;
 * tests that need `merge` skip it, as its capabilities have no merge strategy) and `dummy` (no
 * SQL: tests that read data back through SQL skip it; the others check its row counts); and two
 * of them loading other job files than their preferred CSV: `duckdb_native_parquet` (Parquet)
 * and `postgres_insert_values` (INSERT VALUES).
 *
 * `DLT_TEST_DESTINATIONS` selects them: a comma list of the names below; by default
 * every one. A destination whose requirement is missing here (native DuckDB without FFI, Postgres
 * without `DLT_TEST_POSTGRES_URL`) has its tests ignored, the reason printed once; under
 * `CI=true`, or when `DLT_TEST_DESTINATIONS` names it, they fail instead. An unknown name is an
 * error when the test module loads.
 *
 * Every test gets a dataset of its own: SQL destinations share one database per test module
 * (DuckDB-WASM in memory, native DuckDB in a temporary file) and drop the dataset after the
 * test; the dummy and the filesystem's bucket are made anew per test.
 */
import { join } from "node:path";
import type {
  Destination,
  DestinationCapabilities,
  LoaderFileFormat,
  Pipeline,
} from "../../mod.ts";
import { pipeline, setLogLevel } from "../../mod.ts";
import {
  duckdb,
  DUCKDB_CAPABILITIES,
  NATIVE_DUCKDB_CAPABILITIES,
} from "../../destinations/duckdb/mod.ts";
import { dummy, type DummyDestination } from "../../destinations/dummy/mod.ts";
import { filesystem, FILESYSTEM_CAPABILITIES } from "../../destinations/filesystem/mod.ts";
import { postgres, POSTGRES_CAPABILITIES } from "../../destinations/postgres/mod.ts";
import { adminQuery, POSTGRES_URL } from "../_postgres.ts";

// the state sync's messages (a working folder restored from the destination) stay off the console
setLogLevel("ERROR");

/** Where one test loads: a destination and a dataset no other test uses. */
interface TestTarget {
  /** The destination. */
  destination: Destination;
  /** The test's dataset. */
  datasetName: string;
  /** Removes what the test left in the destination. */
  dispose(): Promise<void>;
  /** Makes the loads of `table` fail until the returned function is called (see the context's). */
  blockTable?(table: string): Promise<() => Promise<void>>;
}

/** A destination under test. */
interface TestDestination {
  /** Its name in test names and in `DLT_TEST_DESTINATIONS`. */
  readonly name: string;
  /** Whether it speaks SQL (`dataset().query()` runs on it). */
  readonly sql: boolean;
  /** What it can do (tests that need a merge strategy skip a destination without one). */
  readonly capabilities: DestinationCapabilities;
  /** Whether readers see a package all at once, when it completes (not chain by chain). */
  readonly wholePackages: boolean;
  /** The job files its pipelines write. @default {the destination's preferred format} */
  readonly loaderFileFormat?: LoaderFileFormat;
  /**
   * What this machine lacks for it (a service, a permission), or `undefined` when it can run.
   */
  missing(): string | undefined;
  /** A target for one test. */
  open(): Promise<TestTarget>;
}

/** A dataset name no other test of this process uses. */
function uniqueDataset(): string {
  return `conf_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

/**
 * A new dataset in `destination`, a database shared by the tests of this module; `dispose` drops
 * it and its staging schema through the destination's own SQL client.
 *
 * With `holdOpen` (a database file), one client stays open while the test runs, so the file is
 * opened once per test rather than by each of its pipeline runs and queries (native DuckDB
 * closes a file when its last client closes, and opening it costs ~50 ms; a test makes dozens of
 * clients). The test's clients share that open database, as clients in one process always do.
 */
async function sharedDatabaseTarget(
  destination: Destination,
  holdOpen = false,
): Promise<TestTarget> {
  const datasetName = uniqueDataset();
  const held = holdOpen
    ? await destination.client({ pipelineName: "conformance", datasetName })
    : undefined;
  return {
    destination,
    datasetName,
    async dispose() {
      try {
        const client = await destination.client({ pipelineName: "conformance", datasetName });
        try {
          for (const schema of [datasetName, `${datasetName}_staging`]) {
            await client.sql!.execute(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          }
        } finally {
          await client.close();
        }
      } finally {
        await held?.close();
      }
    },
  };
}

/** DuckDB-WASM in memory, one database for the tests of this module. */
let duckDbWasm: Destination | undefined;
/** Native DuckDB, one database file for the tests of this module. */
let duckDbNative: Destination | undefined;
/** The Postgres test server. */
let postgresServer: Destination | undefined;

/** A database file in a temporary folder removed when the test module ends. */
function tempDatabaseFile(name: string): string {
  const dir = Deno.makeTempDirSync({ prefix: "conformance_" });
  globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  return join(dir, `${name}.duckdb`);
}

/** Native DuckDB, one database file for the tests of this module. */
function nativeDuckDb(): Destination {
  return duckDbNative ??= duckdb({ engine: "native", path: tempDatabaseFile("native") });
}

/** Why native DuckDB cannot run here. */
function missingFfi(): string | undefined {
  return Deno.permissions.querySync({ name: "ffi" }).state === "granted"
    ? undefined
    : "native DuckDB needs --allow-ffi (run the tests with -A)";
}

/** Why the Postgres tests cannot run here. */
function missingPostgres(): string | undefined {
  return POSTGRES_URL === undefined
    ? "DLT_TEST_POSTGRES_URL is not set (start a server with `tests/_scripts/postgres_server.sh start DIR` and export the URL it prints)"
    : undefined;
}

/** A new dataset of the Postgres test server. */
function postgresTarget(): Promise<TestTarget> {
  postgresServer ??= postgres({ credentials: POSTGRES_URL! });
  const datasetName = uniqueDataset();
  return Promise.resolve({
    destination: postgresServer,
    datasetName,
    // through a connection of its own, as the Postgres tests drop their schemas
    dispose: async () => {
      await adminQuery(
        `DROP SCHEMA IF EXISTS "${datasetName}" CASCADE; DROP SCHEMA IF EXISTS "${datasetName}_staging" CASCADE`,
      );
    },
  });
}

/** The destinations under test, by name. */
const DESTINATIONS: readonly TestDestination[] = [
  {
    name: "duckdb",
    sql: true,
    capabilities: DUCKDB_CAPABILITIES,
    wholePackages: false,
    missing: () => undefined,
    open: () =>
      sharedDatabaseTarget(duckDbWasm ??= duckdb({ credentials: ":memory:", engine: "wasm" })),
  },
  {
    name: "duckdb_native",
    sql: true,
    capabilities: NATIVE_DUCKDB_CAPABILITIES,
    wholePackages: false,
    missing: missingFfi,
    open: () => sharedDatabaseTarget(nativeDuckDb(), true),
  },
  {
    name: "duckdb_native_parquet",
    sql: true,
    capabilities: NATIVE_DUCKDB_CAPABILITIES,
    wholePackages: false,
    loaderFileFormat: "parquet",
    missing: missingFfi,
    open: () => sharedDatabaseTarget(nativeDuckDb(), true),
  },
  {
    name: "postgres",
    sql: true,
    capabilities: POSTGRES_CAPABILITIES,
    wholePackages: false,
    missing: missingPostgres,
    open: postgresTarget,
  },
  {
    name: "postgres_insert_values",
    sql: true,
    capabilities: POSTGRES_CAPABILITIES,
    wholePackages: false,
    loaderFileFormat: "insert_values",
    missing: missingPostgres,
    open: postgresTarget,
  },
  {
    name: "filesystem",
    sql: Deno.permissions.querySync({ name: "ffi" }).state === "granted",
    capabilities: FILESYSTEM_CAPABILITIES,
    wholePackages: true,
    missing: () => undefined,
    async open() {
      const bucket = await Deno.makeTempDir({ prefix: "conformance_bucket_" });
      const datasetName = uniqueDataset();
      return {
        destination: filesystem({ bucketUrl: bucket }),
        datasetName,
        dispose: () => Deno.remove(bucket, { recursive: true }),
        // a file where the table's folder goes: its job files cannot be written
        async blockTable(table: string) {
          const path = join(bucket, datasetName, table);
          await Deno.mkdir(join(bucket, datasetName), { recursive: true });
          await Deno.writeTextFile(path, "in the way");
          return () => Deno.remove(path);
        },
      };
    },
  },
  {
    name: "dummy",
    sql: false,
    capabilities: dummy().capabilities,
    wholePackages: false,
    missing: () => undefined,
    open: () =>
      Promise.resolve({
        destination: dummy(),
        datasetName: uniqueDataset(),
        dispose: () => Promise.resolve(),
      }),
  },
];

/** The names `DLT_TEST_DESTINATIONS` takes. */
const DESTINATION_NAMES: readonly string[] = DESTINATIONS.map((d) => d.name);

/**
 * The destinations `DLT_TEST_DESTINATIONS` selects (all by default), and whether it named them.
 */
function selectedDestinations(): { destinations: TestDestination[]; named: boolean } {
  const value = Deno.env.get("DLT_TEST_DESTINATIONS")?.trim();
  if (!value) return { destinations: [...DESTINATIONS], named: false };
  const names = value.split(",").map((name) => name.trim()).filter((name) => name !== "");
  const unknown = names.filter((name) => !DESTINATION_NAMES.includes(name));
  if (unknown.length > 0) {
    throw new RangeError(
      `DLT_TEST_DESTINATIONS names unknown destination(s) ${
        unknown.map((name) => `"${name}"`).join(", ")
      }; the conformance suite knows ${DESTINATION_NAMES.map((name) => `"${name}"`).join(", ")}`,
    );
  }
  return { destinations: DESTINATIONS.filter((d) => names.includes(d.name)), named: true };
}

const SELECTED = selectedDestinations();

/** Destinations whose missing requirement was printed already. */
const warned = new Set<string>();

/** What a conformance test gets: its destination, its dataset, and pipelines loading there. */
export class ConformanceContext {
  /** Whether the destination speaks SQL (`dataset().query()` runs on it). */
  readonly sql: boolean;
  /**
   * Whether readers see a package all at once when it completes (the filesystem's marker),
   * where SQL destinations show each table chain as it commits.
   */
  readonly wholePackages: boolean;
  /**
   * Makes the loads of `table` fail (a terminal error naming the table) until the function it
   * returns is called; for destinations that can be blocked from outside (the filesystem).
   */
  readonly blockTable?: (table: string) => Promise<() => Promise<void>>;
  /** The destination of this test. */
  readonly destination: Destination;
  /** The dataset of this test. */
  readonly datasetName: string;
  #root: string;
  #loaderFileFormat: LoaderFileFormat | undefined;

  /** Use {@linkcode conformanceTest}. */
  constructor(under: TestDestination, target: TestTarget, root: string) {
    this.sql = under.sql;
    this.wholePackages = under.wholePackages;
    this.blockTable = target.blockTable;
    this.#loaderFileFormat = under.loaderFileFormat;
    this.destination = target.destination;
    this.datasetName = target.datasetName;
    this.#root = root;
  }

  /**
   * A pipeline loading into this test's dataset (writing the destination's job file format),
   * in a new working folder unless `pipelinesDir` names one; `destination` replaces the test's
   * (e.g. a dummy that injects faults).
   */
  pipeline(
    options: { pipelineName?: string; pipelinesDir?: string; destination?: Destination } = {},
  ): Pipeline {
    return pipeline({
      pipelineName: options.pipelineName ?? "conformance",
      destination: options.destination ?? this.destination,
      datasetName: this.datasetName,
      pipelinesDir: options.pipelinesDir ?? Deno.makeTempDirSync({ dir: this.#root }),
      loaderFileFormat: this.#loaderFileFormat,
    });
  }

  /** A new folder in this test's working folder, removed with it when the test ends. */
  tempDir(): Promise<string> {
    return Deno.makeTempDir({ dir: this.#root });
  }

  /**
   * Rows per data table of `p`'s dataset (system tables left out): `dataset().rowCounts()`, or
   * what a dummy destination counted.
   */
  async rowCounts(p: Pipeline): Promise<Record<string, number>> {
    const destination = await p.destination();
    return isDummy(destination)
      ? destination.rowCounts(p.datasetName)
      : await p.dataset().rowCounts();
  }
}

/** Whether `destination` is a dummy, with its inspection methods. */
function isDummy(destination: Destination): destination is DummyDestination {
  return destination.name === "dummy" && "rowCounts" in destination;
}

/** Options of {@linkcode conformanceTest}. */
export interface ConformanceTestOptions {
  /** Reads data back through SQL: not run on destinations without it. @default {false} */
  needsSql?: boolean;
  /** Loads with `merge`: not run on destinations that run no merge strategy. @default {false} */
  needsMerge?: boolean;
  /** Runs only on these destinations. @default {every selected one} */
  destinations?: readonly string[];
}

/**
 * Registers `fn` once per selected destination (that has SQL when `needsSql`), as
 * `[<destination>] <name>`, with a dataset of its own and working folders removed afterwards. An unknown name in
 * `options.destinations` is a `RangeError`.
 */
export function conformanceTest(
  name: string,
  options: ConformanceTestOptions,
  fn: (ctx: ConformanceContext) => Promise<void>,
): void {
  const unknown = options.destinations?.filter((d) => !DESTINATION_NAMES.includes(d)) ?? [];
  if (unknown.length > 0) {
    throw new RangeError(`Test "${name}" names unknown destination(s) ${unknown.join(", ")}`);
  }
  for (const under of SELECTED.destinations) {
    if (options.needsSql && !under.sql) continue;
    if (options.needsMerge && under.capabilities.supportedMergeStrategies.length === 0) continue;
    if (options.destinations !== undefined && !options.destinations.includes(under.name)) continue;
    const testName = `[${under.name}] ${name}`;
    const missing = under.missing();
    if (missing !== undefined) {
      registerMissing(testName, under.name, missing);
      continue;
    }
    Deno.test(testName, async () => {
      const root = await Deno.makeTempDir({ prefix: `conformance_${under.name}_` });
      const target = await under.open();
      try {
        await fn(new ConformanceContext(under, target, root));
      } finally {
        try {
          await target.dispose();
        } finally {
          await Deno.remove(root, { recursive: true });
        }
      }
    });
  }
}

/**
 * Registers a test of a destination that cannot run here: failing under `CI=true` or when
 * `DLT_TEST_DESTINATIONS` named it, else ignored, the reason printed once per destination.
 */
function registerMissing(testName: string, destination: string, missing: string): void {
  const required = Deno.env.get("CI") === "true"
    ? "CI runs every destination"
    : SELECTED.named
    ? "DLT_TEST_DESTINATIONS names it"
    : undefined;
  if (required !== undefined) {
    Deno.test(testName, () => {
      throw new Error(`Destination "${destination}" cannot run: ${missing}; ${required}`);
    });
    return;
  }
  if (!warned.has(destination)) {
    warned.add(destination);
    console.warn(`Conformance tests of "${destination}" are ignored: ${missing}`);
  }
  Deno.test({ name: testName, ignore: true, fn: () => {} });
}
