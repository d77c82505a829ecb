/**
 * The terminal side of the bar display: styled text cut to a width, and the control sequences
 * that redraw lines in place (ECMA-48: cursor up, erase line, erase below).
 *
 * @module
 */

/** SGR parameters of the styles the display uses. */
export const STYLE = {
  step: "1;36",
  done: "1;32",
  failed: "1;31",
  count: "1",
  quiet: "2",
} as const;

/** A style of {@linkcode STYLE}. */
export type Style = keyof typeof STYLE;

/** A piece of a line: text and, optionally, its style. */
export type Segment = readonly [text: string, style?: Style];

/** Moves the cursor to the start of the line `lines` above (nothing for 0). */
export function cursorUp(lines: number): string {
  return lines > 0 ? `\r\x1b[${lines}A` : "\r";
}

/** Erases the whole line the cursor is on. */
export const ERASE_LINE = "\x1b[2K";

/** Erases from the cursor to the end of the screen. */
export const ERASE_BELOW = "\x1b[J";

/**
 * `segments` as one line of at most `width` characters (`undefined`: no limit): text that does
 * not fit is cut and ends with `…`. With `color`, each styled segment is wrapped in its SGR
 * sequence, which takes no width.
 */
export function renderLine(
  segments: readonly Segment[],
  width: number | undefined,
  color: boolean,
): string {
  let room = width ?? Infinity;
  let out = "";
  for (const [text, style] of segments) {
    if (room <= 0) break;
    const chars = [...text];
    let shown = text;
    if (chars.length > room) {
      shown = chars.slice(0, Math.max(0, room - 1)).join("") + "…";
      room = 0;
    } else {
      room -= chars.length;
    }
    out += color && style !== undefined && shown !== ""
      ? `\x1b[${STYLE[style]}m${shown}\x1b[0m`
      : shown;
  }
  return out;
}

/** `text` cut to `width` characters, ending with `…` when cut. */
export function cut(text: string, width: number): string {
  return renderLine([[text]], width, false);
}
