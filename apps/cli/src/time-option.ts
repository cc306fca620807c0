import type { ParsedValues } from './parse.js';
import { UsageError } from './usage-error.js';

// RFC 3339 date-time (seconds required, fraction and offset as the RFC allows) or a bare
// yyyy-mm-dd, which means that day's 00:00 UTC (not local midnight: a cron job's result must not
// depend on the machine's time zone).
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses RFC 3339 or yyyy-mm-dd (UTC); undefined for anything else, impossible dates included. */
export function parseTimeArgument(text: string): Date | undefined {
  const value = text.trim();
  const date = DATE_ONLY.exec(value);
  const full = date ? undefined : RFC3339.exec(value);
  const m = date ?? full;
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [h, mi, s] = full ? [Number(full[4]), Number(full[5]), Number(full[6])] : [0, 0, 0];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const utc = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (utc.getUTCFullYear() !== y || utc.getUTCMonth() !== mo - 1 || utc.getUTCDate() !== d) return undefined;
  if (!full) return utc;
  const zone = full[8]!;
  const offset = /^[Zz]$/.test(zone)
    ? 0
    : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const ms = full[7] ? Math.floor(Number(`0${full[7]}`) * 1000) : 0;
  return new Date(utc.getTime() - offset * 60_000 + ms);
}

/** `--since TIME`, or a usage error showing both accepted forms. */
export function sinceOption(values: ParsedValues): Date | undefined {
  const v = values.since;
  if (v === undefined) return undefined;
  const date = typeof v === 'string' ? parseTimeArgument(v) : undefined;
  if (!date)
    throw new UsageError(
      `--since must be an RFC 3339 time or a UTC date (e.g. 2026-01-31T22:00:00Z or 2026-01-31), got "${String(v)}".`,
    );
  return date;
}
