/**
 * The slice of DuckDB the shared SQL job client uses: statements on the shared connection, and
 * `read_csv` or `read_parquet` to copy a job file into a table.
 *
 * @module
 */
import * as fs from "node:fs";
import type { LoadJob } from "../../lib/destination.ts";
import {
  type CopyOptions,
  runInTransaction,
  type SqlConnection,
} from "../../lib/load/sql_dialect.ts";
import { quoteIdentifier, quoteLiteral } from "../../lib/load/sql.ts";
import type { TableSchema } from "../../lib/schema/schema.ts";
import { csvRead } from "./_dialect.ts";
import { ROW_GROUP_SIZE } from "./_database_file.ts";
import { releaseDatabase, type SharedDatabase } from "./_shared_database.ts";

/** Longest CSV line DuckDB reads unless a file has longer ones (DuckDB's default), in bytes. */
const MAX_LINE_BYTES = 2_000_000;
/**
 * Widest job file native DuckDB reads with its threads (`read_csv(parallel = true)`). A wider one
 * is copied by one thread: a second one only adds work and memory (a 596-column file of GitHub
 * events: a tenth faster, and 40% less peak memory).
 */
const PARALLEL_MAX_COLUMNS = 64;
/**
 * Fewest bytes of narrow job files a copy reads with {@linkcode DuckDbDriver.copyThreads}
 * threads; a smaller one runs on DuckDB's one thread (see `_native_instances.ts`). On two cores,
 * 1,000,000 rows of five columns (57 MB) were inserted in 0.63 s against 0.92 s, 11 MB as fast
 * on one thread as on two.
 */
const PARALLEL_MIN_BYTES = 32 << 20;

/** One client's use of a shared DuckDB database for loading. */
export class DuckDbConnection implements SqlConnection {
  #shared: SharedDatabase;
  /** Whether this connection's transaction has the shared connection to itself now. */
  #holding = false;
  /** DuckDB's threads before a copy changed them, and now, until they are given back. */
  #changedThreads: { from: number; now: number } | undefined;
  /**
   * DuckDB's threads as this client's transaction found them: nothing else changes them while
   * it holds the connection, so its copies need not ask again.
   */
  #transactionThreads: number | undefined;
  /** Whether a wide copy ran since DuckDB last gave back the memory it freed. */
  #freedPending = false;
  /** Rows copied since DuckDB last dropped the blocks it wrote (see `dropWrittenBlocks`). */
  #rowsSinceDrop = 0;
  #closed = false;

  /** Loads through `shared`, which {@linkcode DuckDbConnection.close} releases. */
  constructor(shared: SharedDatabase) {
    this.#shared = shared;
  }

