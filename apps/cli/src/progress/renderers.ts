import type { DownloadEvent, DownloadRetryEvent as RetryEvent } from '@dds-backup/client/download';
import type { Output } from '../context.js';
import { formatBytes, formatDuration } from '../output/units.js';
import { describeFileDone } from './file-outcome.js';
import { shortenEnd, shortenMiddle, usableWidth, visibleLength } from './fit.js';
import { ProgressState } from './progress-state.js';

export interface ProgressRenderer {
  onEvent(event: DownloadEvent): void;
  /** Stops timers and leaves the terminal clean. */
  finish(): void;
}

const pct = (done: number, total: number) => (total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0);
const eta = (s: number | undefined) => (s === undefined ? '--' : formatDuration(s * 1000));

function bar(done: number, total: number, width: number): string {
  const filled = total > 0 ? Math.round((Math.min(done, total) / total) * width) : 0;
  return `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
}

/** Longest name column: past it the bar and the numbers would sit far from short names. */
const MAX_NAME_WIDTH = 64;

/**
 * Bars on a TTY: one per active file plus a total line, redrawn in place every 200 ms. Every line
 * fits the terminal's width as it is at each redraw (names shortened in the middle, then the
 * total line's details dropped), because a wrapped line would make the redraw move up too little
 * and leave stray lines behind.
 */
export function ttyRenderer(out: Output, options: { color: boolean; now?: () => number }): ProgressRenderer {
  const state = new ProgressState(options.now);
  let drawn = 0;
  const dim = (s: string) => (options.color ? `\x1b[2m${s}\x1b[0m` : s);
  const green = (s: string) => (options.color ? `\x1b[32m${s}\x1b[0m` : s);
  // Finished-file and retry lines, kept as functions of the width they are printed at.
  const log: Array<(width: number) => string> = [];
  const draw = () => {
    const width = usableWidth(out.columns);
    const barWidth = width >= 70 ? 20 : width >= 50 ? 10 : 0;
    const barPart = (done: number, total: number) => (barWidth > 0 ? ` [${bar(done, total, barWidth)}]` : '');
    // name, bar, " ppp%", " 1023.9 MiB"
    const nameWidth = Math.min(MAX_NAME_WIDTH, Math.max(8, width - (barWidth > 0 ? barWidth + 3 : 0) - 15));
    const live: string[] = [];
    for (const f of state.active.values()) {
      const line = `${shortenMiddle(f.name, nameWidth).padEnd(nameWidth)}${barPart(f.done, f.total)} ${String(pct(f.done, f.total)).padStart(3)}% ${formatBytes(f.done).padStart(9)}`;
      live.push(shortenEnd(line, width));
    }
    const speed = state.speed;
    const percent = `${String(pct(state.doneBytes, state.totalBytes)).padStart(3)}%`;
    const bytes = `${formatBytes(state.doneBytes)}/${formatBytes(state.totalBytes)}`;
    const rate = `${formatBytes(speed)}/s`;
    const left = `ETA ${eta(state.eta(speed))}`;
    const files = dim(`(${state.completedFiles}/${state.totalFiles} files)`);
    const bars = barPart(state.doneBytes, state.totalBytes);
    // The first that fits: aligned under the file lines, then ever fewer details.
    const candidates = [
      `${'total'.padEnd(nameWidth)}${bars} ${percent} ${bytes} ${rate} ${left} ${files}`,
      `total${bars} ${percent} ${bytes} ${rate} ${left} ${files}`,
      `total${bars} ${percent} ${bytes} ${rate} ${left}`,
      `total ${percent} ${bytes} ${rate} ${left}`,
      `total ${percent} ${bytes} ${left}`,
    ];
    live.push(candidates.find((c) => visibleLength(c) <= width) ?? shortenEnd(`total ${percent} ${bytes}`, width));
    // Move up over the previous live region and clear it; finished-file lines scroll above it.
    const up = drawn > 0 ? `\x1b[${drawn}A\r\x1b[J` : '';
    out.write(`${up}${[...log.splice(0).map((line) => line(width)), ...live].join('\n')}\n`);
    drawn = live.length;
  };
  const timer = setInterval(draw, 200);
  timer.unref?.();
  return {
    onEvent(event) {
      state.apply(event);
      if (event.type === 'file-done') {
        const line = describeFileDone(event);
        log.push((width) => {
          const text = shortenEnd(line, width);
          return text.startsWith('done: ') ? `${green('done')} ${text.slice(6)}` : text;
        });
      }
      if (event.type === 'restart') {
        const text = `restart: ${event.file}: ${event.reason}`;
        log.push((width) => shortenEnd(text, width));
      }
      if (event.type === 'refresh')
        log.push((width) => dim(shortenEnd('links expired or about to: fetched fresh ones', width)));
      if (event.type === 'retry') {
        const text = `retrying ${event.file}: ${describeRetry(event)}`;
        log.push((width) => dim(shortenEnd(text, width)));
      }
    },
    finish() {
      clearInterval(timer);
      draw();
    },
  };
}

/** Off a TTY: plain lines (no carriage returns), a status line every few seconds and one per finished file. */
export function plainRenderer(
  out: Output,
  options: { intervalMs?: number; now?: () => number } = {},
): ProgressRenderer {
  const state = new ProgressState(options.now);
  const status = () => {
    const speed = state.speed;
    out.write(
      `progress: ${formatBytes(state.doneBytes)} of ${formatBytes(state.totalBytes)} (${pct(state.doneBytes, state.totalBytes)}%), ` +
        `${state.completedFiles}/${state.totalFiles} files, ${formatBytes(speed)}/s, ETA ${eta(state.eta(speed))}\n`,
    );
  };
  const timer = setInterval(status, options.intervalMs ?? 2000);
  timer.unref?.();
  return {
    onEvent(event) {
      state.apply(event);
      if (event.type === 'file-done') out.write(`${describeFileDone(event)}\n`);
      if (event.type === 'restart') out.write(`restart: ${event.file}: ${event.reason}\n`);
      if (event.type === 'refresh') out.write('links expired or about to: fetched fresh ones\n');
      if (event.type === 'retry') out.write(`retry: ${event.file} ${describeRetry(event)}\n`);
    },
    finish() {
      clearInterval(timer);
    },
  };
}

/** --json: every event as one JSON object per line on stdout. */
export function ndjsonRenderer(out: Output): ProgressRenderer {
  return {
    onEvent(event) {
      out.write(`${JSON.stringify(event)}\n`);
    },
    finish() {},
  };
}

function describeRetry(event: RetryEvent): string {
  return `${event.error.message || 'failed'}${event.delayMs > 0 ? ` (again in ${event.delayMs} ms)` : ''}`;
}
