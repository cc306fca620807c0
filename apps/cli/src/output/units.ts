// Sizes print the same way everywhere: the client's formatter.
export { formatBytes } from '@dds-backup/client';

/** Milliseconds as "1h 02m", "14m 59s", "7s"; negative -> "expired". */
export function formatDuration(ms: number): string {
  if (ms < 0) return 'expired';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
