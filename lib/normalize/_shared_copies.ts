/**
 * Objects an early chain keeps for each job file until it commits (a table's schema, a file's
 * column names), shared between files where they are equal.
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";

/**
 * The last object handed on for each key: an equal one given later is replaced by it, so that
 * the job files of a table that did not change share one copy (120 KB for the 596-column GitHub
 * events, which a 300,000-event run closes about 170 files of).
 *
 * @example
 * ```ts
 * import { SharedCopies } from "./_shared_copies.ts";
 * const copies = new SharedCopies<string[]>();
 * const first = copies.share("events", ["id"]);
 * if (copies.share("events", ["id"]) !== first) throw new Error("not shared");
 * if (copies.share("events", ["id", "type"]) === first) throw new Error("shared a changed one");
 * ```
 */
export class SharedCopies<T> {
  #last = new Map<string, T>();

  /**
   * The object last handed on for `key` when it equals `value` (deeply, strictly), else
   * `copy(value)` (`value` itself by default), which is handed on from now on.
   */
  share(key: string, value: T, copy: (value: T) => T = (value) => value): T {
    const last = this.#last.get(key);
    if (last !== undefined && isDeepStrictEqual(last, value)) return last;
    const shared = copy(value);
    this.#last.set(key, shared);
    return shared;
  }
}
