// Fitting progress lines to the terminal: a line as wide as the terminal or wider wraps, and an
// in-place redraw that moves up by its line count then leaves the wrapped remainder on screen.

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point.
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/** Columns a string takes on screen (ANSI colour codes take none). */
export const visibleLength = (text: string): number => [...text.replace(ANSI, '')].length;

/**
 * `text` in at most `width` columns, shortened in the middle (`abc…xyz`) so both the start and
 * the end of a file name (the backup id and the shard) stay readable.
 */
export function shortenMiddle(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return chars.slice(0, Math.max(0, width)).join('');
  const keep = width - 1;
  const head = Math.ceil(keep / 2);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (keep - head)).join('')}`;
}

/** `text` cut at the end to `width` columns (for messages, whose start says what happened). */
export function shortenEnd(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 1 ? chars.slice(0, Math.max(0, width)).join('') : `${chars.slice(0, width - 1).join('')}…`;
}

/**
 * The usable width of a terminal of `columns` columns: one less, so a full line never puts the
 * cursor into the terminal's pending-wrap state. Unknown width: 80, as most terminals start.
 */
export const usableWidth = (columns: number | undefined): number =>
  Math.max(20, (columns && columns > 0 ? columns : 80) - 1);
