/** Renders rows as an aligned text table with a header (for terminals). */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** Tab-separated values, no header; tabs and newlines inside values become spaces. */
export function renderTsv(rows: readonly (readonly (string | number | undefined)[])[]): string {
  return (
    rows.map((r) => r.map((c) => String(c ?? '').replace(/[\t\n\r]/g, ' ')).join('\t')).join('\n') +
    (rows.length ? '\n' : '')
  );
}
