/**
 * Glob patterns on `/`-separated relative paths, as dlt's filesystem source takes them
 * (Python's `glob` with `recursive=True`), plus brace alternatives:
 *
 * - `*` any characters but `/`; `?` one character but `/`;
 * - `**` as a whole segment: any number of folders, none included (`**\/*.csv` matches
 *   `a.csv` and `x/y/a.csv`; a final `**` matches everything below);
 * - `[abc]`, `[a-z]`, `[!abc]` one character of (or not of) a set;
 * - `{csv,tsv}` one of the alternatives, which may hold patterns themselves.
 *
 * Unlike Python's glob, `*` also matches names that start with a dot.
 *
 * @module
 */

/**
 * A `RegExp` that matches exactly the paths `glob` matches.
 *
 * @example
 * ```ts
 * import { globToRegExp } from "./glob.ts";
 * const csv = globToRegExp("**\/*.{csv,tsv}");
 * if (!csv.test("a.csv") || !csv.test("2024/01/b.tsv") || csv.test("c.json")) throw new Error();
 * if (globToRegExp("*").test("sub/a.csv")) throw new Error();
 * ```
 */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${translate(glob, 0, glob.length)}$`);
}

/**
 * The folder part of `glob` before its first wildcard (`data/2024/` of `data/2024/*.csv`; empty
 * when the first segment has one): a listing can start there.
 *
 * @example
 * ```ts
 * import { globBase } from "./glob.ts";
 * if (globBase("data/2024/*.csv") !== "data/2024/" || globBase("*.csv") !== "") throw new Error();
 * ```
 */
export function globBase(glob: string): string {
  const wildcard = glob.search(/[*?[{]/);
  const fixed = wildcard === -1 ? glob : glob.slice(0, wildcard);
  return fixed.slice(0, fixed.lastIndexOf("/") + 1);
}

/** The regular expression source of `glob` from `start` to `end`. */
function translate(glob: string, start: number, end: number): string {
  let out = "";
  let i = start;
  while (i < end) {
    const c = glob[i];
    if (c === "*") {
      let stars = 1;
      while (glob[i + stars] === "*") stars++;
      const segmentStart = i === start || glob[i - 1] === "/";
      const after = i + stars;
      if (stars >= 2 && segmentStart && (after === end || glob[after] === "/")) {
        // `**/` any folders (or none); a final `**` anything
        if (after === end) {
          out += ".*";
          i = after;
        } else {
          out += "(?:[^/]*/)*";
          i = after + 1;
        }
      } else {
        out += "[^/]*";
        i = after;
      }
    } else if (c === "?") {
      out += "[^/]";
      i++;
    } else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close === -1 || close >= end) {
        out += "\\[";
        i++;
      } else {
        let set = glob.slice(i + 1, close);
        const negated = set.startsWith("!");
        if (negated) set = set.slice(1);
        const escaped = set.replace(/[\\\]^]/g, "\\$&");
        out += negated ? `[^/${escaped}]` : `[${escaped}]`;
        i = close + 1;
      }
    } else if (c === "{") {
      const close = matchingBrace(glob, i, end);
      if (close === -1) {
        out += "\\{";
        i++;
      } else {
        const alternatives = splitAlternatives(glob, i + 1, close);
        out += `(?:${alternatives.map(([s, e]) => translate(glob, s, e)).join("|")})`;
        i = close + 1;
      }
    } else {
      out += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
      i++;
    }
  }
  return out;
}

/** The index of the `}` closing the `{` at `open`, or -1. */
function matchingBrace(glob: string, open: number, end: number): number {
  let depth = 0;
  for (let i = open; i < end; i++) {
    if (glob[i] === "{") depth++;
    else if (glob[i] === "}" && --depth === 0) return i;
  }
  return -1;
}

/** The ranges of the `,`-separated alternatives from `start` to `end`, nested braces kept. */
function splitAlternatives(glob: string, start: number, end: number): [number, number][] {
  const ranges: [number, number][] = [];
  let depth = 0;
  let from = start;
  for (let i = start; i < end; i++) {
    if (glob[i] === "{") depth++;
    else if (glob[i] === "}") depth--;
    else if (glob[i] === "," && depth === 0) {
      ranges.push([from, i]);
      from = i + 1;
    }
  }
  ranges.push([from, end]);
  return ranges;
}
