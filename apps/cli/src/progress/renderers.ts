import type { Output } from '../context.js';
import { formatBytes, formatDuration } from '../output/units.js';
import { describeFileDone } from './file-outcome.js';
import { type EngineEvent, ProgressState } from './progress-state.js';

export interface ProgressRenderer {
  onEvent(event: EngineEvent): void;
  /** Stops timers and leaves the terminal clean. */
  finish(): void;
}

const pct = (done: number, total: number) => (total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0);
const eta = (s: number | undefined) => (s === undefined ? '--' : formatDuration(s * 1000));

function bar(done: number, total: number, width: number): string {
  const filled = total > 0 ? Math.round((Math.min(done, total) / total) * width) : 0;
  return `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
}

/** Bars on a TTY: one per active file plus a total line, redrawn in place every 200 ms. */
export function ttyRenderer(out: Output, options: { color: boolean; now?: () => number }): ProgressRenderer {
  const state = new ProgressState(options.now);
  let drawn = 0;
  const dim = (s: string) => (options.color ? `\x1b[2m${s}\x1b[0m` : s);
  const green = (s: string) => (options.color ? `\x1b[32m${s}\x1b[0m` : s);
  const log: string[] = [];
  const draw = () => {
    const width = Math.max(40, Math.min(out.columns ?? 80, 120));
    const live: string[] = [];
    const nameWidth = Math.max(12, width - 58);
    for (const f of state.active.values()) {
      const name = f.name.length > nameWidth ? `…${f.name.slice(-(nameWidth - 1))}` : f.name.padEnd(nameWidth);
      live.push(
        `${name} [${bar(f.done, f.total, 20)}] ${String(pct(f.done, f.total)).padStart(3)}% ${formatBytes(f.done).padStart(9)}`,
      );
    }
    const speed = state.speed;
    live.push(
      `${'total'.padEnd(nameWidth)} [${bar(state.doneBytes, state.totalBytes, 20)}] ${String(pct(state.doneBytes, state.totalBytes)).padStart(3)}% ` +
        `${formatBytes(state.doneBytes)}/${formatBytes(state.totalBytes)} ${formatBytes(speed)}/s ETA ${eta(state.eta(speed))} ` +
        dim(`(${state.completedFiles}/${state.totalFiles} files)`),
    );
    // Move up over the previous live region and clear it; finished-file lines scroll above it.
    const up = drawn > 0 ? `\x1b[${drawn}A\r\x1b[J` : '';
    out.write(`${up}${[...log.splice(0), ...live].join('\n')}\n`);
    drawn = live.length;
  };
  const timer = setInterval(draw, 200);
  timer.unref?.();
  return {
    onEvent(event) {
      state.apply(event);
      if (event.type === 'file-done') {
        const line = describeFileDone(event);
        log.push(line.startsWith('done: ') ? `${green('done')} ${line.slice(6)}` : line);
      }
      if (event.type === 'restart') log.push(`restart: ${event.file}: ${event.reason}`);
      if (event.type === 'refresh') log.push(dim('links expired or about to: fetched fresh ones'));
      if (event.type === 'retry') log.push(dim(`retrying ${event.file ?? ''}: ${describeRetry(event)}`));
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
      if (event.type === 'retry') out.write(`retry: ${event.file ?? ''} ${describeRetry(event)}\n`);
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

function describeRetry(event: EngineEvent): string {
  const error = event.error as { message?: string } | undefined;
  return `${error?.message ?? 'failed'}${typeof event.delayMs === 'number' && event.delayMs > 0 ? ` (again in ${event.delayMs} ms)` : ''}`;
}
