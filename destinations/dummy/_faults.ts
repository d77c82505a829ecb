/**
 * The failures a dummy destination injects, as `DestinationError`s: where (`failAt`,
 * `failTables`), how many (`failAttempts`) and of which kind (`transient`), and at random, from a
 * seeded generator, with dlt's job outcome probabilities (`exceptionProb`, `retryProb`,
 * `failProb`, `completedProb`, `timeout`).
 *
 * @module
 */
import { DestinationError } from "../../lib/errors.ts";

/** Where in loading a package an injected failure happens. */
export type FaultPoint = "init" | "job" | "commit";

/** What the dummy injects, checked and with defaults applied. */
export interface FaultSettings {
  /** Where the deterministic failure happens; none when undefined. */
  failAt?: FaultPoint;
  /** The option that asked for it, for messages (`failAt`, `failTables`, `failInInit`). */
  failOption?: string;
  /** At `job`: only the jobs of these tables fail; every job when undefined. */
  failTables?: readonly string[];
  /** How many deterministic failures happen before the destination stops injecting them. */
  failAttempts: number;
  /** Whether the deterministic failures are transient. */
  transient: boolean;
  /** Per poll of a running job: chance of a transient error (dlt's generic exception). */
  exceptionProb: number;
  /** Per poll: chance of a transient error (dlt's random retry). */
  retryProb: number;
  /** Per poll: chance of a terminal error. */
  failProb: number;
  /** Per poll: chance the job is complete; else it is polled again after {@linkcode POLL_MS}. */
  completedProb: number;
  /** How long a job may run before it fails terminally, in milliseconds. */
  timeoutMs: number;
  /** Seed of the random generator. */
  seed: number;
}

/** A failure the dummy destination injected. */
export interface InjectedFault {
  /** The dataset loaded into. */
  datasetName: string;
  /** The load package. */
  loadId: string;
  /** The job's table, for a job. */
  table?: string;
  /** The job's file name, for a job. */
  file?: string;
  /** Where in loading the package. */
  point: FaultPoint;
  /** The option that caused it (`failTables`, `failProb`, `timeout`, …). */
  option: string;
  /** Whether it was transient. */
  transient: boolean;
}

/** Where a failure may be injected: a package, or one job of it. */
export type FaultPlace = Pick<InjectedFault, "datasetName" | "loadId" | "table" | "file">;

/** How long a job waits between two polls, as dlt's dummy job does, in milliseconds. */
export const POLL_MS = 100;

/** Decides and raises the failures of one dummy destination; draws from one seeded generator. */
export class Faults {
  #settings: FaultSettings;
  #random: () => number;
  #injected: InjectedFault[] = [];
  #deterministic = 0;

  /** Injects what `settings` ask for. */
  constructor(settings: FaultSettings) {
    this.#settings = settings;
    this.#random = mulberry32(settings.seed);
  }

  /** The failures injected so far, oldest first. */
  get injected(): InjectedFault[] {
    return this.#injected.map((fault) => ({ ...fault }));
  }

  /**
   * Throws the deterministic failure due at `point` for `place`, if one is: `failAt` is `point`,
   * the job's table is one of `failTables` (when given) and fewer than `failAttempts` were
   * injected.
   */
  check(point: FaultPoint, place: FaultPlace): void {
    const { failAt, failTables, failAttempts, transient } = this.#settings;
    if (failAt !== point || this.#deterministic >= failAttempts) return;
    if (point === "job" && failTables !== undefined && !failTables.includes(place.table!)) return;
    this.#deterministic++;
    const option = this.#settings.failOption!;
    const count = Number.isFinite(failAttempts)
      ? `, ${this.#deterministic} of ${failAttempts}`
      : "";
    this.#fail(point, place, option, transient, `an injected failure (option "${option}"${count})`);
  }

  /**
   * Runs job `place` as dlt's dummy job runs, but with completion drawn last: each poll draws, in
   * order, a transient exception (`exceptionProb`), the timeout, a transient retry
   * (`retryProb`), a terminal failure (`failProb`) and completion (`completedProb`); a job not
   * complete is polled again after {@linkcode POLL_MS}. Resolves when it completes; throws the
   * failure drawn.
   */
  async run(place: FaultPlace): Promise<void> {
    const s = this.#settings;
    const started = performance.now();
    while (true) {
      if (this.#draw(s.exceptionProb)) {
        this.#failAtRandom("exceptionProb", place, true, "exception");
      }
      if (performance.now() - started > s.timeoutMs) {
        const what = `timed out after ${s.timeoutMs / 1000} s (option "timeout")`;
        this.#fail("job", place, "timeout", false, what);
      }
      if (this.#draw(s.retryProb)) this.#failAtRandom("retryProb", place, true, "retry");
      if (this.#draw(s.failProb)) this.#failAtRandom("failProb", place, false, "failure");
      if (this.#draw(s.completedProb)) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** Whether an event of chance `probability` happens (no draw for 0 and 1). */
  #draw(probability: number): boolean {
    if (probability <= 0) return false;
    if (probability >= 1) return true;
    return this.#random() < probability;
  }

  /** Fails job `place` at random, as `option` made it. */
  #failAtRandom(option: string, place: FaultPlace, transient: boolean, what: string): never {
    this.#fail("job", place, option, transient, `a random ${what} (option "${option}")`);
  }

  #fail(
    point: FaultPoint,
    place: FaultPlace,
    option: string,
    transient: boolean,
    what: string,
  ): never {
    this.#injected.push({ ...place, point, option, transient });
    const where = point === "job"
      ? `job file "${place.file}" of table "${place.table}" in load package "${place.loadId}"`
      : `the ${point} of load package "${place.loadId}"`;
    const kind = transient ? "transient" : "terminal";
    throw new DestinationError(`Dummy destination failed ${where}: ${what}, ${kind}`, {
      transient,
    });
  }
}

/** Mulberry32: a small, fast 32-bit generator; the same seed gives the same numbers in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
