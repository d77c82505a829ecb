/**
 * The counting that the offset and page number paginators share: a value that grows by a step
 * after each page, and the rules that end the range.
 *
 * @module
 */
import { DltError } from "../../errors.ts";
import { valueAtPath } from "../../json_path.ts";
import { log } from "../../log.ts";
import { describeValue } from "../../options.ts";
import type { PageResponse } from "../types.ts";
import { compilePath, type NamedPath, readHasMore } from "./_paths.ts";

/** How a range starts, grows and ends. */
export interface RangeSettings {
  /** The paginator's class name, for messages. */
  owner: string;
  /** What the total counts, for messages: `items` or `pages`. */
  counted: string;
  /** The value of the first page. */
  start: number;
  /** How much the value grows after each page. */
  step: number;
  /** The value of the first item or page: the range ends at `base + total`. */
  base: number;
  /** The option that sets `maximum`, for messages. */
  maximumOption: string;
  /** The range ends when the value reaches it. */
  maximum: number | undefined;
  /** Path of the total in the response; `null` for none. */
  totalPath: string | null;
  /** Whether a page without items ends the range. */
  stopAfterEmptyPage: boolean;
  /** Path of a flag in the response that says whether more pages follow. */
  hasMorePath: string | undefined;
}

/** A range of pages: the current value and whether it goes on. */
export class PageRange {
  readonly #settings: RangeSettings;
  readonly #totalPath: NamedPath | undefined;
  readonly #hasMorePath: NamedPath | undefined;
  #value: number;
  #hasNextPage = true;

  /** Checks `settings`; a range without any rule that ends it is a RangeError. */
  constructor(settings: RangeSettings) {
    const { owner, maximumOption, maximum, totalPath, hasMorePath } = settings;
    if (
      totalPath === null && maximum === undefined && hasMorePath === undefined &&
      !settings.stopAfterEmptyPage
    ) {
      throw new RangeError(
        `${owner} needs a way to stop: "totalPath", "${maximumOption}", "hasMorePath" or "stopAfterEmptyPage"`,
      );
    }
    this.#settings = settings;
    this.#totalPath = totalPath === null ? undefined : compilePath("totalPath", totalPath);
    this.#hasMorePath = hasMorePath === undefined
      ? undefined
      : compilePath("hasMorePath", hasMorePath);
    this.#value = settings.start;
  }

  /** The value to request the current page with. */
  get value(): number {
    return this.#value;
  }

  /** Whether another page is to be fetched. */
  get hasNextPage(): boolean {
    return this.#hasNextPage;
  }

  /** Moves past `page`, ending the range when one of its rules says so. */
  update({ body, items }: PageResponse): void {
    const { owner, stopAfterEmptyPage, step, base, maximum } = this.#settings;
    if (stopAfterEmptyPage && items.length === 0) {
      this.#hasNextPage = false;
      return;
    }
    const total = this.#total(body);
    this.#value += step;
    const pastTotal = total !== undefined && this.#value >= base + total;
    const pastMaximum = maximum !== undefined && this.#value >= maximum;
    const hasMore = this.#hasMorePath === undefined || readHasMore(owner, this.#hasMorePath, body);
    this.#hasNextPage = !pastTotal && !pastMaximum && hasMore;
  }

  /** The total reported in `body`, or `undefined` when another rule is to end the range. */
  #total(body: unknown): number | undefined {
    if (this.#totalPath === undefined) return undefined;
    const { owner, counted, maximumOption, maximum, stopAfterEmptyPage } = this.#settings;
    const { text, path } = this.#totalPath;
    const value = valueAtPath(body, path);
    if (value === undefined || value === null) {
      if (maximum === undefined && this.#hasMorePath === undefined && !stopAfterEmptyPage) {
        throw new DltError(
          `${owner} found no total ${counted} at "${text}" in the response; set "totalPath" to where the API reports it, or to null and use "${maximumOption}" or "hasMorePath"`,
        );
      }
      log.debug(`${owner}: no total ${counted} at "${text}" in the response; paging on`);
      return undefined;
    }
    if (Number.isInteger(value)) return value as number;
    if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
    throw new DltError(
      `${owner} expected an integer total ${counted} at "${text}" in the response, found ${
        describeValue(value)
      }`,
    );
  }
}
