import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clean, mbps } from '../lib/download.mjs';
import { startMock } from '../lib/mock.mjs';
import { runTimed } from '../lib/processes.mjs';
import { alternate, fmt, summary } from '../lib/stats.mjs';

const peer = fileURLToPath(new URL('../peers/transport-download.mjs', import.meta.url));

/**
 * The engine's object transport, decided by measurement (issue #14): its own HTTP/1.1 client
 * (http1-transport.ts) vs undici 7 (`Pool.stream()`), same driver (N ranged GETs written in
 * place), same mock in its own process, to tmpfs and to disk, with CPU seconds per GiB.
 */
export async function run({ quick, workDir }) {
  const size = quick ? 64 * 2 ** 20 : 2 ** 30;
  const shm = await mkdtemp('/dev/shm/dds-bench-');
  const mock = await startMock();
  try {
    const ids = await mock.addFile(size);
    const link = await mock.link(ids.instanceId, ids.backupId);
    const sides = {};
    for (const [where, dir] of [
      ['tmpfs', shm],
      ['disk', workDir],
    ])
      for (const segments of [1, 4])
        for (const kind of ['http1', 'undici'])
          sides[`${kind} ${segments}seg ${where}`] = async (r) => {
            const file = join(dir, `${kind}-${segments}-${r}`);
            const x = await runTimed(process.execPath, [peer, kind, link, String(size), String(segments), file]);
            await clean(file);
            if (x.code !== 0) throw new Error(`${kind} exited ${x.code}: ${x.stderr.slice(-800)}`);
            const { ms, cpuMs } = JSON.parse(x.stderr.trim().split('\n').pop());
            return { mbps: mbps(size, ms), cpuPerGiB: cpuMs / 1000 / (size / 2 ** 30) };
          };
    const samples = await alternate(sides, { rounds: quick ? 1 : 5, warmup: quick ? 0 : 1 });
    const table = [
      `| case (${fmt(size / 2 ** 20)} MiB) | own http1 MB/s median (min-max) | undici 7 MB/s median (min-max) | undici / own | CPU-s per GiB own | CPU-s per GiB undici |`,
      '|---|---|---|---|---|---|',
    ];
    const checks = [];
    for (const where of ['tmpfs', 'disk'])
      for (const segments of [1, 4]) {
        const own = samples[`http1 ${segments}seg ${where}`];
        const und = samples[`undici ${segments}seg ${where}`];
        const o = summary(own.map((s) => s.mbps));
        const u = summary(und.map((s) => s.mbps));
        const oc = summary(own.map((s) => s.cpuPerGiB));
        const uc = summary(und.map((s) => s.cpuPerGiB));
        table.push(
          `| ${segments} segment${segments > 1 ? 's' : ''}, to ${where} | ${fmt(o.median)} (${fmt(o.min)}-${fmt(o.max)}) | ${fmt(u.median)} (${fmt(u.min)}-${fmt(u.max)}) | ${fmt(u.median / o.median, 2)} | ${fmt(oc.median, 2)} | ${fmt(uc.median, 2)} |`,
        );
        checks.push([
          `${segments} segment(s) to ${where}: undici ${fmt(u.median / o.median, 2)}x the own client`,
          u.median / o.median < 0.97,
          'the own client stays unless undici is within 3%',
        ]);
      }
    return {
      title:
        'Object transport choice (the same ranged-GET driver around the own HTTP/1.1 client and undici 7 Pool.stream(); mock in its own process; sides alternated)',
      table,
      checks,
      ran: true,
    };
  } finally {
    await mock.stop();
    await rm(shm, { recursive: true, force: true });
  }
}
