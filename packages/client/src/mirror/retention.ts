/** One local copy that retention may consider: verified by the mirror itself. */
export interface RetentionCandidate {
  backupId: string;
  /** The backup's end time in the cloud, ms since the epoch (what "newest" and "within D days" mean). */
  endTime: number;
}

/** The retention rules of `mirror --keep N --keep-days D`; both absent: keep everything. */
export interface RetentionRules {
  /** Keep the N newest verified copies per instance (N >= 1). */
  keep?: number;
  /** Keep the copies whose backup ended within D days of now (D >= 1). */
  keepDays?: number;
}

const DAY_MS = 86_400_000;

/** Throws RangeError when a rule is not a whole number >= 1 (0 would delete every copy). */
export function checkRetentionRules(rules: RetentionRules): void {
  for (const [name, value] of [
    ['keep', rules.keep],
    ['keepDays', rules.keepDays],
  ] as const) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1))
      throw new RangeError(`${name} must be a whole number >= 1 (got ${value}).`);
  }
}

/**
 * The copies of ONE instance that retention removes. `candidates` must be only the copies the
 * mirror completed and verified: a failed or partial copy is never counted, so a failed new
 * backup can never push a good old one out of the N kept. A copy is removed only when every
 * given rule would remove it (with both rules: "keep 3, or a week, whichever keeps more"); the
 * cloud's own expiry plays no part. Ties on end time are broken by backup id, so the answer is
 * the same on every run.
 */
export function backupsToRemove(
  candidates: readonly RetentionCandidate[],
  rules: RetentionRules,
  now: number,
): string[] {
  checkRetentionRules(rules);
  if (rules.keep === undefined && rules.keepDays === undefined) return [];
  const newestFirst = [...candidates].sort((a, b) => b.endTime - a.endTime || b.backupId.localeCompare(a.backupId));
  const removed: string[] = [];
  newestFirst.forEach((c, index) => {
    const byCount = rules.keep === undefined || index >= rules.keep;
    const byAge = rules.keepDays === undefined || c.endTime < now - rules.keepDays * DAY_MS;
    if (byCount && byAge) removed.push(c.backupId);
  });
  return removed;
}
