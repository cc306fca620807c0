// The progress display in a real terminal: the built binary runs a throttled download, with one
// connection reset, inside tmux (a real pseudo-terminal of 60, 80 and 120 columns), and the
// screen is read back with capture-pane while it redraws and after it ends. Off a TTY (a pipe),
// the same download writes plain lines without a control character.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMockServer, type MockServer } from '@dds-backup/mock-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../helpers.js';

const bin = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
// A tmux server of this test file's own, on a socket in a temp dir of the test (removed with it:
// tmux leaves its socket file behind after kill-server), ended by that socket only.
let socket = '';
const tmux = (...args: string[]) => execFileSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });

let mock: MockServer;
let url: string;

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` (npm test builds it first).`);
  mock = createMockServer();
  url = await mock.listen({ port: 0 });
  socket = join(await tempDir('dds-backup-tmux-'), 'tmux.sock');
  // A session that lives as long as the file's tests: without it the server exits when a test
  // kills the last session, and the next test's new-session can reach the exiting server
  // ("server exited unexpectedly", seen once in CI).
  if (hasTmux) tmux('new-session', '-d', '-s', 'keep', 'sleep 3600');
});
afterAll(async () => {
  if (hasTmux && socket) spawnSync('tmux', ['-S', socket, 'kill-server']);
  await mock.close();
});

/** Slow enough for many redraws (12 MiB at 4 MiB/s), with one reset for a retry line. */
async function breakDownloads() {
  const res = await fetch(`${url}/__mock/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      { target: 'download', kind: 'throttle', bytes_per_second: 4 * 1024 * 1024 },
      { target: 'download', kind: 'reset', after_bytes: 1024 * 1024, times: 1 },
    ]),
  });
  expect(res.status).toBe(201);
}

const downloadArgs = (dir: string) => {
  const d = mock.defaults;
  return [
    '--endpoint',
    url,
    '--project-id',
    d.projectId,
    'download',
    '--instance-id',
    d.sharded.instanceId,
    '--backup-id',
    d.sharded.backupId,
    '--dir',
    dir,
  ];
};
const shellQuote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
const BAR = /\[[#-]{5,}\]/;

describe.runIf(hasTmux)('progress in a real terminal (tmux)', () => {
  it.each([60, 80, 120])(
    'at %i columns every line fits, names shortened in the middle, no stray lines',
    async (columns) => {
      await fetch(`${url}/__mock/faults`, { method: 'DELETE' });
      await breakDownloads();
      const dir = await tempDir();
      const session = `w${columns}`;
      const command = [
        'env',
        'DDS_BACKUP_TOKEN=terminal-test-token',
        `PATH=${shellQuote(process.env.PATH ?? '')}`,
        shellQuote(process.execPath),
        shellQuote(bin),
        ...downloadArgs(dir).map(shellQuote),
      ].join(' ');
      // The pane stays after the command ends (the sleep), so its last screen can be read.
      tmux(
        'new-session',
        '-d',
        '-s',
        session,
        '-x',
        String(columns),
        '-y',
        '40',
        `read -r _; ${command}; echo EXIT=$?; sleep 600`,
      );
      // The command waits for Enter, sent once the pane has its size: a program started in a
      // pane still being sized would draw for another width than the one tested.
      await vi.waitFor(
        () =>
          expect(tmux('display-message', '-p', '-t', session, '#{pane_width}x#{pane_height}').trim()).toBe(
            `${columns}x40`,
          ),
        { timeout: 10_000 },
      );
      tmux('send-keys', '-t', session, 'Enter');
      const screens: string[] = [];
      const capture = () => tmux('capture-pane', '-p', '-J', '-S', '-', '-t', session);
      const start = Date.now();
      let screen = '';
      // Read the screen while it redraws, until the command has ended (bounded: 60 s).
      while (!/EXIT=\d+/.test(screen) && Date.now() - start < 60_000) {
        await new Promise((r) => setTimeout(r, 150));
        screen = capture();
        screens.push(screen);
      }
      tmux('kill-session', '-t', session);
      expect(screen, screen).toMatch(/EXIT=0/);
      expect(screens.length).toBeGreaterThan(3);

      // -J joins wrapped lines back together, so a line wider than the terminal shows as one.
      // Every line of the progress display; the summary after it (`Downloaded ...`, with the
      // directory's full path) is printed once, never redrawn, and may wrap.
      const progressLine = (l: string) => /^(total|done |retrying |links expired)/.test(l) || BAR.test(l);
      for (const s of screens) {
        for (const line of s.split('\n').filter(progressLine))
          expect([...line].length, `at ${columns}: ${line}`).toBeLessThan(columns);
      }
      // Some redraw showed a file's bar with its name shortened in the middle (the names are 51
      // characters: too long for the name column at 60 and 80).
      const fileLines = screens.flatMap((s) => s.split('\n')).filter((l) => BAR.test(l) && !l.startsWith('total'));
      expect(fileLines.length, screens.at(-1)).toBeGreaterThan(0);
      if (columns < 120) expect(fileLines.some((l) => /^6dbe5a79\S*…\S*\.tar\.gz /.test(l))).toBe(true);

      // The last screen: the finished files, one retry, exactly one total line and no file bar
      // left behind by a redraw.
      const lines = screen.split('\n').filter((l) => l.trim() !== '');
      expect(
        lines.filter((l) => l.startsWith('total')),
        screen,
      ).toHaveLength(1);
      expect(
        lines.filter((l) => BAR.test(l) && !l.startsWith('total')),
        screen,
      ).toEqual([]);
      expect(lines.filter((l) => l.startsWith('done '))).toHaveLength(4);
      expect(lines.some((l) => l.startsWith('retrying '))).toBe(true);
      expect(lines.some((l) => l.startsWith('Downloaded 4 file(s)'))).toBe(true);
    },
    90_000,
  );
});

describe('progress off a TTY', () => {
  it('is plain lines: no bar, no escape, no carriage return', async () => {
    await fetch(`${url}/__mock/faults`, { method: 'DELETE' });
    await breakDownloads();
    const dir = await tempDir();
    const child = spawn(process.execPath, [bin, ...downloadArgs(dir)], {
      env: { PATH: process.env.PATH ?? '', DDS_BACKUP_TOKEN: 'terminal-test-token' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const [code] = await once(child, 'exit');
    expect(code, out).toBe(0);
    expect(out).toMatch(/^retry: /m);
    expect(out).toMatch(/^done: /m);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must not be there.
    expect(out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(out).not.toMatch(BAR);
    expect(JSON.parse(await readFile(join(dir, '.dds-backup-manifest.json'), 'utf8'))).toBeTypeOf('object');
  }, 60_000);
});
