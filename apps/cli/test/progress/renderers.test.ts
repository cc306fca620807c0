// The TTY renderer's lines against the terminal width, with a fake clock and a captured stream
// (the same renderer under a real terminal: terminal.e2e.test.ts).
import type { DownloadEvent } from '@dds-backup/client/download';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { visibleLength } from '../../src/progress/fit.js';
import { plainRenderer, ttyRenderer } from '../../src/progress/renderers.js';

const names = [
  '6dbe5a79a56d7de42c23cb5a955ce975br02_shard_1.tar.gz',
  '6dbe5a79a56d7de42c23cb5a955ce975br02_config.tar.gz',
  'a-very-long-name-of-a-backup-file-that-goes-on-and-on-and-on-and-on-and-on-for-ever_shard_9.tar.gz',
];
const MiB = 1024 * 1024;

// The engine's event shapes (DownloadEvent), with what these tests do not look at filled in.
const link = (sizes: number[]): DownloadEvent => ({
  type: 'link',
  instanceId: 'i',
  backupId: 'b',
  bucket: 'bucket',
  files: sizes.map((bytes, i) => ({ name: `f${i}`, sizeKB: bytes / 1024, expiresAt: '2026-01-01T00:00:00Z' })),
});
const fileStart = (file: string, totalBytes: number): DownloadEvent => ({
  type: 'file-start',
  file,
  path: `/d/${file}`,
  totalBytes,
  sizeKB: totalBytes / 1024,
  resumedBytes: 0,
});
const progress = (file: string, bytes: number, totalBytes: number): DownloadEvent => ({
  type: 'progress',
  file,
  bytes,
  totalBytes,
  transferredBytes: bytes,
});
const retry = (file: string, message: string, delayMs = 0): DownloadEvent => ({
  type: 'retry',
  file,
  attempt: 1,
  delayMs,
  offset: 0,
  error: { name: 'NetworkError', kind: 'NETWORK_ERROR', message },
});
const fileDone = (file: string, bytes: number): DownloadEvent => ({
  type: 'file-done',
  file,
  path: `/d/${file}`,
  bytes,
  md5: null,
  md5Verified: false,
  sha256: '0'.repeat(64),
  checksum: 'size-only',
  skipped: false,
  transferredBytes: bytes,
});

function drive(columns: number | undefined, color: boolean) {
  let text = '';
  let now = 0;
  const out = {
    write: (s: string) => {
      text += s;
      return true;
    },
    isTTY: true,
    columns,
  };
  const r = ttyRenderer(out, { color, now: () => now });
  r.onEvent(link(names.map(() => 1500 * MiB)));
  for (const file of names) r.onEvent(fileStart(file, 1500 * MiB));
  for (let i = 1; i <= 5; i++) {
    now += 1000;
    for (const file of names) r.onEvent(progress(file, i * 123 * MiB, 1500 * MiB));
    vi.advanceTimersByTime(200);
  }
  r.onEvent(retry(names[2]!, 'Network error: ECONNRESET: read ECONNRESET', 1000));
  r.onEvent(fileDone(names[0]!, 1500 * MiB));
  vi.advanceTimersByTime(200);
  r.finish();
  return text;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the redraw's escapes are what is split off.
const screenLines = (text: string) => text.split(/\n|\x1b\[\d+A\r\x1b\[J/).filter((l) => l !== '');

afterEach(() => vi.useRealTimers());

describe('ttyRenderer fits the terminal', () => {
  it.each([
    [40, false],
    [60, false],
    [80, true],
    [120, true],
    [200, false],
    [undefined, false],
  ])('at %s columns (colour %s) no line is as wide as the terminal', (columns, color) => {
    vi.useFakeTimers();
    const lines = screenLines(drive(columns, color));
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(visibleLength(line), line).toBeLessThan(columns ?? 80);
    // Names are shortened in the middle: the start and the end of the name both show.
    const long = lines.find((l) => /^a-very-\S*…\S*9\.tar\.gz /.test(l));
    expect(long, lines.join('\n')).toBeDefined();
    // Every redraw has the total line, with its percentage.
    expect(lines.filter((l) => l.startsWith('total')).length).toBeGreaterThanOrEqual(5);
  });

  it('at 80 columns the total line keeps its bar, bytes, speed and ETA', () => {
    vi.useFakeTimers();
    const total = screenLines(drive(80, false))
      .filter((l) => l.startsWith('total'))
      .at(-1)!;
    expect(total).toMatch(/^total \[[#-]{20}\] +\d+% [\d.]+ \w+\/[\d.]+ \w+ [\d.]+ \w+\/s ETA \S+/);
  });
});

describe('plainRenderer', () => {
  it('writes plain lines: no escape, no carriage return, no bar', () => {
    vi.useFakeTimers();
    let text = '';
    const write = (s: string) => {
      text += s;
      return true;
    };
    const r = plainRenderer({ write }, { intervalMs: 100, now: () => 0 });
    r.onEvent(link([10]));
    r.onEvent(fileStart(names[0]!, 10));
    vi.advanceTimersByTime(250);
    r.onEvent(retry(names[0]!, 'reset'));
    r.onEvent(fileDone(names[0]!, 10));
    r.finish();
    expect(text).toContain('progress: ');
    expect(text).toContain(`done: ${names[0]}`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must not be there.
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(text).not.toMatch(/\[[#-]+\]/);
  });
});
