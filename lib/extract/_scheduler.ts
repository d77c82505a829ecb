/**
 * Drives the resources of one extract, as dlt's pipe iterator does:
 *
 * - `"round_robin"` (dlt's default): every root resource is a lane of its own, advanced
 *   concurrently, so N I/O-bound async resources take about the time of the slowest. A lane has
 *   one step (`next()`) pending at a time; the steps of all lanes and the calls of async or
 *   parallelized transformers share `maxParallelItems` slots (dlt's `max_parallel_items`). A
 *   lane whose step is done delivers the item (writes it, feeds its transformers) and then asks
 *   for a slot again, behind the lanes already waiting: the resources take turns, one item each.
 *   Sync transformers run inline, in order; async transformers (async functions and async
 *   generator functions) and parallelized ones run as tasks, each on one parent item (or page),
 *   and their outputs come as they are ready. A task that has items for another task-run
 *   transformer runs it inline when no slot is free, so tasks never wait on each other.
 *   At most `maxParallelItems` resources are open at once (started, not finished: a resource
 *   may hold a database connection all along); the others start, in order, as they end.
 * - `"fifo"`: one resource after another, each item through all its transformers before the
 *   next item, as dlt's docs describe it (the order of the resources in the source).
 *
 * JavaScript runs the resources' code on one thread: async resources overlap their waiting (I/O,
 * timers), which is where the time goes. A sync generator runs its steps in microtasks, so it
 * takes turns with other sync generators and, as writing its items takes a macrotask turn every
 * 10 ms, lets async ones on at that pace;
 * `parallelized` runs each of its steps (each transformer call) as a task of its own after a
 * macrotask turn (`setImmediate`), at most `workers` at once, so the other resources' I/O is
 * served between its steps. A step that blocks still blocks everything: functions cannot be sent
 * to Web Workers, so there is no thread pool to run them in.
 *
 * When a resource fails, the run's signal is aborted (every resource's `context.signal`), lanes
 * and tasks stop at their next step, and the error is thrown at once, naming the resource; steps
 * that ignore the signal finish in the background and their items are dropped.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { collectGarbage, heapSize } from "../_heap.ts";
import type { DltResource, ResourceContext } from "../resource.ts";
import { ResourceExtractionError } from "../errors.ts";
import type { NextItemMode } from "../runtime_settings.ts";

/** dlt's default of `extract.max_parallel_items`. */
export const DEFAULT_MAX_PARALLEL_ITEMS = 20;
/** dlt's default of `extract.workers`. */
export const DEFAULT_WORKERS = 5;

/** The resources of one extract and what to do with their items. */
export interface ExtractPlan {
  /** The root resources to run, in the source's order. */
  roots: readonly DltResource[];
  /** The transformers fed by `r` that must run. */
  children(r: DltResource): readonly DltResource[];
  /** Whether the items of `r` are written. */
  loaded(r: DltResource): boolean;
  /** Writes a unit (item or page) of `r`. */
  write(r: DltResource, unit: unknown): Promise<void>;
  /** The context `r` runs with. */
  contextOf(r: DltResource): ResourceContext;
}

/** Options of {@linkcode driveExtraction}. */
export interface DriveOptions {
  /** Which resource gives the next item. @default {"round_robin"} */
  nextItemMode?: NextItemMode;
  /** Steps and transformer calls in flight at once. @default {20} */
  maxParallelItems?: number;
  /** Parallelized steps scheduled at once. @default {5} */
  workers?: number;
  /**
   * Longest time, in milliseconds, that writing items keeps the event loop from everything
   * else before a macrotask turn (see `withTurns`). @default {10}
   */
  turnMs?: number;
  /**
   * Whether a turn collects the garbage of the items written (see `withTurns`), asked at each
   * turn; not while the package is normalized in this thread, whose garbage would have each
   * turn collect the whole heap. @default {always}
   */
  collectAtTurns?: () => boolean;
  /**
   * The run's controller: its signal is the resources' `context.signal`; aborting it stops the
   * run, and a failing resource aborts it to stop the others.
   */
  controller: AbortController;
}

/** Runs every root resource of `plan` and its transformers, as `options` say. */
export async function driveExtraction(plan: ExtractPlan, options: DriveOptions): Promise<void> {
  plan = {
    ...plan,
    write: withTurns(plan.write, options.turnMs ?? TURN_MS, options.collectAtTurns ?? (() => true)),
  };
  if (options.nextItemMode === "fifo") return await new Sequential(plan, options.controller).run();
  await new RoundRobin(plan, options).run();
}

