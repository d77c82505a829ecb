/**
 * Bounded concurrency for async work whose outputs are streamed in input order.
 *
 * @module
 */

/**
 * Runs `fn` on each of `inputs`, at most `limit` at a time, and yields the outputs of each
 * input in input order (an input's outputs are collected in memory while later ones run). When
 * one fails, the others are aborted at once through the signal passed to `fn`, and the first
 * error is thrown.
 *
 * @example
 * ```ts
 * import { concurrentFlatMap } from "./concurrent.ts";
 * const out: number[] = [];
 * for await (const n of concurrentFlatMap([1, 2, 3], 2, async function* (x) { yield x * 10; })) {
 *   out.push(n);
 * }
 * if (out.join() !== "10,20,30") throw new Error();
 * ```
 */
export async function* concurrentFlatMap<T, R>(
  inputs: readonly T[],
  limit: number,
  fn: (input: T, signal: AbortSignal) => AsyncIterable<R>,
  signal?: AbortSignal,
): AsyncGenerator<R> {
  const controller = new AbortController();
  const abort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", abort, { once: true });
  let failure: { error: unknown } | undefined;
  const collect = async (input: T) => {
    const outputs: R[] = [];
    try {
      for await (const output of fn(input, controller.signal)) outputs.push(output);
    } catch (error) {
      // the first failure stops the others at once; theirs (aborts) are not the story
      if (failure === undefined) {
        failure = { error };
        controller.abort();
      }
      throw error;
    }
    return outputs;
  };
  const running: Promise<R[]>[] = [];
  const width = Math.max(1, limit);
  let next = 0;
  const startMore = () => {
    while (next < inputs.length && running.length < width) {
      const task = collect(inputs[next++]);
      task.catch(() => {}); // awaited below; a failure of one aborts the rest
      running.push(task);
    }
  };
  try {
    startMore();
    while (running.length > 0) {
      let outputs: R[];
      try {
        outputs = await running.shift()!;
      } catch (error) {
        throw failure === undefined ? error : failure.error;
      }
      startMore();
      yield* outputs;
    }
  } finally {
    controller.abort();
    signal?.removeEventListener("abort", abort);
  }
}
