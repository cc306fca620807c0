import type { MirrorEvent, TaggedDownloadEvent } from '@dds-backup/client/mirror';
import type { Output } from '../context.js';
import { formatBytes, formatDuration } from '../output/units.js';
import { ProgressState } from './progress-state.js';

/** What the mirror's renderers show: backup-level lines, and on a TTY one overall live line. */
export interface MirrorRenderer {
  onEvent(event: MirrorEvent): void;
  finish(): void;
}

/** Backup-level events as one readable line each (TTY and plain alike), or undefined. */
function describe(event: MirrorEvent): string | undefined {
  const at = 'backupId' in event ? `${event.instanceId}/${event.backupId}` : '';
  switch (event.type) {
    case 'instance-missing':
      return `MISSING instance ${event.instanceId}: the project has no such instance (check --instance-id, --region and --project-id)`;
    case 'plan':
      return `plan: ${event.download} backup(s) to download (${formatBytes(event.sizeKB * 1024)}), ${event.skipped} already verified, ${event.pending} not completed yet`;
    case 'backup-skipped':
      if (event.reason === 'verified') return `skipped ${at}: already verified (size and mtime unchanged)`;
      if (event.reason === 'retention') return `skipped ${at}: older than what --keep/--keep-days keep`;
      return `skipped ${at}: ${event.status}, not COMPLETED yet (the next run takes it)`;
    case 'backup-planned':
      return `would download ${at} (${formatBytes(event.sizeKB * 1024)})`;
    case 'backup-start':
      return `${event.resumed ? 'resuming' : 'downloading'} ${at} (${formatBytes(event.sizeKB * 1024)})`;
    case 'backup-done': {
      const checks = [
        event.md5Files > 0 ? `MD5 verified for ${event.md5Files}` : '',
        event.sizeOnlyFiles > 0 ? `size only for ${event.sizeOnlyFiles} (the server gives no checksum)` : '',
      ].filter(Boolean);
      return `done ${at}: ${event.files} file(s), ${formatBytes(event.bytes)} in ${formatDuration(event.durationMs)} (sizes checked, SHA-256 recorded${checks.length ? `; ${checks.join(', ')}` : ''})`;
    }
    case 'backup-failed':
      return `${event.resumable ? 'INCOMPLETE' : 'FAILED'} ${at}: ${event.error.message || 'failed'}`;
    case 'removed':
      return event.dryRun
        ? `would remove ${event.dir} (retention)`
        : `removed ${event.dir} (retention)${event.keptFolder ? ': other files were in it, they and the folder were left' : ''}`;
    default:
      return undefined;
  }
}

/** Engine events keyed by backup, so two backups' files never share a progress slot. */
function keyed(event: TaggedDownloadEvent): TaggedDownloadEvent {
  return 'file' in event ? { ...event, file: `${event.backupId}/${event.file}` } : event;
}

const isDownloadEvent = (event: MirrorEvent): event is TaggedDownloadEvent =>
  event.type === 'file-start' || event.type === 'progress' || event.type === 'file-done';

/** A TTY: backup lines scroll, one overall line (bytes, backups, speed) is redrawn in place. */
export function mirrorTtyRenderer(out: Output, options: { color: boolean; now?: () => number }): MirrorRenderer {
  const state = new ProgressState(options.now);
  const dim = (s: string) => (options.color ? `\x1b[2m${s}\x1b[0m` : s);
  let totalBytes = 0;
  let toDownload = 0;
  let finished = 0;
  const active = new Set<string>();
  let drawn = false;
  const log: string[] = [];
  const draw = () => {
    const lines = [...log.splice(0)];
    if (toDownload > 0) {
      const done = state.doneBytes;
      const pct = totalBytes > 0 ? Math.min(100, Math.floor((done / totalBytes) * 100)) : 0;
      const filled = Math.round((pct / 100) * 24);
      lines.push(
        `mirror [${'#'.repeat(filled)}${'-'.repeat(24 - filled)}] ${String(pct).padStart(3)}% ${formatBytes(done)}/${formatBytes(totalBytes)} ` +
          `${formatBytes(state.speed)}/s ` +
          dim(`(${finished}/${toDownload} backups, ${active.size} active)`),
      );
    }
    out.write(`${drawn ? '\x1b[1A\r\x1b[J' : ''}${lines.join('\n')}${lines.length ? '\n' : ''}`);
    drawn = toDownload > 0;
  };
  const timer = setInterval(draw, 200);
  timer.unref?.();
  return {
    onEvent(event) {
      if (event.type === 'plan') {
        totalBytes = event.sizeKB * 1024;
        toDownload = event.download;
      }
      if (event.type === 'backup-start') active.add(event.backupId);
      if (event.type === 'backup-done' || event.type === 'backup-failed') {
        if (active.delete(event.backupId)) finished++;
      }
      if (isDownloadEvent(event)) state.apply(keyed(event));
      const line = describe(event);
      if (line) log.push(line);
    },
    finish() {
      clearInterval(timer);
      draw();
    },
  };
}

/** Off a TTY (cron, systemd): one plain line per backup-level event, no carriage returns. */
export function mirrorPlainRenderer(out: Output): MirrorRenderer {
  return {
    onEvent(event) {
      const line = describe(event);
      if (line) out.write(`${line}\n`);
    },
    finish() {},
  };
}

/** --json: every event as one JSON line; `summary` is held back until the exit code is known. */
export function mirrorNdjsonRenderer(out: Output): MirrorRenderer & { summary(exitCode: number): void } {
  let held: MirrorEvent | undefined;
  return {
    onEvent(event) {
      if (event.type === 'summary') held = event;
      else out.write(`${JSON.stringify(event)}\n`);
    },
    finish() {},
    summary(exitCode) {
      if (held) out.write(`${JSON.stringify({ ...held, exitCode })}\n`);
      held = undefined;
    },
  };
}