  /** Runs `fn` on the connection: at once inside this client's transaction, else in turn. */
  #use<T>(fn: () => Promise<T>): Promise<T> {
    return this.#holding ? fn() : this.#shared.exclusive(fn);
  }

  run(sql: string): Promise<void> {
    return this.#use(() => this.#shared.driver.run(sql));
  }

  query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    return this.#use(() => this.#shared.driver.query<T>(sql));
  }

  transaction(fn: () => Promise<void>, giveWay?: () => void): Promise<void> {
    return this.#shared.exclusive(async () => {
      this.#holding = true;
      try {
        await runInTransaction((sql) => this.#shared.driver.run(sql), fn);
      } finally {
        this.#holding = false;
        this.#transactionThreads = undefined;
        // after the commit or rollback: a failed statement leaves the transaction refusing SET
        await this.#giveBack();
      }
    }, giveWay);
  }

  copyJob(job: LoadJob, table: TableSchema, into: string, options?: CopyOptions): Promise<void> {
    return this.copyJobs([job], table, into, options);
  }

  /**
   * Copies `jobs` in one statement: DuckDB commits one large insert several times faster than
   * the same rows inserted file by file (1,000,000 rows in five files: 0.2 s against 0.9 s,
   * and the next checkpoint 0.03 s against 0.4 s).
   */
  async copyJobs(
    jobs: readonly LoadJob[],
    table: TableSchema,
    into: string,
    options: CopyOptions = {},
  ): Promise<void> {
    await this.#use(async () => {
      const width = jobs[0].columns.length;
      await this.#shared.fitMemory(width);
      const { driver } = this.#shared;
      const narrow = width <= PARALLEL_MAX_COLUMNS;
      let sql = copySql(jobs, table, into, driver.engine === "native" && narrow);
      if (options.followedBy !== undefined) sql += `;\n${options.followedBy}`;
      if (driver.engine === "wasm") return await driver.run(sql);
      if (narrow) {
        if (driver.copyThreads !== undefined && jobBytes(jobs) >= PARALLEL_MIN_BYTES) {
          await this.#useThreads(driver.copyThreads);
        }
        // after the wide copies of a chain's root, their threads or freed memory go back (unless
        // resizing the thread pool just now gave the memory back)
        if (this.#freedPending) await this.#giveBack();
        await driver.run(sql);
        if (!this.#holding) await this.#giveBack();
      } else await this.#runOnOneThread(sql, options.besideNormalize === true);
      // a full row group since the last drop: DuckDB wrote it to the file, and keeps its blocks
      this.#rowsSinceDrop += jobs.reduce((rows, job) => rows + job.rows, 0);
      if (this.#rowsSinceDrop < ROW_GROUP_SIZE) return;
      this.#rowsSinceDrop = 0;
      await driver.dropWrittenBlocks?.();
    });
  }

  /**
   * Runs the copy `sql` of a wide table on one DuckDB thread. The memory it freed goes back to
   * the system at once outside a transaction or when normalize writes the package
   * `besideNormalize` (whose memory and the kept memory together would take 100,000 GitHub
   * events over 512 MiB), else at a narrow copy (a chain's nested tables come after its root),
   * `copiesDone` or the transaction's end: the next copy would fault it in again, page by page.
   */
  async #runOnOneThread(sql: string, besideNormalize: boolean): Promise<void> {
    await this.#useThreads(1);
    try {
      if (besideNormalize || !this.#holding) return await this.#giveBack(sql);
      await this.#shared.driver.run(sql);
      this.#freedPending = true;
    } catch (error) {
      // inside a transaction the threads go back after its rollback
      if (!this.#holding) await this.#giveBack();
      throw error;
    }
  }

  /**
   * Sets DuckDB's threads to `count` for a copy, remembering how many it had. Resizing its thread
   * pool has DuckDB hand the memory it freed back to the system.
   */
  async #useThreads(count: number): Promise<void> {
    const now = this.#changedThreads?.now ?? await this.#threadsNow();
    if (now === count) return;
    await this.#shared.driver.run(`SET threads = ${count}`);
    this.#changedThreads = { from: this.#changedThreads?.from ?? now, now: count };
    this.#freedPending = false;
  }

  /** DuckDB's threads, asked once in a transaction. */
  async #threadsNow(): Promise<number> {
    const threads = this.#transactionThreads ?? Number(
      (await this.#shared.driver.query<{ threads: number | bigint }>(
        "SELECT current_setting('threads') AS threads",
      ))[0].threads,
    );
    if (this.#holding) this.#transactionThreads = threads;
    return threads;
  }

  /**
   * Gives DuckDB back the threads it had before {@linkcode DuckDbConnection.#useThreads}, which
   * also hands the memory it freed back to the system; with its threads as they were, it gives
   * back the memory a wide copy freed by itself. After running the copy `copy`, if given, in
   * the same call to DuckDB: its answer would otherwise wait for the JavaScript thread's next
   * turn (every 10 ms while extract runs) before the setting could be sent.
   */
  async #giveBack(copy?: string): Promise<void> {
    const { driver } = this.#shared;
    const changed = this.#changedThreads;
    if (changed !== undefined && changed.now !== changed.from) {
      const threads = `SET threads = ${changed.from}`;
      await driver.run(copy === undefined ? threads : `${copy};\n${threads}`);
    } else if ((copy !== undefined || this.#freedPending) && driver.releaseFreedMemory) {
      await driver.releaseFreedMemory(copy);
    } else if (copy !== undefined) await driver.run(copy);
    this.#changedThreads = undefined;
    this.#freedPending = false;
  }

  copiesDone(): Promise<void> {
    return this.#use(() => this.#giveBack());
  }

  afterLoad(): Promise<void> {
    return this.#use(() => this.#shared.driver.checkpoint());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await releaseDatabase(this.#shared);
  }
}

/**
 * The `INSERT … SELECT … FROM read_csv(…)` (or `read_parquet`, whose columns have their types
 * already) that copies `jobs` (of one format and the same columns) into `into`; with
 * `parallel`, DuckDB's threads read the CSV files.
 */
function copySql(
  jobs: readonly LoadJob[],
  table: TableSchema,
  into: string,
  parallel: boolean,
): string {
  const [job] = jobs;
  const names = job.columns.map(quoteIdentifier).join(", ");
  const paths = `[${jobs.map((j) => quoteLiteral(j.path)).join(", ")}]`;
  if (job.format === "parquet") {
    return `INSERT INTO ${into} (${names}) SELECT ${names} FROM read_parquet(${paths})`;
  }
  const csvColumns: string[] = [];
  const exprs: string[] = [];
  for (const name of job.columns) {
    const read = csvRead(table.columns[name]);
    csvColumns.push(`${quoteLiteral(name)}: ${quoteLiteral(read.csvType)}`);
    exprs.push(read.expr(quoteIdentifier(name)));
  }
  // DuckDB refuses lines longer than its limit, and reads files in buffers of that size at
  // least; its default buffer (16 lines) cost a hundred MiB of memory that WASM never returns
  const lineBytes = Math.max(MAX_LINE_BYTES, ...jobs.map((j) => j.longestLine + 1));
  return `INSERT INTO ${into} (${names}) SELECT ${
    exprs.join(", ")
  } FROM read_csv(${paths}, header = true, parallel = ${parallel}, new_line = '\\n', auto_detect = false, delim = ',', quote = '"', escape = '"', nullstr = '', allow_quoted_nulls = false, max_line_size = ${lineBytes}, buffer_size = ${lineBytes}, columns = {${
    csvColumns.join(", ")
  }})`;
}

/** The bytes of `jobs`' files together. */
function jobBytes(jobs: readonly LoadJob[]): number {
  return jobs.reduce((bytes, job) => bytes + fs.statSync(job.path).size, 0);
}