/**
 * Longest time, in milliseconds, that writing items keeps the event loop from everything else:
 * then a macrotask turn lets timers, I/O and workers' messages through (what normalizes and
 * loads the package meanwhile, `normalize_ahead.ts` and `normalize_along.ts`, waits on them).
 */
const TURN_MS = 10;

/**
 * `write`, taking a macrotask turn after it when the last turn is `turnMs` ago; at a turn, when
 * `collect()` says so, the garbage of the items written is collected when the heap has grown by
 * 32 MiB since the last collection (`lib/_heap.ts`): extract's garbage otherwise piles up to 100
 * MiB while a worker normalizes the package and it loads beside extract (100,000 GitHub events
 * peaked at 531–549 MiB, 482–503 with it).
 */
function withTurns(
  write: ExtractPlan["write"],
  turnMs: number,
  collect: () => boolean,
): ExtractPlan["write"] {
  let turnAt = performance.now();
  let heapMark = heapSize();
  return async (r, unit) => {
    await write(r, unit);
    if (performance.now() - turnAt < turnMs) return;
    // what the items left behind, before it grows the process by more than a stage would
    if (collect() && collectGarbage(heapMark)) heapMark = heapSize();
    await new Promise((resolve) => setImmediate(resolve));
    turnAt = performance.now();
  };
}

/** dlt's `fifo`: one resource after another, each item through all transformers first. */
class Sequential {
  #plan: ExtractPlan;
  #signal: AbortSignal;

  constructor(plan: ExtractPlan, controller: AbortController) {
    this.#plan = plan;
    this.#signal = controller.signal;
  }

  async run(): Promise<void> {
    for (const r of this.#plan.roots) {
      for await (const unit of guard(r, r.yields(this.#plan.contextOf(r)))) {
        this.#signal.throwIfAborted();
        await this.#deliver(r, unit);
      }
    }
  }

  async #deliver(r: DltResource, unit: unknown): Promise<void> {
    // dlt passes no `None` on: nothing is loaded or transformed
    if (unit === null || unit === undefined) return;
    const plan = this.#plan;
    if (plan.loaded(r)) await plan.write(r, unit);
    for (const child of plan.children(r)) {
      for await (const out of guard(child, child.transform(unit, plan.contextOf(child)))) {
        await this.#deliver(child, out);
      }
    }
  }
}

/** dlt's `round_robin`: lanes advanced concurrently, bounded by slots. */
class RoundRobin {
  #plan: ExtractPlan;
  #controller: AbortController;
  #slots: Slots;
  #workers: Slots;
  /** Lanes open at once: a resource may hold a connection for as long as it runs. */
  #lanes: Slots;
  #tasks: TaskGroup;

  constructor(plan: ExtractPlan, options: DriveOptions) {
    this.#plan = plan;
    this.#controller = options.controller;
    this.#tasks = new TaskGroup(options.controller);
    this.#slots = new Slots(options.maxParallelItems ?? DEFAULT_MAX_PARALLEL_ITEMS);
    this.#workers = new Slots(options.workers ?? DEFAULT_WORKERS);
    this.#lanes = new Slots(options.maxParallelItems ?? DEFAULT_MAX_PARALLEL_ITEMS);
  }

  async run(): Promise<void> {
    this.#controller.signal.throwIfAborted();
    for (const r of this.#plan.roots) this.#tasks.spawn(() => this.#lane(r));
    await this.#tasks.done();
  }

  get #stopped(): boolean {
    return this.#controller.signal.aborted;
  }

  /**
   * Pulls the items of root `r` one step at a time, each step in a slot, once fewer than
   * `maxParallelItems` lanes are open (in the source's order).
   */
  async #lane(r: DltResource): Promise<void> {
    const signal = this.#controller.signal;
    await this.#lanes.acquire(signal);
    const steps = guard(r, r.yields(this.#plan.contextOf(r)));
    let finished = false;
    try {
      while (true) {
        await this.#slots.acquire(signal);
        let step: IteratorResult<unknown>;
        try {
          step = r.parallelized ? await this.#inWorker(() => steps.next()) : await steps.next();
        } finally {
          this.#slots.release();
        }
        if (step.done) {
          finished = true;
          return;
        }
        signal.throwIfAborted();
        await this.#deliver(r, step.value, false);
      }
    } finally {
      this.#lanes.release();
      if (!finished) {
        // the generator's own `finally` releases what it holds (a connection): stopped from
        // outside, one still running finishes its step first and its items are dropped; failed
        // here (writing or transforming its item), it is idle and closes before the error goes on
        const closing = steps.return(undefined).catch(() => {});
        if (!this.#stopped) await closing;
      }
    }
  }

  /**
   * Runs `step` as a task of its own, after a macrotask turn, in one of the worker slots: a lane
   * waits for one; a task takes one if one is free and goes on without otherwise (it holds a
   * slot of the pool already, and tasks never wait on each other).
   */
  async #inWorker<T>(step: () => Promise<T>, inTask = false): Promise<T> {
    let held = true;
    if (inTask) held = this.#workers.tryAcquire();
    else await this.#workers.acquire(this.#controller.signal);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      this.#controller.signal.throwIfAborted();
      return await step();
    } finally {
      if (held) this.#workers.release();
    }
  }

