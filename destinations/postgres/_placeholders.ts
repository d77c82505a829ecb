/**
 * Query placeholders for Postgres, which binds `$1`, `$2`, …: the `?` placeholders that dlt's
 * `execute_sql` and DuckDB take are numbered in order.
 *
 * @module
 */

/** A character that continues an identifier: a `$` after one is not a dollar quote. */
const IDENTIFIER_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
/** The tag of a dollar quote (`$$`, `$body$`) at the start of the text. */
const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/**
 * `sql` with each `?` placeholder replaced by `$1`, `$2`, … in order. Question marks inside
 * string literals (`'…'`, `E'…'`, dollar-quoted `$$…$$`), quoted identifiers and comments are
 * left alone, and so is SQL that numbers its placeholders already (`$1`): write jsonb's `?`,
 * `?|` and `?&` operators in such SQL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { numberPlaceholders } from "./_placeholders.ts";
 * assert.equal(
 *   numberPlaceholders(`SELECT * FROM "what?" WHERE a = ? AND b = '?' -- why?\n AND c = ?`),
 *   `SELECT * FROM "what?" WHERE a = $1 AND b = '?' -- why?\n AND c = $2`,
 * );
 * assert.equal(numberPlaceholders("SELECT $1, data ? 'key'"), "SELECT $1, data ? 'key'");
 * ```
 */
export function numberPlaceholders(sql: string): string {
  const marks: number[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    const next = sql[i + 1];
    if (ch === "'") {
      const escapes = i > 0 && /[eE]/.test(sql[i - 1]) && !IDENTIFIER_CHAR.test(sql[i - 2] ?? "");
      i = endOfQuoted(sql, i, "'", escapes);
    } else if (ch === '"') {
      i = endOfQuoted(sql, i, '"', false);
    } else if (ch === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end + 1;
    } else if (ch === "/" && next === "*") {
      i = endOfBlockComment(sql, i);
    } else if (ch === "$" && !IDENTIFIER_CHAR.test(sql[i - 1] ?? "")) {
      if (/\d/.test(next ?? "")) return sql;
      const tag = DOLLAR_TAG.exec(sql.slice(i, i + 64));
      if (tag === null) {
        i++;
      } else {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end === -1 ? sql.length : end + tag[0].length;
      }
    } else {
      if (ch === "?") marks.push(i);
      i++;
    }
  }
  let numbered = "";
  let from = 0;
  marks.forEach((at, n) => {
    numbered += `${sql.slice(from, at)}$${n + 1}`;
    from = at + 1;
  });
  return numbered + sql.slice(from);
}

/** The index after the literal or identifier quoted with `quote` that starts at `start`. */
function endOfQuoted(sql: string, start: number, quote: string, backslashes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i];
    if (backslashes && ch === "\\") {
      i += 2;
    } else if (ch === quote) {
      // a doubled quote stands for one
      if (sql[i + 1] !== quote) return i + 1;
      i += 2;
    } else {
      i++;
    }
  }
  return sql.length;
}

/** The index after the (possibly nested) block comment that starts at `start`. */
function endOfBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === "/" && sql[i + 1] === "*") {
      depth++;
      i += 2;
    } else if (sql[i] === "*" && sql[i + 1] === "/") {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}
