/** A parsed `Content-Range: bytes a-b/total` (end made exclusive). */
export interface ContentRange {
  start: number;
  end: number;
  total: number;
}

/** Parses a satisfied byte range with a known total; anything else gives undefined. */
export function parseContentRange(value: string | undefined): ContentRange | undefined {
  const m = value === undefined ? null : /^\s*bytes\s+(\d+)-(\d+)\/(\d+)\s*$/i.exec(value);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]) + 1;
  const total = Number(m[3]);
  if (!Number.isSafeInteger(end) || !Number.isSafeInteger(total) || start >= end || end > total) return undefined;
  return { start, end, total };
}

/** The `Range` header for [start, end), `end` undefined meaning "to the end of the object". */
export function rangeHeader(start: number, end: number | undefined): string {
  return end === undefined ? `bytes=${start}-` : `bytes=${start}-${end - 1}`;
}