  /** Writes a unit of `r` and feeds it to the transformers of `r`. */
  async #deliver(r: DltResource, unit: unknown, inTask: boolean): Promise<void> {
    // dlt passes no `None` on: nothing is loaded or transformed
    if (unit === null || unit === undefined || this.#stopped) return;
    const plan = this.#plan;
    if (plan.loaded(r)) await plan.write(r, unit);
    for (const child of plan.children(r)) {
      if (!child.isAsync && !child.parallelized) {
        await this.#transform(child, unit, inTask);
        continue;
      }
      // a lane waits for a slot; a task that finds none runs the transformer itself
      if (inTask) {
        if (!this.#slots.tryAcquire()) {
          await this.#transform(child, unit, true);
          continue;
        }
      } else {
        await this.#slots.acquire(this.#controller.signal);
      }
      this.#tasks.spawn(async () => {
        try {
          if (child.parallelized) {
            await this.#inWorker(() => this.#transform(child, unit, true), true);
          } else {
            await this.#transform(child, unit, true);
          }
        } finally {
          this.#slots.release();
        }
      });
    }
  }

  /** Runs transformer `child` on one unit of its parent and delivers what it gives. */
  async #transform(child: DltResource, unit: unknown, inTask: boolean): Promise<void> {
    for await (const out of guard(child, child.transform(unit, this.#plan.contextOf(child)))) {
      if (this.#stopped) return;
      await this.#deliver(child, out, inTask);
    }
  }
}

/** A counting semaphore whose waiters are served first come, first served. */
class Slots {
  #free: number;
  #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = Math.max(1, size);
  }

  /** Takes a slot if one is free; whether it did. */
  tryAcquire(): boolean {
    if (this.#free === 0 || this.#waiting.length > 0) return false;
    this.#free--;
    return true;
  }

  /** Takes a slot, waiting behind the others for one; rejects when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener("abort", abort);
        resolve();
      };
      const abort = () => {
        const at = this.#waiting.indexOf(grant);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(signal.reason);
      };
      signal.addEventListener("abort", abort, { once: true });
      this.#waiting.push(grant);
    });
  }

  /** Gives a slot back, to the first waiter if there is one. */
  release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#free++;
  }
}

/**
 * Tasks started as the run goes; done when all are. The first failure aborts the controller
 * with the error as its reason (so the others stop); an abort, by a failure or from outside,
 * ends the wait at once.
 */
class TaskGroup {
  #controller: AbortController;
  #running = 0;
  #wake: (() => void) | undefined;

  constructor(controller: AbortController) {
    this.#controller = controller;
    controller.signal.addEventListener("abort", () => this.#wake?.(), { once: true });
  }

  spawn(task: () => Promise<void>): void {
    this.#running++;
    task().catch((error) => {
      // after the first failure (or a cancel) the others' errors are their aborts
      if (!this.#controller.signal.aborted) this.#controller.abort(error);
    }).finally(() => {
      this.#running--;
      this.#wake?.();
    });
  }

  /** Waits until every task is done; throws the first failure, or the reason of a cancel. */
  async done(): Promise<void> {
    const signal = this.#controller.signal;
    while (this.#running > 0 && !signal.aborted) {
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    signal.throwIfAborted();
  }
}

/** Re-raises errors of `iterable` as {@linkcode ResourceExtractionError}s naming `r`. */
export async function* guard(
  r: DltResource,
  iterable: AsyncIterable<unknown>,
): AsyncGenerator<unknown> {
  try {
    yield* iterable;
  } catch (error) {
    if (error instanceof ResourceExtractionError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new ResourceExtractionError(r.name, `raised an error: ${message}`, {
      cause: error,
    });
  }
}
