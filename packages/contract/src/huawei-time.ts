import { ddsBackupSpec } from './generated/specs.js';

// The pattern comes from the spec's HuaweiTime schema, so the parser and the validators can
// never disagree about what a valid value is.
const schemas = ddsBackupSpec.components?.schemas as Record<string, { pattern: string; examples: string[] }>;
const HUAWEI_TIME = new RegExp(schemas.HuaweiTime!.pattern);
const EXAMPLE = schemas.HuaweiTime!.examples[0];
const HUAWEI_UTC_TIME = new RegExp(schemas.HuaweiUtcTime!.pattern);
const UTC_EXAMPLE = schemas.HuaweiUtcTime!.examples[0];

/** Thrown for a string that is not a Huawei time (`yyyy-mm-ddThh:mm:ss+hhmm`). */
export class HuaweiTimeFormatError extends Error {
  override name = 'HuaweiTimeFormatError';
  constructor(readonly value: string) {
    super(`"${value}" is not a Huawei time: expected yyyy-mm-ddThh:mm:ss+hhmm, like "${EXAMPLE}"`);
  }
}

/** True when `value` has Huawei's time format. */
export function isHuaweiTime(value: string): boolean {
  return HUAWEI_TIME.test(value);
}

/**
 * Parses Huawei's `yyyy-mm-ddThh:mm:ss+hhmm` (colon-less offset, not RFC 3339) into a Date.
 * Throws HuaweiTimeFormatError for anything else, including impossible dates like 02-30:
 * never returns an Invalid Date.
 */
export function parseHuaweiTime(value: string): Date {
  if (!HUAWEI_TIME.test(value)) throw new HuaweiTimeFormatError(value);
  const [y, mo, d, h, mi, s] = [0, 5, 8, 11, 14, 17].map((i, n) => Number(value.slice(i, i + (n === 0 ? 4 : 2))));
  const sign = value[19] === '-' ? -1 : 1;
  const offsetMinutes = sign * (Number(value.slice(20, 22)) * 60 + Number(value.slice(22, 24)));
  const utc = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  const check = new Date(utc);
  if (check.getUTCMonth() !== mo! - 1 || check.getUTCDate() !== d!) throw new HuaweiTimeFormatError(value);
  return new Date(utc - offsetMinutes * 60_000);
}

/** Formats a Date in Huawei's format, at the given UTC offset in minutes (default +0000). */
export function formatHuaweiTime(date: Date, offsetMinutes = 0): string {
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const abs = Math.abs(offsetMinutes);
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

/** Thrown for a string that is not a list operation's UTC time (`yyyy-mm-dd hh:mm:ss` or `yyyy-mm-ddThh:mm:ssZ`). */
export class HuaweiUtcTimeFormatError extends Error {
  override name = 'HuaweiUtcTimeFormatError';
  constructor(readonly value: string) {
    super(`"${value}" is not a Huawei UTC time: expected yyyy-mm-dd hh:mm:ss (UTC), like "${UTC_EXAMPLE}"`);
  }
}

/** True when `value` has the list operations' UTC time format (either of its two forms, DECISIONS.md D-24). */
export function isHuaweiUtcTime(value: string): boolean {
  return HUAWEI_UTC_TIME.test(value);
}

/**
 * Parses the list operations' UTC time (`2025-11-28 02:00:00`, or `2025-11-28T02:00:00Z`) into a
 * Date. Throws HuaweiUtcTimeFormatError for anything else, impossible dates included.
 */
export function parseHuaweiUtcTime(value: string): Date {
  if (!HUAWEI_UTC_TIME.test(value)) throw new HuaweiUtcTimeFormatError(value);
  const [y, mo, d, h, mi, s] = [0, 5, 8, 11, 14, 17].map((i, n) => Number(value.slice(i, i + (n === 0 ? 4 : 2))));
  const utc = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  const check = new Date(utc);
  if (check.getUTCMonth() !== mo! - 1 || check.getUTCDate() !== d!) throw new HuaweiUtcTimeFormatError(value);
  return check;
}

/** Formats a Date as the list operations write times: `yyyy-mm-dd hh:mm:ss`, UTC (whole seconds). */
export function formatHuaweiUtcTime(date: Date): string {
  return formatHuaweiTime(date).slice(0, 19).replace('T', ' ');
}
