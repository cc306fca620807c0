import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { clean, ourDownload } from '../lib/download.mjs';
import { startMock } from '../lib/mock.mjs';
import { processBytesWritten } from '../lib/processes.mjs';
import { alternate, fmt, summary } from '../lib/stats.mjs';

/**
 * Bytes allocated on disk under dir (ranges are written in place into sparse files): the
 * fallback where /proc/PID/io cannot be read.
 */
async function allocated(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  let bytes = 0;
  for (const e of entries)
    if (e.isFile())
      bytes += ((await stat(join(e.parentPath ?? e.path, e.name)).catch(() => undefined))?.blocks ?? 0) * 512;
  return bytes;
}

/**
 * Resume cost (issue #15): SIGKILL `dds-backup download` (4 segments) at 0.5 s and 1.5 s after
 * spawn and at about half the file (judged by the bytes the client has written, /proc/PID/io
 * wchar: independent of file names and preallocation; else the blocks allocated in the target
 * directory), run the same command again, and divide every object byte the mock sent (its journal's bytes_sent,
 * the killed run's cut-off answers included) by the file size. No throttle: the kill lands in a
 * full-speed transfer, where the bytes in flight (socket buffers, queued writes) are at their
 * largest. "Served at kill": the share the mock had sent when the killed run's answers ended.
 */
export async function run({ quick, workDir }) {
  const size = quick ? 64 * 2 ** 20 : 1.5 * 2 ** 30;
  const mock = await startMock();
  const ids = await mock.addFile(size);
  const points = {
    'kill at 0.5 s': { killAfterMs: 500 },
    'kill at 1.5 s': { killAfterMs: 1500 },
    'kill at ~50%': {
      killWhen: (dir) => async (_ms, pid) => {
        const written = await processBytesWritten(pid).catch(() => Number.NaN);
        return (Number.isFinite(written) ? written : await allocated(dir)) >= size / 2;
      },
    },
  };
  try {
    let n = 0;
    const sides = {};
    for (const [name, p] of Object.entries(points))
      sides[name] = async () => {
        const dir = join(workDir, `resume-${n++}`);
        await mock.admin('DELETE', 'requests');
        const killed = await ourDownload(mock, ids, dir, {
          segments: 4,
          killAfterMs: p.killAfterMs,
          killWhen: p.killWhen?.(dir),
        });
        // The mock journals a cut-off answer when it sees the socket close: wait until it has.
        let atKill = -1;
        for (let served = await mock.objectBytesServed(); served !== atKill; served = await mock.objectBytesServed()) {
          atKill = served;
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
        atKill /= size;
        const resumed = await ourDownload(mock, ids, dir, { segments: 4 });
        const ratio = (await mock.objectBytesServed()) / size;
        await clean(dir);
        return { ratio, atKill, killed: killed.signal === 'SIGKILL', resumed: resumed.code === 0 };
      };
    const samples = await alternate(sides, { rounds: quick ? 1 : 3, warmup: 0 });
    const table = [
      `| ${fmt(size / 2 ** 20)} MiB, 4 segments | runs killed / resumed with exit 0 | served at kill median (min-max) | bytes served / file size median (min-max) |`,
      '|---|---|---|---|',
    ];
    const checks = [];
    for (const [name, s] of Object.entries(samples)) {
      const r = summary(s.map((x) => x.ratio));
      const k = summary(s.map((x) => x.atKill));
      table.push(
        `| ${name} | ${s.filter((x) => x.killed).length} / ${s.filter((x) => x.resumed).length} of ${s.length} | ${fmt(k.median * 100)}% (${fmt(k.min * 100)}-${fmt(k.max * 100)}%) | ${fmt(r.median, 4)} (${fmt(r.min, 4)}-${fmt(r.max, 4)}) |`,
      );
      checks.push([
        `${name}: bytes served / size = ${fmt(r.max, 4)} at worst`,
        r.max <= 1.02,
        'target <= 1.02 at every kill point',
      ]);
    }
    return {
      title: 'Resume cost (kill -9 at 0.5 s, 1.5 s and ~50%, then the same command again; 4 segments, to disk)',
      table,
      checks,
      ran: Object.values(samples).every((s) => s.every((x) => x.resumed && x.ratio > 0)),
    };
  } finally {
    await mock.stop();
  }
}
