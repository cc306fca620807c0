import { redact } from '@dds-backup/client';

/** The outcome of one named check. */
export interface CheckResult {
  /** Stable name, e.g. `positive.link-range`, `missing-parameter.backup_id`. */
  name: string;
  ok: boolean;
  /** Why it passed or failed, in words a person can act on. Download links are redacted. */
  reason: string;
  /** Time spent on the check's own requests, in ms. */
  durationMs: number;
  /** True when the check could not run because an earlier answer made it meaningless (it counts as failed). */
  skipped?: boolean;
}

export const pass = (name: string, reason: string, durationMs = 0): CheckResult => ({
  name,
  ok: true,
  reason: redact(reason),
  durationMs,
});

export const fail = (name: string, reason: string, durationMs = 0): CheckResult => ({
  name,
  ok: false,
  reason: redact(reason),
  durationMs,
});

export const skip = (name: string, reason: string): CheckResult => ({
  name,
  ok: false,
  skipped: true,
  reason: redact(`not run: ${reason}`),
  durationMs: 0,
});

/** A message for anything a request threw (network error, timeout), secrets redacted. */
export function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string } };
  const message = e?.message || e?.name || String(error);
  const cause = e?.cause?.code;
  return redact(cause && !message.includes(cause) ? `${message} (${cause})` : message);
}

/** Milliseconds since `start` (performance.now()), rounded to 0.1 ms. */
export const since = (start: number): number => Math.round((performance.now() - start) * 10) / 10;
