/**
 * Exact decimals as text: SQL destinations return a decimal as a JS number only when the number
 * is the same decimal, else as its exact text (for a decimal library; dlt returns a `Decimal`).
 *
 * @module
 */

/**
 * `text` (decimal digits with an optional sign, point and exponent) as
 * `<sign><digits>e<exponent>` without leading or trailing zeros, so that equal values compare
 * equal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalDecimal } from "./decimal_text.ts";
 * assert.equal(canonicalDecimal("012.3400"), canonicalDecimal("1.234e1"));
 * assert.equal(canonicalDecimal("-0.000"), "0");
 * ```
 */
export function canonicalDecimal(text: string): string {
  const [, sign, whole, fraction = "", exponent = "0"] =
    /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text)!;
  const digits = (whole + fraction).replace(/^0+/, "");
  const significant = digits.replace(/0+$/, "");
  if (significant === "") return "0";
  const power = Number(exponent) - fraction.length + digits.length - significant.length;
  return `${sign === "-" ? "-" : ""}${significant}e${power}`;
}

/**
 * The decimal `text` as a number when the number's shortest text is the same decimal (`12.34`,
 * `0.1`: any value of at most 15 significant digits), else `text` itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decimalValue } from "./decimal_text.ts";
 * assert.equal(decimalValue("12.3400"), 12.34);
 * assert.equal(decimalValue("12345678901234567890.5"), "12345678901234567890.5");
 * ```
 */
export function decimalValue(text: string): number | string {
  const number = Number(text);
  if (!Number.isFinite(number)) return text;
  return canonicalDecimal(String(number)) === canonicalDecimal(text) ? number : text;
}

/**
 * The decimal `text` (digits with an optional sign, point and exponent) as an integer scaled by
 * `10^scale`, rounded half away from zero as SQL casts to `DECIMAL(p, scale)` round. Text of
 * another form is a `SyntaxError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unscaledDecimal } from "./decimal_text.ts";
 * assert.equal(unscaledDecimal("12.345", 2), 1235n);
 * assert.equal(unscaledDecimal("-1.5e3", 1), -15000n);
 * assert.equal(unscaledDecimal("-0.05", 1), -1n);
 * ```
 */
export function unscaledDecimal(text: string, scale: number): bigint {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (match === null || (match[2] === "" && (match[3] ?? "") === "")) {
    throw new SyntaxError(`"${text}" is not a decimal number`);
  }
  const [, sign, whole, fraction = "", exponent = "0"] = match;
  const digits = BigInt(`${whole}${fraction}`);
  const shift = Number(exponent) - fraction.length + scale;
  let unscaled: bigint;
  if (shift >= 0) {
    unscaled = digits * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    unscaled = digits / divisor;
    if (2n * (digits % divisor) >= divisor) unscaled += 1n;
  }
  return sign === "-" ? -unscaled : unscaled;
}

/**
 * The decimal `unscaled × 10^-scale` as text with every digit of the scale, as SQL prints a
 * `DECIMAL(p, scale)` (`-0.500000000`); a negative scale appends zeros.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decimalText } from "./decimal_text.ts";
 * assert.equal(decimalText(-500000000n, 9), "-0.500000000");
 * assert.equal(decimalText(1250n, 2), "12.50");
 * assert.equal(decimalText(12n, 0), "12");
 * assert.equal(decimalText(12n, -2), "1200");
 * ```
 */
export function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, "0");
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  } else if (scale < 0) {
    digits += "0".repeat(-scale);
  }
  return negative ? `-${digits}` : digits;
}
